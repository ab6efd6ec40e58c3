// StoreSource: everything a tracking database holds, read with its identities (experiment ids,
// run ids, times, version numbers) for `orchard db copy`. Two layouts are read, each from SQLite
// or PostgreSQL: Orchard's own schema, and MLflow 2.x's (the tables its SQLAlchemy store's
// migrations leave; recognised by its alembic_version table).
//
// MLflow stores an infinite metric value as the largest finite double (for databases without
// infinities); those are read back as infinities, which is what was logged. Its deleted model
// versions (stage Deleted_Internal) are left out, but still count for the next version number.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "entities/experiment.h"
#include "entities/registered_model.h"
#include "entities/run.h"

namespace orchard {

// A registered model with all its versions (oldest first) and aliases.
struct ModelRecord {
  RegisteredModel model;  // latest_versions unused
  std::vector<ModelVersion> versions;
  int64_t next_version = 1;  // the number the next registration takes
};

class StoreSource {
 public:
  virtual ~StoreSource() = default;
  // "an MLflow database (schema acf3f17fdcc7)" or "an Orchard database (schema version 3)".
  virtual const std::string& description() const = 0;
  // With tags, by id.
  virtual StatusOr<std::vector<Experiment>> Experiments() = 0;
  // Every run, deleted ones included, oldest first.
  virtual StatusOr<std::vector<std::string>> RunIds() = 0;
  // The run with its params, tags, inputs and its whole metric history in data.metrics.
  virtual StatusOr<Run> ReadRun(const std::string& run_id) = 0;
  virtual StatusOr<std::vector<ModelRecord>> Models() = 0;
};

// Opens `uri` (sqlite:///path.db, which must exist, or postgresql://...) for reading.
// INVALID_PARAMETER_VALUE when it holds neither layout.
StatusOr<std::unique_ptr<StoreSource>> OpenStoreSource(const std::string& uri);

}  // namespace orchard
