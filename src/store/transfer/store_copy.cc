#include "store/transfer/store_copy.h"

#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "db/pg_connection.h"
#include "db/pg_uri.h"
#include "db/sql_database.h"
#include "db/sqlite_connection.h"
#include "store/tracking/pg_tracking_store.h"
#include "store/tracking/sqlite_tracking_store.h"
#include "store/transfer/store_source.h"

namespace orchard {
namespace {

// Rows per multi-row INSERT: few statements, far below both databases' limits on bound values.
constexpr size_t kRowsPerInsert = 400;

// INSERT `head` (up to "VALUES ") with `values` laid out `columns` to a row, in chunks.
Status InsertRows(SqlSession& db, const std::string& head, size_t columns,
                  const std::vector<SqlArg>& values, const std::string& tail) {
  const size_t rows = values.size() / columns;
  for (size_t start = 0; start < rows; start += kRowsPerInsert) {
    const size_t count = std::min(kRowsPerInsert, rows - start);
    std::string sql = head;
    for (size_t r = 0; r < count; ++r) {
      sql += r == 0 ? "(" : ",(";
      for (size_t c = 0; c < columns; ++c) sql += c == 0 ? "?" : ",?";
      sql += ")";
    }
    sql += tail;
    std::vector<SqlArg> chunk(values.begin() + start * columns,
                              values.begin() + (start + count) * columns);
    ORCHARD_RETURN_IF_ERROR(db.Query(sql, chunk).status());
  }
  return Status::Ok();
}

int64_t Number(const std::string& id) { return static_cast<int64_t>(std::stoll(id)); }

Status Missing(std::string_view what) {
  return Status(ErrorCode::kInvalidState,
                fmt::format("verification failed: {} is not complete in the destination", what));
}

// The Orchard database being written, through its tables (identities kept).
class Destination {
 public:
  Destination(std::unique_ptr<SqlDatabase> db, bool postgres)
      : db_(std::move(db)), postgres_(postgres) {}

  Status CopyExperiment(const Experiment& e) {
    return db_->Write([&](SqlSession& db) -> Status {
      const int64_t id = Number(e.experiment_id);
      ORCHARD_ASSIGN_OR_RETURN(
          SqlRows by_name,
          db.Query("SELECT experiment_id FROM experiments WHERE name = ?", {e.name}));
      if (by_name.rows() > 0 && by_name.Int(0, 0) != id) {
        return Status(ErrorCode::kInvalidState,
                      fmt::format("experiment '{}' is {} in the source but {} in the destination; "
                                  "copy into an empty database",
                                  e.name, id, by_name.Text(0, 0)));
      }
      ORCHARD_ASSIGN_OR_RETURN(
          SqlRows by_id, db.Query("SELECT name FROM experiments WHERE experiment_id = ?", {id}));
      if (by_id.rows() > 0 && by_id.Text(0, 0) != e.name) {
        return Status(ErrorCode::kInvalidState,
                      fmt::format("experiment id {} is '{}' in the source but '{}' in the "
                                  "destination; copy into an empty database",
                                  id, e.name, by_id.Text(0, 0)));
      }
      if (by_id.rows() == 0) {
        ORCHARD_RETURN_IF_ERROR(
            db.Query("INSERT INTO experiments (experiment_id, name, artifact_location, "
                     "lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, ?, ?, ?, ?)",
                     {id, e.name, e.artifact_location,
                      std::string(LifecycleStageName(e.lifecycle_stage)), e.creation_time,
                      e.last_update_time})
                .status());
      }
      std::vector<SqlArg> tags;
      for (const Tag& tag : e.tags) tags.insert(tags.end(), {id, tag.key, tag.value});
      return InsertRows(db, "INSERT INTO experiment_tags (experiment_id, key, value) VALUES ", 3,
                        tags, " ON CONFLICT DO NOTHING");
    });
  }

