// The contract suite for TrackingStore: every implementation (SQLite now; PostgreSQL and the
// REST client later) instantiates it with a factory and must pass it unchanged:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, TrackingStoreContract,
//                            ::testing::Values(TrackingStoreFactory{"sqlite", MakeSqliteStore}));
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "store/tracking/tracking_store.h"
#include "support/temp_dir.h"

namespace orchard::testing {

struct TrackingStoreFactory {
  std::string name;
  // Makes an empty store whose files (if any) live under `dir`.
  std::function<std::unique_ptr<TrackingStore>(const std::string& dir)> make;
};

inline std::ostream& operator<<(std::ostream& out, const TrackingStoreFactory& factory) {
  return out << factory.name;
}

class TrackingStoreContract : public ::testing::TestWithParam<TrackingStoreFactory> {
 protected:
  void SetUp() override { store_ = GetParam().make(dir_.path().string()); }

  // Creates an experiment and returns its id (fails the test on error).
  std::string NewExperiment(const std::string& name);
  // Creates a run with optional parent/start time and returns its id.
  std::string NewRun(const std::string& experiment_id, const std::string& name = "",
                     int64_t start_time = 1000, const std::string& parent = "");

  TempDir dir_;
  std::unique_ptr<TrackingStore> store_;
};

}  // namespace orchard::testing
