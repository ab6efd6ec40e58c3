#include "client/rest_tracking_store.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "base/json_writer.h"
#include "client/http_error.h"
#include "client/reply_fields.h"
#include "client/tracking_credentials.h"
#include "entities/entity_json.h"
#include "store/tracking/search_filter_parser.h"

namespace orchard {
namespace {

using simdjson::dom::element;
using namespace reply_fields;

constexpr char kApi[] = "/api/2.0/mlflow/";

Metric ParseMetric(element item) {
  return {Str(item, "key"), Dbl(item, "value"), Int(item, "timestamp").value_or(0),
          Int(item, "step").value_or(0)};
}

Experiment ParseExperiment(element object) {
  Experiment experiment;
  experiment.experiment_id = Str(object, "experiment_id");
  experiment.name = Str(object, "name");
  experiment.artifact_location = Str(object, "artifact_location");
  experiment.lifecycle_stage =
      ParseLifecycleStage(Str(object, "lifecycle_stage")).value_or(LifecycleStage::kActive);
  experiment.creation_time = Int(object, "creation_time").value_or(0);
  experiment.last_update_time = Int(object, "last_update_time").value_or(0);
  experiment.tags = Tags(object, "tags");
  return experiment;
}

RunInfo ParseRunInfo(element object) {
  RunInfo info;
  info.run_id = Str(object, "run_id");
  if (info.run_id.empty()) info.run_id = Str(object, "run_uuid");
  info.experiment_id = Str(object, "experiment_id");
  info.run_name = Str(object, "run_name");
  info.user_id = Str(object, "user_id");
  info.status = ParseRunStatus(Str(object, "status")).value_or(RunStatus::kRunning);
  info.start_time = Int(object, "start_time").value_or(0);
  info.end_time = Int(object, "end_time");
  info.artifact_uri = Str(object, "artifact_uri");
  info.lifecycle_stage =
      ParseLifecycleStage(Str(object, "lifecycle_stage")).value_or(LifecycleStage::kActive);
  return info;
}

Run ParseRun(element object) {
  Run run;
  element info, data;
  if (object["info"].get(info) == simdjson::SUCCESS) run.info = ParseRunInfo(info);
  if (object["data"].get(data) == simdjson::SUCCESS) {
    ForEach(data, "metrics", [&](element item) { run.data.metrics.push_back(ParseMetric(item)); });
    ForEach(data, "params", [&](element item) {
      run.data.params.push_back({Str(item, "key"), Str(item, "value")});
    });
    run.data.tags = Tags(data, "tags");
  }
  element inputs;
  if (object["inputs"].get(inputs) == simdjson::SUCCESS) {
    ForEach(inputs, "dataset_inputs", [&](element item) {
      DatasetInput input;
      input.tags = Tags(item, "tags");
      element d;
      if (item["dataset"].get(d) == simdjson::SUCCESS) {
        input.dataset = {Str(d, "name"),   Str(d, "digest"), Str(d, "source_type"),
                         Str(d, "source"), Str(d, "schema"), Str(d, "profile")};
      }
      run.inputs.push_back(std::move(input));
    });
  }
  return run;
}

std::string ViewTypeText(ViewType view) { return std::string(ViewTypeName(view)); }

}  // namespace

StatusOr<std::unique_ptr<RestTrackingStore>> RestTrackingStore::Open(const std::string& base_url) {
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<HttpClient> client, OpenTrackingHttpClient(base_url));
  return std::unique_ptr<RestTrackingStore>(new RestTrackingStore(std::move(client)));
}

StatusOr<std::string> RestTrackingStore::Call(const std::string& method,
                                              const std::string& endpoint,
                                              const std::string& body) {
  ORCHARD_ASSIGN_OR_RETURN(HttpResponse reply, client_->Send(method, kApi + endpoint, body));
  if (reply.status == 200) return std::move(reply.body);
  return StatusOfErrorReply(reply, endpoint);
}

StatusOr<std::string> RestTrackingStore::DoCreateExperiment(
    const CreateExperimentRequest& request) {
  JsonWriter json;
  json.BeginObject().Field("name", request.name);
  if (!request.artifact_location.empty())
    json.Field("artifact_location", request.artifact_location);
  WriteJsonList(json, "tags", request.tags);
  ORCHARD_ASSIGN_OR_RETURN(std::string body,
                           Call("POST", "experiments/create", json.EndObject().Take()));
  simdjson::dom::parser parser;
  element root;
  ORCHARD_RETURN_IF_ERROR(ParseReply(parser, body, root));
  std::string id = Str(root, "experiment_id");
  if (id.empty()) return Malformed("no experiment_id");
  return id;
}

