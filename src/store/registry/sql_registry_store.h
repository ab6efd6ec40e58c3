// SqlRegistryStore: the model registry in the tracking database, written once for SQLite (the
// tracking store's file; tables from its migration 3) and PostgreSQL (the team store's
// database), through SqlDatabase. Registry traffic is light, so rows are read whole.
//
// Concurrency: writes that must be serialised per model (numbering versions, moving stages)
// begin by updating the model's row, which holds its lock to the end of the transaction; so
// several servers on one PostgreSQL database number versions 1..N with no gap or duplicate, and
// "archive existing" leaves exactly one version in the stage. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "db/durability.h"
#include "db/sql_database.h"
#include "store/registry/registry_store.h"

namespace orchard {

class SqlRegistryStore : public RegistryStore {
 public:
  // The registry in a SQLite file the tracking store has created and migrated.
  static StatusOr<std::unique_ptr<SqlRegistryStore>> OpenSqlite(
      const std::string& db_path, Durability durability = Durability::kDefault);
  // The registry in a PostgreSQL database the tracking store has migrated, with up to
  // `connections` connections.
  static StatusOr<std::unique_ptr<SqlRegistryStore>> OpenPostgres(
      const std::string& uri, int connections, Durability durability = Durability::kDefault);

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
  explicit SqlRegistryStore(std::unique_ptr<SqlDatabase> db) : db_(std::move(db)) {}

  std::unique_ptr<SqlDatabase> db_;
};

}  // namespace orchard
