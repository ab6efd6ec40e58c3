#include "http/http_server.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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
#include "http/tls_context.h"

namespace orchard {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

HttpResponse PlainError(int status, const std::string& message) {
  return {.status = status, .content_type = "text/plain; charset=utf-8", .body = message + "\n"};
}

// After a request or a reply this large, freed memory is handed back to the system: the
// allocator would otherwise keep it, and a server that once parsed a large body would stay at its
// peak size.
constexpr uint64_t kTrimAfterBytes = 4u << 20;
// A body of unknown length (chunked) reserves its share of the buffered-bytes budget in steps.
constexpr uint64_t kReservationStep = 1u << 20;
// Room left after an in-memory body, so a JSON parser that reads in 64-byte blocks (simdjson)
// can parse it in place instead of copying it.
constexpr size_t kBodyPadding = 64;

// Raises the soft limit on open files to the hard one (Debian's soft default is 1,024, which
// 1,000 idle clients would exhaust) and returns the connections that leaves room for.
size_t ConnectionsAllowedByFileLimit() {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    struct rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  // Files, the store's connections and the listening socket need some.
  constexpr rlim_t kReserved = 128;
  if (limit.rlim_cur == RLIM_INFINITY) return SIZE_MAX;
  return limit.rlim_cur > 2 * kReserved ? static_cast<size_t>(limit.rlim_cur - kReserved)
                                        : static_cast<size_t>(limit.rlim_cur / 2);
}

// The bytes of a whole HTTP/1.1 response, for writing without a parser: the refusal sent to a
// connection over the cap, and the one to plain HTTP sent to a TLS port.
std::string SerializeClosingResponse(const HttpResponse& response) {
  const bool busy = response.status == 503;
  std::string text = fmt::format(
      "HTTP/1.1 {} {}\r\nServer: orchard\r\nContent-Type: {}\r\n{}Connection: close\r\n"
      "Content-Length: {}\r\n\r\n",
      response.status, busy ? "Service Unavailable" : "Bad Request", response.content_type,
      busy ? "Retry-After: 1\r\n" : "", response.body.size());
  return text + response.body;
}

}  // namespace

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// What the server needs of a connection, whatever its stream.
class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  virtual void Start() = 0;
  // Whether the connection waits for (the headers of) a request, and since when.
  virtual bool idle() const = 0;
  virtual std::chrono::steady_clock::time_point idle_since() const = 0;
  // Called on Stop(): closes the connection if it waits for a request; a request being served
  // finishes first (then the connection closes, as `stopping` is set). Also how the connection
  // cap evicts an idle connection.
  virtual void CloseIfIdle() = 0;
  // Closes the connection whatever it is doing: pending reads and writes end with an error.
  virtual void CloseNow() = 0;
  // Whether its socket is closed or about to be, at once (not after a goodbye that takes time:
  // a TLS close_notify, or draining what the client still sends; those still count). On a
  // loaded machine, unwinding its last handler and freeing it can take a while; meanwhile it
  // does not count against the connection cap.
  bool closing() const { return closing_; }

 protected:
  std::atomic<bool> closing_{false};
};

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
  void Stop(std::chrono::milliseconds grace);
  void Wait();
  int port() const { return port_; }

  // Session bookkeeping: Stop() closes idle connections, the connection cap evicts them.
  void Register(const std::shared_ptr<SessionBase>& session);
  void Unregister();
  bool stopping() const { return stopping_; }
  size_t connections() const { return connections_; }
  std::atomic<size_t>& in_flight() { return in_flight_; }
  size_t in_flight() const { return in_flight_; }

  // The budget of HttpLimits::max_buffered_bytes: false when `bytes` more would pass it.
  bool ReserveBuffered(uint64_t bytes);
  void ReleaseBuffered(uint64_t bytes) { buffered_ -= bytes; }
  uint64_t buffered() const { return buffered_; }

  HttpResponse Serve(const HttpRequest& request);
  BodyPlan Plan(const HttpRequest& head);
  const HttpServerOptions& options() const { return options_; }
  const HttpLimits& limits() const { return options_.limits; }

 private:
  void Accept();
  // At the connection cap: closes the connection idle longest; false when none is idle (and
  // none is closing already).
  bool MakeRoom();
  // Answers 503 on a connection over the cap and closes it, without reading from it.
  void RefuseBusy(tcp::socket socket);
  std::vector<std::shared_ptr<SessionBase>> LiveSessions();

  HttpServerOptions options_;
  HttpHandler handler_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  std::vector<std::thread> threads_;
  // Keeps the threads running until Stop() has seen every connection close. Without it, the
  // threads could end (no work left) while Stop() held the last reference to a finished
  // connection and then posted its close to a context nobody runs: Stop() would wait forever.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  int port_ = 0;
  size_t max_connections_ = 0;
  std::string busy_reply_;
  std::unique_ptr<asio::ssl::context> tls_context_;  // set: HTTPS only
  std::atomic<size_t> connections_{0};
  std::atomic<uint64_t> buffered_{0};
  std::atomic<size_t> in_flight_{0};
  std::mutex mutex_;  // guards sessions_, stopped_
  std::set<std::weak_ptr<SessionBase>, std::owner_less<std::weak_ptr<SessionBase>>> sessions_;
  std::condition_variable sessions_cv_;  // a connection closed
  std::condition_variable stopped_cv_;
  bool stopped_ = false;
  std::once_flag stop_once_;
};

