#include "http/http_server.h"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "http/asio.h"

namespace orchard {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

// The most header bytes a request may send; beyond it the answer is 431.
constexpr uint64_t kHeaderLimit = 64 * 1024;

HttpResponse PlainError(int status, const std::string& message) {
  return {.status = status, .content_type = "text/plain; charset=utf-8", .body = message + "\n"};
}

}  // namespace

class Session;

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, HttpHandler handler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        acceptor_(asio::make_strand(ioc_)),  // accepts and Stop()'s close never run at once
        retry_timer_(acceptor_.get_executor()) {
    if (!options_.error_reply) options_.error_reply = PlainError;
  }

  Status Start();
  void Stop();
  void Wait();
  int port() const { return port_; }

  // Session bookkeeping, so Stop() can close idle connections.
  void Register(const std::shared_ptr<Session>& session);
  void Unregister(Session* session);
  bool stopping() const { return stopping_; }

  HttpResponse Serve(const HttpRequest& request);
  BodyPlan Plan(const HttpRequest& head);
  const HttpServerOptions& options() const { return options_; }

 private:
  void Accept();

  HttpServerOptions options_;
  HttpHandler handler_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  int port_ = 0;
  std::mutex mutex_;  // guards sessions_, stopped_
  std::set<std::weak_ptr<Session>, std::owner_less<std::weak_ptr<Session>>> sessions_;
  std::condition_variable stopped_cv_;
  bool stopped_ = false;
  std::once_flag stop_once_;
};

