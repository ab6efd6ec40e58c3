// TrackingStore: the contract every tracking backend meets (SQLite now; PostgreSQL and the REST
// client to `orchard server` later), with MLflow's semantics (mlflow/store/tracking/
// abstract_store.py). The contract suite in tracking_store_contract.h checks an implementation.
//
// Public methods validate their input once, here, with MLflow's rules and error codes
// (validation.h), then call the protected Do* method of the backend. Every method returns a
// Status or StatusOr carrying an MLflow error code: INVALID_PARAMETER_VALUE for bad input or a
// write to a deleted run, RESOURCE_DOES_NOT_EXIST for an unknown id, RESOURCE_ALREADY_EXISTS for
// a taken experiment name. Writes are all-or-nothing.
//
// Thread safety: implementations are safe to call from several threads at once, and several
// processes may open the same store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "entities/experiment.h"
#include "entities/run.h"
#include "store/tracking/filter.h"

namespace orchard {

// MLflow's search limits (mlflow/store/tracking/__init__.py).
inline constexpr int kSearchMaxResultsDefault = 1000;
inline constexpr int kSearchMaxResultsLimit = 50000;

struct CreateExperimentRequest {
  std::string name;
  std::string artifact_location;  // empty: "<default artifact root>/<experiment id>"
  std::vector<Tag> tags;
};

struct SearchExperimentsRequest {
  Filter filter;
  std::vector<OrderBy> order_by;  // default: creation_time DESC, experiment_id ASC
  ViewType view_type = ViewType::kActiveOnly;
  int max_results = kSearchMaxResultsDefault;
  std::string page_token;
};

struct ExperimentPage {
  std::vector<Experiment> experiments;
  std::string next_page_token;  // empty when there are no more
};

struct CreateRunRequest {
  std::string experiment_id;  // empty: the Default experiment "0"
  std::string user_id;
  std::string run_name;               // empty: from the mlflow.runName tag, else random
  std::optional<int64_t> start_time;  // absent: now
  std::vector<Tag> tags;
};

struct UpdateRunRequest {
  std::string run_id;
  std::optional<RunStatus> status;
  std::optional<int64_t> end_time;
  std::optional<std::string> run_name;
};

struct SearchRunsRequest {
  std::vector<std::string> experiment_ids;
  Filter filter;
  ViewType view_type = ViewType::kActiveOnly;
  int max_results = kSearchMaxResultsDefault;
  std::vector<OrderBy> order_by;  // always followed by start_time DESC, run_id
  std::string page_token;
};

struct RunPage {
  std::vector<Run> runs;
  std::string next_page_token;  // set whenever a page is full, as MLflow does
};

class TrackingStore {
 public:
  virtual ~TrackingStore() = default;

  // Experiments. Creating a name that exists (even deleted) is RESOURCE_ALREADY_EXISTS.
  StatusOr<std::string> CreateExperiment(const CreateExperimentRequest& request);
  StatusOr<Experiment> GetExperiment(const std::string& experiment_id);
  StatusOr<Experiment> GetExperimentByName(const std::string& name);
  StatusOr<ExperimentPage> SearchExperiments(const SearchExperimentsRequest& request);
  Status RenameExperiment(const std::string& experiment_id, const std::string& new_name);
  // Soft delete; the experiment's runs are deleted with it and restored with it.
  Status DeleteExperiment(const std::string& experiment_id);
  Status RestoreExperiment(const std::string& experiment_id);
  Status SetExperimentTag(const std::string& experiment_id, const Tag& tag);

  // Runs. A new run is RUNNING, tagged mlflow.runName (and the request's tags), with artifact URI
  // "<experiment artifact location>/<run id>/artifacts". The experiment must be active.
  StatusOr<Run> CreateRun(const CreateRunRequest& request);
  StatusOr<RunInfo> UpdateRun(const UpdateRunRequest& request);
  StatusOr<Run> GetRun(const std::string& run_id);
  Status DeleteRun(const std::string& run_id);
  Status RestoreRun(const std::string& run_id);
  StatusOr<RunPage> SearchRuns(const SearchRunsRequest& request);

