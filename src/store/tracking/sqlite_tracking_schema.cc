#include "store/tracking/sqlite_tracking_schema.h"

#include <array>

namespace orchard {
namespace {

// Version 1. Names and semantics mirror MLflow's tables; integer surrogate keys (run_pk,
// key_id) keep the metric rows narrow. The metric history is one b-tree (WITHOUT ROWID, every
// column in the key, like MLflow's primary key), so a logged point costs one insert and an
// identical point logged twice is kept once, as in MLflow. It is ordered by (run, step, key):
// a training loop logs steps in increasing order, so its writes append at the end of the run's
// range (SQLite's cheap rightmost-page split) instead of landing in one place per metric name;
// reading one metric's history scans the run's points, which for typical runs (tens of metric
// names) costs less than keeping a second, per-name index current on every write. There a NaN is
// stored as 0 with is_nan = 1 (MLflow's encoding); in latest_metrics as NULL, so that the (key_id,
// value) index holds numbers only. Status and lifecycle_stage are MLflow's words.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE experiments (
  experiment_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  artifact_location TEXT NOT NULL,
  lifecycle_stage TEXT NOT NULL DEFAULT 'active',
  creation_time INTEGER NOT NULL,
  last_update_time INTEGER NOT NULL
);
CREATE TABLE experiment_tags (
  experiment_id INTEGER NOT NULL REFERENCES experiments (experiment_id),
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (experiment_id, key)
) WITHOUT ROWID;
CREATE TABLE runs (
  run_pk INTEGER PRIMARY KEY,
  run_uuid TEXT NOT NULL UNIQUE,
  experiment_id INTEGER NOT NULL REFERENCES experiments (experiment_id),
  name TEXT NOT NULL,
  user_id TEXT NOT NULL,
  status TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  end_time INTEGER,
  lifecycle_stage TEXT NOT NULL DEFAULT 'active',
  artifact_uri TEXT NOT NULL
);
CREATE INDEX runs_by_experiment ON runs (experiment_id, start_time);
CREATE TABLE metric_keys (
  key_id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE
);
CREATE TABLE metrics (
  run_pk INTEGER NOT NULL,
  key_id INTEGER NOT NULL,
  step INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  is_nan INTEGER NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (run_pk, step, key_id, timestamp, is_nan, value)
) WITHOUT ROWID;
CREATE TABLE latest_metrics (
  run_pk INTEGER NOT NULL,
  key_id INTEGER NOT NULL,
  step INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  value REAL,
  is_nan INTEGER NOT NULL,
  PRIMARY KEY (run_pk, key_id)
) WITHOUT ROWID;
CREATE INDEX latest_metrics_by_value ON latest_metrics (key_id, value);
CREATE TABLE params (
  run_pk INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_pk, key)
) WITHOUT ROWID;
CREATE INDEX params_by_key_value ON params (key, value);
CREATE TABLE tags (
  run_pk INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_pk, key)
) WITHOUT ROWID;
CREATE INDEX tags_by_key_value ON tags (key, value);
)sql";

// Version 2: dataset inputs (MLflow's datasets, inputs and input_tags). A dataset is stored once
// per (experiment, name, digest) and linked to the runs that used it.
constexpr char kSchemaV2[] = R"sql(
CREATE TABLE datasets (
  dataset_pk INTEGER PRIMARY KEY,
  experiment_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  digest TEXT NOT NULL,
  source_type TEXT NOT NULL,
  source TEXT NOT NULL,
  schema TEXT,
  profile TEXT,
  UNIQUE (experiment_id, name, digest)
);
CREATE TABLE inputs (
  run_pk INTEGER NOT NULL,
  dataset_pk INTEGER NOT NULL,
  PRIMARY KEY (run_pk, dataset_pk)
) WITHOUT ROWID;
CREATE INDEX inputs_by_dataset ON inputs (dataset_pk);
CREATE TABLE input_tags (
  run_pk INTEGER NOT NULL,
  dataset_pk INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_pk, dataset_pk, key)
) WITHOUT ROWID;
)sql";

// Version 3: the model registry (MLflow's registered models, versions, tags and aliases).
// next_version numbers versions per model without ever reusing one.
constexpr char kSchemaV3[] = R"sql(
CREATE TABLE registered_models (
  name TEXT PRIMARY KEY,
  creation_timestamp INTEGER NOT NULL,
  last_updated_timestamp INTEGER NOT NULL,
  user_id TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  next_version INTEGER NOT NULL DEFAULT 1
) WITHOUT ROWID;
CREATE TABLE registered_model_tags (
  name TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (name, key)
) WITHOUT ROWID;
CREATE TABLE model_versions (
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  creation_timestamp INTEGER NOT NULL,
  last_updated_timestamp INTEGER NOT NULL,
  user_id TEXT NOT NULL DEFAULT '',
  current_stage TEXT NOT NULL DEFAULT 'None',
  description TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL,
  run_id TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'READY',
  storage_location TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (name, version)
) WITHOUT ROWID;
CREATE TABLE model_version_tags (
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (name, version, key)
) WITHOUT ROWID;
CREATE TABLE registered_model_aliases (
  name TEXT NOT NULL,
  alias TEXT NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (name, alias)
) WITHOUT ROWID;
)sql";

// Version 4: when a run was deleted (MLflow's runs.deleted_time), for `orchard gc --older-than`.
constexpr char kSchemaV4[] = R"sql(
ALTER TABLE runs ADD COLUMN deleted_time INTEGER;
)sql";

constexpr std::array kMigrations = {
    SqliteMigration{1, kSchemaV1},
    SqliteMigration{2, kSchemaV2},
    SqliteMigration{3, kSchemaV3},
    SqliteMigration{4, kSchemaV4},
};

}  // namespace

std::span<const SqliteMigration> SqliteTrackingMigrations() { return kMigrations; }

}  // namespace orchard
