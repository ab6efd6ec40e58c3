#include "server/tracking_handlers.h"

#include <simdjson.h>

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/json_writer.h"
#include "entities/entity_json.h"
#include "server/artifact_handlers.h"
#include "server/artifact_location.h"
#include "server/mlflow_reply.h"
#include "server/mlflow_route.h"
#include "server/request_fields.h"
#include "store/artifact/artifact_repo.h"
#include "store/tracking/search_filter_parser.h"
#include "store/tracking/validation.h"

namespace orchard {
namespace {

void Route(Router& router, const std::string& method, const std::string& path,
           FieldsHandler handler) {
  AddMlflowRoute(router, method, path, std::move(handler));
}

std::string EmptyObject() { return "{}"; }

// run_id, or the older run_uuid that MLflow's client still sends.
StatusOr<std::string> RunIdOf(const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> run_id, fields.String("run_id"));
  if (!run_id || run_id->empty()) {
    ORCHARD_ASSIGN_OR_RETURN(run_id, fields.String("run_uuid"));
  }
  if (!run_id || run_id->empty()) return MissingField("run_id");
  return *run_id;
}

// MLflow's ViewType, by name or number (1 ACTIVE_ONLY, 2 DELETED_ONLY, 3 ALL).
StatusOr<ViewType> ViewTypeOf(const RequestFields& fields, const char* key) {
  ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> text, fields.Enum(key));
  if (!text) return ViewType::kActiveOnly;
  if (*text == "1") return ViewType::kActiveOnly;
  if (*text == "2") return ViewType::kDeletedOnly;
  if (*text == "3") return ViewType::kAll;
  std::optional<ViewType> view = ParseViewType(*text);
  if (!view) return InvalidField(key, "ACTIVE_ONLY, DELETED_ONLY or ALL");
  return *view;
}

// MLflow's RunStatus, by name or number (1 RUNNING ... 5 KILLED).
StatusOr<std::optional<RunStatus>> RunStatusOf(const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> text, fields.Enum("status"));
  if (!text) return std::optional<RunStatus>();
  static constexpr RunStatus kByNumber[] = {RunStatus::kRunning, RunStatus::kScheduled,
                                            RunStatus::kFinished, RunStatus::kFailed,
                                            RunStatus::kKilled};
  if (text->size() == 1 && (*text)[0] >= '1' && (*text)[0] <= '5') {
    return std::optional(kByNumber[(*text)[0] - '1']);
  }
  std::optional<RunStatus> status = ParseRunStatus(*text);
  if (!status) return InvalidField("status", "RUNNING, SCHEDULED, FINISHED, FAILED or KILLED");
  return status;
}

StatusOr<std::vector<Tag>> TagsOf(const RequestFields& fields, const char* key) {
  ORCHARD_ASSIGN_OR_RETURN(std::vector<RequestFields> items, fields.ObjectList(key));
  std::vector<Tag> tags;
  tags.reserve(items.size());
  for (const RequestFields& item : items) {
    ORCHARD_ASSIGN_OR_RETURN(std::string tag_key, item.RequiredString("key"));
    ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> value, item.String("value"));
    tags.push_back({std::move(tag_key), value.value_or("")});
  }
  return tags;
}

StatusOr<Metric> MetricOf(const RequestFields& fields) {
  Metric metric;
  ORCHARD_ASSIGN_OR_RETURN(metric.key, fields.RequiredString("key"));
  ORCHARD_ASSIGN_OR_RETURN(std::optional<double> value, fields.Double("value"));
  if (!value) return MissingField("value");
  metric.value = *value;
  ORCHARD_ASSIGN_OR_RETURN(std::optional<int64_t> timestamp, fields.Int64("timestamp"));
  if (!timestamp) return MissingField("timestamp");
  metric.timestamp = *timestamp;
  ORCHARD_ASSIGN_OR_RETURN(std::optional<int64_t> step, fields.Int64("step"));
  metric.step = step.value_or(0);
  return metric;
}

StatusOr<int> MaxResultsOf(const RequestFields& fields, std::optional<int> fallback) {
  ORCHARD_ASSIGN_OR_RETURN(std::optional<int64_t> max_results, fields.Int64("max_results"));
  if (!max_results) {
    if (!fallback) return MissingField("max_results");
    return *fallback;
  }
  if (*max_results < 1 || *max_results > kSearchMaxResultsLimit) {
    return Status::InvalidParameter(
        fmt::format("Invalid value {} for parameter 'max_results' supplied. It must be at most {}.",
                    *max_results, kSearchMaxResultsLimit));
  }
  return static_cast<int>(*max_results);
}

