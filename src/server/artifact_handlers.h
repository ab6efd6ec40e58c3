// The artifact proxy (mlflow/server/handlers.py: the mlflow-artifacts endpoints) and
// /get-artifact: clients upload, list, download and delete run files through the tracking
// server, which keeps them under its artifacts destination folder.
//
// Bodies never sit in memory: an upload is streamed into a temporary file beside its target
// (PlanArtifactUpload tells the HTTP layer where) and renamed into place when complete, so a
// reader never sees half a file and a broken upload leaves nothing; downloads are sent from
// the file. Paths are checked: no "..", no absolute paths, percent-encoded or not.
#pragma once

#include <memory>

#include <string>

#include "http/http_server.h"
#include "http/router.h"
#include "store/artifact/upload_staging.h"
#include "store/tracking/tracking_store.h"

namespace orchard {

struct ArtifactServiceConfig {
  TrackingStore* store = nullptr;  // for /get-artifact (absent without one); not owned
  std::string destination;         // absolute folder behind mlflow-artifacts:/
  bool serve_artifacts = true;     // off: the proxy endpoints answer 503, as MLflow's do
  // Where uploads are written before they are renamed into place (see upload_staging.h).
  // Required when serve_artifacts is on.
  std::shared_ptr<const UploadStaging> staging;
};

void AddArtifactRoutes(Router& router, const ArtifactServiceConfig& config);

// The BodyPlan for a request: uploads to the proxy stream into a file; everything else is
// read into memory.
BodyPlan PlanArtifactUpload(const ArtifactServiceConfig& config, const HttpRequest& head);

// The local folder of a run's artifact URI: a path, file://, or mlflow-artifacts:/ under the
// destination.
std::string LocalArtifactRoot(const std::string& artifact_uri, const std::string& destination);

}  // namespace orchard
