// orchard tune: a hyperparameter search as one parent run and a child run per trial. Trials are
// in-process trainings on data loaded once (--data), or subprocess project runs of an entry
// point (--project), each taking over its child run.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/subprocess.h"
#include "cli/cli_app.h"
#include "data/csv_reader.h"
#include "pipeline/training_run.h"
#include "project/mlproject.h"
#include "slurm/slurm_runs.h"
#include "store/tracking/search_filter_parser.h"
#include "tuning/pruner.h"
#include "tuning/tuner.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

// The tutorial's search spaces (its search_params entry point).
constexpr char kRfSpace[] = R"(max_depth: {dist: quniform, low: 1, high: 30, q: 1}
max_features: {dist: uniform, low: 0.05, high: 0.8}
class_weight: {dist: choice, options: [balanced, none]}
min_samples_leaf: {dist: quniform, low: 5, high: 100, q: 5}
)";
constexpr char kHgbtSpace[] = R"(max_depth: {dist: quniform, low: 1, high: 30, q: 1}
max_leaf_nodes: {dist: quniform, low: 5, high: 100, q: 5}
class_weight: {dist: choice, options: [balanced, none]}
l2_regularization: {dist: uniform, low: 0, high: 20}
learning_rate: {dist: uniform, low: 0.01, high: 0.1}
)";

struct TuneFlags {
  std::string data, target, model = "rf", space;
  std::vector<std::string> fixed;  // --param k=v for every trial
  std::string project, entry_point;
  std::string sampler = "tpe";
  int max_trials = 10;
  uint64_t seed = 42;
  int startup_trials = 3;
  std::string metric = "test_PR_AUC";
  bool minimize = false;
  int parallel = 0;  // 0: one trial per core
  int threads = 1;
  std::string prune = "none";
  std::string resume;
  std::string backend = "local", backend_config;
  ExperimentChoice experiment;
  std::string run_id, run_name = "search";
};

// The trials an interrupted search left under `parent`: finished and failed ones count; a trial
// whose Slurm job has not ended is adopted (running); any other trial still marked RUNNING was
// interrupted and is ended KILLED (it will be tried again).
// A trial's number from its run name ("trial-12"), or 0.
int TrialNumberOf(const std::string& run_name) {
  constexpr std::string_view kPrefix = "trial-";
  if (!run_name.starts_with(kPrefix)) return 0;
  int number = 0;
  auto [end, error] =
      std::from_chars(run_name.data() + kPrefix.size(), run_name.data() + run_name.size(), number);
  return error == std::errc() && end == run_name.data() + run_name.size() ? number : 0;
}

StatusOr<std::vector<TrialRecord>> PreviousTrials(TrackingStore& store, const Run& parent,
                                                  const SearchSpace& space,
                                                  const std::string& metric,
                                                  int& highest_number_used) {
  SearchRunsRequest request{.experiment_ids = {parent.info.experiment_id}, .max_results = 50000};
  ORCHARD_ASSIGN_OR_RETURN(
      request.filter,
      ParseSearchFilter(fmt::format("tags.mlflow.parentRunId = '{}'", parent.info.run_id)));
  request.order_by = {{.entity = FilterEntity::kAttribute, .key = "start_time", .ascending = true}};
  ORCHARD_ASSIGN_OR_RETURN(RunPage page, store.SearchRuns(request));
  std::vector<TrialRecord> trials;
  for (const Run& child : page.runs) {
    const bool job_goes_on =
        child.TagValue(kTagSlurmJobId).has_value() && !child.TagValue(kTagSlurmFinalState);
    highest_number_used = std::max(highest_number_used, TrialNumberOf(child.info.run_name));
    if (!job_goes_on &&
        (child.info.status == RunStatus::kRunning || child.info.status == RunStatus::kScheduled)) {
      ORCHARD_RETURN_IF_ERROR(store
                                  .UpdateRun({.run_id = child.info.run_id,
                                              .status = RunStatus::kKilled,
                                              .end_time = NowMillis()})
                                  .status());
      continue;
    }
    // Its own number, as its run is named; a run named otherwise is numbered by position.
    const int own = TrialNumberOf(child.info.run_name);
    TrialRecord trial{.number = own > 0 ? own : static_cast<int>(trials.size()) + 1,
                      .run_id = child.info.run_id};
    for (const ParameterSpace& parameter : space.parameters) {
      for (const Param& param : child.data.params) {
        if (param.key == parameter.name) trial.params.emplace_back(param.key, param.value);
      }
    }
    for (const Metric& value : child.data.metrics) {
      if (value.key == metric && child.info.status == RunStatus::kFinished) {
        trial.objective = value.value;
      }
    }
    trial.running = job_goes_on;
    if (!trial.objective && !trial.running) trial.error = "failed before the search was resumed";
    trials.push_back(std::move(trial));
  }
  return trials;
}