  // False when the run was already there.
  StatusOr<bool> CopyRun(const Run& run) {
    bool copied = false;
    ORCHARD_RETURN_IF_ERROR(db_->Write([&](SqlSession& db) -> Status {
      const RunInfo& info = run.info;
      ORCHARD_ASSIGN_OR_RETURN(SqlRows existing,
                               db.Query("SELECT 1 FROM runs WHERE run_uuid = ?", {info.run_id}));
      if (existing.rows() > 0) return Status::Ok();
      copied = true;
      ORCHARD_ASSIGN_OR_RETURN(
          SqlRows inserted,
          db.Query("INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, "
                   "end_time, lifecycle_stage, artifact_uri) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                   "RETURNING run_pk",
                   {info.run_id, Number(info.experiment_id), info.run_name, info.user_id,
                    std::string(RunStatusName(info.status)), info.start_time,
                    info.end_time ? SqlArg(*info.end_time) : SqlArg(),
                    std::string(LifecycleStageName(info.lifecycle_stage)), info.artifact_uri}));
      const int64_t run_pk = inserted.Int(0, 0);
      std::vector<SqlArg> rows;
      for (const Param& p : run.data.params) rows.insert(rows.end(), {run_pk, p.key, p.value});
      ORCHARD_RETURN_IF_ERROR(
          InsertRows(db, "INSERT INTO params (run_pk, key, value) VALUES ", 3, rows, ""));
      rows.clear();
      for (const Tag& t : run.data.tags) rows.insert(rows.end(), {run_pk, t.key, t.value});
      ORCHARD_RETURN_IF_ERROR(
          InsertRows(db, "INSERT INTO tags (run_pk, key, value) VALUES ", 3, rows, ""));
      ORCHARD_RETURN_IF_ERROR(CopyMetrics(db, run_pk, run.data.metrics));
      return CopyInputs(db, run_pk, Number(info.experiment_id), run.inputs);
    }));
    return copied;
  }

  // Every part of the run is in the destination (at least as much as in the source: the
  // destination may have gone on logging since an earlier copy).
  Status VerifyRun(const Run& run) {
    return db_->Read([&](SqlSession& db) -> Status {
      ORCHARD_ASSIGN_OR_RETURN(
          SqlRows counts,
          db.Query("SELECT (SELECT count(*) FROM params p WHERE p.run_pk = r.run_pk), (SELECT "
                   "count(*) FROM tags t WHERE t.run_pk = r.run_pk), (SELECT count(*) FROM "
                   "metrics m WHERE m.run_pk = r.run_pk), (SELECT count(*) FROM inputs i WHERE "
                   "i.run_pk = r.run_pk) FROM runs r WHERE r.run_uuid = ?",
                   {run.info.run_id}));
      if (counts.rows() == 0 || counts.Int(0, 0) < static_cast<int64_t>(run.data.params.size()) ||
          counts.Int(0, 1) < static_cast<int64_t>(run.data.tags.size()) ||
          counts.Int(0, 2) < static_cast<int64_t>(run.data.metrics.size()) ||
          counts.Int(0, 3) < static_cast<int64_t>(run.inputs.size())) {
        return Missing(fmt::format("run {}", run.info.run_id));
      }
      return Status::Ok();
    });
  }

  Status CopyModel(const ModelRecord& record) {
    const RegisteredModel& m = record.model;
    return db_->Write([&](SqlSession& db) -> Status {
      ORCHARD_RETURN_IF_ERROR(
          db.Query("INSERT INTO registered_models (name, creation_timestamp, "
                   "last_updated_timestamp, user_id, description, next_version) VALUES (?, ?, ?, "
                   "?, ?, ?) ON CONFLICT DO NOTHING",
                   {m.name, m.creation_timestamp, m.last_updated_timestamp, m.user_id,
                    m.description, record.next_version})
              .status());
      ORCHARD_RETURN_IF_ERROR(
          db.Query("UPDATE registered_models SET next_version = ? WHERE name = ? AND "
                   "next_version < ?",
                   {record.next_version, m.name, record.next_version})
              .status());
      std::vector<SqlArg> rows;
      for (const Tag& t : m.tags) rows.insert(rows.end(), {m.name, t.key, t.value});
      ORCHARD_RETURN_IF_ERROR(
          InsertRows(db, "INSERT INTO registered_model_tags (name, key, value) VALUES ", 3, rows,
                     " ON CONFLICT DO NOTHING"));
      rows.clear();
      std::vector<SqlArg> tag_rows;
      for (const ModelVersion& v : record.versions) {
        rows.insert(rows.end(), {m.name, Number(v.version), v.creation_timestamp,
                                 v.last_updated_timestamp, v.user_id, v.current_stage,
                                 v.description, v.source, v.run_id, v.status, v.storage_location});
        for (const Tag& t : v.tags) {
          tag_rows.insert(tag_rows.end(), {m.name, Number(v.version), t.key, t.value});
        }
      }
      ORCHARD_RETURN_IF_ERROR(InsertRows(
          db,
          "INSERT INTO model_versions (name, version, creation_timestamp, last_updated_timestamp, "
          "user_id, current_stage, description, source, run_id, status, storage_location) VALUES ",
          11, rows, " ON CONFLICT DO NOTHING"));
      ORCHARD_RETURN_IF_ERROR(
          InsertRows(db, "INSERT INTO model_version_tags (name, version, key, value) VALUES ", 4,
                     tag_rows, " ON CONFLICT DO NOTHING"));
      rows.clear();
      for (const auto& [alias, version] : m.aliases) {
        rows.insert(rows.end(), {m.name, alias, Number(version)});
      }
      return InsertRows(db, "INSERT INTO registered_model_aliases (name, alias, version) VALUES ",
                        3, rows, " ON CONFLICT DO NOTHING");
    });
  }

