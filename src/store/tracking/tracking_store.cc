#include "store/tracking/tracking_store.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/ids.h"
#include "store/tracking/log_model_history.h"
#include "store/tracking/validation.h"

namespace orchard {
namespace {

Status ValidateAndTruncateRunTags(std::vector<Tag>& tags) {
  for (Tag& tag : tags) {
    ORCHARD_RETURN_IF_ERROR(ValidateKey("tag", tag.key));
    TruncateUtf8(tag.value, kMaxTagValueLength);
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::string> TrackingStore::CreateExperiment(const CreateExperimentRequest& request) {
  ORCHARD_RETURN_IF_ERROR(ValidateExperimentName(request.name));
  for (const Tag& tag : request.tags) ORCHARD_RETURN_IF_ERROR(ValidateExperimentTag(tag));
  return DoCreateExperiment(request);
}

StatusOr<Experiment> TrackingStore::GetExperiment(const std::string& experiment_id) {
  ORCHARD_RETURN_IF_ERROR(ValidateExperimentId(experiment_id));
  return DoGetExperiment(experiment_id);
}

StatusOr<Experiment> TrackingStore::GetExperimentByName(const std::string& name) {
  if (name.empty())
    return Status::InvalidParameter("Missing value for required parameter 'experiment_name'.");
  return DoGetExperimentByName(name);
}

StatusOr<ExperimentPage> TrackingStore::SearchExperiments(const SearchExperimentsRequest& request) {
  ORCHARD_RETURN_IF_ERROR(ValidateMaxResults(request.max_results, kSearchMaxResultsLimit));
  ORCHARD_RETURN_IF_ERROR(ValidateSearchShape(request.filter, request.order_by.size()));
  return DoSearchExperiments(request);
}

Status TrackingStore::RenameExperiment(const std::string& experiment_id,
                                       const std::string& new_name) {
  ORCHARD_RETURN_IF_ERROR(ValidateExperimentId(experiment_id));
  ORCHARD_RETURN_IF_ERROR(ValidateExperimentName(new_name));
  return DoRenameExperiment(experiment_id, new_name);
}

Status TrackingStore::DeleteExperiment(const std::string& experiment_id) {
  ORCHARD_RETURN_IF_ERROR(ValidateExperimentId(experiment_id));
  if (experiment_id == kDefaultExperimentId) {
    return Status::InvalidParameter(
        "Cannot delete the default experiment '0'. This is an internally reserved experiment.");
  }
  return DoSetExperimentLifecycle(experiment_id, LifecycleStage::kDeleted);
}

Status TrackingStore::RestoreExperiment(const std::string& experiment_id) {
  ORCHARD_RETURN_IF_ERROR(ValidateExperimentId(experiment_id));
  return DoSetExperimentLifecycle(experiment_id, LifecycleStage::kActive);
}

Status TrackingStore::SetExperimentTag(const std::string& experiment_id, const Tag& tag) {
  ORCHARD_RETURN_IF_ERROR(ValidateExperimentId(experiment_id));
  ORCHARD_RETURN_IF_ERROR(ValidateExperimentTag(tag));
  return DoSetExperimentTag(experiment_id, tag);
}

StatusOr<Run> TrackingStore::CreateRun(const CreateRunRequest& request) {
  CreateRunRequest complete = request;
  if (complete.experiment_id.empty()) complete.experiment_id = std::string(kDefaultExperimentId);
  ORCHARD_RETURN_IF_ERROR(ValidateExperimentId(complete.experiment_id));
  ORCHARD_RETURN_IF_ERROR(ValidateAndTruncateRunTags(complete.tags));
  // MLflow keeps run_name and the mlflow.runName tag equal; a request giving both must agree.
  auto name_tag = std::find_if(complete.tags.begin(), complete.tags.end(),
                               [](const Tag& t) { return t.key == kTagRunName; });
  if (name_tag != complete.tags.end()) {
    if (!complete.run_name.empty() && complete.run_name != name_tag->value) {
      return Status::InvalidParameter(fmt::format(
          "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different "
          "values (run_name='{}', mlflow.runName='{}').",
          complete.run_name, name_tag->value));
    }
    complete.run_name = name_tag->value;
  }
  if (complete.run_name.empty()) complete.run_name = NewRunName();
  TruncateUtf8(complete.run_name, kMaxTagValueLength);
  if (name_tag == complete.tags.end()) complete.tags.push_back({kTagRunName, complete.run_name});
  if (!complete.start_time) complete.start_time = NowMillis();
  return DoCreateRun(complete);
}

StatusOr<RunInfo> TrackingStore::UpdateRun(const UpdateRunRequest& request) {
  ORCHARD_RETURN_IF_ERROR(ValidateRunId(request.run_id));
  UpdateRunRequest complete = request;
  if (complete.run_name) TruncateUtf8(*complete.run_name, kMaxTagValueLength);
  return DoUpdateRun(complete);
}

StatusOr<Run> TrackingStore::GetRun(const std::string& run_id) {
  ORCHARD_RETURN_IF_ERROR(ValidateRunId(run_id));
  return DoGetRun(run_id);
}

Status TrackingStore::DeleteRun(const std::string& run_id) {
  ORCHARD_RETURN_IF_ERROR(ValidateRunId(run_id));
  return DoSetRunLifecycle(run_id, LifecycleStage::kDeleted);
}

Status TrackingStore::RestoreRun(const std::string& run_id) {
  ORCHARD_RETURN_IF_ERROR(ValidateRunId(run_id));
  return DoSetRunLifecycle(run_id, LifecycleStage::kActive);
}

StatusOr<RunPage> TrackingStore::SearchRuns(const SearchRunsRequest& request) {
  ORCHARD_RETURN_IF_ERROR(ValidateMaxResults(request.max_results, kSearchMaxResultsLimit));
  ORCHARD_RETURN_IF_ERROR(ValidateSearchShape(request.filter, request.order_by.size()));
  if (request.experiment_ids.size() > kMaxFilterListValues) {
    return Status::InvalidParameter(
        fmt::format("At most {} experiment ids can be searched at once.", kMaxFilterListValues));
  }
  // Canonical decimal ids ("007" is experiment 7), as the stores compare them as numbers.
  SearchRunsRequest canonical = request;
  for (std::string& id : canonical.experiment_ids) {
    ORCHARD_RETURN_IF_ERROR(ValidateExperimentId(id));
    id = std::to_string(std::stoll(id));
  }
  return DoSearchRuns(canonical);
}

Status TrackingStore::LogMetric(const std::string& run_id, const Metric& metric) {
  return LogBatch(run_id, {metric}, {}, {});
}

Status TrackingStore::LogParam(const std::string& run_id, const Param& param) {
  return LogBatch(run_id, {}, {param}, {});
}

Status TrackingStore::SetTag(const std::string& run_id, const Tag& tag) {
  return LogBatch(run_id, {}, {}, {tag});
}

Status TrackingStore::DeleteTag(const std::string& run_id, const std::string& key) {
  ORCHARD_RETURN_IF_ERROR(ValidateRunId(run_id));
  ORCHARD_RETURN_IF_ERROR(ValidateKey("tag", key));
  return DoDeleteTag(run_id, key);
}

Status TrackingStore::LogModel(const std::string& run_id, const std::string& model_json) {
  ORCHARD_RETURN_IF_ERROR(ValidateRunId(run_id));
  ORCHARD_ASSIGN_OR_RETURN(std::string compact, CompactModelJson(model_json));
  return DoLogModel(run_id, compact);
}

Status TrackingStore::LogBatch(const std::string& run_id, std::vector<Metric> metrics,
                               std::vector<Param> params, std::vector<Tag> tags) {
  ORCHARD_RETURN_IF_ERROR(ValidateRunId(run_id));
  ORCHARD_RETURN_IF_ERROR(ValidateBatchLimits(metrics, params, tags));
  for (const Metric& metric : metrics) ORCHARD_RETURN_IF_ERROR(ValidateKey("metric", metric.key));
  for (Param& param : params) {
    ORCHARD_RETURN_IF_ERROR(ValidateKey("param", param.key));
    TruncateUtf8(param.value, kMaxParamValueLength);
  }
  ORCHARD_RETURN_IF_ERROR(ValidateAndTruncateRunTags(tags));
  return DoLogBatch(run_id, metrics, params, tags);
}

Status TrackingStore::LogInputs(const std::string& run_id,
                                const std::vector<DatasetInput>& inputs) {
  ORCHARD_RETURN_IF_ERROR(ValidateRunId(run_id));
  if (inputs.size() > kMaxBatchItems) {
    return Status::InvalidParameter(
        fmt::format("At most {} dataset inputs can be logged at once.", kMaxBatchItems));
  }
  for (const DatasetInput& input : inputs) {
    const Dataset& d = input.dataset;
    for (auto [field, value] :
         {std::pair{"name", &d.name}, std::pair{"digest", &d.digest},
          std::pair{"source_type", &d.source_type}, std::pair{"source", &d.source}}) {
      if (value->empty()) {
        return Status::InvalidParameter(
            fmt::format("Missing value for required parameter 'dataset.{}'.", field));
      }
    }
    if (Utf8Length(d.name) > 500 || Utf8Length(d.digest) > 36) {
      return Status::InvalidParameter(
          "Dataset name or digest is too long (500 and 36 characters).");
    }
    for (const Tag& tag : input.tags) ORCHARD_RETURN_IF_ERROR(ValidateKey("tag", tag.key));
  }
  return DoLogInputs(run_id, inputs);
}

StatusOr<std::vector<Metric>> TrackingStore::GetMetricHistory(const std::string& run_id,
                                                              const std::string& key) {
  ORCHARD_RETURN_IF_ERROR(ValidateRunId(run_id));
  ORCHARD_RETURN_IF_ERROR(ValidateKey("metric", key));
  return DoGetMetricHistory(run_id, key);
}

StatusOr<std::vector<int64_t>> TrackingStore::GetMetricSteps(const std::string& run_id,
                                                             const std::string& key) {
  ORCHARD_RETURN_IF_ERROR(ValidateRunId(run_id));
  ORCHARD_RETURN_IF_ERROR(ValidateKey("metric", key));
  return DoGetMetricSteps(run_id, key);
}

StatusOr<std::vector<Metric>> TrackingStore::GetMetricHistoryAtSteps(
    const std::string& run_id, const std::string& key, const std::vector<int64_t>& steps) {
  ORCHARD_RETURN_IF_ERROR(ValidateRunId(run_id));
  ORCHARD_RETURN_IF_ERROR(ValidateKey("metric", key));
  return DoGetMetricHistoryAtSteps(run_id, key, steps);
}

StatusOr<std::vector<int64_t>> TrackingStore::DoGetMetricSteps(const std::string& run_id,
                                                               const std::string& key) {
  ORCHARD_ASSIGN_OR_RETURN(std::vector<Metric> history, DoGetMetricHistory(run_id, key));
  std::vector<int64_t> steps;
  for (const Metric& metric : history) {
    if (steps.empty() || steps.back() != metric.step) steps.push_back(metric.step);
  }
  return steps;
}

StatusOr<std::vector<Metric>> TrackingStore::DoGetMetricHistoryAtSteps(
    const std::string& run_id, const std::string& key, const std::vector<int64_t>& steps) {
  ORCHARD_ASSIGN_OR_RETURN(std::vector<Metric> history, DoGetMetricHistory(run_id, key));
  std::erase_if(history, [&](const Metric& metric) {
    return !std::binary_search(steps.begin(), steps.end(), metric.step);
  });
  return history;
}

}  // namespace orchard