StatusOr<Experiment> RestTrackingStore::DoGetExperiment(const std::string& experiment_id) {
  ORCHARD_ASSIGN_OR_RETURN(
      std::string body,
      Call("GET", "experiments/get?experiment_id=" + UrlEncode(experiment_id), ""));
  simdjson::dom::parser parser;
  ORCHARD_ASSIGN_OR_RETURN(element experiment, Unwrap(parser, body, "experiment"));
  return ParseExperiment(experiment);
}

StatusOr<Experiment> RestTrackingStore::DoGetExperimentByName(const std::string& name) {
  ORCHARD_ASSIGN_OR_RETURN(
      std::string body,
      Call("GET", "experiments/get-by-name?experiment_name=" + UrlEncode(name), ""));
  simdjson::dom::parser parser;
  ORCHARD_ASSIGN_OR_RETURN(element experiment, Unwrap(parser, body, "experiment"));
  return ParseExperiment(experiment);
}

StatusOr<ExperimentPage> RestTrackingStore::DoSearchExperiments(
    const SearchExperimentsRequest& request) {
  JsonWriter json;
  json.BeginObject()
      .Field("max_results", int64_t{request.max_results})
      .Field("view_type", ViewTypeText(request.view_type))
      .Field("filter", FormatSearchFilter(request.filter));
  if (!request.page_token.empty()) json.Field("page_token", request.page_token);
  if (!request.order_by.empty()) {
    json.Key("order_by").BeginArray();
    for (const OrderBy& key : request.order_by) json.String(FormatOrderBy(key));
    json.EndArray();
  }
  ORCHARD_ASSIGN_OR_RETURN(std::string body,
                           Call("POST", "experiments/search", json.EndObject().Take()));
  simdjson::dom::parser parser;
  element root;
  ORCHARD_RETURN_IF_ERROR(ParseReply(parser, body, root));
  ExperimentPage page;
  ForEach(root, "experiments",
          [&](element item) { page.experiments.push_back(ParseExperiment(item)); });
  page.next_page_token = Str(root, "next_page_token");
  return page;
}

Status RestTrackingStore::DoRenameExperiment(const std::string& experiment_id,
                                             const std::string& new_name) {
  return Call("POST", "experiments/update",
              JsonWriter()
                  .BeginObject()
                  .Field("experiment_id", experiment_id)
                  .Field("new_name", new_name)
                  .EndObject()
                  .Take())
      .status();
}

Status RestTrackingStore::DoSetExperimentLifecycle(const std::string& experiment_id,
                                                   LifecycleStage stage) {
  return Call("POST",
              stage == LifecycleStage::kDeleted ? "experiments/delete" : "experiments/restore",
              JsonWriter().BeginObject().Field("experiment_id", experiment_id).EndObject().Take())
      .status();
}

Status RestTrackingStore::DoSetExperimentTag(const std::string& experiment_id, const Tag& tag) {
  return Call("POST", "experiments/set-experiment-tag",
              JsonWriter()
                  .BeginObject()
                  .Field("experiment_id", experiment_id)
                  .Field("key", tag.key)
                  .Field("value", tag.value)
                  .EndObject()
                  .Take())
      .status();
}

StatusOr<Run> RestTrackingStore::DoCreateRun(const CreateRunRequest& request) {
  JsonWriter json;
  json.BeginObject()
      .Field("experiment_id", request.experiment_id)
      .Field("user_id", request.user_id)
      .Field("run_name", request.run_name);
  if (request.start_time) json.Field("start_time", *request.start_time);
  WriteJsonList(json, "tags", request.tags);
  ORCHARD_ASSIGN_OR_RETURN(std::string body, Call("POST", "runs/create", json.EndObject().Take()));
  simdjson::dom::parser parser;
  ORCHARD_ASSIGN_OR_RETURN(element run, Unwrap(parser, body, "run"));
  return ParseRun(run);
}