StatusOr<std::vector<OrderBy>> OrderByOf(const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(std::vector<std::string> texts, fields.StringList("order_by"));
  std::vector<OrderBy> order;
  for (const std::string& text : texts) {
    ORCHARD_ASSIGN_OR_RETURN(OrderBy key, ParseOrderBy(text));
    order.push_back(std::move(key));
  }
  return order;
}

template <typename T>
std::string Wrapped(std::string_view key, const T& entity) {
  JsonWriter json;
  json.BeginObject().Key(key);
  WriteJson(json, entity);
  return json.EndObject().Take();
}

// ----- experiments -----

StatusOr<std::string> CreateExperiment(TrackingStore& store, const ArtifactLocationPolicy& policy,
                                       const RequestFields& fields) {
  CreateExperimentRequest request;
  ORCHARD_ASSIGN_OR_RETURN(request.name, fields.RequiredString("name"));
  ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> location, fields.String("artifact_location"));
  request.artifact_location = location.value_or("");
  ORCHARD_RETURN_IF_ERROR(CheckArtifactLocation(request.artifact_location, policy));
  ORCHARD_ASSIGN_OR_RETURN(request.tags, TagsOf(fields, "tags"));
  ORCHARD_ASSIGN_OR_RETURN(std::string id, store.CreateExperiment(request));
  return JsonWriter().BeginObject().Field("experiment_id", id).EndObject().Take();
}

StatusOr<std::string> GetExperiment(TrackingStore& store, const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(std::string id, fields.RequiredString("experiment_id"));
  ORCHARD_ASSIGN_OR_RETURN(Experiment experiment, store.GetExperiment(id));
  return Wrapped("experiment", experiment);
}

StatusOr<std::string> GetExperimentByName(TrackingStore& store, const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(std::string name, fields.RequiredString("experiment_name"));
  ORCHARD_ASSIGN_OR_RETURN(Experiment experiment, store.GetExperimentByName(name));
  return Wrapped("experiment", experiment);
}

StatusOr<std::string> SearchExperiments(TrackingStore& store, const RequestFields& fields) {
  SearchExperimentsRequest request;
  // MLflow requires max_results here; its client always sends it.
  ORCHARD_ASSIGN_OR_RETURN(request.max_results, MaxResultsOf(fields, std::nullopt));
  ORCHARD_ASSIGN_OR_RETURN(request.view_type, ViewTypeOf(fields, "view_type"));
  ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> filter, fields.String("filter"));
  ORCHARD_ASSIGN_OR_RETURN(request.filter, ParseSearchFilter(filter.value_or("")));
  ORCHARD_ASSIGN_OR_RETURN(request.order_by, OrderByOf(fields));
  ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> token, fields.String("page_token"));
  request.page_token = token.value_or("");
  ORCHARD_ASSIGN_OR_RETURN(ExperimentPage page, store.SearchExperiments(request));
  JsonWriter json;
  json.BeginObject();
  WriteJsonList(json, "experiments", page.experiments);
  if (!page.next_page_token.empty()) json.Field("next_page_token", page.next_page_token);
  return json.EndObject().Take();
}

StatusOr<std::string> UpdateExperiment(TrackingStore& store, const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(std::string id, fields.RequiredString("experiment_id"));
  ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> new_name, fields.String("new_name"));
  if (new_name) ORCHARD_RETURN_IF_ERROR(store.RenameExperiment(id, *new_name));
  return EmptyObject();
}

StatusOr<std::string> SetExperimentTag(TrackingStore& store, const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(std::string id, fields.RequiredString("experiment_id"));
  ORCHARD_ASSIGN_OR_RETURN(std::string key, fields.RequiredString("key"));
  ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> value, fields.String("value"));
  ORCHARD_RETURN_IF_ERROR(store.SetExperimentTag(id, {key, value.value_or("")}));
  return EmptyObject();
}

// ----- runs -----

