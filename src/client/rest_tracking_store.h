// RestTrackingStore: the TrackingStore contract over MLflow's REST API, for a tracking URI
// http://host:port (an `orchard server`, or any MLflow-compatible server). Every CLI command and
// the client library work through it unchanged. Server errors come back as Status values with
// the server's error code and message; an unreachable server is TEMPORARILY_UNAVAILABLE.
// Thread-safe (requests share one keep-alive connection).
#pragma once

#include <memory>
#include <string>

#include "http/http_client.h"
#include "store/tracking/tracking_store.h"

namespace orchard {

class RestTrackingStore : public TrackingStore {
 public:
  static StatusOr<std::unique_ptr<RestTrackingStore>> Open(const std::string& base_url);

 protected:
  explicit RestTrackingStore(std::unique_ptr<HttpClient> client) : client_(std::move(client)) {}

  StatusOr<std::string> DoCreateExperiment(const CreateExperimentRequest& request) override;
  StatusOr<Experiment> DoGetExperiment(const std::string& experiment_id) override;
  StatusOr<Experiment> DoGetExperimentByName(const std::string& name) override;
  StatusOr<ExperimentPage> DoSearchExperiments(const SearchExperimentsRequest& request) override;
  Status DoRenameExperiment(const std::string& experiment_id, const std::string& new_name) override;
  Status DoSetExperimentLifecycle(const std::string& experiment_id, LifecycleStage stage) override;
  Status DoSetExperimentTag(const std::string& experiment_id, const Tag& tag) override;
  StatusOr<Run> DoCreateRun(const CreateRunRequest& request) override;
  StatusOr<RunInfo> DoUpdateRun(const UpdateRunRequest& request) override;
  StatusOr<Run> DoGetRun(const std::string& run_id) override;
  Status DoSetRunLifecycle(const std::string& run_id, LifecycleStage stage) override;
  StatusOr<RunPage> DoSearchRuns(const SearchRunsRequest& request) override;
  Status DoLogBatch(const std::string& run_id, const std::vector<Metric>& metrics,
                    const std::vector<Param>& params, const std::vector<Tag>& tags) override;
  Status DoDeleteTag(const std::string& run_id, const std::string& key) override;
  Status DoLogModel(const std::string& run_id, const std::string& compact_model) override;
  Status DoLogInputs(const std::string& run_id, const std::vector<DatasetInput>& inputs) override;
  StatusOr<std::vector<Metric>> DoGetMetricHistory(const std::string& run_id,
                                                   const std::string& key) override;

 private:
  // Calls an endpoint under /api/2.0/mlflow/ and returns the reply body of a 200, or the
  // server's error as a Status.
  StatusOr<std::string> Call(const std::string& method, const std::string& endpoint,
                             const std::string& body);

  std::unique_ptr<HttpClient> client_;
};

}  // namespace orchard
