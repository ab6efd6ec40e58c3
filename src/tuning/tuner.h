// Tune: a hyperparameter search as nested runs. One parent run; each trial a child run
// (mlflow.parentRunId) whose parameters come from a sampler (tpe, random, grid) and whose
// objective is a metric of the trial. A failed trial is a FAILED child and the search goes on.
// Afterwards the parent holds the best parameters (as its params), the best objective, the tag
// `best params` (JSON), a CSV table of the trials and a PNG of the objective per trial.
//
// How a trial runs is the caller's: in-process training on data loaded once, or a subprocess
// (`orchard run -e ENTRY --run-id CHILD`, locally or as a Slurm job). Trials run `parallel` at a
// time; the sampler sees the trials finished so far and, for TPE, those still running with the
// worst objective seen (the "constant liar"), so that concurrent proposals spread out. A
// resumed search adopts the trials still running (their jobs) before it proposes new ones.
// Thread-safe use of the Client is required (it is).
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "client/client.h"
#include "tuning/sampler.h"
#include "tuning/search_space.h"

namespace orchard {

struct TrialRecord {
  int number = 0;  // 1, 2, ...
  std::string run_id;
  Assignment params;
  std::optional<double> objective;  // none: the trial failed
  std::string error;
  // Still running when the search was resumed (a job on a cluster): adopted, not run again.
  bool running = false;
};

struct TuneOptions {
  SearchSpace space;
  std::string sampler = "tpe";
  SamplerOptions sampler_options;
  int max_trials = 10;
  std::string metric = "test_PR_AUC";  // the objective: this metric of each trial
  bool maximize = true;
  int parallel = 1;
  // Runs trial `number` with `params` inside its child run (open; Tune ends it) and returns the
  // objective's value.
  std::function<StatusOr<double>(ActiveRun& child, const Assignment& params, int number)> run_trial;
  // Waits for a trial of `previous` that was still running (TrialRecord::running) and returns
  // its objective; its run's status is the caller's. Needed only when there are such trials.
  std::function<StatusOr<double>(const TrialRecord& trial)> adopt_trial;
  std::ostream* progress = nullptr;
  // Trials of an earlier, interrupted run of this search (--resume): they count toward
  // max_trials, the finished ones feed the sampler, and numbering continues after them.
  std::vector<TrialRecord> previous;
  // The highest trial number the earlier run gave, interrupted trials included: new trials are
  // numbered after it (and after every number in `previous`), so no two runs share a name.
  int highest_number_used = 0;
};

struct TuneResult {
  std::vector<TrialRecord> trials;  // in trial order
  int best = -1;                    // index into trials; -1 when every trial failed
};

// What TPE is shown while trials run: the finished trials, plus each trial in flight as if it
// had the worst objective seen so far (the "constant liar"); nothing more before any trial has
// finished.
std::vector<Observation> WithConstantLiar(const std::vector<Observation>& history,
                                          const std::vector<const Assignment*>& in_flight);

// Runs the search under `parent` (open; the caller ends it). Errors: a bad option; every
// trial failing is not an error of Tune (best stays -1).
StatusOr<TuneResult> Tune(Client& client, ActiveRun& parent, const TuneOptions& options);

}  // namespace orchard
