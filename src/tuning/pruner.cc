#include "tuning/pruner.h"

#include <algorithm>

namespace orchard {

bool MedianPruner::ShouldPrune(int round, double value) const {
  if (round < warmup_rounds_) return false;
  std::lock_guard lock(mutex_);
  auto found = by_round_.find(round);
  if (found == by_round_.end() || static_cast<int>(found->second.size()) < min_trials_) {
    return false;
  }
  std::vector<double> values = found->second;
  const size_t middle = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<long>(middle), values.end());
  double median = values[middle];
  if (values.size() % 2 == 0) {
    median =
        (median + *std::max_element(values.begin(), values.begin() + static_cast<long>(middle))) /
        2;
  }
  return value > median;
}

void MedianPruner::Record(const std::vector<double>& values) {
  std::lock_guard lock(mutex_);
  for (size_t round = 0; round < values.size(); ++round) {
    by_round_[static_cast<int>(round)].push_back(values[round]);
  }
}

}  // namespace orchard
