// A blocking keep-alive HTTP/1.1 client for loopback benchmarks: connect to 127.0.0.1 only,
// send a request, read its reply (Content-Length bodies). Plain sockets, no dependencies. And the
// flag reader the load tools share.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace loopback {

inline int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

// Sends one request on a keep-alive connection and reads the reply; returns the status or -1.
inline int Exchange(int fd, const std::string& request, std::string& buffer) {
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return -1;
    sent += static_cast<size_t>(n);
  }
  buffer.clear();
  size_t header_end = std::string::npos;
  size_t content_length = 0;
  char chunk[65536];
  while (true) {
    if (header_end == std::string::npos) {
      header_end = buffer.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        size_t at = buffer.find("Content-Length: ");
        content_length =
            at == std::string::npos ? 0 : std::strtoul(buffer.c_str() + at + 16, nullptr, 10);
      }
    }
    if (header_end != std::string::npos && buffer.size() >= header_end + 4 + content_length) break;
    ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return -1;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  return std::atoi(buffer.c_str() + 9);
}

// The value after flag `name` ("--port 5000"), or `fallback`.
inline std::string Arg(int argc, char** argv, const char* name, const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  }
  return fallback;
}

}  // namespace loopback
