#include "store/transfer/store_source.h"

#include <cmath>
#include <filesystem>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "db/pg_connection.h"
#include "db/pg_uri.h"
#include "db/sql_database.h"
#include "db/sqlite_connection.h"

namespace orchard {
namespace {

// Runs one query in its own read transaction.
StatusOr<SqlRows> ReadRows(SqlDatabase& db, const std::string& sql,
                           const std::vector<SqlArg>& args = {}) {
  SqlRows rows;
  ORCHARD_RETURN_IF_ERROR(db.Read([&](SqlSession& session) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(rows, session.Query(sql, args));
    return Status::Ok();
  }));
  return rows;
}

// Whether table `name` can be read (each try is its own transaction, so a failure leaves
// nothing behind on PostgreSQL).
bool HasTable(SqlDatabase& db, const std::string& name) {
  return ReadRows(db, fmt::format("SELECT count(*) FROM {}", name)).ok();
}

std::vector<Tag> TagsOf(const SqlRows& rows, int key_column, int value_column, int row_begin = 0,
                        int row_end = -1) {
  std::vector<Tag> tags;
  if (row_end < 0) row_end = rows.rows();
  for (int r = row_begin; r < row_end; ++r) {
    tags.push_back({rows.Text(r, key_column), rows.Text(r, value_column)});
  }
  return tags;
}

// Experiments from (id, name, artifact_location, lifecycle_stage, creation_time,
// last_update_time) rows and (experiment_id, key, value) tag rows.
std::vector<Experiment> ExperimentsOf(const SqlRows& rows, const SqlRows& tags) {
  std::vector<Experiment> experiments;
  std::map<std::string, size_t> index;
  for (int r = 0; r < rows.rows(); ++r) {
    Experiment e;
    e.experiment_id = rows.Text(r, 0);
    e.name = rows.Text(r, 1);
    e.artifact_location = rows.Text(r, 2);
    e.lifecycle_stage = ParseLifecycleStage(rows.Text(r, 3)).value_or(LifecycleStage::kActive);
    e.creation_time = rows.Int(r, 4);
    e.last_update_time = rows.Int(r, 5);
    index[e.experiment_id] = experiments.size();
    experiments.push_back(std::move(e));
  }
  for (int r = 0; r < tags.rows(); ++r) {
    auto it = index.find(tags.Text(r, 0));
    if (it != index.end())
      experiments[it->second].tags.push_back({tags.Text(r, 1), tags.Text(r, 2)});
  }
  return experiments;
}

// The run's info from (run_uuid, experiment_id, name, user_id, status, start_time, end_time,
// lifecycle_stage, artifact_uri) starting at `first`.
RunInfo RunInfoOf(const SqlRows& rows, int first = 0) {
  RunInfo info;
  info.run_id = rows.Text(0, first);
  info.experiment_id = rows.Text(0, first + 1);
  info.run_name = rows.Text(0, first + 2);
  info.user_id = rows.Text(0, first + 3);
  info.status = ParseRunStatus(rows.Text(0, first + 4)).value_or(RunStatus::kFailed);
  info.start_time = rows.Int(0, first + 5);
  if (!rows.IsNull(0, first + 6)) info.end_time = rows.Int(0, first + 6);
  info.lifecycle_stage =
      ParseLifecycleStage(rows.Text(0, first + 7)).value_or(LifecycleStage::kActive);
  info.artifact_uri = rows.Text(0, first + 8);
  return info;
}

// Metric points from (key, value, timestamp, step, is_nan) rows.
std::vector<Metric> MetricsOf(const SqlRows& rows, bool mlflow_infinities) {
  std::vector<Metric> metrics;
  metrics.reserve(rows.rows());
  constexpr double kMax = std::numeric_limits<double>::max();
  for (int r = 0; r < rows.rows(); ++r) {
    Metric m;
    m.key = rows.Text(r, 0);
    m.value = rows.Bool(r, 4) ? std::nan("") : rows.Double(r, 1);
    if (mlflow_infinities && std::abs(m.value) == kMax) {
      m.value = std::copysign(std::numeric_limits<double>::infinity(), m.value);
    }
    m.timestamp = rows.Int(r, 2);
    m.step = rows.Int(r, 3);
    metrics.push_back(std::move(m));
  }
  return metrics;
}

// Both layouts share table and column names for most things; where they differ, the layout
// says so.
class SqlStoreSource : public StoreSource {
 public:
  SqlStoreSource(std::unique_ptr<SqlDatabase> db, bool mlflow, std::string description)
      : db_(std::move(db)), mlflow_(mlflow), description_(std::move(description)) {}