StatusOr<std::string> CreateRun(TrackingStore& store, const RequestFields& fields) {
  CreateRunRequest request;
  ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> experiment_id,
                           fields.String("experiment_id"));
  request.experiment_id = experiment_id.value_or("");
  ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> user, fields.String("user_id"));
  request.user_id = user.value_or("");
  ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> name, fields.String("run_name"));
  request.run_name = name.value_or("");
  ORCHARD_ASSIGN_OR_RETURN(request.start_time, fields.Int64("start_time"));
  ORCHARD_ASSIGN_OR_RETURN(request.tags, TagsOf(fields, "tags"));
  ORCHARD_ASSIGN_OR_RETURN(Run run, store.CreateRun(request));
  JsonWriter json;
  json.BeginObject().Key("run");
  WriteJson(json, run, /*with_inputs=*/false);
  return json.EndObject().Take();
}

StatusOr<std::string> UpdateRun(TrackingStore& store, const RequestFields& fields) {
  UpdateRunRequest request;
  ORCHARD_ASSIGN_OR_RETURN(request.run_id, RunIdOf(fields));
  ORCHARD_ASSIGN_OR_RETURN(request.status, RunStatusOf(fields));
  ORCHARD_ASSIGN_OR_RETURN(request.end_time, fields.Int64("end_time"));
  ORCHARD_ASSIGN_OR_RETURN(request.run_name, fields.String("run_name"));
  ORCHARD_ASSIGN_OR_RETURN(RunInfo info, store.UpdateRun(request));
  return Wrapped("run_info", info);
}

StatusOr<std::string> GetRun(TrackingStore& store, const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(std::string run_id, RunIdOf(fields));
  ORCHARD_ASSIGN_OR_RETURN(Run run, store.GetRun(run_id));
  return Wrapped("run", run);
}

StatusOr<std::string> LogMetric(TrackingStore& store, const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(std::string run_id, RunIdOf(fields));
  ORCHARD_ASSIGN_OR_RETURN(Metric metric, MetricOf(fields));
  ORCHARD_RETURN_IF_ERROR(store.LogMetric(run_id, metric));
  return EmptyObject();
}

StatusOr<std::string> LogParam(TrackingStore& store, const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(std::string run_id, RunIdOf(fields));
  ORCHARD_ASSIGN_OR_RETURN(std::string key, fields.RequiredString("key"));
  ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> value, fields.String("value"));
  ORCHARD_RETURN_IF_ERROR(store.LogParam(run_id, {key, value.value_or("")}));
  return EmptyObject();
}

StatusOr<std::string> SetTag(TrackingStore& store, const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(std::string run_id, RunIdOf(fields));
  ORCHARD_ASSIGN_OR_RETURN(std::string key, fields.RequiredString("key"));
  ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> value, fields.String("value"));
  ORCHARD_RETURN_IF_ERROR(store.SetTag(run_id, {key, value.value_or("")}));
  return EmptyObject();
}

StatusOr<std::string> DeleteTag(TrackingStore& store, const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(std::string run_id, RunIdOf(fields));
  ORCHARD_ASSIGN_OR_RETURN(std::string key, fields.RequiredString("key"));
  ORCHARD_RETURN_IF_ERROR(store.DeleteTag(run_id, key));
  return EmptyObject();
}

StatusOr<std::string> LogBatch(TrackingStore& store, const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(std::string run_id, RunIdOf(fields));
  ORCHARD_ASSIGN_OR_RETURN(std::vector<RequestFields> metric_items, fields.ObjectList("metrics"));
  // Count first, so an oversized batch gets MLflow's message rather than a field error.
  ORCHARD_ASSIGN_OR_RETURN(std::vector<RequestFields> param_items, fields.ObjectList("params"));
  std::vector<Metric> metrics;
  metrics.reserve(metric_items.size());
  if (metric_items.size() <= 1000) {
    for (const RequestFields& item : metric_items) {
      ORCHARD_ASSIGN_OR_RETURN(Metric metric, MetricOf(item));
      metrics.push_back(std::move(metric));
    }
  } else {
    metrics.resize(metric_items.size());  // refused by the store's limit check, with its message
  }
  std::vector<Param> params;
  for (const RequestFields& item : param_items) {
    ORCHARD_ASSIGN_OR_RETURN(std::string key, item.RequiredString("key"));
    ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> value, item.String("value"));
    params.push_back({std::move(key), value.value_or("")});
  }
  ORCHARD_ASSIGN_OR_RETURN(std::vector<Tag> tags, TagsOf(fields, "tags"));
  ORCHARD_RETURN_IF_ERROR(
      store.LogBatch(run_id, std::move(metrics), std::move(params), std::move(tags)));
  return EmptyObject();
}

