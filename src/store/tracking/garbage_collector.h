// Permanent removal of deleted runs and experiments (`orchard gc`, as `mlflow gc`): their rows go
// from the tracking database, in one transaction, with the same SQL on SQLite and PostgreSQL (the
// two schemas have the same tables). Only what is in the `deleted` stage is touched: a run or
// experiment named explicitly but active is an error, and one restored while gc runs is left
// alone. The default experiment (0) keeps its row; its deleted runs go. Artifacts are the
// caller's (the result lists where they are), removed after the rows, so a crash leaves at worst
// files without a record, never a record without its files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "db/sql_database.h"

namespace orchard {

struct GarbageRequest {
  // Only what was deleted longer ago than this (runs by deleted_time, experiments by their last
  // update, which deleting sets). Runs deleted before deleted_time was recorded never match.
  std::optional<int64_t> older_than_ms;
  // Only these (each must be deleted, and old enough); neither: everything deleted.
  std::vector<std::string> run_ids;
  std::vector<std::string> experiment_ids;
  int64_t now_ms = 0;
};

struct RemovedRun {
  std::string run_id;
  std::string artifact_uri;
};

struct RemovedExperiment {
  std::string experiment_id;
  std::string artifact_location;
};

struct GarbageCollected {
  std::vector<RemovedExperiment> experiments;  // their runs are in `runs` too
  std::vector<RemovedRun> runs;
};

StatusOr<GarbageCollected> CollectGarbage(SqlDatabase& db, const GarbageRequest& request);

// "30d", "1d2h3m4s", "90m", "45s" (MLflow's --older-than) as milliseconds.
StatusOr<int64_t> ParseAge(const std::string& text);

}  // namespace orchard