  const std::string& description() const override { return description_; }

  StatusOr<std::vector<Experiment>> Experiments() override {
    ORCHARD_ASSIGN_OR_RETURN(
        SqlRows rows,
        ReadRows(*db_,
                 "SELECT experiment_id, name, artifact_location, lifecycle_stage, creation_time, "
                 "last_update_time FROM experiments ORDER BY experiment_id"));
    ORCHARD_ASSIGN_OR_RETURN(
        SqlRows tags,
        ReadRows(*db_, "SELECT experiment_id, key, value FROM experiment_tags ORDER BY key"));
    return ExperimentsOf(rows, tags);
  }

  StatusOr<std::vector<std::string>> RunIds() override {
    ORCHARD_ASSIGN_OR_RETURN(
        SqlRows rows,
        ReadRows(*db_, mlflow_ ? "SELECT run_uuid FROM runs ORDER BY start_time, run_uuid"
                               : "SELECT run_uuid FROM runs ORDER BY run_pk"));
    std::vector<std::string> ids;
    for (int r = 0; r < rows.rows(); ++r) ids.push_back(rows.Text(r, 0));
    return ids;
  }

  StatusOr<Run> ReadRun(const std::string& run_id) override {
    Run run;
    ORCHARD_RETURN_IF_ERROR(db_->Read([&](SqlSession& db) -> Status {
      run = {};
      // The run's key in its own tables: its uuid in MLflow's, its run_pk in Orchard's.
      const char* run_key = mlflow_ ? "run_uuid" : "run_pk";
      ORCHARD_ASSIGN_OR_RETURN(
          SqlRows info,
          db.Query(fmt::format("SELECT {}, run_uuid, experiment_id, name, user_id, status, "
                               "start_time, end_time, lifecycle_stage, artifact_uri FROM runs "
                               "WHERE run_uuid = ?",
                               run_key),
                   {run_id}));
      if (info.rows() == 0) return Status::NotFound(fmt::format("run {} vanished", run_id));
      run.info = RunInfoOf(info, 1);
      const SqlArg key = mlflow_ ? SqlArg(run_id) : SqlArg(info.Int(0, 0));
      ORCHARD_ASSIGN_OR_RETURN(
          SqlRows params,
          db.Query(fmt::format("SELECT key, value FROM params WHERE {} = ? ORDER BY key", run_key),
                   {key}));
      for (const Tag& p : TagsOf(params, 0, 1)) run.data.params.push_back({p.key, p.value});
      ORCHARD_ASSIGN_OR_RETURN(
          SqlRows tags,
          db.Query(fmt::format("SELECT key, value FROM tags WHERE {} = ? ORDER BY key", run_key),
                   {key}));
      run.data.tags = TagsOf(tags, 0, 1);
      ORCHARD_ASSIGN_OR_RETURN(
          SqlRows metrics,
          db.Query(mlflow_ ? "SELECT key, value, timestamp, step, is_nan FROM metrics WHERE "
                             "run_uuid = ?"
                           : "SELECT k.key, m.value, m.timestamp, m.step, m.is_nan FROM metrics m "
                             "JOIN metric_keys k ON k.key_id = m.key_id WHERE m.run_pk = ?",
                   {key}));
      run.data.metrics = MetricsOf(metrics, mlflow_);
      return ReadInputs(db, key, run);
    }));
    return run;
  }

