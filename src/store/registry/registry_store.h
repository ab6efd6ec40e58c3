// RegistryStore: MLflow's model registry (registered models, versions numbered 1, 2, ... per
// model and never reused, stages, aliases, tags). Implementations: SQLite (the same file as the
// tracking store) and REST (client/rest_registry_store.h, any MLflow-compatible server); both
// pass one contract suite (registry_store_contract.h). Shaped for PostgreSQL next. Errors are
// MLflow's: RESOURCE_ALREADY_EXISTS for a taken name, RESOURCE_DOES_NOT_EXIST for a missing
// model or version, INVALID_PARAMETER_VALUE for a bad name, stage or alias and (as MLflow's
// get_model_version_by_alias) for a missing alias.
// Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "entities/registered_model.h"

namespace orchard {

// What a new model version records besides its name and number.
struct NewModelVersion {
  std::string source;            // as the client gave it (runs:/..., an artifact URI, a folder)
  std::string run_id;            // the run that logged it, when known
  std::string storage_location;  // the registry's copy of the files (a local store's folder)
  std::string user_id;
  std::string description;
  std::vector<Tag> tags;
};

class RegistryStore {
 public:
  virtual ~RegistryStore() = default;

  virtual StatusOr<RegisteredModel> CreateRegisteredModel(const std::string& name,
                                                          const std::string& description,
                                                          const std::vector<Tag>& tags) = 0;
  virtual StatusOr<RegisteredModel> GetRegisteredModel(const std::string& name) = 0;
  // Every registered model, by name.
  virtual StatusOr<std::vector<RegisteredModel>> ListRegisteredModels() = 0;
  // Deletes the model and its versions (the files under storage are the caller's to remove).
  virtual Status DeleteRegisteredModel(const std::string& name) = 0;

  // A new version (the next number) of an existing model, READY at once, with its description
  // and tags written in the same transaction.
  virtual StatusOr<ModelVersion> CreateModelVersion(const std::string& name,
                                                    const NewModelVersion& version) = 0;
  virtual StatusOr<ModelVersion> GetModelVersion(const std::string& name,
                                                 const std::string& version) = 0;
  // The model's versions, newest first.
  virtual StatusOr<std::vector<ModelVersion>> ListModelVersions(const std::string& name) = 0;
  // Moves a version to `stage`; with archive_existing (Staging or Production only), the other
  // versions in that stage move to Archived.
  virtual StatusOr<ModelVersion> TransitionStage(const std::string& name,
                                                 const std::string& version,
                                                 const std::string& stage,
                                                 bool archive_existing) = 0;
  // The newest version in `stage`, RESOURCE_DOES_NOT_EXIST when none.
  virtual StatusOr<ModelVersion> LatestInStage(const std::string& name,
                                               const std::string& stage) = 0;
  // Points `alias` at a version (moving it from another version).
  virtual Status SetAlias(const std::string& name, const std::string& alias,
                          const std::string& version) = 0;
  // Deleting an alias the model lacks succeeds, as in MLflow.
  virtual Status DeleteAlias(const std::string& name, const std::string& alias) = 0;
  // INVALID_PARAMETER_VALUE "Registered model alias <alias> not found." when missing.
  virtual StatusOr<ModelVersion> GetByAlias(const std::string& name, const std::string& alias) = 0;

  // Editing. A renamed model keeps its versions and aliases.
  virtual StatusOr<RegisteredModel> RenameRegisteredModel(const std::string& name,
                                                          const std::string& new_name) = 0;
  virtual StatusOr<RegisteredModel> UpdateRegisteredModel(const std::string& name,
                                                          const std::string& description) = 0;
  virtual Status SetRegisteredModelTag(const std::string& name, const Tag& tag) = 0;
  virtual Status DeleteRegisteredModelTag(const std::string& name, const std::string& key) = 0;
  virtual StatusOr<ModelVersion> UpdateModelVersion(const std::string& name,
                                                    const std::string& version,
                                                    const std::string& description) = 0;
  // Deletes a version (its number is not reused) and the aliases pointing at it.
  virtual Status DeleteModelVersion(const std::string& name, const std::string& version) = 0;
  virtual Status SetModelVersionTag(const std::string& name, const std::string& version,
                                    const Tag& tag) = 0;
  virtual Status DeleteModelVersionTag(const std::string& name, const std::string& version,
                                       const std::string& key) = 0;

  // Where a version's files can be read: a local folder (a local store's storage), or an
  // artifact URI to download them from (a server's proxy, mlflow-artifacts:/models/...).
  virtual StatusOr<std::string> GetDownloadUri(const std::string& name,
                                               const std::string& version) = 0;
  // Whether CreateModelVersion copies the source's files into storage itself (a server does,
  // from the artifact URI given as the source), or the caller copies them first and passes
  // their storage_location (a local store).
  virtual bool CopiesFiles() const { return false; }
};

// Checks a registered model name (non-empty, at most 256 characters, no '/' or ':' which model
// URIs use as separators).
Status ValidateModelName(const std::string& name);

}  // namespace orchard
