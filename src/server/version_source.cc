#include "server/version_source.h"

#include <filesystem>
#include <regex>

#include <fmt/format.h>

#include "http/http_message.h"
#include "server/artifact_handlers.h"
#include "store/registry/models_uri.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

constexpr std::string_view kRunsScheme = "runs:/",
                           kProxyScheme = "mlflow-artifacts:", kFileScheme = "file://";

// Whether `path` is `folder` or lies inside it, by their normalized absolute forms.
bool InsideOrSame(const fs::path& path, const fs::path& folder) {
  std::error_code ec;
  fs::path relative = fs::absolute(path, ec).lexically_normal().lexically_relative(
      fs::absolute(folder, ec).lexically_normal());
  return !relative.empty() && *relative.begin() != "..";
}

// The path part of a URI ("runs:/x/model" -> "/x/model", "mlflow-artifacts://host/a" -> "/a"),
// as Python's urllib.parse.urlparse gives it.
std::string UriPath(const std::string& uri) {
  size_t colon = uri.find(':');
  std::string rest = colon == std::string::npos ? uri : uri.substr(colon + 1);
  if (rest.starts_with("//")) {
    size_t slash = rest.find('/', 2);
    rest = slash == std::string::npos ? "" : rest.substr(slash);
  }
  size_t query = rest.find_first_of("?#");
  return query == std::string::npos ? rest : rest.substr(0, query);
}

// MLflow's _validate_non_local_source_contains_relative_paths: the source fully unquoted, its path
// with repeated slashes joined and no trailing slash, must equal its resolved form (no '.', '..'
// or NUL). Orchard resolves lexically: it never follows the client's path on its own disk here.
Status CheckNoRelativeParts(const std::string& source) {
  std::string unquoted = source, next;
  while (PercentDecode(unquoted, true, next) && next != unquoted) unquoted = next;
  std::string path = UriPath(unquoted);
  while (!path.empty() && path.back() == '/') path.pop_back();
  path = std::regex_replace(path, std::regex("/+"), "/");
  // An empty path (a bare "mlflow-artifacts:/") resolves to the server's working folder in MLflow,
  // so it is refused there too.
  std::string resolved = fs::path("/" + path).lexically_normal().generic_string();
  while (resolved.size() > 1 && resolved.back() == '/') resolved.pop_back();
  if (path.empty() || path.find('\0') != std::string::npos ||
      (path != resolved && "/" + path != resolved)) {
    return Status::InvalidParameter(fmt::format(
        "Invalid model version source: '{}'. If supplying a source as an http, https, local file "
        "path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided "
        "without relative path references present. Please provide an absolute path.",
        source));
  }
  return Status::Ok();
}

Status NotInRunArtifacts(const std::string& source) {
  return Status::InvalidParameter(fmt::format(
      "Invalid model version source: '{}'. To use a local path as a model version source, the "
      "run_id request parameter has to be specified and the local path has to be contained "
      "within the artifact directory of the run specified by the run_id.",
      source));
}

StatusOr<fs::path> RunArtifactRoot(const VersionSourceContext& context, const std::string& run_id) {
  if (context.tracking == nullptr) {
    return Status::InvalidParameter("this server holds no runs to register models from");
  }
  ORCHARD_ASSIGN_OR_RETURN(Run run, context.tracking->GetRun(run_id));
  fs::path root = LocalArtifactRoot(run.info.artifact_uri, context.artifacts_destination);
  if (!root.is_absolute()) {  // a remote store's URI: this server reads no files from it
    return Status::InvalidParameter(
        fmt::format("The artifacts of run {} are at {}, which this server cannot copy from", run_id,
                    run.info.artifact_uri));
  }
  return root;
}

StatusOr<SourceFolder> FromRunsUri(const VersionSourceContext& context, const std::string& source) {
  std::string rest = source.substr(kRunsScheme.size());
  size_t slash = rest.find('/');
  SourceFolder found{.run_id = rest.substr(0, slash)};
  if (found.run_id.empty()) {
    return Status::InvalidParameter(fmt::format(
        "Invalid model version source: '{}'. A runs:/ source names a run and a path in its "
        "artifacts: runs:/<run_id>/<path>",
        source));
  }
  const std::string path = slash == std::string::npos ? "" : rest.substr(slash + 1);
  ORCHARD_ASSIGN_OR_RETURN(fs::path root, RunArtifactRoot(context, found.run_id));
  found.folder = (root / path).lexically_normal().string();
  return found;
}