// Appends the MLmodel description to the run's mlflow.log-model.history tag (a JSON list), as
// MLflow's SqlAlchemyStore.record_logged_model does.
StatusOr<std::string> LogModel(TrackingStore& store, const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(std::string run_id, RunIdOf(fields));
  ORCHARD_ASSIGN_OR_RETURN(std::string model_json, fields.RequiredString("model_json"));
  ORCHARD_RETURN_IF_ERROR(store.LogModel(run_id, model_json));
  return EmptyObject();
}

StatusOr<std::string> LogInputs(TrackingStore& store, const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(std::string run_id, RunIdOf(fields));
  ORCHARD_ASSIGN_OR_RETURN(std::vector<RequestFields> items, fields.ObjectList("datasets"));
  std::vector<DatasetInput> inputs;
  for (const RequestFields& item : items) {
    DatasetInput input;
    ORCHARD_ASSIGN_OR_RETURN(input.tags, TagsOf(item, "tags"));
    ORCHARD_ASSIGN_OR_RETURN(std::vector<RequestFields> datasets, item.Object("dataset"));
    if (datasets.empty()) return MissingField("dataset");
    const RequestFields& d = datasets.front();
    for (auto [key, target] :
         {std::pair{"name", &input.dataset.name}, std::pair{"digest", &input.dataset.digest},
          std::pair{"source_type", &input.dataset.source_type},
          std::pair{"source", &input.dataset.source}, std::pair{"schema", &input.dataset.schema},
          std::pair{"profile", &input.dataset.profile}}) {
      ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> value, d.String(key));
      *target = value.value_or("");
    }
    inputs.push_back(std::move(input));
  }
  ORCHARD_RETURN_IF_ERROR(store.LogInputs(run_id, inputs));
  return EmptyObject();
}

StatusOr<std::string> SearchRuns(TrackingStore& store, const RequestFields& fields) {
  SearchRunsRequest request;
  ORCHARD_ASSIGN_OR_RETURN(request.experiment_ids, fields.StringList("experiment_ids"));
  ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> filter, fields.String("filter"));
  ORCHARD_ASSIGN_OR_RETURN(request.filter, ParseSearchFilter(filter.value_or("")));
  ORCHARD_ASSIGN_OR_RETURN(request.view_type, ViewTypeOf(fields, "run_view_type"));
  ORCHARD_ASSIGN_OR_RETURN(request.max_results, MaxResultsOf(fields, kSearchMaxResultsDefault));
  ORCHARD_ASSIGN_OR_RETURN(request.order_by, OrderByOf(fields));
  ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> token, fields.String("page_token"));
  request.page_token = token.value_or("");
  ORCHARD_ASSIGN_OR_RETURN(RunPage page, store.SearchRuns(request));
  JsonWriter json;
  json.BeginObject();
  WriteJsonList(json, "runs", page.runs);
  if (!page.next_page_token.empty()) json.Field("next_page_token", page.next_page_token);
  return json.EndObject().Take();
}

StatusOr<std::string> GetMetricHistory(TrackingStore& store, const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(std::string run_id, RunIdOf(fields));
  ORCHARD_ASSIGN_OR_RETURN(std::string key, fields.RequiredString("metric_key"));
  // MLflow's server ignores max_results and page_token here and returns every point.
  ORCHARD_ASSIGN_OR_RETURN(std::vector<Metric> history, store.GetMetricHistory(run_id, key));
  JsonWriter json;
  json.BeginObject();
  WriteJsonList(json, "metrics", history);
  return json.EndObject().Take();
}

// Steps to chart: all of them in [start, end] when they are few, else `max_results` evenly
// spaced ones, the last step of the range among them. (MLflow's _get_sampled_steps_from_steps
// picks max_results steps plus the last, then its query keeps the first max_results points, so
// the last step is lost; it also compares an absolute index with the count, which thins a range
// that does not start at the first step. Orchard keeps both ends and every sample.)
std::set<int64_t> SampleSteps(const std::vector<int64_t>& all_steps, int64_t start, int64_t end,
                              int64_t max_results) {
  auto first = std::lower_bound(all_steps.begin(), all_steps.end(), start);
  auto last = std::upper_bound(all_steps.begin(), all_steps.end(), end);
  const int64_t start_index = first - all_steps.begin();
  const int64_t end_index = last - all_steps.begin();
  const int64_t count = end_index - start_index;
  if (count <= max_results) return std::set<int64_t>(first, last);
  std::set<int64_t> sampled;
  const int64_t spaced = std::max<int64_t>(max_results - 1, 1);
  const double interval = static_cast<double>(count) / static_cast<double>(spaced);
  for (int64_t i = 0; i < spaced; ++i) {
    int64_t index = start_index + static_cast<int64_t>(static_cast<double>(i) * interval);
    if (index < end_index) sampled.insert(all_steps[static_cast<size_t>(index)]);
  }
  sampled.insert(all_steps[static_cast<size_t>(end_index - 1)]);
  return sampled;
}