// One connection: read a request, answer it, repeat while keep-alive.
//
// The headers are read first; the BodyPlan then says whether the body goes into memory or is
// streamed into a file chunk by chunk. A reply with a file_path is sent with sendfile(2), so
// neither direction holds a large body in memory.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl& server)
      : stream_(std::move(socket)), server_(server), wait_timer_(stream_.get_executor()) {}
  ~Session() {
    CloseFile();
    RemoveSpool();
    server_.Unregister(this);
  }

  void Start() { ReadRequest(); }

  // Called on Stop(): closes the connection if it waits for a request; a request being served
  // finishes first (then the connection closes, as `stopping` is set).
  void CloseIfIdle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->idle_) {
        beast::error_code ignored;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        self->stream_.close();
      }
    });
  }

 private:
  void ReadRequest() {
    if (server_.stopping()) return Close();
    idle_ = true;
    head_parser_.emplace();
    // The plan's own limit is checked once the headers are in. (Not boost::none: Boost 1.74
    // compares a Content-Length with an empty limit as exceeding it.)
    head_parser_->body_limit(
        std::max(server_.options().max_body_bytes, server_.options().max_spooled_body_bytes));
    head_parser_->header_limit(kHeaderLimit);
    body_parser_.reset();
    file_parser_.reset();
    stream_.expires_after(server_.options().idle_timeout);
    // Headers first (so a client that starts a request but stalls is timed out sooner)...
    bhttp::async_read_header(
        stream_, buffer_, *head_parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    idle_ = false;
    if (ec == bhttp::error::header_limit) {
      // RFC 6585: say why, rather than close without a word.
      linger_ = true;
      return Reply(
          server_.options().error_reply(
              431, fmt::format("Request headers exceed the limit of {} bytes", kHeaderLimit)),
          /*keep_alive=*/false, nullptr);
    }
    if (ec) return Fail(ec);
    if (server_.stopping()) return Close();
    started_ = std::chrono::steady_clock::now();
    const auto& head = head_parser_->get();
    request_ = HttpRequest{};
    request_.method = std::string(head.method_string());
    request_.target = std::string(head.target());
    request_.content_type = std::string(head[bhttp::field::content_type]);
    for (const auto& field : head) {
      request_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    keep_alive_ = head.keep_alive();
    if (!ParseRequestTarget(request_.target, request_.path, request_.query)) {
      return ReplyEarly(server_.options().error_reply(400, "Malformed request target"));
    }
    if (!StripPathPrefix(server_.options().path_prefix, request_.path)) {
      return ReplyEarly(server_.options().error_reply(
          404, "This server serves everything under " + server_.options().path_prefix + "/"));
    }
    BodyPlan plan = server_.Plan(request_);
    if (plan.reply) return ReplyEarly(std::move(*plan.reply));
    const bool spool = !plan.spool_file.empty();
    limit_ = spool ? server_.options().max_spooled_body_bytes : server_.options().max_body_bytes;
    // A declared Content-Length over the limit is refused before any body is read.
    if (auto length = head_parser_->content_length(); length && *length > limit_) {
      return ReplyTooLarge();
    }
    const bool expect_continue = beast::iequals(head[bhttp::field::expect], "100-continue");
    if (spool) {
      file_parser_.emplace(std::move(*head_parser_));
      file_parser_->body_limit(limit_);
      beast::error_code open_ec;
      file_parser_->get().body().open(plan.spool_file.c_str(), beast::file_mode::write, open_ec);
      if (open_ec) {
        return ReplyEarly(server_.options().error_reply(
            500, fmt::format("cannot store the request body: {}", open_ec.message())));
      }
      spool_file_ = plan.spool_file;
      // Reads are sized by the buffer's free capacity: without room, a large body would come
      // in pieces of a few hundred bytes. Given back after the body (see OnBody).
      buffer_.reserve(kStreamBufferBytes);
    } else {
      body_parser_.emplace(std::move(*head_parser_));
      body_parser_->body_limit(limit_);
    }
    head_parser_.reset();
    if (!expect_continue) return ReadBody();
    // The client waits for this before it sends a large body (curl does so above 1 MB).
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    stream_.expires_after(server_.options().idle_timeout);
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec) return self->Fail(ec);
                        self->ReadBody();
                      });
  }

  void ReadBody() {
    if (file_parser_) return ReadFileBody();
    stream_.expires_after(server_.options().body_timeout);
    bhttp::async_read(
        stream_, buffer_, *body_parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
  }

  // A streamed body may take long as a whole; each chunk must come within the idle timeout.
  void ReadFileBody() {
    if (file_parser_->is_done()) return OnBody({});
    stream_.expires_after(server_.options().idle_timeout);
    bhttp::async_read_some(stream_, buffer_, *file_parser_,
                           [self = shared_from_this()](beast::error_code ec, size_t) {
                             if (ec) return self->OnBody(ec);
                             self->ReadFileBody();
                           });
  }

  void OnBody(beast::error_code ec) {
    if (file_parser_) {
      beast::error_code ignored;
      file_parser_->get().body().file().close(ignored);
      buffer_.shrink_to_fit();
    }
    if (ec == bhttp::error::body_limit) {
      RemoveSpool();
      return ReplyTooLarge();
    }
    if (ec) {
      RemoveSpool();
      return Fail(ec);
    }
    if (body_parser_) request_.body = std::move(body_parser_->get().body());
    if (file_parser_) request_.body_file = spool_file_;
    bool keep_alive = keep_alive_ && !server_.stopping();
    HttpResponse response = server_.Serve(request_);
    RemoveSpool();  // whatever the handler did not move away
    Reply(std::move(response), keep_alive, &request_);
  }

  // Answers before the body was read: the connection cannot be reused.
  void ReplyEarly(HttpResponse response) {
    linger_ = true;  // the unread body must be drained, or the reply may be lost to a reset
    Reply(std::move(response), /*keep_alive=*/false, &request_);
  }

  void ReplyTooLarge() {
    linger_ = true;
    Reply(server_.options().error_reply(
              413, fmt::format("Request body exceeds the limit of {} bytes", limit_)),
          /*keep_alive=*/false, nullptr);
  }

  void Reply(HttpResponse response, bool keep_alive, const HttpRequest* request) {
    if (!response.file_path.empty()) return ReplyFile(std::move(response), keep_alive, request);
    auto reply = std::make_shared<bhttp::response<bhttp::string_body>>();
    SetHeaders(*reply, response, keep_alive);
    if (request != nullptr && request->method == "HEAD") {
      reply->content_length(response.body.size());
    } else {
      reply->body() = std::move(response.body);
      reply->prepare_payload();
    }
    Log(request, response);
    stream_.expires_after(server_.options().body_timeout);
    bhttp::async_write(
        stream_, *reply,
        [self = shared_from_this(), reply, keep_alive](beast::error_code ec, size_t) {
          if (ec) return self->Fail(ec);
          self->Finish(keep_alive);
        });
  }

  // Sends the headers, then the file with sendfile(2): no copy through user space.
  void ReplyFile(HttpResponse response, bool keep_alive, const HttpRequest* request) {
    int fd = ::open(response.file_path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat info {};
    if (fd < 0 || ::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
      if (fd >= 0) ::close(fd);
      return Reply(server_.options().error_reply(404, "The file is no longer there"), keep_alive,
                   request);
    }
    file_fd_ = fd;
    file_offset_ = 0;
    file_remaining_ = static_cast<uint64_t>(info.st_size);
    auto reply = std::make_shared<bhttp::response<bhttp::empty_body>>();
    SetHeaders(*reply, response, keep_alive);
    reply->content_length(file_remaining_);
    const bool head_only = request != nullptr && request->method == "HEAD";
    Log(request, response);
    stream_.expires_after(server_.options().body_timeout);
    bhttp::async_write(
        stream_, *reply,
        [self = shared_from_this(), reply, keep_alive, head_only](beast::error_code ec, size_t) {
          if (ec) return self->Fail(ec);
          if (head_only) self->file_remaining_ = 0;
          self->SendFile(keep_alive);
        });
  }

  void SendFile(bool keep_alive) {
    auto& socket = stream_.socket();
    beast::error_code ec;
    socket.native_non_blocking(true, ec);
    // A bounded amount per turn, so one large download does not starve other connections.
    uint64_t budget = 64ull << 20;
    while (file_remaining_ > 0 && !ec) {
      if (budget == 0) {
        return asio::post(stream_.get_executor(),
                          [self = shared_from_this(), keep_alive] { self->SendFile(keep_alive); });
      }
      size_t chunk = static_cast<size_t>(std::min<uint64_t>({file_remaining_, budget, 8u << 20}));
      ssize_t sent = ::sendfile(socket.native_handle(), file_fd_, &file_offset_, chunk);
      if (sent > 0) {
        file_remaining_ -= static_cast<uint64_t>(sent);
        budget -= std::min<uint64_t>(budget, static_cast<uint64_t>(sent));
        continue;
      }
      if (sent < 0 && errno == EINTR) continue;
      if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        // Wait until the socket can take more; give up on a client that reads nothing for the
        // idle timeout.
        wait_timer_.expires_after(server_.options().idle_timeout);
        wait_timer_.async_wait([self = shared_from_this()](beast::error_code timer_ec) {
          if (!timer_ec) {
            beast::error_code ignored;
            self->stream_.socket().cancel(ignored);
          }
        });
        socket.async_wait(tcp::socket::wait_write,
                          [self = shared_from_this(), keep_alive](beast::error_code wait_ec) {
                            self->wait_timer_.cancel();
                            if (wait_ec) return self->Fail(wait_ec);
                            self->SendFile(keep_alive);
                          });
        return;
      }
      // The file shrank or the socket failed: the promised length cannot be kept, so close.
      CloseFile();
      return Fail(beast::error_code(sent < 0 ? errno : EIO, beast::system_category()));
    }
    CloseFile();
    if (ec) return Fail(ec);
    Finish(keep_alive);
  }

  template <class Body>
  void SetHeaders(bhttp::response<Body>& reply, const HttpResponse& response, bool keep_alive) {
    reply.version(11);
    reply.result(static_cast<unsigned>(response.status));
    reply.set(bhttp::field::server, "orchard");
    reply.set(bhttp::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) reply.set(name, value);
    reply.keep_alive(keep_alive);
  }

  void Log(const HttpRequest* request, const HttpResponse& response) {
    if (request == nullptr || !server_.options().on_response) return;
    server_.options().on_response(*request, response,
                                  std::chrono::duration_cast<std::chrono::microseconds>(
                                      std::chrono::steady_clock::now() - started_));
  }

  void Finish(bool keep_alive) {
    if (!keep_alive || server_.stopping()) return Close();
    ReadRequest();
  }

  void CloseFile() {
    if (file_fd_ >= 0) ::close(file_fd_);
    file_fd_ = -1;
  }

  void RemoveSpool() {
    if (spool_file_.empty()) return;
    std::error_code ignored;
    std::filesystem::remove(spool_file_, ignored);
    spool_file_.clear();
  }

  void Fail(beast::error_code ec) {
    // A client that goes away or times out is not an error of the server.
    (void)ec;
    Close();
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (linger_) return Drain();
    stream_.close();
  }

  // After a reply sent before the request was read whole: read and discard what the client
  // still sends (bounded in time), so closing does not reset the connection before the client
  // has read the reply.
  void Drain() {
    linger_ = false;
    // Bounded in total, not per read: a client that keeps sending is cut off after 2 s or 64 MB.
    auto now = std::chrono::steady_clock::now();
    if (!drain_started_) drain_started_ = now;
    if (now - *drain_started_ > std::chrono::seconds(2) || drained_ > (64u << 20) ||
        server_.stopping()) {
      return stream_.close();
    }
    stream_.expires_after(std::chrono::seconds(2));
    drain_buffer_.resize(16384);
    stream_.async_read_some(asio::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code ec, size_t bytes) {
                              if (ec) return self->stream_.close();
                              self->drained_ += bytes;
                              self->linger_ = true;
                              self->Drain();
                            });
  }

  static constexpr size_t kStreamBufferBytes = 256 * 1024;

  beast::tcp_stream stream_;
  HttpServer::Impl& server_;
  // No size cap here: the parsers bound the headers, and bodies pass through in chunks.
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::empty_body>> head_parser_;
  std::optional<bhttp::request_parser<bhttp::string_body>> body_parser_;
  std::optional<bhttp::request_parser<bhttp::file_body>> file_parser_;
  HttpRequest request_;
  bool keep_alive_ = false;
  uint64_t limit_ = 0;
  std::string spool_file_;
  int file_fd_ = -1;
  off_t file_offset_ = 0;
  uint64_t file_remaining_ = 0;
  asio::steady_timer wait_timer_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::atomic<bool> idle_{true};
  bool linger_ = false;
  std::vector<char> drain_buffer_;
  std::optional<std::chrono::steady_clock::time_point> drain_started_;
  size_t drained_ = 0;
};

