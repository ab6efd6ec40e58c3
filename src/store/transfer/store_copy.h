// CopyStore: `orchard db copy`, a whole tracking database into an Orchard database (SQLite or
// PostgreSQL), from Orchard's own or from MLflow's (see store_source.h).
//
// Everything keeps its identity: experiment ids and names, run ids, times, version numbers,
// NaN and infinite metric values. Each run is copied in one transaction, so an interrupted copy
// leaves whole runs only, and a rerun skips what is already there; an experiment already in the
// destination with the same id and name is taken as the same one. After writing, every
// experiment, run (params, tags, metric points, inputs) and model version of the source is
// checked in the destination. Artifacts are not moved: their URIs are kept as they are.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace orchard {

struct CopyReport {
  std::string source;  // what was read (StoreSource::description)
  int64_t experiments = 0;
  int64_t runs = 0;
  int64_t runs_already_there = 0;  // skipped: copied by an earlier run of the copy
  int64_t params = 0;
  int64_t tags = 0;
  int64_t metric_points = 0;
  int64_t registered_models = 0;
  int64_t model_versions = 0;
};

// `to` is created and migrated when needed; `artifact_root` is its default root for new
// experiments (as the tracking store takes it). `progress` hears a line now and then.
StatusOr<CopyReport> CopyStore(const std::string& from, const std::string& to,
                               const std::string& artifact_root,
                               const std::function<void(std::string_view)>& progress);

}  // namespace orchard
