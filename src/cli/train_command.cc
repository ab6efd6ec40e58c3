// orchard train: a CSV in, a tracked run with params, metrics, charts' data and a model out.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "base/clock.h"
#include "charts/charts.h"
#include "cli/cli_app.h"
#include "data/csv_reader.h"
#include "train/evaluation.h"
#include "train/model_package.h"
#include "train/trainer.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

struct TrainFlags {
  std::string model = "rf";
  std::string data;
  std::string target;
  std::vector<std::string> params;
  std::vector<std::string> categorical, numeric, features, drop;
  std::string positive_label;
  double test_size = 0.25;
  uint64_t seed = 42;
  bool no_stratify = false;
  std::string encoding;
  size_t onehot_max_levels = 20;
  ExperimentChoice experiment;
  std::string run_id, parent_run_id, run_name;
  std::string artifact_path = "model";
  std::string metric_prefix = "test_";
  int threads = 0;
};

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::vector<std::string> SplitList(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const std::string& value : values) {
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = value.find(',', start);
      if (comma == std::string::npos) comma = value.size();
      if (comma > start) out.push_back(value.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return out;
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

Status RunTrain(CliContext& context, const TrainFlags& flags) {
  std::ostream& progress = context.err();
  ORCHARD_ASSIGN_OR_RETURN(SourceOptions sources, context.DataSources());
  ORCHARD_ASSIGN_OR_RETURN(std::string data_path, ResolveDataSource(flags.data, sources));
  auto started = Clock::now();
  CsvOptions csv{.categorical = SplitList(flags.categorical), .numeric = SplitList(flags.numeric)};
  ORCHARD_ASSIGN_OR_RETURN(Frame frame, ReadCsv(data_path, csv));
  progress << fmt::format("loaded {}: {} rows x {} columns in {:.2f} s\n", flags.data, frame.rows,
                          frame.columns.size(), Seconds(started));

  TrainOptions options;
  options.model = flags.model;
  options.target = flags.target;
  for (const std::string& text : flags.params) {
    ORCHARD_ASSIGN_OR_RETURN(Tag pair, ParseKeyValue(text, "--param"));
    options.params[pair.key] = pair.value;
  }
  options.features = SplitList(flags.features);
  options.drop = SplitList(flags.drop);
  options.positive_label = flags.positive_label;
  options.test_size = flags.test_size;
  options.seed = flags.seed;
  options.stratify = !flags.no_stratify;
  options.threads = flags.threads;
  options.onehot_max_levels = flags.onehot_max_levels;
  if (!flags.encoding.empty()) {
    ORCHARD_ASSIGN_OR_RETURN(options.encoding, ParseEncoding(flags.encoding));
  }

  ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
  StartRunOptions start{.run_name = flags.run_name,
                        .parent_run_id = flags.parent_run_id,
                        .existing_run_id = flags.run_id,
                        .source_name = "orchard train"};
  if (flags.run_id.empty()) {
    ORCHARD_ASSIGN_OR_RETURN(start.experiment_id, flags.experiment.Resolve(*client, true));
  }
  ORCHARD_ASSIGN_OR_RETURN(ActiveRun run, client->StartRun(start));
  progress << fmt::format("run {} (experiment {})\n", run.run_id(), run.experiment_id());

  // The validation loss of every round, logged as it comes (a tuner can prune from it).
  Status round_status;
  auto train_started = Clock::now();
  LineSeries validation{.name = "validation log loss"};
  options.on_round = [&](int round, double loss) {
    validation.points.emplace_back(round, loss);
    if (round_status.ok()) round_status = run.LogMetric("val_log_loss", loss, round);
    if (round % 10 == 0) {
      progress << fmt::format("  round {:>4}  val_log_loss {:.5f}\n", round, loss);
    }
  };
  ORCHARD_ASSIGN_OR_RETURN(TrainedModel model, Train(frame, options));
  ORCHARD_RETURN_IF_ERROR(round_status);
  const double train_seconds = Seconds(train_started);
  for (const std::string& id : model.dropped_ids) {
    progress << fmt::format(
        "note: left out '{}': an identifier (unique per row), not a feature; "
        "pass --features to choose columns yourself\n",
        id);
  }

  std::vector<Param> params;
  for (const auto& [name, value] : model.params) params.push_back({name, value});
  params.push_back({"model_type", model.model});
  params.push_back({"target", model.target});
  params.push_back({"positive_class", model.positive_class});
  params.push_back({"test_size", fmt::format("{}", flags.test_size)});
  params.push_back({"seed", std::to_string(flags.seed)});
  params.push_back({"n_features", std::to_string(model.preprocessor.features().size())});
  std::vector<Metric> metrics;
  const int64_t now = NowMillis();
  for (const auto& [name, value] :
       ClassifierMetrics(model.test_labels, model.test_scores, flags.metric_prefix)) {
    metrics.push_back({name, value, now, 0});
  }
  metrics.push_back({"n_rounds", static_cast<double>(model.rounds), now, 0});
  metrics.push_back({"training_time_s", train_seconds, now, 0});
  ORCHARD_RETURN_IF_ERROR(run.LogBatch(metrics, params, {}));

  // Artifacts: feature importances and the model package, staged in a scratch folder.
  fs::path scratch = fs::temp_directory_path() / fmt::format("orchard-train-{}", run.run_id());
  struct RemoveOnExit {
    fs::path path;
    ~RemoveOnExit() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  } cleanup{scratch};
  std::error_code ec;
  fs::create_directories(scratch, ec);
  ORCHARD_ASSIGN_OR_RETURN(std::vector<Importance> importance, ImportanceTable(model));
  ORCHARD_RETURN_IF_ERROR(WriteImportance(importance, scratch / "feature_importance.csv"));
  ORCHARD_RETURN_IF_ERROR(run.LogArtifact((scratch / "feature_importance.csv").string()));
  ORCHARD_RETURN_IF_ERROR(ChartImportance(importance, scratch / "feature_importance.png",
                                          fmt::format("Feature importance, {} on {}", model.model,
                                                      fs::path(flags.data).filename().string())));
  ORCHARD_RETURN_IF_ERROR(run.LogArtifact((scratch / "feature_importance.png").string()));
  if (!validation.points.empty()) {
    LineChart chart{.title = fmt::format("Validation log loss per round ({} kept)", model.rounds),
                    .x_label = "round",
                    .y_label = "log loss",
                    .series = {validation}};
    ORCHARD_RETURN_IF_ERROR(RenderLineChart(chart, (scratch / "val_log_loss.png").string()));
    ORCHARD_RETURN_IF_ERROR(run.LogArtifact((scratch / "val_log_loss.png").string()));
  }
  PackageInfo info{.run_id = run.run_id(), .artifact_path = flags.artifact_path};
  const fs::path package = scratch / flags.artifact_path;
  ORCHARD_ASSIGN_OR_RETURN(std::string mlmodel_json,
                           WriteModelPackage(model, frame, package.string(), info));
  ORCHARD_RETURN_IF_ERROR(run.LogArtifacts(package.string(), flags.artifact_path));
  ORCHARD_RETURN_IF_ERROR(client->store().LogModel(run.run_id(), mlmodel_json));
  ORCHARD_RETURN_IF_ERROR(run.End());

  std::ostream& out = context.out();
  out << fmt::format("model {} on {} ({} training rows, {} validation, {} test), {} round{}\n",
                     model.model, flags.data, model.train_rows, model.validation_rows,
                     model.test_rows.size(), model.rounds, model.rounds == 1 ? "" : "s");
  for (const Metric& metric : metrics) {
    if (metric.key.starts_with(flags.metric_prefix) &&
        metric.key.find("_positives") == std::string::npos &&
        metric.key.find("_negatives") == std::string::npos) {
      out << fmt::format("  {:<18} {:.4f}\n", metric.key, metric.value);
    }
  }
  out << fmt::format("run_id {}\nmodel  runs:/{}/{}\n", run.run_id(), run.run_id(),
                     flags.artifact_path);
  progress << fmt::format("done in {:.2f} s (training {:.2f} s)\n", Seconds(started),
                          train_seconds);
  return Status::Ok();
}

}  // namespace

void AddTrainCommand(CLI::App& app, CliContext& context) {
  auto flags = std::make_shared<TrainFlags>();
  auto* cmd = app.add_subcommand(
      "train",
      "Train a classifier on a CSV file (random forest or gradient-boosted trees through "
      "XGBoost) and log params, test metrics, the validation history and the model to a run");
  cmd->add_option("--model", flags->model, "rf (random forest) or hgbt (gradient boosting)")
      ->check(CLI::IsMember({"rf", "hgbt"}));
  cmd->add_option("--data", flags->data,
                  "CSV data: a file, an http(s):// URL or kaggle:owner/dataset[/file.csv] "
                  "(see docs/data.md)")
      ->required();
  cmd->add_option("--target", flags->target, "The binary target column, e.g. \"Loan Status\"")
      ->required();
  cmd->add_option("--param", flags->params,
                  "A model parameter KEY=VALUE with scikit-learn's name (repeatable; see "
                  "docs/models.md)");
  cmd->add_option("--categorical", flags->categorical,
                  "Columns to read as categorical (comma-separated; repeatable)");
  cmd->add_option("--numeric", flags->numeric, "Columns to read as numbers");
  cmd->add_option("--features", flags->features,
                  "Feature columns (default: all but the target and identifier columns)");
  cmd->add_option("--drop", flags->drop, "Columns to leave out");
  cmd->add_option("--positive-label", flags->positive_label,
                  "The positive class (default: 1/true, else the rarer value)");
  cmd->add_option("--test-size", flags->test_size, "Share of rows held out for testing")
      ->check(CLI::Range(0.01, 0.99));
  cmd->add_option("--seed", flags->seed, "Random seed for the split and the learner");
  cmd->add_flag("--no-stratify", flags->no_stratify, "Split without keeping class shares");
  cmd->add_option("--encoding", flags->encoding,
                  "Categorical encoding: ordinal, woe, onehot or native (default: woe for rf, "
                  "ordinal for hgbt)");
  cmd->add_option("--onehot-max-levels", flags->onehot_max_levels,
                  "onehot: columns kept per categorical column (the most frequent levels); the "
                  "rest share one")
      ->check(CLI::Range(1, 10000));
  flags->experiment.AddTo(cmd);
  cmd->add_option("-r,--run-id", flags->run_id,
                  "Log into this existing run (default: $MLFLOW_RUN_ID)")
      ->envname("MLFLOW_RUN_ID");
  cmd->add_option("--parent-run-id", flags->parent_run_id, "Nest the new run under this run");
  cmd->add_option("--run-name", flags->run_name, "Name of the new run");
  cmd->add_option("--artifact-path", flags->artifact_path, "Where the model goes in the run");
  cmd->add_option("--metric-prefix", flags->metric_prefix, "Prefix of the test metrics' names");
  cmd->add_option("--threads", flags->threads, "Training threads (default: every core)");
  cmd->callback([&context, flags] {
    context.action = [&context, flags]() { return RunTrain(context, *flags); };
  });
}

}  // namespace orchard
