// orchard train: a CSV in, a tracked run with params, metrics, charts' data and a model out.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "cli/cli_app.h"
#include "data/csv_reader.h"
#include "pipeline/training_run.h"
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

  TrainRunOptions run_options{.data_name = fs::path(flags.data).filename().string(),
                              .artifact_path = flags.artifact_path,
                              .metric_prefix = flags.metric_prefix,
                              .extra_params = {{"test_size", fmt::format("{}", flags.test_size)},
                                               {"seed", std::to_string(flags.seed)}},
                              .progress = &progress};
  ORCHARD_ASSIGN_OR_RETURN(TrainRunSummary summary,
                           TrainIntoRun(run, client->store(), frame, options, run_options));
  ORCHARD_RETURN_IF_ERROR(run.End());

  std::ostream& out = context.out();
  out << fmt::format("model {} on {} ({} training rows, {} validation, {} test), {} round{}\n",
                     summary.model, flags.data, summary.train_rows, summary.validation_rows,
                     summary.test_rows, summary.rounds, summary.rounds == 1 ? "" : "s");
  for (const auto& [key, value] : summary.metrics) {
    if (key.starts_with(flags.metric_prefix) && key.find("_positives") == std::string::npos &&
        key.find("_negatives") == std::string::npos) {
      out << fmt::format("  {:<18} {:.4f}\n", key, value);
    }
  }
  out << fmt::format("run_id {}\nmodel  runs:/{}/{}\n", run.run_id(), run.run_id(),
                     flags.artifact_path);
  progress << fmt::format("done in {:.2f} s (training {:.2f} s)\n", Seconds(started),
                          summary.train_seconds);
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
