// Wall-clock time as MLflow records it: milliseconds since the Unix epoch.
#pragma once

#include <chrono>
#include <cstdint>

namespace orchard {

inline int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace orchard
