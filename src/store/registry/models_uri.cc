#include "store/registry/models_uri.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace orchard {
namespace {

constexpr char kForms[] =
    "use models:/<name>/<version>, models:/<name>/<stage>, models:/<name>/latest or "
    "models:/<name>@<alias>";

bool AllDigits(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

// The parts of models:/<name>/<version|stage|latest> or models:/<name>@<alias>.
struct ModelsUri {
  std::string name, which, alias;  // `which` unless `alias`
};

StatusOr<ModelsUri> ParseModelsUri(const std::string& uri) {
  if (!uri.starts_with(kModelsScheme)) {
    return Status::InvalidParameter(fmt::format("'{}' is not a models:/ URI; {}", uri, kForms));
  }
  const std::string spec = uri.substr(kModelsScheme.size());
  if (spec.empty()) {
    return Status::InvalidParameter(fmt::format("'{}' names no model; {}", uri, kForms));
  }
  size_t at = spec.find('@');
  if (at != std::string::npos) return ModelsUri{spec.substr(0, at), "", spec.substr(at + 1)};
  size_t slash = spec.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == spec.size()) {
    return Status::InvalidParameter(fmt::format("'{}' names no version; {}", uri, kForms));
  }
  return ModelsUri{spec.substr(0, slash), spec.substr(slash + 1), ""};
}

}  // namespace

StatusOr<ModelVersion> FindRegisteredVersion(const std::string& uri, RegistryStore& registry) {
  ORCHARD_ASSIGN_OR_RETURN(ModelsUri parts, ParseModelsUri(uri));
  if (!parts.alias.empty()) return registry.GetByAlias(parts.name, parts.alias);
  if (AllDigits(parts.which)) return registry.GetModelVersion(parts.name, parts.which);
  if (parts.which == "latest") {
    ORCHARD_ASSIGN_OR_RETURN(std::vector<ModelVersion> versions,
                             registry.ListModelVersions(parts.name));
    if (versions.empty()) return Status::NotFound(fmt::format("{} has no versions", parts.name));
    return versions.front();
  }
  return registry.LatestInStage(parts.name, parts.which);
}

bool NamesMovingVersion(const std::string& uri) {
  StatusOr<ModelsUri> parts = ParseModelsUri(uri);
  return parts.ok() && (!parts->alias.empty() || !AllDigits(parts->which));
}

}  // namespace orchard
