#include "server/artifact_handlers.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "base/ids.h"
#include "base/json_writer.h"
#include "server/mlflow_reply.h"
#include "store/artifact/local_artifact_repo.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

constexpr const char* kProxyPrefixes[] = {"/api/2.0/mlflow-artifacts/artifacts",
                                          "/ajax-api/2.0/mlflow-artifacts/artifacts"};

// The staging folder, when it has to live inside the artifact root, is no one's artifact.
bool IsStagingPath(std::string_view normalized) {
  std::string_view first = normalized.substr(0, normalized.find('/'));
  return first == UploadStaging::kInsideRootName;
}

StatusOr<std::string> StagingRefused(const std::string& path) {
  return Status::InvalidParameter(
      fmt::format("Invalid artifact path '{}': '{}' is reserved for uploads in progress", path,
                  UploadStaging::kInsideRootName));
}

// The artifact path of a proxy request ("<prefix>/<path>"), checked; nullopt when the request
// is not for the proxy's file endpoints.
std::optional<StatusOr<std::string>> ProxyPathOf(const std::string& request_path) {
  for (const char* prefix : kProxyPrefixes) {
    std::string_view path = request_path;
    if (!path.starts_with(prefix) || path.size() <= std::strlen(prefix) ||
        path[std::strlen(prefix)] != '/') {
      continue;
    }
    std::string relative(path.substr(std::strlen(prefix) + 1));
    StatusOr<std::string> normalized = NormalizeArtifactPath(relative);
    if (normalized.ok() && normalized->empty()) {
      return StatusOr<std::string>(
          Status::InvalidParameter("The request names no artifact path after /artifacts/"));
    }
    if (normalized.ok() && IsStagingPath(*normalized)) return StagingRefused(*normalized);
    return normalized;
  }
  return std::nullopt;
}

HttpResponse Disabled(const HttpRequest& request) {
  HttpResponse reply = ErrorReply(Status(
      ErrorCode::kTemporarilyUnavailable,
      fmt::format("Endpoint {} is disabled: the server runs with --no-serve-artifacts; start it "
                  "with --serve-artifacts to move artifacts through it",
                  request.path)));
  reply.status = 503;
  return reply;
}

// Sends a local file as an attachment, as MLflow's _response_with_file_attachment_headers.
HttpResponse FileReply(const fs::path& file) {
  HttpResponse reply;
  reply.content_type = ArtifactMimeType(file.filename().string());
  reply.file_path = file.string();
  reply.headers = {
      {"Content-Disposition", fmt::format("attachment; filename={}", file.filename().string())},
      {"X-Content-Type-Options", "nosniff"}};
  return reply;
}

// The registry keeps its copies of model versions under "models/" of the destination: only its
// own endpoints change them (a proxy PUT or DELETE there would leave versions without files).
bool IsRegistryCopyPath(std::string_view normalized) {
  return normalized.substr(0, normalized.find('/')) == "models";
}

Status RegistryCopyRefused(const std::string& path) {
  return Status(ErrorCode::kPermissionDenied,
                fmt::format("'{}' is under models/, where the model registry keeps its copies of "
                            "model versions: change them with the registry's endpoints "
                            "(model-versions/create, model-versions/delete)",
                            path));
}

StatusOr<HttpResponse> Download(const fs::path& root, const std::string& path) {
  ORCHARD_ASSIGN_OR_RETURN(fs::path file, ResolveInsideRoot(root, path));
  std::error_code ec;
  if (fs::is_directory(file, ec)) {
    return Status::InvalidParameter(
        fmt::format("'{}' is a folder: list it with GET "
                    "/api/2.0/mlflow-artifacts/artifacts?path=<folder> and fetch its files",
                    path));
  }
  if (!fs::is_regular_file(file, ec)) {
    return Status::NotFound(fmt::format("No artifact at path '{}'", path));
  }
  return FileReply(file);
}

HttpResponse Upload(const ArtifactServiceConfig& config, const HttpRequest& request,
                    const std::string& path) {
  StatusOr<fs::path> target = ResolveInsideRoot(config.destination, path, /*follow_last=*/false);
  if (!target.ok()) return ErrorReply(target.status());
  std::error_code ec;
  if (!request.body_file.empty()) {
    fs::rename(request.body_file, *target, ec);
    if (ec) {
      return ErrorReply(Status(ErrorCode::kInternalError,
                               fmt::format("cannot store artifact '{}': {}", path, ec.message())));
    }
    return JsonReply("{}");
  }
  return ErrorReply(Status(ErrorCode::kInternalError, "the upload was not streamed to disk"));
}

HttpResponse Delete(const ArtifactServiceConfig& config, const std::string& path) {
  // A link is removed itself, never what it points to.
  StatusOr<fs::path> target = ResolveInsideRoot(config.destination, path, /*follow_last=*/false);
  if (!target.ok()) return ErrorReply(target.status());
  std::error_code ec;
  fs::remove_all(*target, ec);  // nothing there: done, as MLflow
  if (ec) {
    return ErrorReply(Status(ErrorCode::kInternalError,
                             fmt::format("cannot delete artifact '{}': {}", path, ec.message())));
  }
  return JsonReply("{}");
}

