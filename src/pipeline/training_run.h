// TrainIntoRun: training a model as a tracked run, what `orchard train` and each of the tuner's
// in-process trials do: the validation loss of every round logged while training, then the
// params, the test metrics, the feature importances (CSV and bar chart), the validation chart,
// the model package and its runs/log-model entry. Thread-compatible (one run per call).
#pragma once

#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "client/client.h"
#include "data/frame.h"
#include "train/trainer.h"

namespace orchard {

struct TrainRunOptions {
  std::string data_name;  // for chart titles
  std::string artifact_path = "model";
  std::string metric_prefix = "test_";
  std::vector<Param> extra_params;   // logged with the model's own (e.g. test_size, seed)
  std::ostream* progress = nullptr;  // round-by-round progress and notices; nullptr: quiet
};

struct TrainRunSummary {
  std::string model;
  int rounds = 0;
  size_t train_rows = 0, validation_rows = 0, test_rows = 0;
  std::vector<std::pair<std::string, double>> metrics;  // as logged, in order
  double train_seconds = 0;
};

// Trains `options` on `frame` into `run` (which stays open: the caller ends it). `on_round`
// in `options`, if set, is still called after each round's logging.
StatusOr<TrainRunSummary> TrainIntoRun(ActiveRun& run, TrackingStore& store, const Frame& frame,
                                       TrainOptions options, const TrainRunOptions& run_options);

}  // namespace orchard
