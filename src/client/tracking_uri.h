// Tracking URIs: which store a URI names, and opening it.
//
// sqlite:///relative.db and sqlite:////abs/path.db open the embedded store; postgresql://
// (also postgres:// and postgresql+<driver>://) the team store; http(s):// a tracking server.
// Relative paths are made absolute against the current folder when the URI is resolved, so a
// child process started in another folder reaches the same store.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "db/durability.h"
#include "store/registry/registry_store.h"
#include "store/tracking/tracking_store.h"

namespace orchard {

// With nothing configured: sqlite:///orchard.db with artifacts under ./orchard-artifacts.
inline constexpr char kDefaultTrackingUri[] = "sqlite:///orchard.db";
inline constexpr char kDefaultArtifactRoot[] = "orchard-artifacts";

struct TrackingConfig {
  std::string tracking_uri;   // resolved: sqlite:////abs/orchard.db
  std::string artifact_root;  // absolute folder for new experiments' artifacts
  int connections = 2;        // database connections a store may hold (PostgreSQL's pool)
  Durability durability = Durability::kDefault;  // what a commit survives (db/durability.h)
};

// Resolves `uri` (empty: the default) and the artifact root (empty: "orchard-artifacts" beside
// the current folder) to absolute forms. INVALID_PARAMETER_VALUE for an unknown scheme.
StatusOr<TrackingConfig> ResolveTrackingConfig(const std::string& uri,
                                               const std::string& artifact_root);

// Opens the store a resolved config names.
StatusOr<std::unique_ptr<TrackingStore>> OpenTrackingStore(const TrackingConfig& config);

// Opens the model registry of the same store (its database, or the server's registry). The
// tracking store must have been opened first: it creates and migrates the database.
StatusOr<std::unique_ptr<RegistryStore>> OpenRegistryStore(const TrackingConfig& config);

}  // namespace orchard
