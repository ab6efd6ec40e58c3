// HttpObserver: what a server reports about its traffic. Request counts, latency histograms and
// bytes per route and status, the connections and request bodies it holds, as Prometheus metrics
// (GET /metrics); and, when asked, an access log of JSON lines. Fed by the HTTP server's
// on_response hook; thread-safe.
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "base/metrics.h"
#include "base/status.h"
#include "http/http_server.h"

namespace orchard {

struct HttpObserverOptions {
  // Where the access log goes: "" for nowhere, "-" for stdout, else a file (appended to).
  std::string access_log;
  // The route a request is counted under: a route table's pattern, never the raw path (paths
  // hold ids and would make a series per run). Unset: every request counts as "other".
  std::function<std::string(const HttpRequest&)> route_of;
};

class HttpObserver {
 public:
  // INVALID_PARAMETER_VALUE when the access log cannot be opened.
  static StatusOr<std::unique_ptr<HttpObserver>> Create(HttpObserverOptions options);
  ~HttpObserver();

  // Hooks the observer into `http` (its on_response, kept and called first).
  void Attach(HttpServerOptions& http);
  // Adds gauges read from the running server: open connections, requests in flight, body bytes
  // held in memory. `server` must outlive the observer's last render.
  void Watch(const HttpServer& server);
  // The server's own metrics, for the parts of a server that count more (rows scored, ...).
  MetricsRegistry& metrics() { return metrics_; }
  // GET /metrics: this server's metrics, then the process's (stores).
  HttpResponse MetricsReply() const;

 private:
  explicit HttpObserver(HttpObserverOptions options);
  void Record(const HttpRequest& request, const HttpResponse& response, uint64_t sent_bytes,
              std::chrono::microseconds elapsed);
  void WriteAccessLog(const HttpRequest& request, const HttpResponse& response, uint64_t sent_bytes,
                      std::chrono::microseconds elapsed);

  HttpObserverOptions options_;
  MetricsRegistry metrics_;
  CounterFamily& requests_;
  HistogramFamily& latency_;
  CounterFamily& bytes_in_;
  CounterFamily& bytes_out_;
  std::mutex log_mutex_;
  FILE* log_ = nullptr;
  bool owns_log_ = false;
};

}  // namespace orchard