Status RunTune(CliContext& context, const TuneFlags& flags) {
  std::ostream& log = context.err();
  const bool in_process = !flags.data.empty();
  if (in_process == !flags.project.empty()) {
    return Status::InvalidParameter(
        "give --data (trials train in this process) or --project with --entry-point (trials "
        "are project runs), not both");
  }
  if (!in_process && flags.entry_point.empty()) {
    return Status::InvalidParameter("--project needs --entry-point, the entry point of a trial");
  }
  if (flags.backend != "local" && flags.backend != "slurm") {
    return Status::InvalidParameter(
        fmt::format("unknown backend '{}'; use --backend local or slurm", flags.backend));
  }
  const bool on_slurm = flags.backend == "slurm";
  SlurmConfig slurm;
  if (on_slurm && !flags.backend_config.empty()) {
    // Checked here, once, rather than by each trial's job.
    ORCHARD_ASSIGN_OR_RETURN(slurm, LoadSlurmConfig(flags.backend_config));
  } else if (!on_slurm && !flags.backend_config.empty()) {
    return Status::InvalidParameter("--backend-config is for --backend slurm");
  }
  if (on_slurm && flags.prune != "none") {
    return Status::InvalidParameter("--prune works on trials trained here, not on Slurm jobs");
  }
  TuneOptions options;
  if (!flags.space.empty()) {
    ORCHARD_ASSIGN_OR_RETURN(options.space, LoadSearchSpace(flags.space));
  } else if (in_process) {
    ORCHARD_ASSIGN_OR_RETURN(options.space,
                             ParseSearchSpace(flags.model == "rf" ? kRfSpace : kHgbtSpace,
                                              "the built-in " + flags.model + " space"));
  } else {
    return Status::InvalidParameter("--project needs --space, the search space file");
  }
  options.sampler = flags.sampler;
  options.sampler_options.seed = flags.seed;
  options.sampler_options.startup_trials = flags.startup_trials;
  options.max_trials = flags.max_trials;
  options.metric = flags.metric;
  options.maximize = !flags.minimize;
  options.parallel = flags.parallel > 0
                         ? flags.parallel
                         : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  options.progress = &log;
  std::vector<std::pair<std::string, std::string>> fixed;
  for (const std::string& text : flags.fixed) {
    ORCHARD_ASSIGN_OR_RETURN(Tag pair, ParseKeyValue(text, "--param"));
    fixed.emplace_back(pair.key, pair.value);
  }

  ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
  if (flags.prune != "none" && flags.prune != "median") {
    return Status::InvalidParameter("--prune takes none or median");
  }
  MedianPruner pruner;
  Frame frame;
  if (in_process && on_slurm) {
    // Each trial an `orchard train` job on the data file (which the nodes must see), taking
    // over the trial's run.
    ORCHARD_ASSIGN_OR_RETURN(SourceOptions sources, context.DataSources());
    ORCHARD_ASSIGN_OR_RETURN(std::string path, ResolveDataSource(flags.data, sources));
    std::error_code ec;
    path = fs::absolute(path, ec).string();
    const std::string shared = slurm.shared_dir.empty() ? context.CacheDir() : slurm.shared_dir;
    const std::string output_dir = slurm.output_dir.empty() ? shared + "/slurm" : slurm.output_dir;
    const std::string own_folder = fs::path(OrchardBinary()).parent_path().string();
    const char* inherited_path = std::getenv("PATH");
    std::vector<std::pair<std::string, std::string>> environment = {
        {"ORCHARD_TRACKING_URI", client->tracking_uri()},
        {"MLFLOW_TRACKING_URI", client->tracking_uri()},
        {"ORCHARD_ARTIFACT_ROOT", context.tracking_config().artifact_root},
        {"PATH", own_folder + (inherited_path ? std::string(":") + inherited_path : "")}};
    options.run_trial = [&, path, output_dir, environment](ActiveRun& child,
                                                           const Assignment& params,
                                                           int number) -> StatusOr<double> {
      std::vector<std::string> argv = {OrchardBinary(), "train",
                                       "--data",        path,
                                       "--model",       flags.model,
                                       "--run-id",      child.run_id(),
                                       "--seed",        std::to_string(flags.seed),
                                       "--threads",     std::to_string(flags.threads)};
      if (!flags.target.empty()) argv.insert(argv.end(), {"--target", flags.target});
      for (const auto& [key, value] : fixed)
        argv.insert(argv.end(), {"--param", key + "=" + value});
      for (const auto& [key, value] : params) {
        argv.insert(argv.end(), {"--param", key + "=" + value});
      }
      std::string command;
      for (const std::string& word : argv)
        command += (command.empty() ? "" : " ") + ShellQuote(word);
      std::error_code cwd_error;
      SlurmJobSpec job{.name = fmt::format("orchard-trial-{}", number),
                       .working_dir = fs::current_path(cwd_error).string(),
                       .environment = environment,
                       .command = command};
      ORCHARD_RETURN_IF_ERROR(
          SubmitRunAsSlurmJob(*client, child.run_id(), slurm, job, output_dir).status());
      ORCHARD_ASSIGN_OR_RETURN(RunStatus ended, WaitForSlurmRun(*client, child.run_id()));
      ORCHARD_ASSIGN_OR_RETURN(Run run, client->store().GetRun(child.run_id()));
      if (ended != RunStatus::kFinished) {
        return Status(
            ErrorCode::kInvalidState,
            fmt::format("its job ended {}",
                        run.TagValue(kTagSlurmReason).value_or(std::string(RunStatusName(ended)))));
      }
      for (const Metric& metric : run.data.metrics) {
        if (metric.key == flags.metric) return metric.value;
      }
      return Status::InvalidParameter(
          fmt::format("the trials log no metric '{}'; choose another --metric", flags.metric));
    };
  } else if (in_process) {
    ORCHARD_ASSIGN_OR_RETURN(SourceOptions sources, context.DataSources());
    ORCHARD_ASSIGN_OR_RETURN(std::string path, ResolveDataSource(flags.data, sources));
    ORCHARD_ASSIGN_OR_RETURN(frame, ReadCsv(path));
    log << fmt::format("loaded {}: {} rows x {} columns\n", flags.data, frame.rows,
                       frame.columns.size());
    // One thread per trial, trials side by side: OpenMP's spinning threads scale poorly on
    // small data and badly when cores are shared (docs/benchmarks.md).
    const int threads = flags.threads;
    // `threads` is captured by value: this block ends before Tune() calls the trials. (Captured
    // by reference, trials read a dead stack slot: garbage thread counts, a bad_alloc in
    // XGBoost or a crash, depending on the build and the machine's load.)
    options.run_trial = [&, threads](ActiveRun& child, const Assignment& params,
                                     int) -> StatusOr<double> {
      TrainOptions train{
          .model = flags.model, .target = flags.target, .seed = flags.seed, .threads = threads};
      for (const auto& [key, value] : fixed) train.params[key] = value;
      for (const auto& [key, value] : params) train.params[key] = value;
      // The validation loss per round (hgbt), against the median of the finished trials.
      std::vector<double> losses;
      int pruned_at = -1;
      train.on_round = [&](int round, double loss) {
        losses.push_back(loss);
        if (flags.prune == "median" && pruner.ShouldPrune(round, loss)) {
          pruned_at = round;
          return false;
        }
        return true;
      };
      StatusOr<TrainRunSummary> trained =
          TrainIntoRun(child, client->store(), frame, train,
                       {.data_name = fs::path(flags.data).filename().string(),
                        .extra_params = {{"seed", std::to_string(flags.seed)}}});
      if (!trained.ok() && pruned_at >= 0) {
        ORCHARD_RETURN_IF_ERROR(child.SetTag("orchard.pruned", std::to_string(pruned_at)));
        return Status(ErrorCode::kInvalidState,
                      fmt::format("pruned at round {}: its validation loss was above the "
                                  "median of the finished trials",
                                  pruned_at));
      }
      ORCHARD_ASSIGN_OR_RETURN(TrainRunSummary summary, std::move(trained));
      pruner.Record(losses);
      for (const auto& [key, value] : summary.metrics) {
        if (key == flags.metric) return value;
      }
      return Status::InvalidParameter(
          fmt::format("the trials log no metric '{}'; choose another --metric", flags.metric));
    };
  } else {
    options.run_trial = [&](ActiveRun& child, const Assignment& params, int) -> StatusOr<double> {
      std::vector<std::string> argv = {OrchardBinary(),   "run",      flags.project, "-e",
                                       flags.entry_point, "--run-id", child.run_id()};
      // On Slurm, the trial's own `orchard run` submits its job and follows it to its end.
      if (on_slurm) argv.insert(argv.end(), {"--backend", "slurm"});
      if (!flags.backend_config.empty()) {
        argv.insert(argv.end(), {"--backend-config", flags.backend_config});
      }
      for (const auto& [key, value] : fixed) argv.insert(argv.end(), {"-P", key + "=" + value});
      for (const auto& [key, value] : params) argv.insert(argv.end(), {"-P", key + "=" + value});
      std::string output;
      ORCHARD_ASSIGN_OR_RETURN(int code, RunCaptured(argv, "", &output));
      if (code != 0) {
        std::string last = output.substr(output.size() > 300 ? output.size() - 300 : 0);
        return Status(ErrorCode::kInvalidState,
                      fmt::format("the trial's project run failed: {}", last));
      }
      ORCHARD_ASSIGN_OR_RETURN(Run run, client->store().GetRun(child.run_id()));
      for (const Metric& metric : run.data.metrics) {
        if (metric.key == flags.metric) return metric.value;
      }
      return Status::InvalidParameter(fmt::format("the trial logged no metric '{}'", flags.metric));
    };
  }

  // A resumed search's trials whose jobs were still running: followed to their end.
  options.adopt_trial = [&](const TrialRecord& trial) -> StatusOr<double> {
    ORCHARD_RETURN_IF_ERROR(WaitForSlurmRun(*client, trial.run_id).status());
    ORCHARD_ASSIGN_OR_RETURN(Run run, client->store().GetRun(trial.run_id));
    if (run.info.status != RunStatus::kFinished) {
      return Status(
          ErrorCode::kInvalidState,
          fmt::format(
              "its job ended {}",
              run.TagValue(kTagSlurmReason).value_or(std::string(RunStatusName(run.info.status)))));
    }
    for (const Metric& metric : run.data.metrics) {
      if (metric.key == flags.metric) return metric.value;
    }
    return Status::InvalidParameter(fmt::format("the trial logged no metric '{}'", flags.metric));
  };
  // The parent: the search to resume, the run handed over by a project runner
  // ($MLFLOW_RUN_ID), else a new one.
  const std::string parent_id = flags.resume.empty() ? flags.run_id : flags.resume;
  StartRunOptions start{.run_name = parent_id.empty() ? flags.run_name : "",
                        .existing_run_id = parent_id,
                        .source_name = "orchard tune"};
  if (!flags.resume.empty()) {
    ORCHARD_ASSIGN_OR_RETURN(Run previous, client->store().GetRun(flags.resume));
    ORCHARD_ASSIGN_OR_RETURN(options.previous,
                             PreviousTrials(client->store(), previous, options.space, flags.metric,
                                            options.highest_number_used));
    const auto adopted = std::count_if(options.previous.begin(), options.previous.end(),
                                       [](const TrialRecord& t) { return t.running; });
    log << fmt::format("resuming search {}: {} trials done before, {} still running (adopted)\n",
                       flags.resume, options.previous.size() - adopted, adopted);
  }
  if (parent_id.empty()) {
    ORCHARD_ASSIGN_OR_RETURN(start.experiment_id, flags.experiment.Resolve(*client, true));
  }
  ORCHARD_ASSIGN_OR_RETURN(ActiveRun parent, client->StartRun(start));
  if (flags.resume.empty()) {
    std::vector<Param> params = {
        {"sampler", flags.sampler},
        {"max_trials", std::to_string(flags.max_trials)},
        {"objective", fmt::format("{} ({})", flags.metric, flags.minimize ? "min" : "max")},
        {"model_type", in_process ? flags.model : flags.entry_point}};
    // Which trials TPE drew at random, so a view of the search can tell them from its choices.
    if (flags.sampler == "tpe") {
      params.push_back({"startup_trials", std::to_string(flags.startup_trials)});
    }
    ORCHARD_RETURN_IF_ERROR(parent.LogBatch({}, params, {}));
  }
  log << fmt::format("search {} ({} sampler, {} trials) in experiment {}\n", parent.run_id(),
                     flags.sampler, flags.max_trials, parent.experiment_id());
  ORCHARD_ASSIGN_OR_RETURN(TuneResult result, Tune(*client, parent, options));
  if (result.best < 0) {
    ORCHARD_RETURN_IF_ERROR(parent.End(RunStatus::kFailed));
    return Status(ErrorCode::kInvalidState,
                  fmt::format("every trial failed; the first: {}", result.trials[0].error));
  }
  ORCHARD_RETURN_IF_ERROR(parent.End());
  const TrialRecord& best = result.trials[static_cast<size_t>(result.best)];
  std::string shown;
  for (const auto& [key, value] : best.params) shown += fmt::format(" {}={}", key, value);
  context.out() << fmt::format(
      "parent run  {}\nbest trial  {} (trial {}): {} {:.4f}\nbest params{}\nmodel       "
      "runs:/{}/model\n",
      parent.run_id(), best.run_id, best.number, flags.metric, *best.objective, shown, best.run_id);
  return Status::Ok();
}

}  // namespace