  Status VerifyModel(const ModelRecord& record) {
    return db_->Read([&](SqlSession& db) -> Status {
      const std::string& name = record.model.name;
      ORCHARD_ASSIGN_OR_RETURN(
          SqlRows versions, db.Query("SELECT version FROM model_versions WHERE name = ?", {name}));
      std::set<std::string> present;
      for (int r = 0; r < versions.rows(); ++r) present.insert(versions.Text(r, 0));
      for (const ModelVersion& v : record.versions) {
        if (!present.contains(v.version)) {
          return Missing(fmt::format("version {} of model '{}'", v.version, name));
        }
      }
      ORCHARD_ASSIGN_OR_RETURN(
          SqlRows aliases,
          db.Query("SELECT count(*) FROM registered_model_aliases WHERE name = ?", {name}));
      if (aliases.Int(0, 0) < static_cast<int64_t>(record.model.aliases.size())) {
        return Missing(fmt::format("the aliases of model '{}'", name));
      }
      return Status::Ok();
    });
  }

  Status VerifyExperiments(const std::vector<Experiment>& experiments) {
    return db_->Read([&](SqlSession& db) -> Status {
      for (const Experiment& e : experiments) {
        ORCHARD_ASSIGN_OR_RETURN(SqlRows found,
                                 db.Query("SELECT name FROM experiments WHERE experiment_id = ?",
                                          {Number(e.experiment_id)}));
        if (found.rows() == 0 || found.Text(0, 0) != e.name) {
          return Missing(fmt::format("experiment {} ('{}')", e.experiment_id, e.name));
        }
      }
      return Status::Ok();
    });
  }

  // New experiments must not take the ids copied in: PostgreSQL's sequence is moved past them
  // (SQLite numbers after the largest id by itself).
  Status Finish() {
    if (!postgres_) return Status::Ok();
    return db_->Write([](SqlSession& db) -> Status {
      return db
          .Query(
              "SELECT setval(pg_get_serial_sequence('experiments', 'experiment_id'), "
              "greatest((SELECT max(experiment_id) FROM experiments), 1))")
          .status();
    });
  }

 private:
  Status CopyMetrics(SqlSession& db, int64_t run_pk, const std::vector<Metric>& metrics) {
    std::map<std::string, int64_t> key_ids;
    for (const Metric& m : metrics) key_ids.emplace(m.key, 0);
    for (auto& [key, id] : key_ids) {
      ORCHARD_RETURN_IF_ERROR(
          db.Query("INSERT INTO metric_keys (key) VALUES (?) ON CONFLICT DO NOTHING", {key})
              .status());
      ORCHARD_ASSIGN_OR_RETURN(SqlRows found,
                               db.Query("SELECT key_id FROM metric_keys WHERE key = ?", {key}));
      id = found.Int(0, 0);
    }
    std::vector<SqlArg> rows;
    std::map<std::string, const Metric*> newest;
    for (const Metric& m : metrics) {
      const bool is_nan = std::isnan(m.value);
      rows.insert(rows.end(), {run_pk, key_ids[m.key], m.step, m.timestamp, int64_t{is_nan},
                               is_nan ? 0.0 : m.value});
      auto [it, inserted] = newest.try_emplace(m.key, &m);
      if (!inserted && IsNewerMetric(m, *it->second)) it->second = &m;
    }
    ORCHARD_RETURN_IF_ERROR(InsertRows(
        db, "INSERT INTO metrics (run_pk, key_id, step, timestamp, is_nan, value) VALUES ", 6, rows,
        " ON CONFLICT DO NOTHING"));
    rows.clear();
    for (const auto& [key, m] : newest) {
      const bool is_nan = std::isnan(m->value);
      rows.insert(rows.end(), {run_pk, key_ids[key], m->step, m->timestamp,
                               is_nan ? SqlArg() : SqlArg(m->value), int64_t{is_nan}});
    }
    return InsertRows(
        db, "INSERT INTO latest_metrics (run_pk, key_id, step, timestamp, value, is_nan) VALUES ",
        6, rows, "");
  }

