// Metric: one point of a metric's history. Plain data.
#pragma once

#include <cstdint>
#include <string>

namespace orchard {

struct Metric {
  std::string key;
  double value = 0;       // NaN and +-Infinity are allowed
  int64_t timestamp = 0;  // ms since the epoch
  int64_t step = 0;
};

// MLflow's rule for a run's reported (latest) value: greatest step, then greatest timestamp, then
// greatest value, NaN counting as 0 (mlflow/store/tracking/sqlalchemy_store.py,
// _update_latest_metrics_if_necessary). True when `candidate` replaces `current`: it must be
// strictly greater, so of two equal points the first logged stays.
bool IsNewerMetric(const Metric& candidate, const Metric& current);

}  // namespace orchard
