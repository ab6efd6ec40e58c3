// TrackingServer: `orchard server`: the MLflow-compatible tracking REST API over one
// TrackingStore, on the HTTP layer. Unknown endpoints are 404 ENDPOINT_NOT_FOUND and known ones
// called with another method 405, both as MLflow-shaped JSON. Thread-safe like HttpServer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "auth/basic_auth.h"
#include "base/status.h"
#include "http/http_server.h"
#include "server/browser_guard.h"
#include "server/request_fields.h"
#include "store/registry/registry_store.h"
#include "store/tracking/tracking_store.h"

namespace orchard {

struct TrackingServerOptions {
  HttpServerOptions http;
  std::string artifacts_destination;  // absolute local folder behind mlflow-artifacts:/
  // Other local folders experiments may name as artifact_location (a local default root).
  std::vector<std::string> local_artifact_roots;
  bool serve_artifacts = true;        // the artifact proxy endpoints are on
  RegistryStore* registry = nullptr;  // the model registry endpoints, when set (not owned)
  std::string version;                // answered by GET /version
  // The web UI at "/": the built-in copy, or the build in this folder when set (web_ui.h).
  std::string ui_folder;
  // The largest JSON request body (413 beyond it). MLflow's largest legitimate ones (a
  // log-batch at its limits, a dataset's schema) are a few MB. Each reserves its parse's worst
  // case (kJsonParseBytesPerBodyByte) with it from http.limits.max_buffered_bytes. Artifact uploads
  // stream to disk and are bounded by http.limits.max_spooled_body_bytes instead.
  uint64_t max_json_body_bytes = 16ull << 20;
  // Arrays and objects nested deeper are refused (400): no MLflow request nests more than a few.
  size_t max_json_depth = kDefaultMaxJsonDepth;
  std::string access_log;  // JSON lines: "-" for stdout, a file, or "" for none
  // MLflow's basic-auth app (auth/basic_auth.h) when set: credentials and permissions on every
  // request. Not owned; outlives the server.
  BasicAuth* auth = nullptr;
  // Host, Origin and CORS checks for browsers (browser_guard.h). Empty allowed_hosts: the
  // defaults for http.host.
  BrowserGuardOptions browser;
};

class TrackingServer {
 public:
  // `store` must outlive the server.
  TrackingServer(TrackingServerOptions options, TrackingStore& store);
  // An artifacts-only server (`--artifacts-only`): the artifact proxy alone, with no store; the
  // tracking and registry endpoints answer 503, as MLflow's do in that mode.
  explicit TrackingServer(TrackingServerOptions options);
  ~TrackingServer();

  Status Start();
  int port() const;
  // Every route the server answers, as (method, route): what the auth rules must cover.
  std::vector<std::pair<std::string, std::string>> Routes() const;
  // Graceful: new connections are refused, requests in flight finish (see HttpServer::Stop).
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds::max());
  void Wait();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orchard