BodyPlan HttpServer::Impl::Plan(const HttpRequest& head) {
  if (!options_.plan_body) return {};
  try {
    return options_.plan_body(head);
  } catch (const std::exception& e) {
    return {.reply = options_.error_reply(500, std::string("Internal error: ") + e.what())};
  }
}

HttpResponse HttpServer::Impl::Serve(const HttpRequest& request) {
  try {
    return handler_(request);
  } catch (const std::exception& e) {
    return options_.error_reply(500, std::string("Internal error: ") + e.what());
  } catch (...) {
    return options_.error_reply(500, "Internal error");
  }
}

void HttpServer::Impl::Register(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(mutex_);
  sessions_.insert(session);
}

void HttpServer::Impl::Unregister(Session* session) {
  std::lock_guard lock(mutex_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->expired()) {
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
  (void)session;
}

Status HttpServer::Impl::Start() {
  beast::error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  if (ec) {
    return Status::InvalidParameter(
        fmt::format("'{}' is not an IP address to listen on: {}", options_.host, ec.message()));
  }
  if (options_.port < 0 || options_.port > 65535) {
    return Status::InvalidParameter(fmt::format("port {} is out of range", options_.port));
  }
  tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.port));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status(ErrorCode::kInvalidState, fmt::format("cannot listen on {}:{}: {}", options_.host,
                                                        options_.port, ec.message()));
  }
  port_ = acceptor_.local_endpoint().port();
  started_ = true;
  Accept();
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    threads_.emplace_back([this] { ioc_.run(); });
  }
  return Status::Ok();
}

