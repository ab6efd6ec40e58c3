// A minimal blocking HTTP/1.1 client for tests: one request per connection to 127.0.0.1.
// Deliberately independent of the server's HTTP library, so tests check the wire, not a shared
// implementation.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace orchard::testing {

struct HttpResult {
  int status = 0;
  std::string content_type;
  std::string body;
  std::string headers;  // the status line and headers, as sent
};

// A connection to 127.0.0.1:port, or -1 when it is refused.
inline int ConnectLoopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Reads from `fd` until the peer closes it (or a receive timeout set on it passes).
inline std::string ReadUntilClosed(int fd) {
  std::string reply;
  char buffer[65536];
  while (true) {
    ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    reply.append(buffer, static_cast<size_t>(n));
  }
  return reply;
}

// Sends raw bytes and reads the whole reply (the connection is closed by the request header).
inline std::string SendRaw(int port, const std::string& bytes) {
  int fd = ConnectLoopback(port);
  if (fd < 0) throw std::runtime_error("cannot connect");
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer (413) and close before reading everything
    sent += static_cast<size_t>(n);
  }
  std::string reply = ReadUntilClosed(fd);
  close(fd);
  return reply;
}

inline HttpResult ParseReply(const std::string& reply) {
  HttpResult result;
  size_t line_end = reply.find("\r\n");
  if (line_end == std::string::npos || reply.size() < 12) return result;
  result.status = std::stoi(reply.substr(9, 3));
  size_t headers_end = reply.find("\r\n\r\n");
  std::string headers = reply.substr(0, headers_end);
  result.headers = headers;
  size_t type = headers.find("Content-Type: ");
  if (type != std::string::npos) {
    result.content_type = headers.substr(type + 14, headers.find("\r\n", type) - type - 14);
  }
  if (headers_end != std::string::npos) result.body = reply.substr(headers_end + 4);
  return result;
}

inline HttpResult Http(int port, const std::string& method, const std::string& target,
                       const std::string& body = "",
                       const std::string& content_type = "application/json") {
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!body.empty() || method != "GET") {
    request += "Content-Type: " + content_type +
               "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "Connection: close\r\n\r\n" + body;
  return ParseReply(SendRaw(port, request));
}

}  // namespace orchard::testing