// One connection: read a request, answer it, repeat while keep-alive.
//
// The headers are read first; the BodyPlan then says whether the body goes into memory or is
// streamed into a file chunk by chunk. A reply with a file_path is sent with sendfile(2), so
// neither direction holds a large body in memory. A body read into memory first reserves its
// size from the server's buffered-bytes budget, and gives it back once the reply is sent.
//
// `Stream` is beast::tcp_stream, or TlsStream over it for HTTPS: the same exchange either way,
// after a TLS handshake; a file reply over TLS is encrypted chunk by chunk instead of sendfile(2).
template <class Stream>
class Session : public SessionBase {
 public:
  template <class... StreamArgs>
  explicit Session(HttpServer::Impl& server, StreamArgs&&... stream_args)
      : stream_(std::forward<StreamArgs>(stream_args)...),
        server_(server),
        wait_timer_(stream_.get_executor()) {
    // A TLS handshake counts as idle time: at the connection cap, a connection that never
    // finishes its handshake is evicted before one that sent requests.
    idle_since_ = std::chrono::steady_clock::now().time_since_epoch().count();
  }
  ~Session() override {
    if (in_flight_) --server_.in_flight();
    CloseFile();
    RemoveSpool();
    ReleaseBody();
    server_.Unregister();
  }

  void Start() override {
    // On the connection's own strand, like all its work: CloseIfIdle must never run alongside
    // it on another thread.
    asio::dispatch(stream_.get_executor(), [self = Self()] {
      if constexpr (kTls) {
        self->StartTls();
      } else {
        self->ReadRequest();
      }
    });
  }

