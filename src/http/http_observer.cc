#include "http/http_observer.h"

#include <cerrno>
#include <cstring>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "base/json_writer.h"

namespace orchard {

StatusOr<std::unique_ptr<HttpObserver>> HttpObserver::Create(HttpObserverOptions options) {
  std::unique_ptr<HttpObserver> observer(new HttpObserver(std::move(options)));
  const std::string& log = observer->options_.access_log;
  if (log == "-") {
    observer->log_ = stdout;
  } else if (!log.empty()) {
    observer->log_ = std::fopen(log.c_str(), "ae");
    if (observer->log_ == nullptr) {
      return Status::InvalidParameter(
          fmt::format("cannot open the access log '{}': {}", log, std::strerror(errno)));
    }
    observer->owns_log_ = true;
  }
  return observer;
}

HttpObserver::HttpObserver(HttpObserverOptions options)
    : options_(std::move(options)),
      requests_(metrics_.Counter("orchard_http_requests_total",
                                 "Requests answered, by route, method and status",
                                 {"route", "method", "status"})),
      latency_(metrics_.Histogram(
          "orchard_http_request_duration_seconds",
          "Time from a request's headers to the last byte of its reply, by route", {"route"},
          HistogramFamily::LatencyBounds())),
      bytes_in_(metrics_.Counter("orchard_http_request_body_bytes_total",
                                 "Request body bytes received, by route (artifact uploads "
                                 "included)",
                                 {"route"})),
      bytes_out_(metrics_.Counter("orchard_http_response_body_bytes_total",
                                  "Reply body bytes sent, by route (artifact downloads included)",
                                  {"route"})) {}

HttpObserver::~HttpObserver() {
  if (owns_log_ && log_ != nullptr) std::fclose(log_);
}

void HttpObserver::Attach(HttpServerOptions& http) {
  auto previous = std::move(http.on_response);
  http.on_response = [this, previous](const HttpRequest& request, const HttpResponse& response,
                                      uint64_t sent_bytes, std::chrono::microseconds elapsed) {
    if (previous) previous(request, response, sent_bytes, elapsed);
    Record(request, response, sent_bytes, elapsed);
  };
}

void HttpObserver::Watch(const HttpServer& server) {
  metrics_.Gauge("orchard_http_open_connections", "Client connections open now")
      .SetFunction({}, [&server] { return static_cast<double>(server.open_connections()); });
  metrics_.Gauge("orchard_http_requests_in_flight", "Requests read and not yet answered")
      .SetFunction({}, [&server] { return static_cast<double>(server.requests_in_flight()); });
  metrics_
      .Gauge("orchard_http_buffered_body_bytes",
             "Request body bytes held in memory now (capped by --max-buffered-size)")
      .SetFunction({}, [&server] { return static_cast<double>(server.buffered_bytes()); });
}

void HttpObserver::Record(const HttpRequest& request, const HttpResponse& response,
                          uint64_t sent_bytes, std::chrono::microseconds elapsed) {
  // A request refused before its headers were read (431) has no method or route.
  const std::string route =
      request.method.empty() ? "none" : (options_.route_of ? options_.route_of(request) : "other");
  requests_.Add(
      {route, request.method.empty() ? "none" : request.method, std::to_string(response.status)});
  latency_.Observe({route}, std::chrono::duration<double>(elapsed).count());
  uint64_t received = request.body.size();
  if (!request.body_file.empty()) received = request.body_bytes;
  if (received > 0) bytes_in_.Add({route}, static_cast<double>(received));
  if (sent_bytes > 0) bytes_out_.Add({route}, static_cast<double>(sent_bytes));
  if (log_ != nullptr) WriteAccessLog(request, response, sent_bytes, elapsed);
}

void HttpObserver::WriteAccessLog(const HttpRequest& request, const HttpResponse& response,
                                  uint64_t sent_bytes, std::chrono::microseconds elapsed) {
  // The path without its query string: queries may carry tokens or other secrets.
  JsonWriter line;
  line.BeginObject()
      .Key("time")
      .String(fmt::format("{:%FT%T}Z", std::chrono::floor<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now())))
      .Key("remote")
      .String(request.remote_address)
      .Key("method")
      .String(request.method)
      .Key("path")
      .String(request.path)
      .Key("status")
      .Int(response.status)
      .Key("bytes")
      .Int(static_cast<int64_t>(sent_bytes))
      .Key("duration_ms")
      .Double(static_cast<double>(elapsed.count()) / 1000.0)
      .EndObject();
  std::string text = line.Take();
  text += '\n';
  std::lock_guard lock(log_mutex_);
  std::fwrite(text.data(), 1, text.size(), log_);
  std::fflush(log_);
}

HttpResponse HttpObserver::MetricsReply() const {
  std::string body;
  metrics_.Render(body);
  MetricsRegistry::Process().Render(body);
  return {.status = 200,
          .content_type = "text/plain; version=0.0.4; charset=utf-8",
          .body = std::move(body)};
}

}  // namespace orchard
