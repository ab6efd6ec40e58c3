#include "server/tracking_server.h"

#include <filesystem>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "http/http_observer.h"
#include "server/artifact_handlers.h"
#include "server/mlflow_reply.h"
#include "server/registry_handlers.h"
#include "server/tracking_handlers.h"
#include "server/web_ui.h"

namespace orchard {

class TrackingServer::Impl {
 public:
  // `store` is null for an artifacts-only server.
  Impl(TrackingServerOptions options, TrackingStore* store)
      : options_(std::move(options)), artifacts_only_(store == nullptr) {
    if (store != nullptr) {
      AddTrackingRoutes(router_, {.store = store,
                                  .artifacts_destination = options_.artifacts_destination,
                                  .local_artifact_roots = options_.local_artifact_roots});
    }
    ArtifactServiceConfig artifacts{.store = store,
                                    .destination = options_.artifacts_destination,
                                    .serve_artifacts = options_.serve_artifacts};
    if (options_.serve_artifacts && !options_.artifacts_destination.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(options_.artifacts_destination, ec);
      auto staging = UploadStaging::Open(options_.artifacts_destination);
      if (staging.ok()) {
        artifacts.staging = std::move(*staging);
      } else {
        start_error_ = staging.status();
      }
    }
    AddArtifactRoutes(router_, artifacts);
    if (options_.registry != nullptr && store != nullptr) {
      AddRegistryRoutes(router_, {.registry = options_.registry,
                                  .tracking = store,
                                  .artifacts_destination = options_.artifacts_destination,
                                  .serve_artifacts = options_.serve_artifacts});
    }
    auto text = [](std::string body) {
      return [body](const HttpRequest&) {
        return HttpResponse{
            .status = 200, .content_type = "text/plain; charset=utf-8", .body = body};
      };
    };
    router_.Add("GET", "/health", text("OK"));
    router_.Add("GET", "/version", text(options_.version));
    AddWebUiRoutes(router_, {.folder = options_.ui_folder});
    if (options_.auth != nullptr) options_.auth->AddRoutes(router_);
    HttpServerOptions http = options_.http;
    http.error_reply = HttpLayerErrorReply;
    http.plan_body = [this, artifacts,
                      json_limit = options_.max_json_body_bytes](const HttpRequest& head) {
      // An upload is checked before its body is streamed to disk, not after.
      if (options_.auth != nullptr && head.method == "PUT") {
        AuthUser user;
        std::optional<HttpResponse> refused = guard_.Check(head);
        if (!refused) refused = options_.auth->Check(head, router_.RouteOf(head.path), user);
        if (refused) return BodyPlan{.reply = std::move(*refused)};
      }
      BodyPlan plan = PlanArtifactUpload(artifacts, head);
      if (plan.spool_file.empty()) {
        plan.max_body_bytes = json_limit;
        plan.parse_bytes_per_body_byte = kJsonParseBytesPerBodyByte;
      }
      return plan;
    };
    http.on_response = [](const HttpRequest& request, const HttpResponse& response, uint64_t,
                          std::chrono::microseconds elapsed) {
      spdlog::debug("{} {} {} {}us", request.method, request.path, response.status,
                    elapsed.count());
    };
    auto observer = HttpObserver::Create(
        {.access_log = options_.access_log,
         .route_of = [this](const HttpRequest& request) { return router_.RouteOf(request.path); }});
    if (observer.ok()) {
      observer_ = std::move(*observer);
      observer_->Attach(http);
      router_.Add("GET", "/metrics",
                  [this](const HttpRequest&) { return observer_->MetricsReply(); });
    } else {
      start_error_ = observer.status();
    }
    server_ = std::make_unique<HttpServer>(
        std::move(http), [this](const HttpRequest& request) { return Dispatch(request); });
    if (observer_) observer_->Watch(*server_);
  }

  HttpResponse Dispatch(const HttpRequest& request) {
    std::optional<HttpResponse> refused = guard_.Check(request);
    AuthUser user;
    if (!refused && options_.auth != nullptr) {
      refused = options_.auth->Check(request, router_.RouteOf(request.path), user);
    }
    if (refused) {
      guard_.Decorate(request, *refused);
      return std::move(*refused);
    }
    HttpResponse response = Route(request);
    if (options_.auth != nullptr) options_.auth->After(request, user, response);
    guard_.Decorate(request, response);
    return response;
  }

  HttpResponse Route(const HttpRequest& request) {
    const HttpHandler* handler = nullptr;
    switch (router_.Find(request.method, request.path, &handler)) {
      case Router::Match::kFound:
        return (*handler)(request);
      case Router::Match::kWrongMethod: {
        HttpResponse reply = ErrorReply(Status(
            ErrorCode::kBadRequest,
            fmt::format("Method {} is not allowed for endpoint {}", request.method, request.path)));
        reply.status = 405;
        return reply;
      }
      case Router::Match::kNotFound:
        break;
    }
    if (artifacts_only_ && IsTrackingEndpoint(request.path)) {
      // MLflow's words for the same case (_disable_if_artifacts_only).
      return ErrorReply(Status(
          ErrorCode::kTemporarilyUnavailable,
          fmt::format("Endpoint: {} disabled due to the server running in `--artifacts-only` "
                      "mode. To enable tracking operations, restart the server without "
                      "`--artifacts-only`",
                      request.path)));
    }
    return ErrorReply(Status(ErrorCode::kEndpointNotFound,
                             fmt::format("No API endpoint {} {}", request.method, request.path)));
  }

  // The tracking and registry API (not the artifact proxy's /api/2.0/mlflow-artifacts/).
  static bool IsTrackingEndpoint(const std::string& path) {
    return path.starts_with("/api/2.0/mlflow/") || path.starts_with("/ajax-api/2.0/mlflow/") ||
           path == "/get-artifact";
  }

  static BrowserGuardOptions GuardOptions(const TrackingServerOptions& options) {
    BrowserGuardOptions guard = options.browser;
    if (guard.allowed_hosts.empty()) guard.allowed_hosts = DefaultAllowedHosts(options.http.host);
    return guard;
  }

  TrackingServerOptions options_;
  const bool artifacts_only_;
  const BrowserGuard guard_{GuardOptions(options_)};
  Router router_;
  std::unique_ptr<HttpObserver> observer_;
  Status start_error_;  // the access log could not be opened
  std::unique_ptr<HttpServer> server_;
};

TrackingServer::TrackingServer(TrackingServerOptions options, TrackingStore& store)
    : impl_(std::make_unique<Impl>(std::move(options), &store)) {}
TrackingServer::TrackingServer(TrackingServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options), nullptr)) {}
TrackingServer::~TrackingServer() = default;

Status TrackingServer::Start() {
  ORCHARD_RETURN_IF_ERROR(impl_->start_error_);
  RequestFields::SetMaxDepth(impl_->options_.max_json_depth);
  return impl_->server_->Start();
}
int TrackingServer::port() const { return impl_->server_->port(); }
std::vector<std::pair<std::string, std::string>> TrackingServer::Routes() const {
  return impl_->router_.Routes();
}
void TrackingServer::Stop(std::chrono::milliseconds grace) { impl_->server_->Stop(grace); }
void TrackingServer::Wait() { impl_->server_->Wait(); }

}  // namespace orchard
