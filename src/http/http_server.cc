#include "http/http_server.h"

#include <atomic>
#include <condition_variable>
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
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl& server)
      : stream_(std::move(socket)), server_(server) {}
  ~Session() { server_.Unregister(this); }

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
    parser_.emplace();
    parser_->body_limit(server_.options().max_body_bytes);
    parser_->header_limit(64 * 1024);
    stream_.expires_after(server_.options().idle_timeout);
    // Headers first (so a client that starts a request but stalls is timed out sooner)...
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    idle_ = false;
    // A declared Content-Length over the limit fails here, before any body is read.
    if (ec == bhttp::error::body_limit) return ReplyTooLarge();
    if (ec) return Fail(ec);
    if (server_.stopping()) return Close();
    started_ = std::chrono::steady_clock::now();
    stream_.expires_after(server_.options().body_timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRequest(ec); });
  }

  void OnRequest(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) return ReplyTooLarge();
    if (ec) return Fail(ec);
    auto& message = parser_->get();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.content_type = std::string(message[bhttp::field::content_type]);
    request.body = std::move(message.body());
    bool keep_alive = message.keep_alive() && !server_.stopping();
    if (!ParseRequestTarget(request.target, request.path, request.query)) {
      return Reply(server_.options().error_reply(400, "Malformed request target"), false, &request);
    }
    HttpResponse response = server_.Serve(request);
    Reply(std::move(response), keep_alive, &request);
  }

  void ReplyTooLarge() {
    linger_ = true;  // the unread body must be drained, or the reply may be lost to a reset
    Reply(
        server_.options().error_reply(413, fmt::format("Request body exceeds the limit of {} bytes",
                                                       server_.options().max_body_bytes)),
        /*keep_alive=*/false, nullptr);
  }

  void Reply(HttpResponse response, bool keep_alive, const HttpRequest* request) {
    auto reply = std::make_shared<bhttp::response<bhttp::string_body>>();
    reply->version(11);
    reply->result(static_cast<unsigned>(response.status));
    reply->set(bhttp::field::server, "orchard");
    reply->set(bhttp::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) reply->set(name, value);
    reply->keep_alive(keep_alive);
    if (request != nullptr && request->method == "HEAD") {
      reply->content_length(response.body.size());
    } else {
      reply->body() = std::move(response.body);
      reply->prepare_payload();
    }
    if (request != nullptr && server_.options().on_response) {
      response.body.clear();
      server_.options().on_response(*request, response,
                                    std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::steady_clock::now() - started_));
    }
    stream_.expires_after(server_.options().body_timeout);
    bhttp::async_write(
        stream_, *reply,
        [self = shared_from_this(), reply, keep_alive](beast::error_code ec, size_t) {
          if (ec) return self->Fail(ec);
          if (!keep_alive || self->server_.stopping()) return self->Close();
          self->ReadRequest();
        });
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

  beast::tcp_stream stream_;
  HttpServer::Impl& server_;
  beast::flat_buffer buffer_{8192};
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::atomic<bool> idle_{true};
  bool linger_ = false;
  std::vector<char> drain_buffer_;
  std::optional<std::chrono::steady_clock::time_point> drain_started_;
  size_t drained_ = 0;
};

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
