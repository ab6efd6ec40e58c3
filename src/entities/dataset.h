// Dataset inputs of a run (MLflow's Dataset, InputTag, DatasetInput). Plain data.
#pragma once

#include <string>
#include <vector>

#include "entities/tag.h"

namespace orchard {

// The input tag MLflow uses for a dataset's role ("training", "validation", ...); filters on
// datasets.context read it.
inline constexpr char kTagDatasetContext[] = "mlflow.data.context";

struct Dataset {
  std::string name;
  std::string digest;
  std::string source_type;
  std::string source;
  std::string schema;   // optional
  std::string profile;  // optional
};

struct DatasetInput {
  std::vector<Tag> tags;
  Dataset dataset;
};

}  // namespace orchard