// GET .../artifacts?path=<dir>: the entries directly under <dir>, by bare name.
HttpResponse List(const ArtifactServiceConfig& config, const HttpRequest& request) {
  LocalArtifactRepo repo(config.destination);
  std::string path = request.QueryValue("path").value_or("");
  if (StatusOr<std::string> normalized = NormalizeArtifactPath(path);
      normalized.ok() && IsStagingPath(*normalized)) {
    return ErrorReply(StagingRefused(*normalized).status());
  }
  StatusOr<std::vector<FileInfo>> files = repo.List(path);
  if (!files.ok()) return ErrorReply(files.status());
  std::erase_if(*files, [](const FileInfo& file) { return IsStagingPath(file.path); });
  JsonWriter json;
  json.BeginObject();
  if (!files->empty()) {
    json.Key("files").BeginArray();
    for (const FileInfo& file : *files) {
      json.BeginObject()
          .Field("path", fs::path(file.path).filename().string())
          .Key("is_dir")
          .Bool(file.is_dir);
      if (!file.is_dir) json.Field("file_size", file.file_size);
      json.EndObject();
    }
    json.EndArray();
  }
  return JsonReply(json.EndObject().Take());
}

// GET /get-artifact?run_id=&path=: a run's file, for the UI's viewer.
HttpResponse GetRunArtifact(const ArtifactServiceConfig& config, const HttpRequest& request) {
  std::string run_id =
      request.QueryValue("run_id").value_or(request.QueryValue("run_uuid").value_or(""));
  if (run_id.empty()) {
    return ErrorReply(Status::InvalidParameter("Missing value for required parameter 'run_id'"));
  }
  StatusOr<std::string> path = NormalizeArtifactPath(request.QueryValue("path").value_or(""));
  if (!path.ok()) return ErrorReply(path.status());
  if (path->empty()) {
    return ErrorReply(Status::InvalidParameter("Missing value for required parameter 'path'"));
  }
  StatusOr<Run> run = config.store->GetRun(run_id);
  if (!run.ok()) return ErrorReply(run.status());
  const std::string root = LocalArtifactRoot(run->info.artifact_uri, config.destination);
  if (!fs::path(root).is_absolute()) {  // a remote store's URI: clients read it themselves
    return ErrorReply(Status::InvalidParameter(
        fmt::format("The artifacts of run {} are at {}, which this server does not serve", run_id,
                    run->info.artifact_uri)));
  }
  StatusOr<HttpResponse> reply = Download(root, *path);
  if (!reply.ok()) return ErrorReply(reply.status());
  return *std::move(reply);
}

}  // namespace

std::string LocalArtifactRoot(const std::string& artifact_uri, const std::string& destination) {
  constexpr std::string_view kProxy = "mlflow-artifacts:";
  constexpr std::string_view kFile = "file://";
  if (artifact_uri.starts_with(kProxy)) {
    std::string rest = artifact_uri.substr(kProxy.size());
    while (rest.starts_with('/')) rest.erase(0, 1);
    return destination + "/" + rest;
  }
  if (artifact_uri.starts_with(kFile)) return artifact_uri.substr(kFile.size());
  return artifact_uri;
}

BodyPlan PlanArtifactUpload(const ArtifactServiceConfig& config, const HttpRequest& head) {
  if (head.method != "PUT") return {};
  std::optional<StatusOr<std::string>> path = ProxyPathOf(head.path);
  if (!path) return {};
  if (!config.serve_artifacts) return {.reply = Disabled(head)};
  if (!path->ok()) return {.reply = ErrorReply(path->status())};
  if (IsRegistryCopyPath(**path)) return {.reply = ErrorReply(RegistryCopyRefused(**path))};
  StatusOr<fs::path> resolved =
      ResolveInsideRoot(config.destination, **path, /*follow_last=*/false);
  if (!resolved.ok()) return {.reply = ErrorReply(resolved.status())};
  const fs::path& target = *resolved;
  std::error_code ec;
  if (fs::is_directory(target, ec)) {
    return {.reply = ErrorReply(Status::InvalidParameter(
                fmt::format("'{}' is a folder; upload files under it", **path)))};
  }
  fs::create_directories(target.parent_path(), ec);
  if (ec) {
    return {.reply = ErrorReply(Status::InvalidParameter(
                fmt::format("cannot create the folder of '{}': {}", **path, ec.message())))};
  }
  // In the staging folder, on the target's filesystem: the final rename is atomic, and an upload
  // cut short leaves nothing among the artifacts.
  if (config.staging == nullptr) {
    return {.reply = ErrorReply(Status::Internal("uploads have no staging folder"))};
  }
  return {.spool_file = config.staging->NewFilePath()};
}

void AddArtifactRoutes(Router& router, const ArtifactServiceConfig& config) {
  for (const char* prefix : kProxyPrefixes) {
    router.Add("GET", prefix, [config](const HttpRequest& request) {
      if (!config.serve_artifacts) return Disabled(request);
      return List(config, request);
    });
    auto files = [config](const HttpRequest& request) {
      if (!config.serve_artifacts) return Disabled(request);
      StatusOr<std::string> path = *ProxyPathOf(request.path);
      if (!path.ok()) return ErrorReply(path.status());
      if (request.method != "GET" && IsRegistryCopyPath(*path)) {
        return ErrorReply(RegistryCopyRefused(*path));
      }
      if (request.method == "PUT") return Upload(config, request, *path);
      if (request.method == "DELETE") return Delete(config, *path);
      StatusOr<HttpResponse> reply = Download(config.destination, *path);
      if (!reply.ok()) return ErrorReply(reply.status());
      return *std::move(reply);
    };
    for (const char* method : {"GET", "PUT", "DELETE"}) {
      router.AddPrefix(method, std::string(prefix) + "/", files);
    }
  }
  // A run's files need its record: not in an artifacts-only server (no store).
  if (config.store != nullptr) {
    router.Add("GET", "/get-artifact",
               [config](const HttpRequest& request) { return GetRunArtifact(config, request); });
  }
}

}  // namespace orchard
