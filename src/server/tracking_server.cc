#include "server/tracking_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

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
      AddTrackingRoutes(router_,
                        {.store = store, .artifacts_destination = options_.artifacts_destination});
    }
    ArtifactServiceConfig artifacts{.store = store,
                                    .destination = options_.artifacts_destination,
                                    .serve_artifacts = options_.serve_artifacts};
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
    HttpServerOptions http = options_.http;
    http.error_reply = HttpLayerErrorReply;
    http.plan_body = [artifacts](const HttpRequest& head) {
      return PlanArtifactUpload(artifacts, head);
    };
    http.on_response = [](const HttpRequest& request, const HttpResponse& response,
                          std::chrono::microseconds elapsed) {
      spdlog::info("{} {} {} {}us", request.method, request.target, response.status,
                   elapsed.count());
    };
    server_ = std::make_unique<HttpServer>(
        std::move(http), [this](const HttpRequest& request) { return Dispatch(request); });
  }

  HttpResponse Dispatch(const HttpRequest& request) {
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

  TrackingServerOptions options_;
  const bool artifacts_only_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
};

TrackingServer::TrackingServer(TrackingServerOptions options, TrackingStore& store)
    : impl_(std::make_unique<Impl>(std::move(options), &store)) {}
TrackingServer::TrackingServer(TrackingServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options), nullptr)) {}
TrackingServer::~TrackingServer() = default;

Status TrackingServer::Start() { return impl_->server_->Start(); }
int TrackingServer::port() const { return impl_->server_->port(); }
void TrackingServer::Stop() { impl_->server_->Stop(); }
void TrackingServer::Wait() { impl_->server_->Wait(); }

}  // namespace orchard
