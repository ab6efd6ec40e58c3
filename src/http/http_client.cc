#include "http/http_client.h"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <filesystem>
#include <limits>
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
                              const std::string& body, const std::string& content_type) {
    return Exchange([&](beast::tcp_stream& stream, beast::error_code& ec) {
      auto request = NewRequest<bhttp::string_body>(method, target);
      if (method != "GET") {
        if (!content_type.empty()) request.set(bhttp::field::content_type, content_type);
        request.body() = body;
        request.prepare_payload();
      }
      bhttp::write(stream, request, ec);
    });
  }

  StatusOr<HttpResponse> SendFile(const std::string& method, const std::string& target,
                                  const std::string& local_file, const std::string& content_type) {
    int fd = ::open(local_file.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat info {};
    if (fd < 0 || ::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
      if (fd >= 0) ::close(fd);
      return Status::InvalidParameter(fmt::format("cannot read '{}'", local_file));
    }
    struct CloseOnExit {
      int fd;
      ~CloseOnExit() { ::close(fd); }
    } close_on_exit{fd};
    const uint64_t size = static_cast<uint64_t>(info.st_size);
    return Exchange([&](beast::tcp_stream& stream, beast::error_code& ec) {
      auto request = NewRequest<bhttp::empty_body>(method, target);
      request.set(bhttp::field::content_type, content_type);
      request.content_length(size);
      bhttp::write(stream, request, ec);
      off_t offset = 0;
      while (!ec && static_cast<uint64_t>(offset) < size) {
        ssize_t sent = ::sendfile(stream.socket().native_handle(), fd, &offset,
                                  static_cast<size_t>(std::min<uint64_t>(size - offset, 8u << 20)));
        if (sent < 0 && errno == EINTR) continue;
        if (sent <= 0) ec = beast::error_code(sent < 0 ? errno : EIO, beast::system_category());
      }
    });
  }

  StatusOr<HttpResponse> Download(const std::string& target, const std::string& local_file) {
    namespace fs = std::filesystem;
    fs::path destination(local_file);
    fs::path temp = destination.parent_path() /
                    fmt::format(".{}.tmp-{}", destination.filename().string(), ::getpid());
    std::error_code fs_ec;
    if (!destination.parent_path().empty())
      fs::create_directories(destination.parent_path(), fs_ec);
    bool saved = false;
    StatusOr<HttpResponse> response = Exchange(
        [&](beast::tcp_stream& stream, beast::error_code& ec) {
          bhttp::write(stream, NewRequest<bhttp::empty_body>("GET", target), ec);
        },
        [&](beast::tcp_stream& stream, beast::error_code& ec, HttpResponse& out) {
          bhttp::response_parser<bhttp::empty_body> head;
          head.body_limit(std::numeric_limits<uint64_t>::max());  // not none: see http_server.cc
          bhttp::read_header(stream, buffer_, head, ec);
          if (ec) return;
          if (head.get().result_int() != 200) return ReadRest(stream, std::move(head), ec, out);
          bhttp::response_parser<bhttp::file_body> body(std::move(head));
          body.body_limit(std::numeric_limits<uint64_t>::max());
          body.get().body().open(temp.c_str(), beast::file_mode::write, ec);
          // Reads are sized by the buffer's free capacity: make room for large pieces.
          buffer_.reserve(256 * 1024);
          if (!ec) bhttp::read(stream, buffer_, body, ec);
          buffer_.shrink_to_fit();
          if (!ec) body.get().body().file().close(ec);
          Fill(body.get(), out);
          saved = !ec;
        });
    if (saved) fs::rename(temp, destination, fs_ec);
    if (!saved || fs_ec) fs::remove(temp, fs_ec);
    if (saved && fs_ec) {
      return Status(ErrorCode::kInvalidState,
                    fmt::format("cannot save '{}': {}", local_file, fs_ec.message()));
    }
    return response;
  }

 private:
  template <class Body>
  bhttp::request<Body> NewRequest(const std::string& method, const std::string& target) {
    bhttp::request<Body> request(bhttp::string_to_verb(method), prefix_ + target, 11);
    request.set(bhttp::field::host, host_ + ":" + port_);
    request.set(bhttp::field::user_agent, "orchard");
    if (!authorization_.empty()) request.set(bhttp::field::authorization, authorization_);
    return request;
  }

  template <class Body>
  void Fill(bhttp::response<Body>& message, HttpResponse& out) {
    out.status = static_cast<int>(message.result_int());
    out.content_type = std::string(message[bhttp::field::content_type]);
    keep_alive_hint_ = message.keep_alive();
  }

  void ReadRest(beast::tcp_stream& stream, bhttp::response_parser<bhttp::empty_body>&& head,
                beast::error_code& ec, HttpResponse& out) {
    bhttp::response_parser<bhttp::string_body> parser(std::move(head));
    parser.body_limit(1ull << 30);
    bhttp::read(stream, buffer_, parser, ec);
    Fill(parser.get(), out);
    out.body = std::move(parser.get().body());
  }

  // One request and its response on the kept-alive connection, retried once on a fresh
  // connection when a reused one turns out to be closed (the request is resent whole).
  template <class WriteFn, class ReadFn>
  StatusOr<HttpResponse> Exchange(WriteFn write, ReadFn read) {
    std::lock_guard lock(mutex_);
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool fresh = !stream_.has_value();
      if (fresh) ORCHARD_RETURN_IF_ERROR(Connect());
      beast::error_code ec;
      HttpResponse response;
      keep_alive_hint_ = false;
      write(*stream_, ec);
      if (!ec) read(*stream_, ec, response);
      if (ec) {
        stream_.reset();
        buffer_.clear();
        if (!fresh) continue;
        return Status(ErrorCode::kTemporarilyUnavailable,
                      fmt::format("lost the connection to the tracking server at {}:{}: {}", host_,
                                  port_, ec.message()));
      }
      if (!keep_alive_hint_) stream_.reset();
      return response;
    }
    return Status(ErrorCode::kTemporarilyUnavailable, "the tracking server keeps closing");
  }

  template <class WriteFn>
  StatusOr<HttpResponse> Exchange(WriteFn write) {
    return Exchange(
        write, [this](beast::tcp_stream& stream, beast::error_code& ec, HttpResponse& out) {
          bhttp::response_parser<bhttp::empty_body> head;
          head.body_limit(std::numeric_limits<uint64_t>::max());  // not none: see http_server.cc
          bhttp::read_header(stream, buffer_, head, ec);
          if (!ec) ReadRest(stream, std::move(head), ec, out);
        });
  }

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
  bool keep_alive_hint_ = false;  // the last response's keep-alive (set by Fill, under mutex_)

 public:
  std::string authorization_;  // set before requests are sent (SetAuthorization)
};

void HttpClient::SetAuthorization(std::string value) { impl_->authorization_ = std::move(value); }

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
  return impl_->Send(method, target, body, "application/json");
}

StatusOr<HttpResponse> HttpClient::Send(const std::string& method, const std::string& target,
                                        const std::string& body, const std::string& content_type) {
  return impl_->Send(method, target, body, content_type);
}

StatusOr<HttpResponse> HttpClient::SendFile(const std::string& method, const std::string& target,
                                            const std::string& local_file,
                                            const std::string& content_type) {
  return impl_->SendFile(method, target, local_file, content_type);
}

StatusOr<HttpResponse> HttpClient::Download(const std::string& target,
                                            const std::string& local_file) {
  return impl_->Download(target, local_file);
}

}  // namespace orchard
