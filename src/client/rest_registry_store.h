// RestRegistryStore: the RegistryStore contract over MLflow's registry REST API, for a tracking
// URI http://host:port (an `orchard server`, or any MLflow-compatible server), so `orchard
// models ...` and model URIs work against a team's server. The server keeps the files: a new
// version copies its source (an artifact URI the server can read) into the server's storage,
// and GetDownloadUri names it through the artifact proxy. Errors come back with the server's
// codes; an unreachable server is TEMPORARILY_UNAVAILABLE. Thread-safe (requests share one
// keep-alive connection).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "http/http_client.h"
#include "store/registry/registry_store.h"

namespace orchard {

class RestRegistryStore : public RegistryStore {
 public:
  static StatusOr<std::unique_ptr<RestRegistryStore>> Open(const std::string& base_url);

  StatusOr<RegisteredModel> CreateRegisteredModel(const std::string& name,
                                                  const std::string& description,
                                                  const std::vector<Tag>& tags) override;
  StatusOr<RegisteredModel> GetRegisteredModel(const std::string& name) override;
  StatusOr<std::vector<RegisteredModel>> ListRegisteredModels() override;
  Status DeleteRegisteredModel(const std::string& name) override;
  // `storage_location` and `user_id` are the server's to decide; the source must be an artifact
  // URI the server can read (mlflow-artifacts:/..., or a path on the server).
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
  StatusOr<std::string> GetDownloadUri(const std::string& name,
                                       const std::string& version) override;
  bool CopiesFiles() const override { return true; }

 protected:
  explicit RestRegistryStore(std::unique_ptr<HttpClient> client) : client_(std::move(client)) {}

 private:
  // One exchange with the server's /api/2.0/mlflow/<endpoint>; the body of a 200, else the
  // server's error as a Status.
  StatusOr<std::string> Call(const std::string& method, const std::string& endpoint,
                             const std::string& body);
  StatusOr<ModelVersion> VersionCall(const std::string& method, const std::string& endpoint,
                                     const std::string& body);
  StatusOr<RegisteredModel> ModelCall(const std::string& method, const std::string& endpoint,
                                      const std::string& body);

  std::unique_ptr<HttpClient> client_;
};

}  // namespace orchard