// metrics/get-history-bulk-interval: one metric of up to 100 runs, sampled to at most
// max_results steps (each run's first and last step always kept), for the UI's charts.
StatusOr<std::string> GetMetricHistoryBulkInterval(TrackingStore& store,
                                                   const RequestFields& fields) {
  constexpr int64_t kMaxRuns = 100;
  constexpr int64_t kMaxResultsPerRun = 2500;
  ORCHARD_ASSIGN_OR_RETURN(std::vector<std::string> run_ids, fields.StringList("run_ids"));
  if (run_ids.empty()) return MissingField("run_ids");
  if (static_cast<int64_t>(run_ids.size()) > kMaxRuns) {
    return Status::InvalidParameter(fmt::format(
        "GetMetricHistoryBulkInterval request must specify at most {} run_ids. Received {} "
        "run_ids.",
        kMaxRuns, run_ids.size()));
  }
  ORCHARD_ASSIGN_OR_RETURN(std::string key, fields.RequiredString("metric_key"));
  ORCHARD_ASSIGN_OR_RETURN(std::optional<int64_t> max_results, fields.Int64("max_results"));
  if (max_results && (*max_results < 1 || *max_results > kMaxResultsPerRun)) {
    return Status::InvalidParameter(fmt::format(
        "Invalid value {} for parameter 'max_results' supplied. It must be between 1 and {}.",
        *max_results, kMaxResultsPerRun));
  }
  const int64_t limit = max_results.value_or(kMaxResultsPerRun);
  ORCHARD_ASSIGN_OR_RETURN(std::optional<int64_t> start_step, fields.Int64("start_step"));
  ORCHARD_ASSIGN_OR_RETURN(std::optional<int64_t> end_step, fields.Int64("end_step"));
  if (start_step.has_value() != end_step.has_value()) {
    return Status::InvalidParameter(
        "If either start step or end step are specified, both must be specified.");
  }
  if (start_step && *start_step > *end_step) {
    return Status::InvalidParameter("end_step must be greater than start_step. ");
  }
  // Steps first (cheap), then only the points at the sampled steps.
  std::vector<int64_t> all_steps;
  std::set<int64_t> bounds;
  for (const std::string& run_id : run_ids) {
    ORCHARD_ASSIGN_OR_RETURN(std::vector<int64_t> run_steps, store.GetMetricSteps(run_id, key));
    if (!run_steps.empty()) {
      bounds.insert(run_steps.front());
      bounds.insert(run_steps.back());
    }
    all_steps.insert(all_steps.end(), run_steps.begin(), run_steps.end());
  }
  std::sort(all_steps.begin(), all_steps.end());
  all_steps.erase(std::unique(all_steps.begin(), all_steps.end()), all_steps.end());
  const int64_t start = start_step.value_or(0);
  const int64_t end = end_step.value_or(all_steps.empty() ? 0 : all_steps.back());
  std::set<int64_t> steps = SampleSteps(all_steps, start, end, limit);
  for (int64_t bound : bounds) {
    if (bound >= start && bound <= end) steps.insert(bound);
  }
  const std::vector<int64_t> chosen(steps.begin(), steps.end());
  std::vector<std::vector<Metric>> histories;
  for (const std::string& run_id : run_ids) {
    ORCHARD_ASSIGN_OR_RETURN(std::vector<Metric> points,
                             store.GetMetricHistoryAtSteps(run_id, key, chosen));
    histories.push_back(std::move(points));
  }
  JsonWriter json;
  json.BeginObject();
  bool any = false;
  for (size_t r = 0; r < run_ids.size(); ++r) {
    for (const Metric& metric : histories[r]) {
      if (!steps.contains(metric.step)) continue;
      if (!any) json.Key("metrics").BeginArray();
      any = true;
      json.BeginObject()
          .Field("key", metric.key)
          .Field("value", metric.value)
          .Field("timestamp", metric.timestamp)
          .Field("step", metric.step)
          .Field("run_id", run_ids[r])
          .EndObject();
    }
  }
  if (any) json.EndArray();
  return json.EndObject().Take();
}

