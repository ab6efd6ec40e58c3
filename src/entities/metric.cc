#include "entities/metric.h"

#include <cmath>
#include <tuple>

namespace orchard {

bool IsNewerMetric(const Metric& candidate, const Metric& current) {
  auto comparable = [](const Metric& m) {
    return std::make_tuple(m.step, m.timestamp, std::isnan(m.value) ? 0.0 : m.value);
  };
  return comparable(candidate) > comparable(current);
}

}  // namespace orchard
