// The contract suite for TrackingStore: every implementation (SQLite, PostgreSQL and the REST
// client) instantiates it with a factory and must pass it unchanged:
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
  // Makes an empty store whose files (if any) live under `dir`; nullptr when the database it
  // needs is not available here (the tests then skip).
  std::function<std::unique_ptr<TrackingStore>(const std::string& dir)> make;
};

inline std::ostream& operator<<(std::ostream& out, const TrackingStoreFactory& factory) {
  return out << factory.name;
}

class TrackingStoreContract : public ::testing::TestWithParam<TrackingStoreFactory> {
 protected:
  // A factory gives no store when its database is not available here (PostgreSQL not
  // installed): the test is then skipped, loudly. A store that fails to open is a failure.
  void SetUp() override {
    store_ = GetParam().make(dir_.path().string());
    if (store_ == nullptr && !HasFailure()) {
      GTEST_SKIP() << "!!! no " << GetParam().name << " database here: SKIPPED";
    }
    ASSERT_NE(store_, nullptr);
  }

  // Creates an experiment and returns its id (fails the test on error).
  std::string NewExperiment(const std::string& name);
  // Creates a run with optional parent/start time and returns its id.
  std::string NewRun(const std::string& experiment_id, const std::string& name = "",
                     int64_t start_time = 1000, const std::string& parent = "");

  TempDir dir_;
  std::unique_ptr<TrackingStore> store_;
};

}  // namespace orchard::testing
