#include "http/http_client.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <mutex>
#include <optional>

#include <fmt/format.h>

#include "http/asio.h"

namespace orchard {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

class HttpClient::Impl {
 public:
  Impl(std::string host, std::string port, std::string prefix)
      : host_(std::move(host)), port_(std::move(port)), prefix_(std::move(prefix)) {}

  StatusOr<HttpResponse> Send(const std::string& method, const std::string& target,
                              const std::string& body) {
    std::lock_guard lock(mutex_);
    // A kept-alive connection may have been closed by the server meanwhile: retry once on a
    // fresh one (requests here are safe to resend: the failure happened before any reply).
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool fresh = !stream_.has_value();
      if (fresh) ORCHARD_RETURN_IF_ERROR(Connect());
      beast::error_code ec;
      bhttp::request<bhttp::string_body> request(bhttp::string_to_verb(method), prefix_ + target,
                                                 11);
      request.set(bhttp::field::host, host_ + ":" + port_);
      request.set(bhttp::field::user_agent, "orchard");
      if (method != "GET") {
        request.set(bhttp::field::content_type, "application/json");
        request.body() = body;
        request.prepare_payload();
      }
      bhttp::write(*stream_, request, ec);
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(1ull << 30);
      if (!ec) bhttp::read(*stream_, buffer_, parser, ec);
      if (ec) {
        stream_.reset();
        buffer_.clear();
        if (!fresh) continue;
        return Status(ErrorCode::kTemporarilyUnavailable,
                      fmt::format("lost the connection to the tracking server at {}:{}: {}", host_,
                                  port_, ec.message()));
      }
      auto& message = parser.get();
      HttpResponse response;
      response.status = static_cast<int>(message.result_int());
      response.content_type = std::string(message[bhttp::field::content_type]);
      response.body = std::move(message.body());
      if (!message.keep_alive()) stream_.reset();
      return response;
    }
    return Status(ErrorCode::kTemporarilyUnavailable, "the tracking server keeps closing");
  }

 private:
  Status Connect() {
    beast::error_code ec;
    tcp::resolver resolver(ioc_);
    auto endpoints = resolver.resolve(host_, port_, ec);
    if (!ec) {
      stream_.emplace(ioc_);
      stream_->connect(endpoints, ec);
    }
    if (ec) {
      stream_.reset();
      return Status(ErrorCode::kTemporarilyUnavailable,
                    fmt::format("cannot reach the tracking server at http://{}:{}: {}; is "
                                "`orchard server` running there?",
                                host_, port_, ec.message()));
    }
    beast::error_code ignored;
    stream_->socket().set_option(tcp::no_delay(true), ignored);
    // Blocking reads and writes give up after a while instead of hanging on a stuck server.
    timeval timeout{.tv_sec = 300, .tv_usec = 0};
    int fd = stream_->socket().native_handle();
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    return Status::Ok();
  }

  std::string host_, port_, prefix_;
  std::mutex mutex_;
  asio::io_context ioc_;
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

StatusOr<std::unique_ptr<HttpClient>> HttpClient::Create(const std::string& base_url) {
  constexpr std::string_view kHttp = "http://";
  if (!base_url.starts_with(kHttp)) {
    return Status::InvalidParameter(
        fmt::format("'{}' is not an http:// URL (https is not supported yet)", base_url));
  }
  std::string rest = base_url.substr(kHttp.size());
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  std::string prefix = slash == std::string::npos ? "" : rest.substr(slash);
  while (prefix.ends_with('/')) prefix.pop_back();
  size_t colon = authority.rfind(':');
  std::string host = colon == std::string::npos ? authority : authority.substr(0, colon);
  std::string port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  if (host.empty() || port.empty()) {
    return Status::InvalidParameter(fmt::format("'{}' names no host", base_url));
  }
  return std::unique_ptr<HttpClient>(new HttpClient(std::make_unique<Impl>(host, port, prefix)));
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

StatusOr<HttpResponse> HttpClient::Send(const std::string& method, const std::string& target,
                                        const std::string& body) {
  return impl_->Send(method, target, body);
}

}  // namespace orchard
