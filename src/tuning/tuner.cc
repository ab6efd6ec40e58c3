#include "tuning/tuner.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <ostream>
#include <thread>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/json_writer.h"
#include "base/scratch_dir.h"
#include "charts/charts.h"
#include "data/csv_reader.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

Status LogSummary(ActiveRun& parent, const TuneOptions& options, const TuneResult& result) {
  ORCHARD_ASSIGN_OR_RETURN(ScratchDir staging, ScratchDir::Create("orchard-tune"));
  const fs::path& scratch = staging.path();

  // trials.csv: one row per trial, the parameters as columns.
  Frame table;
  table.rows = result.trials.size();
  Column number{.name = "trial"}, objective{.name = options.metric};
  Column run_id{.name = "run_id", .type = ColumnType::kCategorical};
  Column status{
      .name = "status", .type = ColumnType::kCategorical, .levels = {"FINISHED", "FAILED"}};
  std::vector<Column> params;
  for (const ParameterSpace& space : options.space.parameters) {
    params.push_back({.name = space.name, .type = ColumnType::kCategorical});
  }
  LineSeries series{.name = options.metric};
  for (const TrialRecord& trial : result.trials) {
    number.numbers.push_back(trial.number);
    run_id.codes.push_back(static_cast<int32_t>(run_id.levels.size()));
    run_id.levels.push_back(trial.run_id);
    status.codes.push_back(trial.objective ? 0 : 1);
    objective.numbers.push_back(trial.objective.value_or(std::nan("")));
    for (size_t p = 0; p < params.size(); ++p) {
      std::string value = p < trial.params.size() ? trial.params[p].second : "";
      params[p].codes.push_back(static_cast<int32_t>(params[p].levels.size()));
      params[p].levels.push_back(value);
    }
    if (trial.objective) series.points.emplace_back(trial.number, *trial.objective);
  }
  table.columns = {std::move(number), std::move(run_id), std::move(status), std::move(objective)};
  for (Column& column : params) table.columns.push_back(std::move(column));
  ORCHARD_RETURN_IF_ERROR(WriteCsv(table, (scratch / "trials.csv").string()));
  ORCHARD_RETURN_IF_ERROR(parent.LogArtifact((scratch / "trials.csv").string()));
  // In trial order: after a resume the trials come in the order they started, not by number.
  std::sort(series.points.begin(), series.points.end());
  if (!series.points.empty()) {
    LineChart chart{
        .title = fmt::format("{} per trial ({} search)", options.metric, options.sampler),
        .x_label = "trial",
        .y_label = options.metric,
        .series = {series},
        .markers = true,
        .highlight_best_max = options.maximize,
        .highlight_best_min = !options.maximize};
    ORCHARD_RETURN_IF_ERROR(RenderLineChart(chart, (scratch / "objective.png").string()));
    ORCHARD_RETURN_IF_ERROR(parent.LogArtifact((scratch / "objective.png").string()));
  }
  if (result.best < 0) return Status::Ok();
  const TrialRecord& best = result.trials[static_cast<size_t>(result.best)];
  std::vector<Param> best_params;
  JsonWriter json;
  json.BeginObject();
  for (const auto& [name, value] : best.params) {
    best_params.push_back({name, value});
    json.Field(name, value);
  }
  json.EndObject();
  const int64_t now = NowMillis();
  std::vector<Metric> metrics = {{options.metric, *best.objective, now, 0},
                                 {"best_" + options.metric, *best.objective, now, 0},
                                 {"best_trial", static_cast<double>(best.number), now, 0}};
  std::vector<Tag> tags = {{"best params", json.Take()}, {"best_run_id", best.run_id}};
  return parent.LogBatch(metrics, best_params, tags);
}

}  // namespace

std::vector<Observation> WithConstantLiar(const std::vector<Observation>& history,
                                          const std::vector<const Assignment*>& in_flight) {
  std::vector<Observation> seen = history;
  if (history.empty()) return seen;
  double worst = history.front().objective;
  for (const Observation& o : history) worst = std::min(worst, o.objective);
  for (const Assignment* params : in_flight) seen.push_back({*params, worst});
  return seen;
}

