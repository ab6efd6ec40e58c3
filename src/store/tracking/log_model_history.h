// The mlflow.log-model.history run tag: a JSON list with one entry per runs/log-model call, each
// the logged model's MLmodel as a JSON object (what MLflow's UI and tools read to find a run's
// models). Pure functions; the stores apply them inside a write transaction, so concurrent
// log-model calls on one run never lose an entry.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace orchard {

inline constexpr char kTagLogModelHistory[] = "mlflow.log-model.history";

// Checks a model_json (a JSON object with run_id, artifact_path, utc_time_created and flavors,
// as MLflow requires) and returns it minified. INVALID_PARAMETER_VALUE otherwise.
StatusOr<std::string> CompactModelJson(std::string_view model_json);

// The history with `compact_model` appended. A history that would pass the tag value limit is
// INVALID_PARAMETER_VALUE: cut, it would no longer be JSON.
StatusOr<std::string> AppendToModelHistory(std::string_view history,
                                           std::string_view compact_model);

}  // namespace orchard
