// Experiment: a named group of runs. Plain data, shaped as MLflow's Experiment message.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "entities/lifecycle.h"
#include "entities/tag.h"

namespace orchard {

// The experiment every store has from the start, as in MLflow.
inline constexpr std::string_view kDefaultExperimentId = "0";
inline constexpr std::string_view kDefaultExperimentName = "Default";

struct Experiment {
  std::string experiment_id;  // a decimal string, as on MLflow's wire
  std::string name;
  std::string artifact_location;
  LifecycleStage lifecycle_stage = LifecycleStage::kActive;
  int64_t creation_time = 0;
  int64_t last_update_time = 0;
  std::vector<Tag> tags;
};

}  // namespace orchard