  Status CopyInputs(SqlSession& db, int64_t run_pk, int64_t experiment_id,
                    const std::vector<DatasetInput>& inputs) {
    for (const DatasetInput& input : inputs) {
      const Dataset& d = input.dataset;
      ORCHARD_RETURN_IF_ERROR(
          db.Query("INSERT INTO datasets (experiment_id, name, digest, source_type, source, "
                   "schema, profile) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                   {experiment_id, d.name, d.digest, d.source_type, d.source, d.schema, d.profile})
              .status());
      ORCHARD_ASSIGN_OR_RETURN(
          SqlRows dataset,
          db.Query("SELECT dataset_pk FROM datasets WHERE experiment_id = ? AND name = ? AND "
                   "digest = ?",
                   {experiment_id, d.name, d.digest}));
      const int64_t dataset_pk = dataset.Int(0, 0);
      ORCHARD_RETURN_IF_ERROR(db.Query("INSERT INTO inputs (run_pk, dataset_pk) VALUES (?, ?) ON "
                                       "CONFLICT DO NOTHING",
                                       {run_pk, dataset_pk})
                                  .status());
      std::vector<SqlArg> rows;
      for (const Tag& t : input.tags) rows.insert(rows.end(), {run_pk, dataset_pk, t.key, t.value});
      ORCHARD_RETURN_IF_ERROR(
          InsertRows(db, "INSERT INTO input_tags (run_pk, dataset_pk, key, value) VALUES ", 4, rows,
                     " ON CONFLICT DO NOTHING"));
    }
    return Status::Ok();
  }

  std::unique_ptr<SqlDatabase> db_;
  const bool postgres_;
};

// Creates and migrates the destination with its own store, then opens its tables.
StatusOr<std::unique_ptr<Destination>> OpenDestination(const std::string& to,
                                                       const std::string& artifact_root) {
  constexpr std::string_view kSqlite = "sqlite:///";
  if (to.starts_with(kSqlite)) {
    const std::string path = to.substr(kSqlite.size());
    ORCHARD_RETURN_IF_ERROR(SqliteTrackingStore::Open(path, artifact_root).status());
    ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> db, SqliteConnection::Open(path));
    return std::make_unique<Destination>(MakeSqliteDatabase(std::move(db)), false);
  }
  if (IsPostgresUri(to)) {
    ORCHARD_RETURN_IF_ERROR(PgTrackingStore::Open(to, artifact_root, 1).status());
    ORCHARD_ASSIGN_OR_RETURN(PgUri parsed, ParsePostgresUri(to));
    ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<PgPool> pool, PgPool::Open(parsed, 1));
    return std::make_unique<Destination>(MakePgDatabase(std::move(pool)), true);
  }
  return Status::InvalidParameter(fmt::format(
      "cannot copy into '{}': use sqlite:///path.db or postgresql://...", RedactUriPassword(to)));
}

}  // namespace

StatusOr<CopyReport> CopyStore(const std::string& from, const std::string& to,
                               const std::string& artifact_root,
                               const std::function<void(std::string_view)>& progress) {
  if (from == to) return Status::InvalidParameter("--from and --to name the same database");
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<StoreSource> source, OpenStoreSource(from));
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<Destination> destination,
                           OpenDestination(to, artifact_root));
  CopyReport report;
  report.source = source->description();
  progress(fmt::format("reading {}", report.source));
  ORCHARD_ASSIGN_OR_RETURN(std::vector<Experiment> experiments, source->Experiments());
  for (const Experiment& e : experiments) {
    ORCHARD_RETURN_IF_ERROR(destination->CopyExperiment(e));
  }
  report.experiments = static_cast<int64_t>(experiments.size());
  ORCHARD_ASSIGN_OR_RETURN(std::vector<std::string> run_ids, source->RunIds());
  for (size_t i = 0; i < run_ids.size(); ++i) {
    ORCHARD_ASSIGN_OR_RETURN(Run run, source->ReadRun(run_ids[i]));
    ORCHARD_ASSIGN_OR_RETURN(bool copied, destination->CopyRun(run));
    ORCHARD_RETURN_IF_ERROR(destination->VerifyRun(run));
    ++report.runs;
    if (!copied) ++report.runs_already_there;
    report.params += static_cast<int64_t>(run.data.params.size());
    report.tags += static_cast<int64_t>(run.data.tags.size());
    report.metric_points += static_cast<int64_t>(run.data.metrics.size());
    if ((i + 1) % 500 == 0) progress(fmt::format("{} of {} runs", i + 1, run_ids.size()));
  }
  ORCHARD_ASSIGN_OR_RETURN(std::vector<ModelRecord> models, source->Models());
  for (const ModelRecord& model : models) {
    ORCHARD_RETURN_IF_ERROR(destination->CopyModel(model));
    ORCHARD_RETURN_IF_ERROR(destination->VerifyModel(model));
    ++report.registered_models;
    report.model_versions += static_cast<int64_t>(model.versions.size());
  }
  ORCHARD_RETURN_IF_ERROR(destination->VerifyExperiments(experiments));
  ORCHARD_RETURN_IF_ERROR(destination->Finish());
  return report;
}

}  // namespace orchard