  StatusOr<std::vector<ModelRecord>> Models() override {
    std::vector<ModelRecord> models;
    ORCHARD_RETURN_IF_ERROR(db_->Read([&](SqlSession& db) -> Status {
      models.clear();
      ORCHARD_ASSIGN_OR_RETURN(
          SqlRows rows,
          db.Query(mlflow_ ? "SELECT name, creation_time, last_updated_time, '', "
                             "coalesce(description, ''), 1 FROM registered_models ORDER BY name"
                           : "SELECT name, creation_timestamp, last_updated_timestamp, user_id, "
                             "description, next_version FROM registered_models ORDER BY name"));
      for (int r = 0; r < rows.rows(); ++r) {
        ModelRecord record;
        record.model.name = rows.Text(r, 0);
        record.model.creation_timestamp = rows.Int(r, 1);
        record.model.last_updated_timestamp = rows.Int(r, 2);
        record.model.user_id = rows.Text(r, 3);
        record.model.description = rows.Text(r, 4);
        record.next_version = rows.Int(r, 5);
        ORCHARD_RETURN_IF_ERROR(ReadModel(db, record));
        models.push_back(std::move(record));
      }
      return Status::Ok();
    }));
    return models;
  }

 private:
  Status ReadInputs(SqlSession& db, const SqlArg& key, Run& run) {
    ORCHARD_ASSIGN_OR_RETURN(
        SqlRows inputs,
        db.Query(mlflow_ ? "SELECT i.input_uuid, d.name, d.digest, d.dataset_source_type, "
                           "d.dataset_source, coalesce(d.dataset_schema, ''), "
                           "coalesce(d.dataset_profile, '') FROM inputs i JOIN datasets d ON "
                           "d.dataset_uuid = i.source_id WHERE i.source_type = 'DATASET' AND "
                           "i.destination_type = 'RUN' AND i.destination_id = ? ORDER BY d.name"
                         : "SELECT d.dataset_pk, d.name, d.digest, d.source_type, d.source, "
                           "coalesce(d.schema, ''), coalesce(d.profile, '') FROM inputs i JOIN "
                           "datasets d ON d.dataset_pk = i.dataset_pk WHERE i.run_pk = ? ORDER "
                           "BY d.name",
                 {key}));
    for (int r = 0; r < inputs.rows(); ++r) {
      DatasetInput input;
      input.dataset = {inputs.Text(r, 1), inputs.Text(r, 2), inputs.Text(r, 3),
                       inputs.Text(r, 4), inputs.Text(r, 5), inputs.Text(r, 6)};
      ORCHARD_ASSIGN_OR_RETURN(
          SqlRows tags,
          mlflow_ ? db.Query("SELECT name, value FROM input_tags WHERE input_uuid = ? ORDER BY "
                             "name",
                             {inputs.Text(r, 0)})
                  : db.Query("SELECT key, value FROM input_tags WHERE run_pk = ? AND dataset_pk = "
                             "? ORDER BY key",
                             {key, inputs.Int(r, 0)}));
      input.tags = TagsOf(tags, 0, 1);
      run.inputs.push_back(std::move(input));
    }
    return Status::Ok();
  }

