#include "pipeline/training_run.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <ostream>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/scratch_dir.h"
#include "charts/charts.h"
#include "data/csv_reader.h"
#include "train/evaluation.h"
#include "train/model_package.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

struct Importance {
  std::string feature;
  double share = 0, total_gain = 0, splits = 0;
};

// Every model input's share of the total gain, largest first.
StatusOr<std::vector<Importance>> ImportanceTable(const TrainedModel& model) {
  ORCHARD_ASSIGN_OR_RETURN(auto gain, model.booster.FeatureImportance("total_gain"));
  ORCHARD_ASSIGN_OR_RETURN(auto weight, model.booster.FeatureImportance("weight"));
  std::map<std::string, Importance> by_feature;
  for (const std::string& name : model.preprocessor.FeatureNames()) by_feature[name] = {name};
  for (const auto& [name, value] : gain) by_feature[name].total_gain = value;
  for (const auto& [name, value] : weight) by_feature[name].splits = value;
  std::vector<Importance> rows;
  double total = 0;
  for (auto& [name, row] : by_feature) {
    total += row.total_gain;
    rows.push_back(row);
  }
  for (Importance& row : rows) row.share = total > 0 ? row.total_gain / total : 0.0;
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Importance& a, const Importance& b) { return a.share > b.share; });
  return rows;
}

Status WriteImportance(const std::vector<Importance>& rows, const fs::path& path) {
  Frame table;
  table.rows = rows.size();
  Column feature{.name = "feature", .type = ColumnType::kCategorical};
  Column share{.name = "importance"}, gain{.name = "total_gain"}, splits{.name = "splits"};
  for (const Importance& row : rows) {
    feature.codes.push_back(static_cast<int32_t>(feature.levels.size()));
    feature.levels.push_back(row.feature);
    share.numbers.push_back(row.share);
    gain.numbers.push_back(row.total_gain);
    splits.numbers.push_back(row.splits);
  }
  table.columns = {std::move(feature), std::move(share), std::move(gain), std::move(splits)};
  return WriteCsv(table, path.string());
}

// A bar chart of the 40 largest shares.
Status ChartImportance(const std::vector<Importance>& rows, const fs::path& png,
                       const std::string& title) {
  BarChart chart{.title = title, .value_label = "share of total gain"};
  for (size_t i = 0; i < std::min<size_t>(rows.size(), 40); ++i) {
    chart.bars.emplace_back(rows[i].feature, rows[i].share);
  }
  return RenderBarChart(chart, png.string());
}

}  // namespace

StatusOr<TrainRunSummary> TrainIntoRun(ActiveRun& run, TrackingStore& store, const Frame& frame,
                                       TrainOptions options, const TrainRunOptions& run_options) {
  std::ostream* progress = run_options.progress;
  auto caller_on_round = options.on_round;
  // The validation loss of every round, logged as it comes (a tuner can prune from it).
  Status round_status;
  auto train_started = Clock::now();
  LineSeries validation{.name = "validation log loss"};
  options.on_round = [&](int round, double loss) {
    validation.points.emplace_back(round, loss);
    if (round_status.ok()) round_status = run.LogMetric("val_log_loss", loss, round);
    if (progress != nullptr && round % 10 == 0) {
      *progress << fmt::format("  round {:>4}  val_log_loss {:.5f}\n", round, loss);
    }
    return caller_on_round ? caller_on_round(round, loss) : true;
  };
  ORCHARD_ASSIGN_OR_RETURN(TrainedModel model, Train(frame, options));
  ORCHARD_RETURN_IF_ERROR(round_status);
  const double train_seconds = Seconds(train_started);
  for (const std::string& id : model.dropped_ids) {
    if (progress == nullptr) break;
    *progress << fmt::format(
        "note: left out '{}': an identifier (unique per row), not a feature; "
        "pass --features to choose columns yourself\n",
        id);
  }

  std::vector<Param> params;
  for (const auto& [name, value] : model.params) params.push_back({name, value});
  params.push_back({"model_type", model.model});
  params.push_back({"target", model.target});
  params.push_back({"positive_class", model.positive_class});
  for (const Param& param : run_options.extra_params) params.push_back(param);
  params.push_back({"n_features", std::to_string(model.preprocessor.features().size())});
  std::vector<Metric> metrics;
  const int64_t now = NowMillis();
  for (const auto& [name, value] :
       ClassifierMetrics(model.test_labels, model.test_scores, run_options.metric_prefix)) {
    metrics.push_back({name, value, now, 0});
  }
  metrics.push_back({"n_rounds", static_cast<double>(model.rounds), now, 0});
  metrics.push_back({"training_time_s", train_seconds, now, 0});
  ORCHARD_RETURN_IF_ERROR(run.LogBatch(metrics, params, {}));

  // Artifacts: feature importances and the model package, staged in a scratch folder.
  ORCHARD_ASSIGN_OR_RETURN(ScratchDir staging, ScratchDir::Create("orchard-train"));
  const fs::path& scratch = staging.path();
  ORCHARD_ASSIGN_OR_RETURN(std::vector<Importance> importance, ImportanceTable(model));
  ORCHARD_RETURN_IF_ERROR(WriteImportance(importance, scratch / "feature_importance.csv"));
  ORCHARD_RETURN_IF_ERROR(run.LogArtifact((scratch / "feature_importance.csv").string()));
  ORCHARD_RETURN_IF_ERROR(ChartImportance(
      importance, scratch / "feature_importance.png",
      fmt::format("Feature importance, {} on {}", model.model, run_options.data_name)));
  ORCHARD_RETURN_IF_ERROR(run.LogArtifact((scratch / "feature_importance.png").string()));
  if (!validation.points.empty()) {
    LineChart chart{.title = fmt::format("Validation log loss per round ({} kept)", model.rounds),
                    .x_label = "round",
                    .y_label = "log loss",
                    .series = {validation}};
    ORCHARD_RETURN_IF_ERROR(RenderLineChart(chart, (scratch / "val_log_loss.png").string()));
    ORCHARD_RETURN_IF_ERROR(run.LogArtifact((scratch / "val_log_loss.png").string()));
  }
  PackageInfo info{.run_id = run.run_id(), .artifact_path = run_options.artifact_path};
  const fs::path package = scratch / run_options.artifact_path;
  ORCHARD_ASSIGN_OR_RETURN(std::string mlmodel_json,
                           WriteModelPackage(model, frame, package.string(), info));
  ORCHARD_RETURN_IF_ERROR(run.LogArtifacts(package.string(), run_options.artifact_path));
  ORCHARD_RETURN_IF_ERROR(store.LogModel(run.run_id(), mlmodel_json));

  TrainRunSummary summary;
  summary.model = model.model;
  summary.rounds = model.rounds;
  summary.train_rows = model.train_rows;
  summary.validation_rows = model.validation_rows;
  summary.test_rows = model.test_rows.size();
  summary.train_seconds = train_seconds;
  for (const Metric& metric : metrics) summary.metrics.emplace_back(metric.key, metric.value);
  return summary;
}

}  // namespace orchard
