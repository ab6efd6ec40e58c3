#include "pipeline/model_uri.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <fmt/format.h>

#include "base/ids.h"
#include "client/http_artifact_repo.h"
#include "store/artifact/local_artifact_repo.h"
#include "store/registry/models_uri.h"
#include "store/registry/stored_copy.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

constexpr char kForms[] =
    "use runs:/<run_id>/<path>, models:/<name>/<version>, models:/<name>/<stage>, "
    "models:/<name>@<alias> or a local folder";

constexpr std::string_view kRuns = "runs:/", kModels = kModelsScheme;

// The parts of runs:/<run_id>/<path>.
struct RunsUri {
  std::string run_id, path;
};

StatusOr<RunsUri> ParseRunsUri(const std::string& uri) {
  std::string rest = uri.substr(kRuns.size());
  size_t slash = rest.find('/');
  RunsUri parts{rest.substr(0, slash), slash == std::string::npos ? "" : rest.substr(slash + 1)};
  if (parts.run_id.empty()) {
    return Status::InvalidParameter(fmt::format("'{}' names no run; {}", uri, kForms));
  }
  return parts;
}

// The registered model, created when missing.
Status EnsureRegisteredModel(const std::string& name, RegistryStore& registry) {
  StatusOr<RegisteredModel> existing = registry.GetRegisteredModel(name);
  if (existing.ok()) return Status::Ok();
  if (existing.status().code() != ErrorCode::kResourceDoesNotExist) return existing.status();
  return registry.CreateRegisteredModel(name, "", {}).status();
}

// A server's registry copies the files itself, from a source it can read: a run's model is named
// by the run's artifact URI and a registered one by its models:/ URI, as MLflow's client does.
StatusOr<ModelVersion> RegisterThroughServer(const std::string& source, const std::string& name,
                                             Client& client, RegistryStore& registry) {
  std::string artifact_uri = source, run_id;
  if (source.starts_with(kRuns)) {
    ORCHARD_ASSIGN_OR_RETURN(RunsUri parts, ParseRunsUri(source));
    run_id = parts.run_id;
    ORCHARD_ASSIGN_OR_RETURN(Run run, client.store().GetRun(run_id));
    ORCHARD_ASSIGN_OR_RETURN(std::string path, NormalizeArtifactPath(parts.path));
    artifact_uri = run.info.artifact_uri + (path.empty() ? "" : "/" + path);
  } else if (source.starts_with(kModels)) {
    ORCHARD_ASSIGN_OR_RETURN(ModelVersion version, FindRegisteredVersion(source, registry));
    run_id = version.run_id;
  }
  ORCHARD_RETURN_IF_ERROR(EnsureRegisteredModel(name, registry));
  return registry.CreateModelVersion(name, {.source = artifact_uri, .run_id = run_id});
}

}  // namespace

StatusOr<ModelVersion> ResolveRegisteredVersion(const std::string& uri, RegistryStore& registry) {
  return FindRegisteredVersion(uri, registry);
}

StatusOr<ResolvedModel> ResolveModelUri(const std::string& uri, Client& client,
                                        RegistryStore* registry, const std::string& download_dir) {
  ResolvedModel resolved;
  if (uri.starts_with(kRuns)) {
    ORCHARD_ASSIGN_OR_RETURN(RunsUri parts, ParseRunsUri(uri));
    resolved.run_id = parts.run_id;
    const std::string& path = parts.path;
    ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<ArtifactRepo> repo,
                             client.ArtifactsFor(resolved.run_id));
    if (auto* local = dynamic_cast<LocalArtifactRepo*>(repo.get())) {
      ORCHARD_ASSIGN_OR_RETURN(std::string relative, NormalizeArtifactPath(path));
      fs::path folder = local->root() / relative;
      std::error_code ec;
      if (!fs::is_directory(folder, ec)) {
        return Status::NotFound(fmt::format("run {} has no model at '{}'", resolved.run_id, path));
      }
      resolved.folder = folder.string();
      return resolved;
    }
    ORCHARD_ASSIGN_OR_RETURN(resolved.folder,
                             repo->Download(path, download_dir + "/" + NewRunId()));
    return resolved;
  }
  if (uri.starts_with(kModels)) {
    if (registry == nullptr) {
      return Status::NotImplemented("this tracking store has no model registry yet");
    }
    ORCHARD_ASSIGN_OR_RETURN(ModelVersion version, FindRegisteredVersion(uri, *registry));
    resolved.run_id = version.run_id;
    resolved.name = version.name;
    resolved.version = version.version;
    ORCHARD_ASSIGN_OR_RETURN(std::string files,
                             registry->GetDownloadUri(version.name, version.version));
    std::error_code ec;
    if (fs::is_directory(files, ec)) {
      resolved.folder = files;
      return resolved;
    }
    // A server's registry: its copy comes through the artifact proxy.
    ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<ArtifactRepo> repo,
                             OpenArtifactRepoForRun(files, client.tracking_uri()));
    ORCHARD_ASSIGN_OR_RETURN(resolved.folder, repo->Download("", download_dir + "/" + NewRunId()));
    return resolved;
  }
  std::error_code ec;
  if (fs::is_directory(uri, ec)) {
    resolved.folder = fs::absolute(uri, ec).string();
    return resolved;
  }
  return Status::InvalidParameter(fmt::format("'{}' is not a model URI; {}", uri, kForms));
}

StatusOr<ModelVersion> RegisterModel(const std::string& source, const std::string& name,
                                     Client& client, RegistryStore& registry,
                                     const std::string& storage_root) {
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  if (registry.CopiesFiles()) return RegisterThroughServer(source, name, client, registry);
  const fs::path folder = fs::path(storage_root) / "models" / name;
  ORCHARD_ASSIGN_OR_RETURN(ResolvedModel model, ResolveModelUri(source, client, &registry,
                                                                (folder / ".downloads").string()));
  std::error_code ec;
  if (!fs::exists(fs::path(model.folder) / "MLmodel", ec)) {
    return Status::InvalidParameter(
        fmt::format("'{}' holds no MLmodel file; register a logged model's folder", source));
  }
  ORCHARD_RETURN_IF_ERROR(EnsureRegisteredModel(name, registry));
  // A folder of its own, copied whole before the version exists: a reader never sees a version
  // whose files are half there. The copy keeps the source's last part ("model"), as MLflow's
  // download URIs do.
  fs::path storage = NewStoredCopyPath(folder.parent_path().string(), name, model.folder);
  LocalArtifactRepo target(storage);
  ORCHARD_RETURN_IF_ERROR(target.LogDir(model.folder, ""));
  StatusOr<ModelVersion> version = registry.CreateModelVersion(
      name, {.source = source, .run_id = model.run_id, .storage_location = storage.string()});
  if (!version.ok()) RemoveStoredCopy(storage.string());
  fs::remove_all(folder / ".downloads", ec);
  return version;
}

}  // namespace orchard
