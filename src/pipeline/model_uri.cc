#include "pipeline/model_uri.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <fmt/format.h>

#include "base/ids.h"
#include "store/artifact/local_artifact_repo.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

constexpr char kForms[] =
    "use runs:/<run_id>/<path>, models:/<name>/<version>, models:/<name>/<stage>, "
    "models:/<name>@<alias> or a local folder";

StatusOr<ModelVersion> FindVersion(const std::string& spec, RegistryStore& registry) {
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

}  // namespace

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
    resolved.folder = version.storage_location;
    resolved.run_id = version.run_id;
    resolved.name = version.name;
    resolved.version = version.version;
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
  const fs::path folder = fs::path(storage_root) / "models" / name;
  ORCHARD_ASSIGN_OR_RETURN(ResolvedModel model, ResolveModelUri(source, client, &registry,
                                                                (folder / ".downloads").string()));
  std::error_code ec;
  if (!fs::exists(fs::path(model.folder) / "MLmodel", ec)) {
    return Status::InvalidParameter(
        fmt::format("'{}' holds no MLmodel file; register a logged model's folder", source));
  }
  StatusOr<RegisteredModel> existing = registry.GetRegisteredModel(name);
  if (!existing.ok()) {
    if (existing.status().code() != ErrorCode::kResourceDoesNotExist) return existing.status();
    ORCHARD_RETURN_IF_ERROR(registry.CreateRegisteredModel(name, "", {}).status());
  }
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
