// The MLflow tracking REST endpoints (mlflow/server/handlers.py), one function per endpoint,
// registered under /api/2.0/mlflow/ and /ajax-api/2.0/mlflow/. Handlers parse and check the
// request, call the TrackingStore, and write MLflow's JSON; they never write SQL.
#pragma once

#include <string>
#include <vector>

#include "http/router.h"
#include "store/tracking/tracking_store.h"

namespace orchard {

struct TrackingServiceConfig {
  TrackingStore* store = nullptr;  // not owned; thread-safe
  // The local folder behind "mlflow-artifacts:/" URIs (the server's --artifacts-destination).
  std::string artifacts_destination;
  // Other local folders where experiments may keep artifacts (a local --default-artifact-root):
  // artifact_location is checked against these and the destination (artifact_location.h).
  std::vector<std::string> local_artifact_roots;
};

void AddTrackingRoutes(Router& router, const TrackingServiceConfig& config);

}  // namespace orchard
