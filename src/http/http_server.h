// HttpServer: an HTTP/1.1 server (Boost.Beast, behind this interface) that hands every request
// to one handler. Keep-alive, a request-size limit (413 beyond it), header and body timeouts,
// and a catch-all: an exception in the handler becomes a 500 for that request only.
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

namespace orchard {

// Where a request's body goes, decided from its method, target and headers before any of the
// body is read.
struct BodyPlan {
  // Set: answer this at once, without reading the body (a request that is refused up front).
  std::optional<HttpResponse> reply;
  // Set: stream the body into this file (created; it should be on the final destination's
  // filesystem, so the handler can rename it into place). Empty: read it into memory.
  std::string spool_file;
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 5000;  // 0: any free port (see HttpServer::port)
  int threads = 2;
  // When set ("/mlflow"), everything is served under this path: a request for "/mlflow/x" is
  // handled as "/x" (HttpRequest::path; `target` keeps what was sent), "/mlflow" as "/", and any
  // other path is 404. For a reverse proxy that mounts the server on a sub-path.
  std::string path_prefix;
  uint64_t max_body_bytes = 64ull << 20;         // for bodies read into memory
  uint64_t max_spooled_body_bytes = 1ull << 40;  // for bodies streamed to a file
  // Chooses each request's BodyPlan; unset: every body is read into memory.
  std::function<BodyPlan(const HttpRequest& head)> plan_body;
  // A keep-alive connection may wait this long for the next request's headers...
  std::chrono::seconds idle_timeout{60};
  // ...and a request then has this long to arrive whole, and its reply to be sent.
  std::chrono::seconds body_timeout{300};
  // Builds the reply for an error the HTTP layer itself detects (413, 400 for a malformed
  // request, 500 for an exception). The server supplies MLflow's JSON shape.
  std::function<HttpResponse(int status, const std::string& message)> error_reply;
  // Called once per answered request (access log), from the serving thread.
  std::function<void(const HttpRequest&, const HttpResponse&, std::chrono::microseconds)>
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
  // Graceful stop; waits for the threads. Idempotent.
  void Stop();
  // Blocks until the server has stopped (by Stop() from another thread).
  void Wait();

 private:
  class Impl;
  friend class Session;  // a connection of Impl (http_server.cc)
  std::unique_ptr<Impl> impl_;
};

}  // namespace orchard