  Status ReadModel(SqlSession& db, ModelRecord& record) {
    const std::string& name = record.model.name;
    ORCHARD_ASSIGN_OR_RETURN(
        SqlRows tags,
        db.Query("SELECT key, value FROM registered_model_tags WHERE name = ? ORDER BY key",
                 {name}));
    record.model.tags = TagsOf(tags, 0, 1);
    ORCHARD_ASSIGN_OR_RETURN(
        SqlRows versions,
        db.Query(mlflow_ ? "SELECT version, creation_time, last_updated_time, "
                           "coalesce(user_id, ''), coalesce(current_stage, 'None'), "
                           "coalesce(description, ''), coalesce(source, ''), coalesce(run_id, ''), "
                           "coalesce(status, 'READY'), coalesce(storage_location, '') FROM "
                           "model_versions WHERE name = ? ORDER BY version"
                         : "SELECT version, creation_timestamp, last_updated_timestamp, user_id, "
                           "current_stage, description, source, run_id, status, storage_location "
                           "FROM model_versions WHERE name = ? ORDER BY version",
                 {name}));
    for (int r = 0; r < versions.rows(); ++r) {
      const int64_t number = versions.Int(r, 0);
      // MLflow numbers a new version after every version it ever made, deleted ones too.
      record.next_version = std::max(record.next_version, number + 1);
      if (versions.Text(r, 4) == "Deleted_Internal") continue;
      ModelVersion v;
      v.name = name;
      v.version = std::to_string(number);
      v.creation_timestamp = versions.Int(r, 1);
      v.last_updated_timestamp = versions.Int(r, 2);
      v.user_id = versions.Text(r, 3);
      v.current_stage = versions.Text(r, 4);
      v.description = versions.Text(r, 5);
      v.source = versions.Text(r, 6);
      v.run_id = versions.Text(r, 7);
      v.status = versions.Text(r, 8);
      v.storage_location = versions.Text(r, 9);
      ORCHARD_ASSIGN_OR_RETURN(
          SqlRows version_tags,
          db.Query("SELECT key, value FROM model_version_tags WHERE name = ? AND version = ? "
                   "ORDER BY key",
                   {name, number}));
      v.tags = TagsOf(version_tags, 0, 1);
      record.versions.push_back(std::move(v));
    }
    ORCHARD_ASSIGN_OR_RETURN(
        SqlRows aliases,
        db.Query("SELECT alias, version FROM registered_model_aliases WHERE name = ? ORDER BY "
                 "alias",
                 {name}));
    for (int r = 0; r < aliases.rows(); ++r) {
      record.model.aliases.emplace_back(aliases.Text(r, 0), aliases.Text(r, 1));
    }
    return Status::Ok();
  }

  std::unique_ptr<SqlDatabase> db_;
  const bool mlflow_;
  const std::string description_;
};

}  // namespace

StatusOr<std::unique_ptr<StoreSource>> OpenStoreSource(const std::string& uri) {
  std::unique_ptr<SqlDatabase> db;
  constexpr std::string_view kSqlite = "sqlite:///";
  if (uri.starts_with(kSqlite)) {
    const std::string path = uri.substr(kSqlite.size());
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      return Status::InvalidParameter(fmt::format("no database file at '{}'", path));
    }
    ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> connection,
                             SqliteConnection::Open(path));
    db = MakeSqliteDatabase(std::move(connection));
  } else if (IsPostgresUri(uri)) {
    ORCHARD_ASSIGN_OR_RETURN(PgUri parsed, ParsePostgresUri(uri));
    ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<PgPool> pool, PgPool::Open(parsed, 1));
    db = MakePgDatabase(std::move(pool));
  } else {
    return Status::InvalidParameter(fmt::format(
        "cannot read '{}': use sqlite:///path.db or postgresql://...", RedactUriPassword(uri)));
  }
  if (HasTable(*db, "alembic_version")) {
    ORCHARD_ASSIGN_OR_RETURN(SqlRows revision,
                             ReadRows(*db, "SELECT version_num FROM alembic_version"));
    std::string schema = revision.rows() > 0 ? revision.Text(0, 0) : "unknown";
    return std::unique_ptr<StoreSource>(new SqlStoreSource(
        std::move(db), /*mlflow=*/true, fmt::format("an MLflow database (schema {})", schema)));
  }
  if (HasTable(*db, "schema_version")) {
    ORCHARD_ASSIGN_OR_RETURN(SqlRows version,
                             ReadRows(*db, "SELECT max(version) FROM schema_version"));
    return std::unique_ptr<StoreSource>(new SqlStoreSource(
        std::move(db), /*mlflow=*/false,
        fmt::format("an Orchard database (schema version {})", version.Text(0, 0))));
  }
  return Status::InvalidParameter(fmt::format(
      "'{}' holds neither an Orchard nor an MLflow tracking database", RedactUriPassword(uri)));
}

}  // namespace orchard
