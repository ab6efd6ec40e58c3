#include "entities/entity_json.h"

namespace orchard {

void WriteJson(JsonWriter& out, const Tag& tag) {
  out.BeginObject().Field("key", tag.key).Field("value", tag.value).EndObject();
}

void WriteJson(JsonWriter& out, const Param& param) {
  out.BeginObject().Field("key", param.key).Field("value", param.value).EndObject();
}

void WriteJson(JsonWriter& out, const Metric& metric) {
  out.BeginObject()
      .Field("key", metric.key)
      .Field("value", metric.value)
      .Field("timestamp", metric.timestamp)
      .Field("step", metric.step)
      .EndObject();
}

void WriteJson(JsonWriter& out, const DatasetInput& input) {
  out.BeginObject();
  WriteJsonList(out, "tags", input.tags);
  const Dataset& d = input.dataset;
  out.Key("dataset").BeginObject().Field("name", d.name).Field("digest", d.digest);
  out.Field("source_type", d.source_type).Field("source", d.source);
  if (!d.schema.empty()) out.Field("schema", d.schema);
  if (!d.profile.empty()) out.Field("profile", d.profile);
  out.EndObject().EndObject();
}

void WriteJson(JsonWriter& out, const Experiment& experiment) {
  out.BeginObject()
      .Field("experiment_id", experiment.experiment_id)
      .Field("name", experiment.name)
      .Field("artifact_location", experiment.artifact_location)
      .Field("lifecycle_stage", LifecycleStageName(experiment.lifecycle_stage))
      .Field("last_update_time", experiment.last_update_time)
      .Field("creation_time", experiment.creation_time);
  WriteJsonList(out, "tags", experiment.tags);
  out.EndObject();
}

void WriteJson(JsonWriter& out, const RunInfo& info) {
  out.BeginObject()
      .Field("run_uuid", info.run_id)
      .Field("experiment_id", info.experiment_id)
      .Field("run_name", info.run_name)
      .Field("user_id", info.user_id)
      .Field("status", RunStatusName(info.status))
      .Field("start_time", info.start_time);
  if (info.end_time) out.Field("end_time", *info.end_time);
  out.Field("artifact_uri", info.artifact_uri)
      .Field("lifecycle_stage", LifecycleStageName(info.lifecycle_stage))
      .Field("run_id", info.run_id)
      .EndObject();
}

void WriteJson(JsonWriter& out, const Run& run, bool with_inputs) {
  out.BeginObject().Key("info");
  WriteJson(out, run.info);
  out.Key("data").BeginObject();
  WriteJsonList(out, "metrics", run.data.metrics);
  WriteJsonList(out, "params", run.data.params);
  WriteJsonList(out, "tags", run.data.tags);
  out.EndObject();
  if (with_inputs) {
    out.Key("inputs").BeginObject();
    WriteJsonList(out, "dataset_inputs", run.inputs);
    out.EndObject();
  }
  out.EndObject();
}

}  // namespace orchard