// An mlflow-artifacts:/ source: the run given, else the run its path names in the default layout
// <experiment>/<run_id>/artifacts/..., must hold it.
StatusOr<SourceFolder> FromProxyUri(const VersionSourceContext& context, const std::string& source,
                                    const std::string& run_id) {
  fs::path relative = fs::path(UriPath(source)).relative_path().lexically_normal();
  std::vector<std::string> parts;
  for (const fs::path& part : relative) {
    if (!part.empty() && part != ".") parts.push_back(part.string());
  }
  if (parts.empty()) {
    return Status::InvalidParameter(fmt::format(
        "Invalid model version source: '{}' names the whole artifact store; name a model's folder "
        "in a run's artifacts, such as runs:/<run_id>/model",
        source));
  }
  if (parts[0] == "models") {
    return Status::InvalidParameter(fmt::format(
        "Invalid model version source: '{}' is the registry's own copy of a version; register it "
        "as models:/<name>/<version>",
        source));
  }
  SourceFolder found{.folder = (fs::path(context.artifacts_destination) / relative).string(),
                     .run_id = run_id};
  if (found.run_id.empty() && parts.size() >= 2) found.run_id = parts[1];
  if (!found.run_id.empty() && context.tracking != nullptr) {
    StatusOr<fs::path> root = RunArtifactRoot(context, found.run_id);
    if (root.ok() && InsideOrSame(found.folder, *root)) return found;
    if (!root.ok() && !run_id.empty()) return root.status();
  }
  return Status::InvalidParameter(fmt::format(
      "Invalid model version source: '{}'. An mlflow-artifacts:/ source must name a folder inside "
      "one run's artifacts (mlflow-artifacts:/<experiment_id>/<run_id>/artifacts/<path>), or "
      "inside the artifacts of the run given as run_id",
      source));
}

// The folder a source names, by its form (the checks common to every form come after).
StatusOr<SourceFolder> LocateSource(const VersionSourceContext& context, const std::string& source,
                                    const std::string& run_id) {
  if (source.starts_with(kModelsScheme)) {
    // MLflow's SqlAlchemyStore.create_model_version: the files of the version it names.
    ORCHARD_ASSIGN_OR_RETURN(ModelVersion version,
                             FindRegisteredVersion(source, *context.registry));
    return SourceFolder{.folder = version.storage_location, .run_id = version.run_id};
  }
  if (source.starts_with(kRunsScheme)) {
    ORCHARD_RETURN_IF_ERROR(CheckNoRelativeParts(source));
    return FromRunsUri(context, source);
  }
  if (source.starts_with(kProxyScheme)) {
    ORCHARD_RETURN_IF_ERROR(CheckNoRelativeParts(source));
    return FromProxyUri(context, source, run_id);
  }
  if (source.starts_with(kFileScheme) || source.starts_with('/') ||
      source.find(':') == std::string::npos) {
    // MLflow's _validate_source: a local source must lie in the artifacts of the run given.
    ORCHARD_RETURN_IF_ERROR(CheckNoRelativeParts(source));
    if (run_id.empty() || context.tracking == nullptr) return NotInRunArtifacts(source);
    fs::path path = source.starts_with(kFileScheme) ? fs::path(UriPath(source)) : fs::path(source);
    ORCHARD_ASSIGN_OR_RETURN(fs::path root, RunArtifactRoot(context, run_id));
    if (!path.is_absolute() || !InsideOrSame(path, root)) return NotInRunArtifacts(source);
    return SourceFolder{.folder = path.lexically_normal().string(), .run_id = run_id};
  }
  return Status::InvalidParameter(fmt::format(
      "Invalid model version source: '{}'. This server registers models from the artifacts it "
      "holds: give runs:/<run_id>/<path>, models:/<name>/<version>, an mlflow-artifacts:/ URI, "
      "or a local path inside the artifacts of the run given as run_id",
      source));
}

}  // namespace

StatusOr<SourceFolder> ResolveVersionSource(const VersionSourceContext& context,
                                            const std::string& source, const std::string& run_id) {
  ORCHARD_ASSIGN_OR_RETURN(SourceFolder found, LocateSource(context, source, run_id));
  // Never the destination's root or the registry's copies, whatever form named them.
  const fs::path destination(context.artifacts_destination);
  const bool registry_copy =
      InsideOrSame(found.folder, destination / "models") && !source.starts_with(kModelsScheme);
  const bool root = InsideOrSame(destination, found.folder);  // the root, or above it
  if (registry_copy || root) {
    return Status::InvalidParameter(fmt::format(
        "Invalid model version source: '{}' names the artifact store's root or the registry's own "
        "copies; name a model's folder in a run's artifacts, such as runs:/<run_id>/model",
        source));
  }
  std::error_code ec;
  if (!fs::is_directory(found.folder, ec)) {
    return Status::InvalidParameter(fmt::format(
        "Invalid model version source: '{}' is not a folder of model files on this server; log "
        "the model's files to the run first",
        source));
  }
  return found;
}

}  // namespace orchard