StatusOr<RunInfo> RestTrackingStore::DoUpdateRun(const UpdateRunRequest& request) {
  JsonWriter json;
  json.BeginObject().Field("run_id", request.run_id);
  if (request.status) json.Field("status", RunStatusName(*request.status));
  if (request.end_time) json.Field("end_time", *request.end_time);
  if (request.run_name) json.Field("run_name", *request.run_name);
  ORCHARD_ASSIGN_OR_RETURN(std::string body, Call("POST", "runs/update", json.EndObject().Take()));
  simdjson::dom::parser parser;
  ORCHARD_ASSIGN_OR_RETURN(element info, Unwrap(parser, body, "run_info"));
  return ParseRunInfo(info);
}

StatusOr<Run> RestTrackingStore::DoGetRun(const std::string& run_id) {
  ORCHARD_ASSIGN_OR_RETURN(std::string body,
                           Call("GET", "runs/get?run_id=" + UrlEncode(run_id), ""));
  simdjson::dom::parser parser;
  ORCHARD_ASSIGN_OR_RETURN(element run, Unwrap(parser, body, "run"));
  return ParseRun(run);
}

Status RestTrackingStore::DoSetRunLifecycle(const std::string& run_id, LifecycleStage stage) {
  return Call("POST", stage == LifecycleStage::kDeleted ? "runs/delete" : "runs/restore",
              JsonWriter().BeginObject().Field("run_id", run_id).EndObject().Take())
      .status();
}

StatusOr<RunPage> RestTrackingStore::DoSearchRuns(const SearchRunsRequest& request) {
  JsonWriter json;
  json.BeginObject().Key("experiment_ids").BeginArray();
  for (const std::string& id : request.experiment_ids) json.String(id);
  json.EndArray()
      .Field("filter", FormatSearchFilter(request.filter))
      .Field("run_view_type", ViewTypeText(request.view_type))
      .Field("max_results", int64_t{request.max_results});
  if (!request.page_token.empty()) json.Field("page_token", request.page_token);
  if (!request.order_by.empty()) {
    json.Key("order_by").BeginArray();
    for (const OrderBy& key : request.order_by) json.String(FormatOrderBy(key));
    json.EndArray();
  }
  ORCHARD_ASSIGN_OR_RETURN(std::string body, Call("POST", "runs/search", json.EndObject().Take()));
  simdjson::dom::parser parser;
  element root;
  ORCHARD_RETURN_IF_ERROR(ParseReply(parser, body, root));
  RunPage page;
  ForEach(root, "runs", [&](element item) { page.runs.push_back(ParseRun(item)); });
  page.next_page_token = Str(root, "next_page_token");
  return page;
}

Status RestTrackingStore::DoLogBatch(const std::string& run_id, const std::vector<Metric>& metrics,
                                     const std::vector<Param>& params,
                                     const std::vector<Tag>& tags) {
  JsonWriter json;
  json.BeginObject().Field("run_id", run_id);
  WriteJsonList(json, "metrics", metrics);
  WriteJsonList(json, "params", params);
  WriteJsonList(json, "tags", tags);
  return Call("POST", "runs/log-batch", json.EndObject().Take()).status();
}

Status RestTrackingStore::DoLogInputs(const std::string& run_id,
                                      const std::vector<DatasetInput>& inputs) {
  JsonWriter json;
  json.BeginObject().Field("run_id", run_id);
  WriteJsonList(json, "datasets", inputs);
  return Call("POST", "runs/log-inputs", json.EndObject().Take()).status();
}

Status RestTrackingStore::DoLogModel(const std::string& run_id, const std::string& compact_model) {
  JsonWriter json;
  json.BeginObject().Field("run_id", run_id).Field("model_json", compact_model).EndObject();
  return Call("POST", "runs/log-model", json.Take()).status();
}

Status RestTrackingStore::DoDeleteTag(const std::string& run_id, const std::string& key) {
  return Call("POST", "runs/delete-tag",
              JsonWriter()
                  .BeginObject()
                  .Field("run_id", run_id)
                  .Field("key", key)
                  .EndObject()
                  .Take())
      .status();
}

StatusOr<std::vector<Metric>> RestTrackingStore::DoGetMetricHistory(const std::string& run_id,
                                                                    const std::string& key) {
  ORCHARD_ASSIGN_OR_RETURN(
      std::string body,
      Call("GET",
           "metrics/get-history?run_id=" + UrlEncode(run_id) + "&metric_key=" + UrlEncode(key),
           ""));
  simdjson::dom::parser parser;
  element root;
  ORCHARD_RETURN_IF_ERROR(ParseReply(parser, body, root));
  std::vector<Metric> history;
  ForEach(root, "metrics", [&](element item) { history.push_back(ParseMetric(item)); });
  return history;
}

}  // namespace orchard
