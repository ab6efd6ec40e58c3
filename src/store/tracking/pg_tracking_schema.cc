#include "store/tracking/pg_tracking_schema.h"

#include <array>

namespace orchard {
namespace {

// Version 1: the SQLite store's tables (sqlite_tracking_schema.cc) with PostgreSQL's types, so
// that both stores share their search SQL (search_sql.h). Text that is ordered or compared is
// COLLATE "C": byte order, as SQLite and MLflow's tie-breaks by run id expect, whatever the
// database's locale. Param and tag values may be long (a model history tag runs to megabytes),
// beyond what a b-tree entry may hold, so they are found by hash indexes (equality: the
// children of a parent run); keys by b-tree. Metric history is keyed by (run, metric, step,
// timestamp, value): one run's metric reads in order, and an identical point is kept once, as
// MLflow's primary key does. latest_metrics keeps NaN as NULL, so the (key_id, value) index
// orders numbers only.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE experiments (
  experiment_id BIGSERIAL PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL UNIQUE,
  artifact_location TEXT NOT NULL,
  lifecycle_stage TEXT NOT NULL DEFAULT 'active',
  creation_time BIGINT NOT NULL,
  last_update_time BIGINT NOT NULL
);
CREATE TABLE experiment_tags (
  experiment_id BIGINT NOT NULL REFERENCES experiments (experiment_id),
  key TEXT COLLATE "C" NOT NULL,
  value TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (experiment_id, key)
);
CREATE TABLE runs (
  run_pk BIGSERIAL PRIMARY KEY,
  run_uuid TEXT COLLATE "C" NOT NULL UNIQUE,
  experiment_id BIGINT NOT NULL REFERENCES experiments (experiment_id),
  name TEXT COLLATE "C" NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  status TEXT COLLATE "C" NOT NULL,
  start_time BIGINT NOT NULL,
  end_time BIGINT,
  lifecycle_stage TEXT NOT NULL DEFAULT 'active',
  artifact_uri TEXT COLLATE "C" NOT NULL
);
CREATE INDEX runs_by_experiment ON runs (experiment_id, start_time);
CREATE TABLE metric_keys (
  key_id BIGSERIAL PRIMARY KEY,
  key TEXT COLLATE "C" NOT NULL UNIQUE
);
CREATE TABLE metrics (
  run_pk BIGINT NOT NULL,
  key_id BIGINT NOT NULL,
  step BIGINT NOT NULL,
  timestamp BIGINT NOT NULL,
  is_nan BIGINT NOT NULL,
  value DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (run_pk, key_id, step, timestamp, is_nan, value)
);
CREATE TABLE latest_metrics (
  run_pk BIGINT NOT NULL,
  key_id BIGINT NOT NULL,
  step BIGINT NOT NULL,
  timestamp BIGINT NOT NULL,
  value DOUBLE PRECISION,
  is_nan BIGINT NOT NULL,
  PRIMARY KEY (run_pk, key_id)
);
CREATE INDEX latest_metrics_by_value ON latest_metrics (key_id, value);
CREATE TABLE params (
  run_pk BIGINT NOT NULL,
  key TEXT COLLATE "C" NOT NULL,
  value TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (run_pk, key)
);
CREATE INDEX params_by_value ON params USING hash (value);
CREATE TABLE tags (
  run_pk BIGINT NOT NULL,
  key TEXT COLLATE "C" NOT NULL,
  value TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (run_pk, key)
);
CREATE INDEX tags_by_value ON tags USING hash (value);
CREATE TABLE datasets (
  dataset_pk BIGSERIAL PRIMARY KEY,
  experiment_id BIGINT NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  digest TEXT COLLATE "C" NOT NULL,
  source_type TEXT NOT NULL,
  source TEXT NOT NULL,
  schema TEXT,
  profile TEXT,
  UNIQUE (experiment_id, name, digest)
);
CREATE TABLE inputs (
  run_pk BIGINT NOT NULL,
  dataset_pk BIGINT NOT NULL,
  PRIMARY KEY (run_pk, dataset_pk)
);
CREATE INDEX inputs_by_dataset ON inputs (dataset_pk);
CREATE TABLE input_tags (
  run_pk BIGINT NOT NULL,
  dataset_pk BIGINT NOT NULL,
  key TEXT COLLATE "C" NOT NULL,
  value TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (run_pk, dataset_pk, key)
);
CREATE TABLE registered_models (
  name TEXT COLLATE "C" PRIMARY KEY,
  creation_timestamp BIGINT NOT NULL,
  last_updated_timestamp BIGINT NOT NULL,
  user_id TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  next_version BIGINT NOT NULL DEFAULT 1
);
CREATE TABLE registered_model_tags (
  name TEXT COLLATE "C" NOT NULL,
  key TEXT COLLATE "C" NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (name, key)
);
CREATE TABLE model_versions (
  name TEXT COLLATE "C" NOT NULL,
  version BIGINT NOT NULL,
  creation_timestamp BIGINT NOT NULL,
  last_updated_timestamp BIGINT NOT NULL,
  user_id TEXT NOT NULL DEFAULT '',
  current_stage TEXT NOT NULL DEFAULT 'None',
  description TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL,
  run_id TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'READY',
  storage_location TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (name, version)
);
CREATE TABLE model_version_tags (
  name TEXT COLLATE "C" NOT NULL,
  version BIGINT NOT NULL,
  key TEXT COLLATE "C" NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (name, version, key)
);
CREATE TABLE registered_model_aliases (
  name TEXT COLLATE "C" NOT NULL,
  alias TEXT COLLATE "C" NOT NULL,
  version BIGINT NOT NULL,
  PRIMARY KEY (name, alias)
);
)sql";

// Version 2: when a run was deleted (MLflow's runs.deleted_time), for `orchard gc --older-than`.
constexpr char kSchemaV2[] = R"sql(
ALTER TABLE runs ADD COLUMN deleted_time BIGINT;
)sql";

constexpr std::array kMigrations = {
    PgMigration{1, kSchemaV1},
    PgMigration{2, kSchemaV2},
};

}  // namespace

std::span<const PgMigration> PgTrackingMigrations() { return kMigrations; }

}  // namespace orchard
