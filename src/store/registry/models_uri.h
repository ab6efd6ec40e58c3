// models:/ URIs, read against a registry: models:/<name>/<version>, models:/<name>/<stage>,
// models:/<name>/latest and models:/<name>@<alias>. Used by every layer that names a registered
// version: model URI resolution, `models serve --watch`, and the server's model-versions/create
// (a models:/ source, as MLflow accepts). Pure parsing plus RegistryStore calls; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "store/registry/registry_store.h"

namespace orchard {

inline constexpr std::string_view kModelsScheme = "models:/";

// The version `uri` names now. INVALID_PARAMETER_VALUE for a malformed URI (saying the forms),
// RESOURCE_DOES_NOT_EXIST for a missing model, version or stage, and MLflow's
// INVALID_PARAMETER_VALUE for a missing alias.
StatusOr<ModelVersion> FindRegisteredVersion(const std::string& uri, RegistryStore& registry);

// Whether a models:/ URI can point at another version later: a stage, an alias or "latest".
bool NamesMovingVersion(const std::string& uri);

}  // namespace orchard
