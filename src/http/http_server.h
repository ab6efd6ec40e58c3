// HttpServer: an HTTP/1.1 server (Boost.Beast, behind this interface) that hands every request
// to one handler. Keep-alive, the limits of HttpLimits (connections, header and body sizes,
// memory held by bodies, timeouts), and a catch-all: an exception in the handler becomes a 500
// for that request only.
//
// Start() binds and listens; requests are served by `threads` threads until Stop(), which stops
// accepting, closes idle connections, lets in-flight requests finish and returns once every
// thread has ended. Thread-safe: Stop() may be called from any thread (a signal watcher).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/status.h"
#include "http/http_message.h"
#include "http/router.h"
#include "http/tls_options.h"

namespace orchard {

// Where a request's body goes, decided from its method, target and headers before any of the
// body is read.
struct BodyPlan {
  // Set: answer this at once, without reading the body (a request that is refused up front).
  std::optional<HttpResponse> reply;
  // Set: stream the body into this file (created; it should be on the final destination's
  // filesystem, so the handler can rename it into place). Empty: read it into memory.
  std::string spool_file;
  // The largest body this request may send (413 beyond it); 0: the server's limit for its kind
  // (HttpServerOptions::max_body_bytes or max_spooled_body_bytes).
  uint64_t max_body_bytes = 0;
  // Memory the handler's parse of an in-memory body may take, per body byte, at worst. It is
  // reserved from HttpLimits::max_buffered_bytes with the body, so what parsers build counts
  // against the same bound as the bodies themselves.
  uint32_t parse_bytes_per_body_byte = 0;
};

// Limits that bound what one client, or many, can make the server hold. Each has a safe default;
// docs/reliability.md lists them with what happens beyond each.
struct HttpLimits {
  // Connections open at once. At the cap, a new connection closes the connection idle longest;
  // with none idle it is answered 503 and closed. Also kept below the open-file limit.
  size_t max_connections = 4096;
  uint64_t max_header_bytes = 64 << 10;          // request line and headers together: 431 beyond
  size_t max_header_count = 100;                 // header fields: 431 beyond
  uint64_t max_body_bytes = 64ull << 20;         // a body read into memory: 413 beyond
  uint64_t max_spooled_body_bytes = 1ull << 40;  // a body streamed to a file: 413 beyond
  // The bodies held in memory by all connections together. A request whose body would pass it
  // is answered 503 (Retry-After) before its body is read: memory stays bounded however many
  // clients send large bodies at once, and slowly.
  uint64_t max_buffered_bytes = 256ull << 20;
  // A keep-alive connection may wait this long for the first byte of its next request...
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  // ...then its headers must arrive whole within this...
  std::chrono::milliseconds header_timeout{std::chrono::seconds(30)};
  // ...its body within this (a streamed body: each chunk within idle_timeout)...
  std::chrono::milliseconds body_timeout{std::chrono::seconds(300)};
  // ...and its reply must be taken by the client within this (a file reply: each chunk within
  // idle_timeout).
  std::chrono::milliseconds send_timeout{std::chrono::seconds(300)};
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 5000;  // 0: any free port (see HttpServer::port)
  int threads = 2;
  // When set ("/mlflow"), everything is served under this path: a request for "/mlflow/x" is
  // handled as "/x" (HttpRequest::path; `target` keeps what was sent), "/mlflow" as "/", and any
  // other path is 404. For a reverse proxy that mounts the server on a sub-path.
  std::string path_prefix;
  HttpLimits limits;
  // HTTPS only when set (a plain-HTTP request on the port fails its handshake).
  TlsServerOptions tls;
  // Chooses each request's BodyPlan; unset: every body is read into memory.
  std::function<BodyPlan(const HttpRequest& head)> plan_body;
  // Builds the reply for an error the HTTP layer itself detects (413, 431, 503, 400 for a
  // malformed request, 500 for an exception). The server supplies MLflow's JSON shape.
  std::function<HttpResponse(int status, const std::string& message)> error_reply;
  // Called once per answered request (access log, metrics), from the serving thread, when the
  // reply has been sent (or sending it failed): `sent_bytes` counts the reply's body bytes.
  std::function<void(const HttpRequest&, const HttpResponse&, uint64_t sent_bytes,
                     std::chrono::microseconds)>
      on_response;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();  // Stop()s if running
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the threads. INVALID_PARAMETER_VALUE for a bad host, and
  // INVALID_STATE when the port cannot be bound (say, it is in use).
  Status Start();
  // The bound port (useful with port 0). REQUIRES: Start() succeeded.
  int port() const;
  // Graceful stop: stops accepting (new connections are refused), closes idle connections and
  // lets requests in flight finish. After `grace`, connections still open are closed; a handler
  // already running still returns first. Waits for the threads. Idempotent.
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds::max());
  // Connections open now, requests read and not yet answered, and request bodies held in memory
  // now (for metrics).
  size_t open_connections() const;
  size_t requests_in_flight() const;
  uint64_t buffered_bytes() const;
  // Blocks until the server has stopped (by Stop() from another thread).
  void Wait();

 private:
  class Impl;
  template <class Stream>
  friend class Session;  // a connection of Impl (http_server.cc)
  std::unique_ptr<Impl> impl_;
};

}  // namespace orchard
