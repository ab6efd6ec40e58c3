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
#include <vector>

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "http/asio.h"
#include "http/tls_context.h"

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

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

class HttpClient::Impl {
 public:
  // `tls` set: https://, verified unless `insecure`.
  Impl(std::string host, std::string port, std::string prefix,
       std::unique_ptr<asio::ssl::context> tls, bool insecure)
      : host_(std::move(host)),
        port_(std::move(port)),
        prefix_(std::move(prefix)),
        tls_context_(std::move(tls)),
        insecure_(insecure) {}

  StatusOr<HttpResponse> Send(const std::string& method, const std::string& target,
                              const std::string& body, const std::string& content_type) {
    return Exchange([&](auto& stream, beast::error_code& ec) {
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
    return Exchange([&](auto& stream, beast::error_code& ec) {
      auto request = NewRequest<bhttp::empty_body>(method, target);
      request.set(bhttp::field::content_type, content_type);
      request.content_length(size);
      bhttp::write(stream, request, ec);
      if (!ec) WriteFileBody(stream, fd, size, ec);
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
        [&](auto& stream, beast::error_code& ec) {
          bhttp::write(stream, NewRequest<bhttp::empty_body>("GET", target), ec);
        },
        [&](auto& stream, beast::error_code& ec, HttpResponse& out) {
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

  // Streams `size` bytes of file `fd` as the body: sendfile(2) on a plain connection, through a
  // buffer (to be encrypted) over TLS.
  void WriteFileBody(beast::tcp_stream& stream, int fd, uint64_t size, beast::error_code& ec) {
    off_t offset = 0;
    while (!ec && static_cast<uint64_t>(offset) < size) {
      ssize_t sent = ::sendfile(stream.socket().native_handle(), fd, &offset,
                                static_cast<size_t>(std::min<uint64_t>(size - offset, 8u << 20)));
      if (sent < 0 && errno == EINTR) continue;
      if (sent <= 0) ec = beast::error_code(sent < 0 ? errno : EIO, beast::system_category());
    }
  }
  void WriteFileBody(TlsStream& stream, int fd, uint64_t size, beast::error_code& ec) {
    std::vector<char> chunk(static_cast<size_t>(std::min<uint64_t>(size, 256 * 1024)));
    off_t offset = 0;
    while (!ec && static_cast<uint64_t>(offset) < size) {
      ssize_t got = ::pread(fd, chunk.data(), chunk.size(), offset);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        ec = beast::error_code(got < 0 ? errno : EIO, beast::system_category());
        break;
      }
      asio::write(stream, asio::buffer(chunk.data(), static_cast<size_t>(got)), ec);
      offset += got;
    }
  }

  template <class Stream>
  void ReadRest(Stream& stream, bhttp::response_parser<bhttp::empty_body>&& head,
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
      bool fresh = !connected();
      if (fresh) ORCHARD_RETURN_IF_ERROR(Connect());
      beast::error_code ec;
      HttpResponse response;
      keep_alive_hint_ = false;
      auto exchange = [&](auto& stream) {
        write(stream, ec);
        if (!ec) read(stream, ec, response);
      };
      if (tls_stream_) {
        exchange(*tls_stream_);
      } else {
        exchange(*plain_stream_);
      }
      if (ec) {
        Disconnect();
        if (!fresh) continue;
        return Status(ErrorCode::kTemporarilyUnavailable,
                      fmt::format("lost the connection to the tracking server at {}: {}", Origin(),
                                  ec.message()));
      }
      if (!keep_alive_hint_) Disconnect();
      return response;
    }
    return Status(ErrorCode::kTemporarilyUnavailable, "the tracking server keeps closing");
  }

  template <class WriteFn>
  StatusOr<HttpResponse> Exchange(WriteFn write) {
    return Exchange(write, [this](auto& stream, beast::error_code& ec, HttpResponse& out) {
      bhttp::response_parser<bhttp::empty_body> head;
      head.body_limit(std::numeric_limits<uint64_t>::max());  // not none: see http_server.cc
      bhttp::read_header(stream, buffer_, head, ec);
      if (!ec) ReadRest(stream, std::move(head), ec, out);
    });
  }

  bool connected() const { return plain_stream_.has_value() || tls_stream_.has_value(); }
  void Disconnect() {
    plain_stream_.reset();
    tls_stream_.reset();
    buffer_.clear();
  }
  std::string Origin() const {
    return fmt::format("{}://{}:{}", tls_context_ ? "https" : "http", host_, port_);
  }

  Status Connect() {
    beast::error_code ec;
    tcp::resolver resolver(ioc_);
    // A bracketed IPv6 address ("[::1]") is resolved, and checked in a certificate, bare.
    std::string name = host_;
    if (name.size() > 2 && name.front() == '[' && name.back() == ']') {
      name = name.substr(1, name.size() - 2);
    }
    auto endpoints = resolver.resolve(name, port_, ec);
    beast::tcp_stream* tcp_layer = nullptr;
    if (!ec) {
      if (tls_context_) {
        tls_stream_.emplace(ioc_, *tls_context_);
        tcp_layer = &beast::get_lowest_layer(*tls_stream_);
      } else {
        plain_stream_.emplace(ioc_);
        tcp_layer = &*plain_stream_;
      }
      tcp_layer->connect(endpoints, ec);
    }
    if (ec) {
      Disconnect();
      return Status(ErrorCode::kTemporarilyUnavailable,
                    fmt::format("cannot reach the tracking server at {}: {}; is `orchard server` "
                                "running there?",
                                Origin(), ec.message()));
    }
    beast::error_code ignored;
    tcp_layer->socket().set_option(tcp::no_delay(true), ignored);
    // Blocking reads and writes give up after a while instead of hanging on a stuck server.
    timeval timeout{.tv_sec = 300, .tv_usec = 0};
    int fd = tcp_layer->socket().native_handle();
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    if (tls_stream_) return Handshake(name);
    return Status::Ok();
  }

  // TLS: the server's certificate must chain to a trusted CA and name the host it was reached
  // by (unless insecure); the name is also sent (SNI), for servers with several certificates.
  Status Handshake(const std::string& name) {
    beast::error_code ec;
    SSL* ssl = tls_stream_->native_handle();
    asio::ip::make_address(name, ec);
    const bool is_address = !ec;
    if (!is_address) SSL_set_tlsext_host_name(ssl, name.c_str());
    if (!insecure_) {
      // OpenSSL's own check of the name, so a mismatch is reported as one ("hostname mismatch").
      if (is_address) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
      } else {
        SSL_set1_host(ssl, name.c_str());
      }
    }
    ec = {};
    tls_stream_->handshake(asio::ssl::stream_base::client, ec);
    if (!ec) return Status::Ok();
    std::string reason = DescribeTlsFailure(ec, tls_stream_->native_handle());
    Disconnect();
    std::string advice;
    if (reason.find("mismatch") != std::string::npos) {
      advice = "; reach the server by a name (or address) its certificate lists";
    } else if (!insecure_) {
      advice =
          "; set MLFLOW_TRACKING_SERVER_CERT_PATH to the CA certificate that signed the server's, "
          "or MLFLOW_TRACKING_INSECURE_TLS=true to skip the check (testing only)";
    }
    return Status(
        ErrorCode::kTemporarilyUnavailable,
        fmt::format("TLS with the tracking server at {} failed: {}{}", Origin(), reason, advice));
  }

  std::string host_, port_, prefix_;
  std::unique_ptr<asio::ssl::context> tls_context_;  // set: https://
  bool insecure_ = false;
  std::mutex mutex_;
  asio::io_context ioc_;
  // The kept-alive connection, if any: one of the two.
  std::optional<beast::tcp_stream> plain_stream_;
  std::optional<TlsStream> tls_stream_;
  beast::flat_buffer buffer_;
  bool keep_alive_hint_ = false;  // the last response's keep-alive (set by Fill, under mutex_)

 public:
  std::string authorization_;  // set before requests are sent (SetAuthorization)
};

void HttpClient::SetAuthorization(std::string value) { impl_->authorization_ = std::move(value); }

StatusOr<std::unique_ptr<HttpClient>> HttpClient::Create(const std::string& base_url,
                                                         const TlsClientOptions& tls) {
  const bool https = base_url.starts_with("https://");
  if (!https && !base_url.starts_with("http://")) {
    return Status::InvalidParameter(
        fmt::format("'{}' is not an http:// or https:// URL", base_url));
  }
  std::string rest = base_url.substr(https ? 8 : 7);
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  std::string prefix = slash == std::string::npos ? "" : rest.substr(slash);
  while (prefix.ends_with('/')) prefix.pop_back();
  // The port follows the last ':' that is not inside an IPv6 address's brackets.
  size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']', colon) != std::string::npos) {
    colon = std::string::npos;
  }
  std::string host = colon == std::string::npos ? authority : authority.substr(0, colon);
  std::string port =
      colon == std::string::npos ? (https ? "443" : "80") : authority.substr(colon + 1);
  if (host.empty() || port.empty()) {
    return Status::InvalidParameter(fmt::format("'{}' names no host", base_url));
  }
  std::unique_ptr<asio::ssl::context> context;
  if (https) {
    ORCHARD_ASSIGN_OR_RETURN(context, MakeClientTlsContext(tls));
  }
  return std::unique_ptr<HttpClient>(
      new HttpClient(std::make_unique<Impl>(host, port, prefix, std::move(context), tls.insecure)));
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
