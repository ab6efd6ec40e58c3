// The MLflow REST JSON shapes of the entities (field names as in mlflow/protos/service.proto).
// Empty lists and unset fields are omitted, as MLflow's server does. Used by the CLI's --json
// output and by the tracking server.
#pragma once

#include "base/json_writer.h"
#include "entities/experiment.h"
#include "entities/run.h"

namespace orchard {

void WriteJson(JsonWriter& out, const Experiment& experiment);
void WriteJson(JsonWriter& out, const RunInfo& info);
// With `with_inputs`, an (empty, until datasets are stored) "inputs" object follows "data", as
// MLflow's runs/get and runs/search write it; runs/create writes none.
void WriteJson(JsonWriter& out, const Run& run, bool with_inputs = true);
void WriteJson(JsonWriter& out, const Metric& metric);
void WriteJson(JsonWriter& out, const Param& param);
void WriteJson(JsonWriter& out, const Tag& tag);
void WriteJson(JsonWriter& out, const DatasetInput& input);

// `"key": [items...]`, or nothing when `items` is empty.
template <typename T>
void WriteJsonList(JsonWriter& out, std::string_view key, const std::vector<T>& items) {
  if (items.empty()) return;
  out.Key(key).BeginArray();
  for (const T& item : items) WriteJson(out, item);
  out.EndArray();
}

}  // namespace orchard
