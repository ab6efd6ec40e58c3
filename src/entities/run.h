// Run: one execution that logs params, metrics and tags. Plain data, shaped as MLflow's Run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "entities/dataset.h"
#include "entities/lifecycle.h"
#include "entities/metric.h"
#include "entities/tag.h"

namespace orchard {

// System tags MLflow's tools read and write.
inline constexpr char kTagRunName[] = "mlflow.runName";
inline constexpr char kTagParentRunId[] = "mlflow.parentRunId";
inline constexpr char kTagUser[] = "mlflow.user";
inline constexpr char kTagSourceName[] = "mlflow.source.name";
inline constexpr char kTagSourceType[] = "mlflow.source.type";

struct RunInfo {
  std::string run_id;  // 32 lowercase hex digits; MLflow's run_uuid has the same value
  std::string experiment_id;
  std::string run_name;
  std::string user_id;
  RunStatus status = RunStatus::kRunning;
  int64_t start_time = 0;
  std::optional<int64_t> end_time;
  std::string artifact_uri;
  LifecycleStage lifecycle_stage = LifecycleStage::kActive;
};

struct RunData {
  std::vector<Metric> metrics;  // one per key: the latest value (see IsNewerMetric)
  std::vector<Param> params;
  std::vector<Tag> tags;
};

struct Run {
  RunInfo info;
  RunData data;
  std::vector<DatasetInput> inputs;  // MLflow's RunInputs.dataset_inputs

  // The value of tag `key`, if the run has it.
  std::optional<std::string> TagValue(const std::string& key) const;
};

}  // namespace orchard