void HttpServer::Impl::Accept() {
  acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (!acceptor_.is_open() || stopping_) return;  // closed by Stop()
      // A transient error (say, too many open files): keep serving, but try again a little
      // later rather than spinning on it.
      retry_timer_.expires_after(std::chrono::milliseconds(20));
      retry_timer_.async_wait([this](beast::error_code) {
        if (!stopping_) Accept();
      });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto session = std::make_shared<Session>(std::move(socket), *this);
    Register(session);
    session->Start();
    Accept();
  });
}

void HttpServer::Impl::Stop() {
  std::call_once(stop_once_, [this] {
    stopping_ = true;
    if (started_) {
      asio::post(acceptor_.get_executor(), [this] {
        beast::error_code ignored;
        acceptor_.close(ignored);
        retry_timer_.cancel();
      });
      std::vector<std::shared_ptr<Session>> live;
      {
        std::lock_guard lock(mutex_);
        for (const auto& weak : sessions_) {
          if (auto session = weak.lock()) live.push_back(std::move(session));
        }
      }
      for (auto& session : live) session->CloseIfIdle();
      live.clear();
      // The threads end when the last connection has closed and nothing else is queued.
      for (std::thread& thread : threads_) thread.join();
      threads_.clear();
    }
    std::lock_guard lock(mutex_);
    stopped_ = true;
    stopped_cv_.notify_all();
  });
}

void HttpServer::Impl::Wait() {
  std::unique_lock lock(mutex_);
  stopped_cv_.wait(lock, [this] { return stopped_; });
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { impl_->Stop(); }

Status HttpServer::Start() { return impl_->Start(); }
int HttpServer::port() const { return impl_->port(); }
void HttpServer::Stop() { impl_->Stop(); }
void HttpServer::Wait() { impl_->Wait(); }

}  // namespace orchard
