// Model URIs, resolved in one place: runs:/<run_id>/<path>, models:/<name>/<version>,
// models:/<name>/<stage>, models:/<name>@<alias>, or a local folder. And registering a model:
// its files copied into registry storage, so deleting the source run does not break it.
// Thread-compatible.
#pragma once

#include <string>

#include "base/status.h"
#include "client/client.h"
#include "store/registry/models_uri.h"  // NamesMovingVersion
#include "store/registry/registry_store.h"

namespace orchard {

struct ResolvedModel {
  std::string folder;         // a local folder holding the model's files
  std::string run_id;         // the run that logged it, when known
  std::string name, version;  // set for models:/ URIs
};

// Resolves `uri` to a local folder. runs:/ URIs are downloaded into `download_dir` when the
// run's artifacts are not local folders already. Errors: INVALID_PARAMETER_VALUE for a malformed
// URI (saying the accepted forms), RESOURCE_DOES_NOT_EXIST for a missing run, model, version,
// stage or alias.
StatusOr<ResolvedModel> ResolveModelUri(const std::string& uri, Client& client,
                                        RegistryStore* registry, const std::string& download_dir);

// The registered version a models:/ URI names now (no files are fetched): what `models serve
// --watch` polls.
StatusOr<ModelVersion> ResolveRegisteredVersion(const std::string& uri, RegistryStore& registry);

// Registers the model at `source` as a new version of `name` (created when missing): its files
// are copied under `<storage_root>/models/<name>/`, and the version records `source`. With a
// server's registry (RegistryStore::CopiesFiles), the server copies them into its own storage
// from the source's artifact URI, which the version records, as MLflow's client does.
StatusOr<ModelVersion> RegisterModel(const std::string& source, const std::string& name,
                                     Client& client, RegistryStore& registry,
                                     const std::string& storage_root);

}  // namespace orchard
