#include "client/tracking_uri.h"

#include <filesystem>

#include <fmt/format.h>

#include "client/rest_registry_store.h"
#include "client/rest_tracking_store.h"
#include "db/pg_uri.h"
#include "http/http_client.h"
#include "store/registry/sql_registry_store.h"
#include "store/tracking/pg_tracking_store.h"
#include "store/tracking/sqlite_tracking_store.h"

namespace fs = std::filesystem;

namespace orchard {

StatusOr<TrackingConfig> ResolveTrackingConfig(const std::string& uri,
                                               const std::string& artifact_root) {
  TrackingConfig config;
  std::string chosen = uri.empty() ? kDefaultTrackingUri : uri;
  std::error_code ec;
  fs::path root = artifact_root.empty() ? fs::path(kDefaultArtifactRoot) : fs::path(artifact_root);
  if (artifact_root.starts_with("file://")) root = artifact_root.substr(7);
  size_t colon = artifact_root.find(':');
  if (colon != std::string::npos && !artifact_root.starts_with("file://") &&
      artifact_root.find('/') > colon) {
    // A URI of another scheme (mlflow-artifacts:, s3://, ...) is kept as given.
    config.artifact_root = artifact_root;
  } else {
    config.artifact_root = fs::absolute(root, ec).lexically_normal().string();
  }
  while (config.artifact_root.size() > 1 && config.artifact_root.back() == '/') {
    config.artifact_root.pop_back();
  }

  constexpr std::string_view kSqlite = "sqlite:///";
  if (chosen.starts_with(kSqlite)) {
    std::string path = chosen.substr(kSqlite.size());  // "/abs" (from 4 slashes) or "rel"
    if (path.empty() || path == "/") {
      return Status::InvalidParameter(fmt::format(
          "Tracking URI '{}' names no database file; use sqlite:///orchard.db", chosen));
    }
    config.tracking_uri = "sqlite:///" + fs::absolute(path, ec).lexically_normal().string();
    return config;
  }
  if (IsPostgresUri(chosen) || IsHttpUrl(chosen)) {
    config.tracking_uri = chosen;
    return config;
  }
  return Status::InvalidParameter(
      fmt::format("Unsupported tracking URI '{}'. Use sqlite:///path.db (relative), "
                  "sqlite:////abs/path.db, postgresql://user@host:port/database or "
                  "http(s)://host:port",
                  RedactUriPassword(chosen)));
}

StatusOr<std::unique_ptr<TrackingStore>> OpenTrackingStore(const TrackingConfig& config) {
  constexpr std::string_view kSqlite = "sqlite:///";
  if (config.tracking_uri.starts_with(kSqlite)) {
    std::string path = config.tracking_uri.substr(kSqlite.size());
    std::error_code ec;
    fs::path parent = fs::path(path).parent_path();
    if (!parent.empty() && !fs::is_directory(parent, ec)) {
      return Status::InvalidParameter(
          fmt::format("Cannot create the tracking database '{}': folder '{}' does not exist", path,
                      parent.string()));
    }
    ORCHARD_ASSIGN_OR_RETURN(
        std::unique_ptr<SqliteTrackingStore> store,
        SqliteTrackingStore::Open(path, config.artifact_root, config.durability));
    return std::unique_ptr<TrackingStore>(std::move(store));
  }
  if (IsPostgresUri(config.tracking_uri)) {
    ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<PgTrackingStore> store,
                             PgTrackingStore::Open(config.tracking_uri, config.artifact_root,
                                                   config.connections, config.durability));
    return std::unique_ptr<TrackingStore>(std::move(store));
  }
  if (IsHttpUrl(config.tracking_uri)) {
    ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<RestTrackingStore> store,
                             RestTrackingStore::Open(config.tracking_uri));
    return std::unique_ptr<TrackingStore>(std::move(store));
  }
  return Status::NotImplemented(
      fmt::format("Tracking URI '{}' needs a store this build does not have yet; use a sqlite:/// "
                  "or postgresql:// URI",
                  RedactUriPassword(config.tracking_uri)));
}

StatusOr<std::unique_ptr<RegistryStore>> OpenRegistryStore(const TrackingConfig& config) {
  constexpr std::string_view kSqlite = "sqlite:///";
  const std::string& uri = config.tracking_uri;
  if (uri.starts_with(kSqlite)) {
    ORCHARD_ASSIGN_OR_RETURN(
        std::unique_ptr<SqlRegistryStore> store,
        SqlRegistryStore::OpenSqlite(uri.substr(kSqlite.size()), config.durability));
    return std::unique_ptr<RegistryStore>(std::move(store));
  }
  if (IsPostgresUri(uri)) {
    ORCHARD_ASSIGN_OR_RETURN(
        std::unique_ptr<SqlRegistryStore> store,
        SqlRegistryStore::OpenPostgres(uri, config.connections, config.durability));
    return std::unique_ptr<RegistryStore>(std::move(store));
  }
  if (IsHttpUrl(uri)) {
    ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<RestRegistryStore> store,
                             RestRegistryStore::Open(uri));
    return std::unique_ptr<RegistryStore>(std::move(store));
  }
  return Status::NotImplemented(
      fmt::format("the model registry is not available through '{}'", RedactUriPassword(uri)));
}

}  // namespace orchard
