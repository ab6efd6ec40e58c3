// The folder behind a model-versions/create source, on this server. MLflow's server records any
// source and lets clients download it from there; Orchard copies the files into registry storage
// instead, so it reads only what it already serves. The forms, as MLflow's client sends them:
//   runs:/<run_id>/<path>          inside that run's artifacts
//   models:/<name>/<version|stage>, models:/<name>@<alias>   that version's stored copy
//   mlflow-artifacts:/<path>       under the artifacts destination, inside one run's artifacts
//                                  (the run given as run_id, else the one the path names)
//   a local path, file:///<path>   inside the artifacts of the run given as run_id
// Paths with '.' or '..' parts are refused as MLflow refuses them
// (_validate_non_local_source_contains_relative_paths); a local path outside the run's artifacts
// gets MLflow's _validate_source message. Orchard also refuses the destination's root, the
// registry's stored copies named by path, and every other scheme, all INVALID_PARAMETER_VALUE; a
// missing run, model or version is RESOURCE_DOES_NOT_EXIST. Thread-safe (the stores are).
#pragma once

#include <string>

#include "base/status.h"
#include "store/registry/registry_store.h"
#include "store/tracking/tracking_store.h"

namespace orchard {

struct VersionSourceContext {
  TrackingStore* tracking = nullptr;  // may be null: then only models:/ sources resolve
  RegistryStore* registry = nullptr;
  std::string artifacts_destination;  // the folder behind mlflow-artifacts:/
};

struct SourceFolder {
  std::string folder;  // a local folder to copy from (exists)
  std::string run_id;  // the run the source lies in, when known
};

StatusOr<SourceFolder> ResolveVersionSource(const VersionSourceContext& context,
                                            const std::string& source, const std::string& run_id);

}  // namespace orchard
