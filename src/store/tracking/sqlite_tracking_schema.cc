#include "store/tracking/sqlite_tracking_schema.h"

#include <array>

namespace orchard {
namespace {

// Version 1. Names and semantics mirror MLflow's tables; integer surrogate keys (run_pk,
// key_id) keep the metric rows narrow. A NaN metric value is stored as NULL with is_nan = 1
// (SQLite turns a bound NaN into NULL anyway). Status and lifecycle_stage are MLflow's words.
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
  value REAL,
  is_nan INTEGER NOT NULL
);
CREATE INDEX metrics_history ON metrics (run_pk, key_id, step, timestamp);
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
CREATE TABLE tags (
  run_pk INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_pk, key)
) WITHOUT ROWID;
CREATE INDEX tags_by_key_value ON tags (key, value);
)sql";

constexpr std::array kMigrations = {
    SqliteMigration{1, kSchemaV1},
};

}  // namespace

std::span<const SqliteMigration> SqliteTrackingMigrations() { return kMigrations; }

}  // namespace orchard
