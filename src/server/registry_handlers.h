// The model registry's REST endpoints (mlflow/server/handlers.py: registered-models/*,
// model-versions/*), over a RegistryStore: what MLflow's client sends for register_model,
// transition_model_version_stage, aliases, latest versions, searches by name or run and the
// download URI. A new version's files are copied from its source (a run's artifacts) into
// registry storage under the artifacts destination.
#pragma once

#include <string>

#include "http/router.h"
#include "store/registry/registry_store.h"
#include "store/tracking/tracking_store.h"

namespace orchard {

struct RegistryServiceConfig {
  RegistryStore* registry = nullptr;  // not owned; thread-safe
  // The runs, so a version's source may lie in its run's artifacts (not owned; may be null).
  TrackingStore* tracking = nullptr;
  std::string artifacts_destination;  // the folder behind mlflow-artifacts:/
  bool serve_artifacts = true;        // answer mlflow-artifacts:/ download URIs
};

void AddRegistryRoutes(Router& router, const RegistryServiceConfig& config);

}  // namespace orchard