void AddTuneCommand(CLI::App& app, CliContext& context) {
  auto flags = std::make_shared<TuneFlags>();
  auto* cmd = app.add_subcommand(
      "tune",
      "Search hyperparameters: one parent run, a nested child run per trial (TPE, random or "
      "grid), the best trial's parameters on the parent");
  cmd->add_option(
      "--data", flags->data,
      "Train in-process on this data (a file, URL or kaggle: source; see docs/data.md)");
  cmd->add_option("--target", flags->target, "The target column (with --data)")
      ->default_val("Loan Status");
  cmd->add_option("--model", flags->model, "rf or hgbt (with --data)")
      ->check(CLI::IsMember({"rf", "hgbt"}));
  cmd->add_option("--param", flags->fixed, "A fixed parameter KEY=VALUE for every trial");
  cmd->add_option("--project", flags->project, "Run each trial as this project's entry point");
  cmd->add_option("--entry-point", flags->entry_point, "The trials' entry point (with --project)");
  cmd->add_option("--space", flags->space,
                  "Search space YAML (default with --data: the tutorial's space for the model; "
                  "see docs/tuning.md)");
  cmd->add_option("--sampler", flags->sampler, "tpe, random or grid")
      ->check(CLI::IsMember({"tpe", "random", "grid"}));
  cmd->add_option("--max-trials", flags->max_trials, "Number of trials")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--seed", flags->seed, "Seed of the sampler and the trainings");
  cmd->add_option("--startup-trials", flags->startup_trials,
                  "TPE: random trials before the model takes over")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--metric", flags->metric, "The objective: a metric each trial logs");
  cmd->add_flag("--minimize", flags->minimize, "Minimize the metric (default: maximize)");
  cmd->add_option("--prune", flags->prune,
                  "median: stop an hgbt trial whose validation loss at a round is worse than "
                  "the median of the finished trials at that round")
      ->check(CLI::IsMember({"none", "median"}));
  cmd->add_option("--resume", flags->resume,
                  "Continue the interrupted search with this parent run id (its finished "
                  "trials count toward --max-trials; trials whose Slurm jobs still run are "
                  "adopted)");
  cmd->add_option("--parallel", flags->parallel,
                  "Trials at a time (default: one per core; on Slurm, jobs at a time)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("-b,--backend", flags->backend,
                  "local, or slurm: each trial as a Slurm job (an `orchard train` on the --data "
                  "file, or a --project run), --parallel at a time (docs/slurm.md)");
  cmd->add_option("--backend-config", flags->backend_config,
                  "The trials' Slurm settings: a YAML file or a JSON object (as orchard run's)");
  cmd->add_option("--threads", flags->threads, "Training threads per trial")
      ->check(CLI::Range(1, 256));
  flags->experiment.AddTo(cmd);
  cmd->add_option("-r,--run-id", flags->run_id,
                  "Use this run as the parent (default: $MLFLOW_RUN_ID, else a new run)")
      ->envname("MLFLOW_RUN_ID");
  cmd->add_option("--run-name", flags->run_name, "Name of a new parent run");
  cmd->callback([&context, flags] {
    context.action = [&context, flags]() { return RunTune(context, *flags); };
  });
}

}  // namespace orchard