StatusOr<std::string> ListArtifacts(const TrackingServiceConfig& config,
                                    const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(std::string run_id, RunIdOf(fields));
  ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> path, fields.String("path"));
  ORCHARD_ASSIGN_OR_RETURN(Run run, config.store->GetRun(run_id));
  ORCHARD_ASSIGN_OR_RETURN(
      std::unique_ptr<ArtifactRepo> repo,
      OpenArtifactRepo(LocalArtifactRoot(run.info.artifact_uri, config.artifacts_destination)));
  ORCHARD_ASSIGN_OR_RETURN(std::vector<FileInfo> files, repo->List(path.value_or("")));
  JsonWriter json;
  json.BeginObject().Field("root_uri", run.info.artifact_uri);
  if (!files.empty()) {
    json.Key("files").BeginArray();
    for (const FileInfo& file : files) {
      json.BeginObject().Field("path", file.path).Key("is_dir").Bool(file.is_dir);
      if (!file.is_dir) json.Field("file_size", file.file_size);
      json.EndObject();
    }
    json.EndArray();
  }
  return json.EndObject().Take();
}

}  // namespace

void AddTrackingRoutes(Router& router, const TrackingServiceConfig& config) {
  TrackingStore& store = *config.store;
  auto bind = [&store](StatusOr<std::string> (*fn)(TrackingStore&, const RequestFields&)) {
    return [&store, fn](const RequestFields& fields) { return fn(store, fields); };
  };
  // Experiments.
  Route(router, "POST", "experiments/create",
        [&store,
         policy = ArtifactLocationPolicy{.artifacts_destination = config.artifacts_destination,
                                         .local_roots = config.local_artifact_roots}](
            const RequestFields& fields) { return CreateExperiment(store, policy, fields); });
  Route(router, "GET", "experiments/get", bind(GetExperiment));
  Route(router, "GET", "experiments/get-by-name", bind(GetExperimentByName));
  Route(router, "POST", "experiments/search", bind(SearchExperiments));
  Route(router, "GET", "experiments/search", bind(SearchExperiments));
  Route(router, "POST", "experiments/update", bind(UpdateExperiment));
  Route(router, "POST", "experiments/set-experiment-tag", bind(SetExperimentTag));
  Route(router, "POST", "experiments/delete",
        [&store](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string id, fields.RequiredString("experiment_id"));
          ORCHARD_RETURN_IF_ERROR(store.DeleteExperiment(id));
          return EmptyObject();
        });
  Route(router, "POST", "experiments/restore",
        [&store](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string id, fields.RequiredString("experiment_id"));
          ORCHARD_RETURN_IF_ERROR(store.RestoreExperiment(id));
          return EmptyObject();
        });
  // Runs.
  Route(router, "POST", "runs/create", bind(CreateRun));
  Route(router, "POST", "runs/update", bind(UpdateRun));
  Route(router, "GET", "runs/get", bind(GetRun));
  Route(router, "POST", "runs/delete",
        [&store](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string run_id, RunIdOf(fields));
          ORCHARD_RETURN_IF_ERROR(store.DeleteRun(run_id));
          return EmptyObject();
        });
  Route(router, "POST", "runs/restore",
        [&store](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string run_id, RunIdOf(fields));
          ORCHARD_RETURN_IF_ERROR(store.RestoreRun(run_id));
          return EmptyObject();
        });
  Route(router, "POST", "runs/log-metric", bind(LogMetric));
  Route(router, "POST", "runs/log-parameter", bind(LogParam));
  Route(router, "POST", "runs/set-tag", bind(SetTag));
  Route(router, "POST", "runs/delete-tag", bind(DeleteTag));
  Route(router, "POST", "runs/log-batch", bind(LogBatch));
  Route(router, "POST", "runs/log-model", bind(LogModel));
  Route(router, "POST", "runs/log-inputs", bind(LogInputs));
  Route(router, "POST", "runs/search", bind(SearchRuns));
  Route(router, "GET", "runs/search", bind(SearchRuns));
  Route(router, "GET", "metrics/get-history", bind(GetMetricHistory));
  Route(router, "GET", "metrics/get-history-bulk-interval", bind(GetMetricHistoryBulkInterval));
  Route(router, "GET", "artifacts/list",
        [config](const RequestFields& fields) { return ListArtifacts(config, fields); });
}

}  // namespace orchard