  bool idle() const override { return idle_; }
  std::chrono::steady_clock::time_point idle_since() const override {
    return std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(idle_since_.load()));
  }

  void CloseIfIdle() override {
    asio::post(stream_.get_executor(), [self = Self()] {
      if (self->idle_) self->ForceClose();
    });
  }

  void CloseNow() override {
    asio::post(stream_.get_executor(), [self = Self()] { self->ForceClose(); });
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  std::shared_ptr<Session> Self() { return std::static_pointer_cast<Session>(shared_from_this()); }
  // The TCP layer (the stream itself without TLS): timeouts, the socket, closing.
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  void CloseSocket() {
    closing_ = true;
    Tcp().close();
  }

  // The first bytes say whether the client speaks TLS; one that sent plain HTTP is told to use
  // https:// (a refusal it can read) rather than left with a closed connection. Then the
  // handshake, from the bytes already read; all within the header timeout.
  void StartTls() {
    Tcp().expires_after(server_.limits().header_timeout);
    beast::async_detect_ssl(Tcp(), buffer_, [self = Self()](beast::error_code ec, bool tls) {
      if (ec) return self->Fail(ec);
      if (!tls) return self->RefusePlainHttp();
      self->stream_.async_handshake(asio::ssl::stream_base::server, self->buffer_.data(),
                                    [self](beast::error_code handshake_ec, size_t used) {
                                      if (handshake_ec) return self->Fail(handshake_ec);
                                      self->buffer_.consume(used);
                                      self->ReadRequest();
                                    });
    });
  }

  void RefusePlainHttp() {
    auto reply =
        std::make_shared<std::string>(SerializeClosingResponse(server_.options().error_reply(
            400, "This server speaks HTTPS only: use an https:// address")));
    tls_closed_ = true;  // no TLS to close
    linger_ = true;      // what the client still sends is read and dropped, then the close
    Tcp().expires_after(server_.limits().send_timeout);
    asio::async_write(Tcp(), asio::buffer(*reply),
                      [self = Self(), reply](beast::error_code ec, size_t) {
                        if (ec) return self->Fail(ec);
                        self->Close();
                      });
  }

  void ForceClose() {
    beast::error_code ignored;
    Tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    CloseSocket();
    wait_timer_.cancel();
  }

  void ReadRequest() {
    if (server_.stopping()) return Close();
    idle_since_ = std::chrono::steady_clock::now().time_since_epoch().count();
    idle_ = true;
    head_parser_.emplace();
    // The plan's own limit is checked once the headers are in. (Not boost::none: Boost 1.74
    // compares a Content-Length with an empty limit as exceeding it.)
    head_parser_->body_limit(
        std::max(server_.limits().max_body_bytes, server_.limits().max_spooled_body_bytes));
    head_parser_->header_limit(
        static_cast<uint32_t>(std::min<uint64_t>(server_.limits().max_header_bytes, UINT32_MAX)));
    body_parser_.reset();
    file_parser_.reset();
    if (buffer_.size() > 0) return ReadHeader();  // the next request is already here
    // The idle wait: for the first byte of the next request.
    Tcp().expires_after(server_.limits().idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = Self()](beast::error_code ec, size_t bytes) {
                              if (ec) return self->Fail(ec);
                              self->buffer_.commit(bytes);
                              self->ReadHeader();
                            });
  }

  // Then the headers must come whole within the header timeout: a client that trickles them
  // (slowloris) is cut off.
  void ReadHeader() {
    Tcp().expires_after(server_.limits().header_timeout);
    bhttp::async_read_header(stream_, buffer_, *head_parser_,
                             [self = Self()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    idle_ = false;
    started_ = std::chrono::steady_clock::now();
    request_ = HttpRequest{};
    if (!ec) {
      in_flight_ = true;
      ++server_.in_flight();
      beast::error_code endpoint_ec;
      auto remote = Tcp().socket().remote_endpoint(endpoint_ec);
      if (!endpoint_ec) request_.remote_address = remote.address().to_string();
    }
    if (ec == bhttp::error::header_limit) {
      // RFC 6585: say why, rather than close without a word.
      return ReplyEarly(server_.options().error_reply(
          431, fmt::format("Request headers exceed the limit of {} bytes",
                           server_.limits().max_header_bytes)));
    }
    if (ec) return Fail(ec);
    if (server_.stopping()) return Close();
    const auto& head = head_parser_->get();
    request_.method = std::string(head.method_string());
    request_.target = std::string(head.target());
    request_.content_type = std::string(head[bhttp::field::content_type]);
    for (const auto& field : head) {
      request_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    if (request_.headers.size() > server_.limits().max_header_count) {
      return ReplyEarly(server_.options().error_reply(
          431, fmt::format("Requests may send at most {} header fields; this one sent {}",
                           server_.limits().max_header_count, request_.headers.size())));
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
    limit_ = spool ? server_.limits().max_spooled_body_bytes : server_.limits().max_body_bytes;
    if (plan.max_body_bytes != 0) limit_ = std::min(limit_, plan.max_body_bytes);
    // A declared Content-Length over the limit is refused before any body is read.
    std::optional<uint64_t> length;
    if (auto declared = head_parser_->content_length()) length = *declared;
    if (length && *length > limit_) return ReplyTooLarge();
    held_per_body_byte_ = 1 + uint64_t{plan.parse_bytes_per_body_byte};
    if (!spool && length && *length > 0 && !Reserve(*length * held_per_body_byte_ + kBodyPadding)) {
      return ReplyBusy();
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
      // The parser reserves exactly the declared length; with the padding reserved first, a
      // JSON handler parses the body where it lies.
      if (length) body_parser_->get().body().reserve(static_cast<size_t>(*length) + kBodyPadding);
    }
    head_parser_.reset();
    body_deadline_ = std::chrono::steady_clock::now() + server_.limits().body_timeout;
    if (!expect_continue) return ReadBody();
    // The client waits for this before it sends a large body (curl does so above 1 MB).
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    Tcp().expires_after(server_.limits().idle_timeout);
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = Self()](beast::error_code ec, size_t) {
                        if (ec) return self->Fail(ec);
                        self->ReadBody();
                      });
  }

  void ReadBody() {
    if (file_parser_) return ReadFileBody();
    ReadMemoryBody();
  }

  // The whole body within the body timeout. A body of unknown length reserves its memory as it
  // grows, and is refused (503) when the budget runs out.
  void ReadMemoryBody() {
    if (body_parser_->is_done()) return OnBody({});
    if (!body_parser_->content_length()) {
      uint64_t held = (body_parser_->get().body().size() + kReservationStep) * held_per_body_byte_;
      if (held > reserved_ && !Reserve(kReservationStep * held_per_body_byte_)) return ReplyBusy();
    }
    Tcp().expires_at(body_deadline_);
    bhttp::async_read_some(stream_, buffer_, *body_parser_,
                           [self = Self()](beast::error_code ec, size_t) {
                             if (ec) return self->OnBody(ec);
                             self->ReadMemoryBody();
                           });
  }

  // A streamed body may take long as a whole; each chunk must come within the idle timeout.
  void ReadFileBody() {
    if (file_parser_->is_done()) return OnBody({});
    Tcp().expires_after(server_.limits().idle_timeout);
    bhttp::async_read_some(stream_, buffer_, *file_parser_,
                           [self = Self()](beast::error_code ec, size_t) {
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
    if (body_parser_) {
      request_.body = std::move(body_parser_->get().body());
      request_.body_bytes = request_.body.size();
    }
    if (file_parser_) {
      request_.body_file = spool_file_;
      std::error_code size_ec;
      request_.body_bytes = std::filesystem::file_size(spool_file_, size_ec);
    }
    body_parser_.reset();
    file_parser_.reset();
    bool keep_alive = keep_alive_ && !server_.stopping();
    HttpResponse response = server_.Serve(request_);
    RemoveSpool();  // whatever the handler did not move away
    Reply(std::move(response), keep_alive);
  }

  bool Reserve(uint64_t bytes) {
    if (!server_.ReserveBuffered(bytes)) return false;
    reserved_ += bytes;
    return true;
  }

  // Frees the last request's body and its share of the budget.
  void ReleaseBody() {
    if (reserved_ > 0) server_.ReleaseBuffered(reserved_);
    reserved_ = 0;
    body_parser_.reset();
    std::string().swap(request_.body);
  }

  // Answers before the body was read: the connection cannot be reused.
  void ReplyEarly(HttpResponse response) {
    linger_ = true;  // the unread body must be drained, or the reply may be lost to a reset
    Reply(std::move(response), /*keep_alive=*/false);
  }

  void ReplyTooLarge() {
    ReplyEarly(server_.options().error_reply(
        413, fmt::format("Request body exceeds the limit of {} bytes", limit_)));
  }

  void ReplyBusy() {
    HttpResponse reply = server_.options().error_reply(
        503, fmt::format("The server holds as many request bodies in memory as it may ({} "
                         "bytes); retry shortly",
                         server_.limits().max_buffered_bytes));
    reply.headers.emplace_back("Retry-After", "1");
    ReplyEarly(std::move(reply));
  }

  void Reply(HttpResponse response, bool keep_alive) {
    if (!response.file_path.empty()) return ReplyFile(std::move(response), keep_alive);
    auto reply = std::make_shared<bhttp::response<bhttp::string_body>>();
    SetHeaders(*reply, response, keep_alive);
    if (request_.method == "HEAD") {
      reply->content_length(response.body.size());
    } else {
      reply_bytes_ = response.body.size();
      reply->body() = std::move(response.body);
      reply->prepare_payload();
    }
    answered_ = std::move(response);
    Tcp().expires_after(server_.limits().send_timeout);
    bhttp::async_write(stream_, *reply,
                       [self = Self(), reply, keep_alive](beast::error_code ec, size_t) {
                         self->reply_sent_ = ec ? 0 : self->reply_bytes_;
                         if (ec) return self->Fail(ec);
                         self->Finish(keep_alive);
                       });
  }

  // Sends the headers, then the file: with sendfile(2), no copy through user space, without TLS.
  void ReplyFile(HttpResponse response, bool keep_alive) {
    int fd = ::open(response.file_path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat info {};
    if (fd < 0 || ::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
      if (fd >= 0) ::close(fd);
      return Reply(server_.options().error_reply(404, "The file is no longer there"), keep_alive);
    }
    file_fd_ = fd;
    file_offset_ = 0;
    file_remaining_ = static_cast<uint64_t>(info.st_size);
    auto reply = std::make_shared<bhttp::response<bhttp::empty_body>>();
    SetHeaders(*reply, response, keep_alive);
    reply->content_length(file_remaining_);
    const bool head_only = request_.method == "HEAD";
    answered_ = std::move(response);
    Tcp().expires_after(server_.limits().send_timeout);
    bhttp::async_write(stream_, *reply,
                       [self = Self(), reply, keep_alive, head_only](beast::error_code ec, size_t) {
                         if (ec) return self->Fail(ec);
                         if (head_only) self->file_remaining_ = 0;
                         self->SendFile(keep_alive);
                       });
  }

  void SendFile(bool keep_alive) {
    if constexpr (kTls) {
      SendFileEncrypted(keep_alive);
    } else {
      SendFilePlain(keep_alive);
    }
  }

  // Over TLS the bytes must pass through OpenSSL: the file goes in chunks through a buffer.
  void SendFileEncrypted(bool keep_alive) {
    if (file_remaining_ == 0) {
      CloseFile();
      return Finish(keep_alive);
    }
    const size_t chunk = static_cast<size_t>(std::min<uint64_t>(file_remaining_, kFileChunkBytes));
    file_chunk_.resize(chunk);
    ssize_t got = ::pread(file_fd_, file_chunk_.data(), chunk, file_offset_);
    if (got <= 0) {
      // The file shrank or cannot be read: the promised length cannot be kept, so close.
      CloseFile();
      return Fail(beast::error_code(got < 0 ? errno : EIO, beast::system_category()));
    }
    file_offset_ += got;
    file_remaining_ -= static_cast<uint64_t>(got);
    Tcp().expires_after(server_.limits().idle_timeout);
    asio::async_write(stream_, asio::buffer(file_chunk_.data(), static_cast<size_t>(got)),
                      [self = Self(), keep_alive](beast::error_code ec, size_t sent) {
                        if (ec) return self->Fail(ec);
                        self->reply_sent_ += sent;
                        self->SendFileEncrypted(keep_alive);
                      });
  }

  void SendFilePlain(bool keep_alive) {
    auto& socket = Tcp().socket();
    beast::error_code ec;
    socket.native_non_blocking(true, ec);
    // A bounded amount per turn, so one large download does not starve other connections.
    uint64_t budget = 64ull << 20;
    while (file_remaining_ > 0 && !ec) {
      if (budget == 0) {
        return asio::post(stream_.get_executor(),
                          [self = Self(), keep_alive] { self->SendFilePlain(keep_alive); });
      }
      size_t chunk = static_cast<size_t>(std::min<uint64_t>({file_remaining_, budget, 8u << 20}));
      ssize_t sent = ::sendfile(socket.native_handle(), file_fd_, &file_offset_, chunk);
      if (sent > 0) {
        file_remaining_ -= static_cast<uint64_t>(sent);
        reply_sent_ += static_cast<uint64_t>(sent);
        budget -= std::min<uint64_t>(budget, static_cast<uint64_t>(sent));
        continue;
      }
      if (sent < 0 && errno == EINTR) continue;
      if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        // Wait until the socket can take more; give up on a client that reads nothing for the
        // idle timeout (a client that stops reading a download holds nothing else).
        wait_timer_.expires_after(server_.limits().idle_timeout);
        wait_timer_.async_wait([self = Self()](beast::error_code timer_ec) {
          if (!timer_ec) {
            beast::error_code ignored;
            self->Tcp().socket().cancel(ignored);
          }
        });
        socket.async_wait(tcp::socket::wait_write,
                          [self = Self(), keep_alive](beast::error_code wait_ec) {
                            self->wait_timer_.cancel();
                            if (wait_ec) return self->Fail(wait_ec);
                            self->SendFilePlain(keep_alive);
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

  // Reports the exchange (once), when its reply has been sent or has failed.
  void Log() {
    if (!answered_) return;
    if (server_.options().on_response) {
      server_.options().on_response(request_, *answered_, reply_sent_,
                                    std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::steady_clock::now() - started_));
    }
    answered_.reset();
  }

  // The end of an exchange: report it, free its memory, and read the next request.
  void EndExchange() {
    Log();
    const bool large = request_.body.size() >= kTrimAfterBytes || reserved_ >= kTrimAfterBytes ||
                       reply_bytes_ >= kTrimAfterBytes;
    ReleaseBody();
    request_ = HttpRequest{};
    reply_bytes_ = reply_sent_ = 0;
    if (in_flight_) --server_.in_flight();
    in_flight_ = false;
    if (large) ::malloc_trim(0);
  }

  void Finish(bool keep_alive) {
    EndExchange();
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
    linger_ = false;
    tls_closed_ = true;  // no TLS goodbye on a broken connection
    EndExchange();
    Close();
  }

  void Close() {
    if constexpr (kTls) {
      if (!tls_closed_) {
        // TLS says goodbye first (close_notify), without waiting for the client's: marked as
        // received, the shutdown only sends ours.
        tls_closed_ = true;
        SSL_set_shutdown(stream_.native_handle(), SSL_RECEIVED_SHUTDOWN);
        Tcp().expires_after(std::chrono::seconds(2));
        return stream_.async_shutdown([self = Self()](beast::error_code) { self->Close(); });
      }
    }
    // Closed at once unless draining: from here it holds its socket only a moment.
    if (!linger_) closing_ = true;
    beast::error_code ignored;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (linger_) return Drain();
    CloseSocket();
  }

  // After a reply sent before the request was read whole: read and discard what the client
  // still sends (bounded in time), so closing does not reset the connection before the client
  // has read the reply.
  void Drain() {
    linger_ = false;
    EndExchange();
    // Bounded in total, not per read: a client that keeps sending is cut off after 2 s or 64 MB.
    auto now = std::chrono::steady_clock::now();
    if (!drain_started_) drain_started_ = now;
    if (now - *drain_started_ > std::chrono::seconds(2) || drained_ > (64u << 20) ||
        server_.stopping()) {
      return CloseSocket();
    }
    Tcp().expires_after(std::chrono::seconds(2));
    drain_buffer_.resize(16384);
    // Raw bytes (still encrypted with TLS): they are only discarded.
    Tcp().async_read_some(asio::buffer(drain_buffer_),
                          [self = Self()](beast::error_code ec, size_t bytes) {
                            if (ec) return self->CloseSocket();
                            self->drained_ += bytes;
                            self->linger_ = true;
                            self->Drain();
                          });
  }

  static constexpr size_t kStreamBufferBytes = 256 * 1024;
  static constexpr size_t kFileChunkBytes = 256 * 1024;

  Stream stream_;
  HttpServer::Impl& server_;
  // No size cap here: the parsers bound the headers, and bodies pass through in chunks.
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::empty_body>> head_parser_;
  std::optional<bhttp::request_parser<bhttp::string_body>> body_parser_;
  std::optional<bhttp::request_parser<bhttp::file_body>> file_parser_;
  HttpRequest request_;
  std::optional<HttpResponse> answered_;  // the reply being sent, without its body
  uint64_t reply_bytes_ = 0;              // the reply's body size
  uint64_t reply_sent_ = 0;               // ...and how much of it was sent
  bool keep_alive_ = false;
  bool in_flight_ = false;  // counted in the server's requests in flight
  uint64_t limit_ = 0;
  uint64_t reserved_ = 0;            // this request's share of the buffered-bytes budget
  uint64_t held_per_body_byte_ = 1;  // the body and its parse (BodyPlan)
  std::chrono::steady_clock::time_point body_deadline_;
  std::string spool_file_;
  int file_fd_ = -1;
  off_t file_offset_ = 0;
  uint64_t file_remaining_ = 0;
  std::vector<char> file_chunk_;  // a file reply's chunk on its way through TLS
  asio::steady_timer wait_timer_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::atomic<bool> idle_{true};
  std::atomic<std::chrono::steady_clock::rep> idle_since_{0};
  bool linger_ = false;
  bool tls_closed_ = false;  // the TLS shutdown was sent (or is moot)
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

bool HttpServer::Impl::ReserveBuffered(uint64_t bytes) {
  uint64_t held = buffered_.load();
  do {
    if (held + bytes > options_.limits.max_buffered_bytes) return false;
  } while (!buffered_.compare_exchange_weak(held, held + bytes));
  return true;
}

void HttpServer::Impl::Register(const std::shared_ptr<SessionBase>& session) {
  std::lock_guard lock(mutex_);
  sessions_.insert(session);
  ++connections_;
}

void HttpServer::Impl::Unregister() {
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [](const std::weak_ptr<SessionBase>& weak) { return weak.expired(); });
  --connections_;
  sessions_cv_.notify_all();
}

std::vector<std::shared_ptr<SessionBase>> HttpServer::Impl::LiveSessions() {
  std::vector<std::shared_ptr<SessionBase>> live;
  std::lock_guard lock(mutex_);
  for (const auto& weak : sessions_) {
    if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  return live;
}

bool HttpServer::Impl::MakeRoom() {
  std::vector<std::shared_ptr<SessionBase>> live = LiveSessions();
  // A connection counts until it is freed; one that is closing already leaves room.
  const size_t open = static_cast<size_t>(std::count_if(
      live.begin(), live.end(), [](const auto& session) { return !session->closing(); }));
  if (open < max_connections_) return true;
  std::shared_ptr<SessionBase> oldest;
  for (auto& session : live) {
    if (session->idle() && (!oldest || session->idle_since() < oldest->idle_since())) {
      oldest = session;
    }
  }
  if (!oldest) return false;
  oldest->CloseIfIdle();
  return true;
}

void HttpServer::Impl::RefuseBusy(tcp::socket socket) {
  if (tls_context_) {
    // A plain-text answer means nothing to a TLS client, and a handshake costs more than it is
    // worth here: the client sees the connection closed.
    beast::error_code ignored;
    socket.close(ignored);
    return;
  }
  auto refused = std::make_shared<tcp::socket>(std::move(socket));
  asio::async_write(*refused, asio::buffer(busy_reply_), [refused](beast::error_code, size_t) {
    beast::error_code ignored;
    refused->shutdown(tcp::socket::shutdown_both, ignored);
    refused->close(ignored);
  });
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
  if (options_.tls.enabled()) {
    ORCHARD_ASSIGN_OR_RETURN(tls_context_, MakeServerTlsContext(options_.tls));
  }
  max_connections_ = std::max<size_t>(
      1, std::min(options_.limits.max_connections, ConnectionsAllowedByFileLimit()));
  busy_reply_ = SerializeClosingResponse(options_.error_reply(
      503, fmt::format("The server has as many connections open as it may ({}); retry shortly",
                       max_connections_)));
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
  work_.emplace(ioc_.get_executor());
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
    // At the cap, a fresh client is served at the expense of one that has been idle longest;
    // with every connection busy, it is told so.
    if (connections_ >= max_connections_ && !MakeRoom()) {
      RefuseBusy(std::move(socket));
      return Accept();
    }
    std::shared_ptr<SessionBase> session;
    if (tls_context_) {
      session = std::make_shared<Session<TlsStream>>(*this, std::move(socket), *tls_context_);
    } else {
      session = std::make_shared<Session<beast::tcp_stream>>(*this, std::move(socket));
    }
    Register(session);
    session->Start();
    Accept();
  });
}

void HttpServer::Impl::Stop(std::chrono::milliseconds grace) {
  std::call_once(stop_once_, [this, grace] {
    stopping_ = true;
    if (started_) {
      asio::post(acceptor_.get_executor(), [this] {
        beast::error_code ignored;
        acceptor_.close(ignored);
        retry_timer_.cancel();
      });
      // Requests in flight may finish within the grace period; then their connections close.
      // Idle connections are closed now, and again every 100 ms: a connection accepted while
      // the listener was closing becomes idle after the first sweep.
      const auto deadline = grace == std::chrono::milliseconds::max()
                                ? std::chrono::steady_clock::time_point::max()
                                : std::chrono::steady_clock::now() + grace;
      while (true) {
        for (auto& session : LiveSessions()) session->CloseIfIdle();
        std::unique_lock lock(mutex_);
        auto drained = [this] { return connections_ == 0; };
        auto now = std::chrono::steady_clock::now();
        if (drained() || now >= deadline) break;
        auto sweep = std::min<std::chrono::steady_clock::duration>(std::chrono::milliseconds(100),
                                                                   deadline - now);
        if (sessions_cv_.wait_for(lock, sweep, drained)) break;
      }
      for (auto& session : LiveSessions()) session->CloseNow();
      work_.reset();
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

HttpServer::~HttpServer() { impl_->Stop(std::chrono::milliseconds::max()); }

Status HttpServer::Start() { return impl_->Start(); }
int HttpServer::port() const { return impl_->port(); }
void HttpServer::Stop(std::chrono::milliseconds grace) { impl_->Stop(grace); }
void HttpServer::Wait() { impl_->Wait(); }
size_t HttpServer::open_connections() const { return impl_->connections(); }
size_t HttpServer::requests_in_flight() const { return impl_->in_flight(); }
uint64_t HttpServer::buffered_bytes() const { return impl_->buffered(); }

}  // namespace orchard
