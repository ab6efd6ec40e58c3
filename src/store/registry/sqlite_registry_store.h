// SqliteRegistryStore: the model registry in the tracking store's SQLite file (tables from the
// tracking schema's migration 3). One writer connection under a lock; reads share it (registry
// traffic is light). Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "db/sqlite_connection.h"
#include "store/registry/registry_store.h"

namespace orchard {

class SqliteRegistryStore : public RegistryStore {
 public:
  // Opens the database (which the tracking store has created and migrated).
  static StatusOr<std::unique_ptr<SqliteRegistryStore>> Open(const std::string& db_path);

  StatusOr<RegisteredModel> CreateRegisteredModel(const std::string& name,
                                                  const std::string& description,
                                                  const std::vector<Tag>& tags) override;
  StatusOr<RegisteredModel> GetRegisteredModel(const std::string& name) override;
  StatusOr<std::vector<RegisteredModel>> ListRegisteredModels() override;
  Status DeleteRegisteredModel(const std::string& name) override;
  StatusOr<ModelVersion> CreateModelVersion(const std::string& name,
                                            const NewModelVersion& version) override;
  StatusOr<ModelVersion> GetModelVersion(const std::string& name,
                                         const std::string& version) override;
  StatusOr<std::vector<ModelVersion>> ListModelVersions(const std::string& name) override;
  StatusOr<ModelVersion> TransitionStage(const std::string& name, const std::string& version,
                                         const std::string& stage, bool archive_existing) override;
  StatusOr<ModelVersion> LatestInStage(const std::string& name, const std::string& stage) override;
  Status SetAlias(const std::string& name, const std::string& alias,
                  const std::string& version) override;
  Status DeleteAlias(const std::string& name, const std::string& alias) override;
  StatusOr<ModelVersion> GetByAlias(const std::string& name, const std::string& alias) override;
  StatusOr<RegisteredModel> RenameRegisteredModel(const std::string& name,
                                                  const std::string& new_name) override;
  StatusOr<RegisteredModel> UpdateRegisteredModel(const std::string& name,
                                                  const std::string& description) override;
  Status SetRegisteredModelTag(const std::string& name, const Tag& tag) override;
  Status DeleteRegisteredModelTag(const std::string& name, const std::string& key) override;
  StatusOr<ModelVersion> UpdateModelVersion(const std::string& name, const std::string& version,
                                            const std::string& description) override;
  Status DeleteModelVersion(const std::string& name, const std::string& version) override;
  Status SetModelVersionTag(const std::string& name, const std::string& version,
                            const Tag& tag) override;
  Status DeleteModelVersionTag(const std::string& name, const std::string& version,
                               const std::string& key) override;
  // The version's storage folder.
  StatusOr<std::string> GetDownloadUri(const std::string& name,
                                       const std::string& version) override;

 private:
  explicit SqliteRegistryStore(std::unique_ptr<SqliteConnection> db) : db_(std::move(db)) {}
  Status RequireModel(const std::string& name);
  StatusOr<std::vector<ModelVersion>> LoadVersions(const std::string& name,
                                                   const std::string& where_extra,
                                                   const std::string& bind_extra);
  StatusOr<RegisteredModel> LoadModel(const std::string& name);
  // Runs `sql` (binding the values in order) in a write transaction; RESOURCE_DOES_NOT_EXIST
  // with `missing` when it changes no row.
  Status WriteRow(const std::string& sql, const std::vector<std::string>& values,
                  const Status& missing);

  std::mutex mutex_;
  std::unique_ptr<SqliteConnection> db_;
};

}  // namespace orchard
