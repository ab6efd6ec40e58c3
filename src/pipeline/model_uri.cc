#include "pipeline/model_uri.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <fmt/format.h>

#include "base/ids.h"
#include "client/http_artifact_repo.h"
#include "store/artifact/local_artifact_repo.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

constexpr char kForms[] =
    "use runs:/<run_id>/<path>, models:/<name>/<version>, models:/<name>/<stage>, "
    "models:/<name>@<alias> or a local folder";

StatusOr<ModelVersion> FindVersion(const std::string& spec, RegistryStore& registry) {
  if (spec.empty())
    return Status::InvalidParameter(fmt::format("'models:/' names no model; {}", kForms));
  size_t at = spec.find('@');
  if (at != std::string::npos) {
    return registry.GetByAlias(spec.substr(0, at), spec.substr(at + 1));
  }
  size_t slash = spec.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == spec.size()) {
    return Status::InvalidParameter(fmt::format("'models:/{}' names no version; {}", spec, kForms));
  }
  std::string name = spec.substr(0, slash), which = spec.substr(slash + 1);
  if (std::all_of(which.begin(), which.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return registry.GetModelVersion(name, which);
  }
  if (which == "latest") {
    ORCHARD_ASSIGN_OR_RETURN(std::vector<ModelVersion> versions, registry.ListModelVersions(name));
    if (versions.empty()) return Status::NotFound(fmt::format("{} has no versions", name));
    return versions.front();
  }
  return registry.LatestInStage(name, which);
}

// The registered model, created when missing.
Status EnsureRegisteredModel(const std::string& name, RegistryStore& registry) {
  StatusOr<RegisteredModel> existing = registry.GetRegisteredModel(name);
  if (existing.ok()) return Status::Ok();
  if (existing.status().code() != ErrorCode::kResourceDoesNotExist) return existing.status();
  return registry.CreateRegisteredModel(name, "", {}).status();
}

// A server's registry copies the files itself, from an artifact URI it can read: a run's model
// is named by the run's artifact URI (as MLflow's client does), a registered one by its copy.
StatusOr<ModelVersion> RegisterThroughServer(const std::string& source, const std::string& name,
                                             Client& client, RegistryStore& registry) {
  std::string artifact_uri = source, run_id;
  constexpr std::string_view kRuns = "runs:/", kModels = "models:/";
  if (source.starts_with(kRuns)) {
    std::string rest = source.substr(kRuns.size());
    size_t slash = rest.find('/');
    run_id = rest.substr(0, slash);
    ORCHARD_ASSIGN_OR_RETURN(Run run, client.store().GetRun(run_id));
    ORCHARD_ASSIGN_OR_RETURN(
        std::string path,
        NormalizeArtifactPath(slash == std::string::npos ? "" : rest.substr(slash + 1)));
    artifact_uri = run.info.artifact_uri + (path.empty() ? "" : "/" + path);
  } else if (source.starts_with(kModels)) {
    ORCHARD_ASSIGN_OR_RETURN(ModelVersion version,
                             FindVersion(source.substr(kModels.size()), registry));
    run_id = version.run_id;
    ORCHARD_ASSIGN_OR_RETURN(artifact_uri, registry.GetDownloadUri(version.name, version.version));
  }
  ORCHARD_RETURN_IF_ERROR(EnsureRegisteredModel(name, registry));
  return registry.CreateModelVersion(name, artifact_uri, run_id, "", "");
}

}  // namespace

StatusOr<ModelVersion> ResolveRegisteredVersion(const std::string& uri, RegistryStore& registry) {
  constexpr std::string_view kModels = "models:/";
  if (!uri.starts_with(kModels)) {
    return Status::InvalidParameter(fmt::format("'{}' is not a models:/ URI; {}", uri, kForms));
  }
  return FindVersion(uri.substr(kModels.size()), registry);
}

StatusOr<ResolvedModel> ResolveModelUri(const std::string& uri, Client& client,
                                        RegistryStore* registry, const std::string& download_dir) {
  ResolvedModel resolved;
  constexpr std::string_view kRuns = "runs:/", kModels = "models:/";
  if (uri.starts_with(kRuns)) {
    std::string rest = uri.substr(kRuns.size());
    size_t slash = rest.find('/');
    resolved.run_id = rest.substr(0, slash);
    std::string path = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (resolved.run_id.empty()) {
      return Status::InvalidParameter(fmt::format("'{}' names no run; {}", uri, kForms));
    }
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
    ORCHARD_ASSIGN_OR_RETURN(ModelVersion version,
                             FindVersion(uri.substr(kModels.size()), *registry));
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
  // whose files are half there.
  fs::path storage = folder / NewRunId();
  LocalArtifactRepo target(storage);
  ORCHARD_RETURN_IF_ERROR(target.LogDir(model.folder, ""));
  StatusOr<ModelVersion> version =
      registry.CreateModelVersion(name, source, model.run_id, storage.string(), "");
  if (!version.ok()) fs::remove_all(storage, ec);
  fs::remove_all(folder / ".downloads", ec);
  return version;
}

}  // namespace orchard