  // Run data; the run must exist and be active. Params are immutable.
  Status LogMetric(const std::string& run_id, const Metric& metric);
  Status LogParam(const std::string& run_id, const Param& param);
  Status SetTag(const std::string& run_id, const Tag& tag);
  Status DeleteTag(const std::string& run_id, const std::string& key);
  // All or nothing; at most 1,000 metrics, 100 params, 100 tags, 1,000 items in all.
  Status LogBatch(const std::string& run_id, std::vector<Metric> metrics, std::vector<Param> params,
                  std::vector<Tag> tags);
  // Records dataset inputs of the run (MLflow's log-inputs): a dataset is identified by
  // (experiment, name, digest) and stored once; logging the same input again is a no-op.
  // name, digest, source_type and source are required.
  Status LogInputs(const std::string& run_id, const std::vector<DatasetInput>& inputs);
  // Appends a logged model's MLmodel (model_json: a JSON object with run_id, artifact_path,
  // utc_time_created and flavors) to the run's mlflow.log-model.history tag, atomically.
  Status LogModel(const std::string& run_id, const std::string& model_json);
  // Every logged point of `key`, ordered by step, then timestamp.
  StatusOr<std::vector<Metric>> GetMetricHistory(const std::string& run_id, const std::string& key);
  // For charts of long histories: the distinct steps of `key`, ascending; then the points at
  // chosen steps (ascending), ordered as GetMetricHistory. Neither reads the whole history
  // where the store can avoid it.
  StatusOr<std::vector<int64_t>> GetMetricSteps(const std::string& run_id, const std::string& key);
  StatusOr<std::vector<Metric>> GetMetricHistoryAtSteps(const std::string& run_id,
                                                        const std::string& key,
                                                        const std::vector<int64_t>& steps);

 protected:
  virtual StatusOr<std::string> DoCreateExperiment(const CreateExperimentRequest& request) = 0;
  virtual StatusOr<Experiment> DoGetExperiment(const std::string& experiment_id) = 0;
  virtual StatusOr<Experiment> DoGetExperimentByName(const std::string& name) = 0;
  virtual StatusOr<ExperimentPage> DoSearchExperiments(const SearchExperimentsRequest& request) = 0;
  virtual Status DoRenameExperiment(const std::string& experiment_id,
                                    const std::string& new_name) = 0;
  virtual Status DoSetExperimentLifecycle(const std::string& experiment_id,
                                          LifecycleStage stage) = 0;
  virtual Status DoSetExperimentTag(const std::string& experiment_id, const Tag& tag) = 0;
  // `request` is complete: run_name and start_time are set, tags include mlflow.runName.
  virtual StatusOr<Run> DoCreateRun(const CreateRunRequest& request) = 0;
  virtual StatusOr<RunInfo> DoUpdateRun(const UpdateRunRequest& request) = 0;
  virtual StatusOr<Run> DoGetRun(const std::string& run_id) = 0;
  virtual Status DoSetRunLifecycle(const std::string& run_id, LifecycleStage stage) = 0;
  virtual StatusOr<RunPage> DoSearchRuns(const SearchRunsRequest& request) = 0;
  // Validated and truncated; param keys unique within the batch.
  virtual Status DoLogBatch(const std::string& run_id, const std::vector<Metric>& metrics,
                            const std::vector<Param>& params, const std::vector<Tag>& tags) = 0;
  virtual Status DoDeleteTag(const std::string& run_id, const std::string& key) = 0;
  // `compact_model` is checked and minified.
  virtual Status DoLogModel(const std::string& run_id, const std::string& compact_model) = 0;
  virtual Status DoLogInputs(const std::string& run_id,
                             const std::vector<DatasetInput>& inputs) = 0;
  // Defaults built on DoGetMetricHistory, for stores with nothing faster (REST).
  virtual StatusOr<std::vector<int64_t>> DoGetMetricSteps(const std::string& run_id,
                                                          const std::string& key);
  virtual StatusOr<std::vector<Metric>> DoGetMetricHistoryAtSteps(
      const std::string& run_id, const std::string& key, const std::vector<int64_t>& steps);
  virtual StatusOr<std::vector<Metric>> DoGetMetricHistory(const std::string& run_id,
                                                           const std::string& key) = 0;
};

}  // namespace orchard
