// MedianPruner: stops a trial whose intermediate value (an hgbt trial's validation loss at a
// boosting round; lower is better) is worse than the median of the finished trials' values at
// the same round, as Optuna's MedianPruner. It waits for `warmup_rounds` rounds and for
// `min_trials` finished trials that reached the round. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <vector>

namespace orchard {

class MedianPruner {
 public:
  explicit MedianPruner(int warmup_rounds = 5, int min_trials = 2)
      : warmup_rounds_(warmup_rounds), min_trials_(min_trials) {}

  // True when a trial at `round` with `value` should stop.
  bool ShouldPrune(int round, double value) const;
  // Records a finished (not pruned) trial's value per round (index = round).
  void Record(const std::vector<double>& values);

 private:
  int warmup_rounds_, min_trials_;
  mutable std::mutex mutex_;
  std::map<int, std::vector<double>> by_round_;
};

}  // namespace orchard