StatusOr<TuneResult> Tune(Client& client, ActiveRun& parent, const TuneOptions& options) {
  if (options.max_trials < 1) return Status::InvalidParameter("--max-trials must be at least 1");
  if (options.parallel < 1) return Status::InvalidParameter("--parallel must be at least 1");
  if (!options.run_trial) return Status::Internal("no trial runner");
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<Sampler> sampler,
                           MakeSampler(options.sampler, options.space, options.sampler_options));
  TuneResult result;
  result.trials = options.previous;
  result.trials.resize(std::max(options.previous.size(), static_cast<size_t>(options.max_trials)));
  std::mutex mutex;  // guards the sampler, history, next and progress
  std::vector<Observation> history;
  for (const TrialRecord& trial : options.previous) {
    if (trial.objective) {
      history.push_back({trial.params, options.maximize ? *trial.objective : -*trial.objective});
    }
  }
  int next = static_cast<int>(options.previous.size());
  // New trials are numbered after every number used before (a trial interrupted and ended
  // KILLED keeps its number).
  int first_number = options.highest_number_used + 1;
  for (const TrialRecord& trial : options.previous)
    first_number = std::max(first_number, trial.number + 1);
  const int previous_count = next;
  // The number the last trial gets: what the progress lines count towards.
  const int last_number =
      std::max(options.max_trials, first_number + (options.max_trials - previous_count) - 1);
  // Previous trials still running (adopted; index into result.trials), and the parameters of
  // trials in flight (for the constant liar).
  std::vector<size_t> to_adopt;
  for (size_t i = 0; i < options.previous.size(); ++i) {
    if (options.previous[i].running) to_adopt.push_back(i);
  }
  if (!to_adopt.empty() && !options.adopt_trial) return Status::Internal("no trial adopter");
  std::vector<const Assignment*> in_flight;
  const bool liar = options.sampler == "tpe";
  Status fatal;
  auto report = [&](const TrialRecord& trial, bool ok) {
    if (options.progress == nullptr) return;
    std::string shown;
    for (const auto& [name, value] : trial.params) shown += fmt::format(" {}={}", name, value);
    *options.progress << (ok ? fmt::format("trial {:>3}/{}  {} {:.4f} {}\n", trial.number,
                                           last_number, options.metric, *trial.objective, shown)
                             : fmt::format("trial {:>3}/{}  FAILED: {}\n", trial.number,
                                           last_number, trial.error))
                      << std::flush;
  };
  // Records a trial's outcome (mutex held).
  auto record = [&](TrialRecord& trial, const StatusOr<double>& objective) {
    const bool ok = objective.ok() && std::isfinite(*objective);
    if (ok) {
      trial.objective = *objective;
      history.push_back({trial.params, options.maximize ? *objective : -*objective});
    } else {
      trial.error = objective.ok() ? fmt::format("{} is not a number", options.metric)
                                   : objective.status().message();
    }
    report(trial, ok);
    return ok;
  };
  auto worker = [&] {
    while (true) {
      std::unique_lock lock(mutex);
      if (!fatal.ok()) return;
      if (!to_adopt.empty()) {
        TrialRecord& trial = result.trials[to_adopt.back()];
        to_adopt.pop_back();
        in_flight.push_back(&trial.params);
        lock.unlock();
        StatusOr<double> objective = options.adopt_trial(trial);
        lock.lock();
        std::erase(in_flight, &trial.params);
        trial.running = false;
        record(trial, objective);
        continue;
      }
      if (next >= options.max_trials) return;
      const int index = next++;
      TrialRecord& trial = result.trials[static_cast<size_t>(index)];
      // Trials in flight count as the worst seen so far (TPE only: the other samplers do not
      // learn from history, and grid counts it).
      trial.params = sampler->Next(liar ? WithConstantLiar(history, in_flight) : history);
      trial.number = first_number + (index - previous_count);
      in_flight.push_back(&trial.params);
      lock.unlock();
      StatusOr<ActiveRun> child =
          client.StartRun({.experiment_id = parent.experiment_id(),
                           .run_name = fmt::format("trial-{}", trial.number),
                           .parent_run_id = parent.run_id(),
                           .source_name = "orchard tune"});
      if (!child.ok()) {
        lock.lock();
        fatal = child.status();
        return;
      }
      trial.run_id = child->run_id();
      StatusOr<double> objective = options.run_trial(*child, trial.params, trial.number);
      const bool ok = objective.ok() && std::isfinite(*objective);
      Status ended = child->End(ok ? RunStatus::kFinished : RunStatus::kFailed);
      lock.lock();
      std::erase(in_flight, &trial.params);
      if (!ended.ok()) fatal = ended;
      record(trial, objective);
    }
  };
  std::vector<std::thread> threads;
  for (int i = 1; i < options.parallel; ++i) threads.emplace_back(worker);
  worker();
  for (std::thread& thread : threads) thread.join();
  ORCHARD_RETURN_IF_ERROR(fatal);
  for (size_t i = 0; i < result.trials.size(); ++i) {
    const TrialRecord& trial = result.trials[i];
    if (!trial.objective) continue;
    if (result.best < 0) {
      result.best = static_cast<int>(i);
      continue;
    }
    double best = *result.trials[static_cast<size_t>(result.best)].objective;
    if (options.maximize ? *trial.objective > best : *trial.objective < best) {
      result.best = static_cast<int>(i);
    }
  }
  ORCHARD_RETURN_IF_ERROR(LogSummary(parent, options, result));
  return result;
}

}  // namespace orchard
