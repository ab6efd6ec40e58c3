#include "store/tracking/sqlite_tracking_store.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <tuple>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/ids.h"
#include "store/tracking/log_model_history.h"
#include "store/tracking/page_token.h"
#include "store/tracking/search_sql.h"
#include "store/tracking/sqlite_tracking_schema.h"
#include "store/tracking/store_messages.h"

namespace orchard {
namespace {

using namespace store_messages;

// Reads the kRunColumns of the current row of `statement`.
void ReadRunColumns(const SqliteStatement& statement, int64_t& run_pk, RunInfo& info) {
  run_pk = statement.ColumnInt(0);
  info.run_id = statement.ColumnText(1);
  info.experiment_id = std::to_string(statement.ColumnInt(2));
  info.run_name = statement.ColumnText(3);
  info.user_id = statement.ColumnText(4);
  info.status = ParseRunStatus(statement.ColumnText(5)).value_or(RunStatus::kRunning);
  info.start_time = statement.ColumnInt(6);
  if (!statement.ColumnIsNull(7)) info.end_time = statement.ColumnInt(7);
  info.artifact_uri = statement.ColumnText(8);
  info.lifecycle_stage =
      ParseLifecycleStage(statement.ColumnText(9)).value_or(LifecycleStage::kActive);
}

Experiment ReadExperimentColumns(const SqliteStatement& statement) {
  Experiment experiment;
  experiment.experiment_id = std::to_string(statement.ColumnInt(0));
  experiment.name = statement.ColumnText(1);
  experiment.artifact_location = statement.ColumnText(2);
  experiment.lifecycle_stage =
      ParseLifecycleStage(statement.ColumnText(3)).value_or(LifecycleStage::kActive);
  experiment.creation_time = statement.ColumnInt(4);
  experiment.last_update_time = statement.ColumnInt(5);
  return experiment;
}

Metric ReadMetric(const SqliteStatement& statement, int first_column, std::string key) {
  Metric metric;
  metric.key = std::move(key);
  metric.step = statement.ColumnInt(first_column);
  metric.timestamp = statement.ColumnInt(first_column + 1);
  bool is_nan = statement.ColumnInt(first_column + 3) != 0;
  metric.value = is_nan ? std::nan("") : statement.ColumnDouble(first_column + 2);
  return metric;
}

// Metric points per multi-row INSERT: fewer statement steps, and 6 x 100 bound values stay far
// below SQLite's limit of 32,766.
constexpr size_t kRowsPerInsert = 100;

// INSERT OR IGNORE: an identical point logged twice is kept once, as MLflow's primary key does.
constexpr char kInsertMetricsSql[] =
    "INSERT OR IGNORE INTO metrics (run_pk, key_id, step, timestamp, is_nan, value) VALUES ";
constexpr char kUpsertLatestSql[] =
    "INSERT INTO latest_metrics (run_pk, key_id, step, timestamp, value, is_nan) VALUES ";
// MLflow's latest-value rule in SQL: replace when (step, timestamp, value with NaN as 0) is
// strictly greater (see IsNewerMetric).
constexpr char kUpsertLatestConflictSql[] =
    " ON CONFLICT (run_pk, key_id) DO UPDATE SET step = excluded.step, timestamp = "
    "excluded.timestamp, value = excluded.value, is_nan = excluded.is_nan WHERE (excluded.step, "
    "excluded.timestamp, coalesce(excluded.value, 0)) > (latest_metrics.step, "
    "latest_metrics.timestamp, coalesce(latest_metrics.value, 0))";

// "<prefix>(?,?,..),(?,?,..)...<suffix>" with `rows` groups of `columns` placeholders.
std::string BuildMultiRowSql(const char* prefix, int columns, size_t rows, const char* suffix) {
  std::string group = "(?";
  for (int c = 1; c < columns; ++c) group += ",?";
  group += ")";
  std::string sql = prefix;
  for (size_t r = 0; r < rows; ++r) {
    if (r > 0) sql += ',';
    sql += group;
  }
  return sql + suffix;
}

// The same, built once per (statement, row count): the text is the statement cache's key, and
// building it for every request would cost more than the insert of a single point.
const std::string& MultiRowSql(const char* prefix, int columns, size_t rows, const char* suffix) {
  static std::mutex mutex;
  static std::map<std::tuple<const char*, size_t>, std::string> built;
  std::lock_guard lock(mutex);
  auto [it, inserted] = built.try_emplace({prefix, rows});
  if (inserted) it->second = BuildMultiRowSql(prefix, columns, rows, suffix);
  return it->second;
}

// The JSON array text of run_pk values, for "IN (SELECT value FROM json_each(?))".
std::string JsonIdArray(const std::vector<int64_t>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(ids[i]);
  }
  return out + "]";
}

}  // namespace

StatusOr<std::unique_ptr<SqliteTrackingStore>> SqliteTrackingStore::Open(
    const std::string& db_path, const std::string& default_artifact_root, Durability durability) {
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> writer,
                           SqliteConnection::Open(db_path, durability));
  SqliteConnection& db = *writer;
  Status migrated = ApplySqliteMigrations(db, SqliteTrackingMigrations(), [&]() -> Status {
    // The Default experiment exists from the start, as in MLflow.
    ORCHARD_ASSIGN_OR_RETURN(
        SqliteStatement insert,
        db.Prepare("INSERT OR IGNORE INTO experiments (experiment_id, name, artifact_location, "
                   "lifecycle_stage, creation_time, last_update_time) VALUES (0, ?, ?, 'active', "
                   "?, ?)"));
    int64_t now = NowMillis();
    return insert.Bind(1, kDefaultExperimentName)
        .Bind(2, default_artifact_root + "/0")
        .Bind(3, now)
        .Bind(4, now)
        .Run();
  });
  if (!migrated.ok()) {
    return Status(
        migrated.code() == ErrorCode::kInternalError ? ErrorCode::kInvalidState : migrated.code(),
        fmt::format("cannot use '{}' as a tracking database: {}", db_path, migrated.message()));
  }
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> reader,
                           SqliteConnection::Open(db_path, durability));
  std::unique_ptr<SqliteTrackingStore> store(
      new SqliteTrackingStore(std::move(writer), std::move(reader), default_artifact_root));
  int64_t runs = 0;
  {
    ORCHARD_ASSIGN_OR_RETURN(SqliteStatement count, db.Prepare("SELECT max(run_pk) FROM runs"));
    ORCHARD_ASSIGN_OR_RETURN(bool row, count.Step());
    if (row && !count.ColumnIsNull(0)) runs = count.ColumnInt(0);
  }
  {
    // Statistics from an earlier process, if any: the first number of a stat row is the count.
    StatusOr<SqliteStatement> stat =
        db.Prepare("SELECT stat FROM sqlite_stat1 WHERE idx = 'runs_by_experiment'");
    if (stat.ok()) {
      StatusOr<bool> row = stat->Step();
      if (row.ok() && *row) store->analyzed_runs_ = std::atoll(stat->ColumnText(0).c_str());
    }
  }
  // Statistics are a hint; a failure to gather them (say, a read-only file) is not an error.
  (void)store->RefreshStatisticsIfGrown(runs);
  return store;
}

Status SqliteTrackingStore::RefreshStatisticsIfGrown(int64_t run_count) {
  // Small stores plan well enough without statistics.
  constexpr int64_t kMinRunsForStatistics = 1000;
  if (run_count < kMinRunsForStatistics || run_count < 2 * std::max<int64_t>(analyzed_runs_, 0)) {
    return Status::Ok();
  }
  analyzed_runs_ = run_count;
  ORCHARD_RETURN_IF_ERROR(writer_->Exec("PRAGMA analysis_limit=400; ANALYZE;"));
  ++statistics_generation_;
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Experiments

StatusOr<Experiment> SqliteTrackingStore::LoadExperiment(SqliteConnection& db,
                                                         const std::string& where_sql,
                                                         const std::string& arg,
                                                         const std::string& not_found) {
  Experiment experiment;
  {
    ORCHARD_ASSIGN_OR_RETURN(SqliteStatement select,
                             db.Prepare(fmt::format("SELECT {} FROM experiments e WHERE {}",
                                                    kExperimentColumns, where_sql)));
    select.Bind(1, arg);
    ORCHARD_ASSIGN_OR_RETURN(bool found, select.Step());
    if (!found) return Status::NotFound(not_found);
    experiment = ReadExperimentColumns(select);
  }
  ORCHARD_ASSIGN_OR_RETURN(
      SqliteStatement tags,
      db.Prepare("SELECT key, value FROM experiment_tags WHERE experiment_id = ? ORDER BY key"));
  tags.Bind(1, static_cast<int64_t>(std::stoll(experiment.experiment_id)));
  while (true) {
    ORCHARD_ASSIGN_OR_RETURN(bool row, tags.Step());
    if (!row) break;
    experiment.tags.push_back({tags.ColumnText(0), tags.ColumnText(1)});
  }
  return experiment;
}

StatusOr<Experiment> SqliteTrackingStore::LoadExperimentById(SqliteConnection& db,
                                                             const std::string& experiment_id) {
  return LoadExperiment(db, "e.experiment_id = CAST(? AS INTEGER)", experiment_id,
                        ExperimentNotFound(experiment_id).message());
}

StatusOr<Experiment> SqliteTrackingStore::LoadActiveExperiment(SqliteConnection& db,
                                                               const std::string& experiment_id) {
  ORCHARD_ASSIGN_OR_RETURN(Experiment experiment, LoadExperimentById(db, experiment_id));
  if (experiment.lifecycle_stage != LifecycleStage::kActive) {
    return ExperimentNotActive(experiment_id);
  }
  return experiment;
}

StatusOr<std::string> SqliteTrackingStore::DoCreateExperiment(
    const CreateExperimentRequest& original) {
  CreateExperimentRequest request = original;
  // A local location is stored absolute (as MLflow's resolve_uri_if_local does), so processes
  // started in other folders find the same artifacts.
  std::string& location = request.artifact_location;
  if (!location.empty() && location.find(':') == std::string::npos) {
    std::error_code ec;
    location = std::filesystem::absolute(location, ec).lexically_normal().string();
  }
  while (location.size() > 1 && location.back() == '/') location.pop_back();
  std::lock_guard lock(writer_mutex_);
  SqliteConnection& db = *writer_;
  int64_t id = 0;
  Status status = db.WriteTransaction([&]() -> Status {
    {
      ORCHARD_ASSIGN_OR_RETURN(SqliteStatement exists,
                               db.Prepare("SELECT 1 FROM experiments WHERE name = ?"));
      exists.Bind(1, request.name);
      ORCHARD_ASSIGN_OR_RETURN(bool taken, exists.Step());
      if (taken) {
        return ExperimentExists(request.name);
      }
    }
    int64_t now = NowMillis();
    {
      ORCHARD_ASSIGN_OR_RETURN(
          SqliteStatement insert,
          db.Prepare("INSERT INTO experiments (name, artifact_location, lifecycle_stage, "
                     "creation_time, last_update_time) VALUES (?, ?, 'active', ?, ?)"));
      ORCHARD_RETURN_IF_ERROR(insert.Bind(1, request.name)
                                  .Bind(2, request.artifact_location)
                                  .Bind(3, now)
                                  .Bind(4, now)
                                  .Run());
    }
    id = db.LastInsertRowId();
    if (request.artifact_location.empty()) {
      ORCHARD_ASSIGN_OR_RETURN(
          SqliteStatement update,
          db.Prepare("UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?"));
      ORCHARD_RETURN_IF_ERROR(
          update.Bind(1, fmt::format("{}/{}", default_artifact_root_, id)).Bind(2, id).Run());
    }
    for (const Tag& tag : request.tags) {
      ORCHARD_ASSIGN_OR_RETURN(
          SqliteStatement insert_tag,
          db.Prepare("INSERT OR REPLACE INTO experiment_tags (experiment_id, key, value) VALUES "
                     "(?, ?, ?)"));
      ORCHARD_RETURN_IF_ERROR(insert_tag.Bind(1, id).Bind(2, tag.key).Bind(3, tag.value).Run());
    }
    return Status::Ok();
  });
  ORCHARD_RETURN_IF_ERROR(status);
  return std::to_string(id);
}

StatusOr<Experiment> SqliteTrackingStore::DoGetExperiment(const std::string& experiment_id) {
  std::lock_guard lock(reader_mutex_);
  return LoadExperimentById(*reader_, experiment_id);
}

StatusOr<Experiment> SqliteTrackingStore::DoGetExperimentByName(const std::string& name) {
  std::lock_guard lock(reader_mutex_);
  return LoadExperiment(*reader_, "e.name = ?", name, ExperimentNameNotFound(name).message());
}

StatusOr<ExperimentPage> SqliteTrackingStore::DoSearchExperiments(
    const SearchExperimentsRequest& request) {
  ORCHARD_ASSIGN_OR_RETURN(PageToken token, DecodePageToken(request.page_token));
  const int64_t offset = token.offset;
  ORCHARD_ASSIGN_OR_RETURN(SqlFragment where, ExperimentFilterSql(request.filter));
  ORCHARD_ASSIGN_OR_RETURN(std::string order, ExperimentOrderBySql(request.order_by));
  std::string sql = fmt::format(
      "SELECT e.experiment_id FROM experiments e WHERE 1{}{} ORDER BY {} "
      "LIMIT ? OFFSET ?",
      LifecycleCondition(request.view_type, "e.lifecycle_stage"), where.sql, order);
  std::lock_guard lock(reader_mutex_);
  ExperimentPage page;
  Status searched = reader_->ReadTransaction([&]() -> Status {
    std::vector<std::string> ids;
    {
      ORCHARD_ASSIGN_OR_RETURN(SqliteStatement select, reader_->PrepareUncached(sql));
      select.BindAll(where.args);
      int next = static_cast<int>(where.args.size()) + 1;
      select.Bind(next, int64_t{request.max_results} + 1).Bind(next + 1, offset);
      while (true) {
        ORCHARD_ASSIGN_OR_RETURN(bool row, select.Step());
        if (!row) break;
        ids.push_back(std::to_string(select.ColumnInt(0)));
      }
    }
    if (ids.size() > static_cast<size_t>(request.max_results)) {
      ids.resize(request.max_results);
      page.next_page_token = EncodePageToken({.offset = offset + request.max_results});
    }
    for (const std::string& id : ids) {
      ORCHARD_ASSIGN_OR_RETURN(Experiment experiment, LoadExperimentById(*reader_, id));
      page.experiments.push_back(std::move(experiment));
    }
    return Status::Ok();
  });
  ORCHARD_RETURN_IF_ERROR(searched);
  return page;
}

Status SqliteTrackingStore::DoRenameExperiment(const std::string& experiment_id,
                                               const std::string& new_name) {
  std::lock_guard lock(writer_mutex_);
  SqliteConnection& db = *writer_;
  return db.WriteTransaction([&]() -> Status {
    ORCHARD_ASSIGN_OR_RETURN(Experiment experiment, LoadExperimentById(db, experiment_id));
    if (experiment.lifecycle_stage != LifecycleStage::kActive) {
      return RenameNotActive();
    }
    if (experiment.name == new_name) return Status::Ok();
    {
      ORCHARD_ASSIGN_OR_RETURN(SqliteStatement exists,
                               db.Prepare("SELECT 1 FROM experiments WHERE name = ?"));
      exists.Bind(1, new_name);
      ORCHARD_ASSIGN_OR_RETURN(bool taken, exists.Step());
      if (taken) return ExperimentExists(new_name);
    }
    ORCHARD_ASSIGN_OR_RETURN(
        SqliteStatement update,
        db.Prepare("UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = "
                   "CAST(? AS INTEGER)"));
    return update.Bind(1, new_name).Bind(2, NowMillis()).Bind(3, experiment_id).Run();
  });
}

Status SqliteTrackingStore::SetExperimentLifecycleLocked(int64_t experiment_id,
                                                         LifecycleStage stage) {
  SqliteConnection& db = *writer_;
  std::string_view name = LifecycleStageName(stage);
  ORCHARD_ASSIGN_OR_RETURN(
      SqliteStatement update,
      db.Prepare("UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE "
                 "experiment_id = ?"));
  ORCHARD_RETURN_IF_ERROR(update.Bind(1, name).Bind(2, NowMillis()).Bind(3, experiment_id).Run());
  // An experiment's runs follow it into deletion and back, as in MLflow; deleted_time dates the
  // deletion for `orchard gc --older-than`.
  ORCHARD_ASSIGN_OR_RETURN(
      SqliteStatement runs,
      db.Prepare("UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE experiment_id = ?"));
  runs.Bind(1, name);
  if (stage == LifecycleStage::kDeleted) {
    runs.Bind(2, NowMillis());
  } else {
    runs.BindNull(2);
  }
  return runs.Bind(3, experiment_id).Run();
}

Status SqliteTrackingStore::DoSetExperimentLifecycle(const std::string& experiment_id,
                                                     LifecycleStage stage) {
  std::lock_guard lock(writer_mutex_);
  SqliteConnection& db = *writer_;
  return db.WriteTransaction([&]() -> Status {
    ORCHARD_ASSIGN_OR_RETURN(Experiment experiment, LoadExperimentById(db, experiment_id));
    if (experiment.lifecycle_stage == stage) {
      return ExperimentAlready(experiment_id, stage);
    }
    return SetExperimentLifecycleLocked(static_cast<int64_t>(std::stoll(experiment_id)), stage);
  });
}

Status SqliteTrackingStore::DoSetExperimentTag(const std::string& experiment_id, const Tag& tag) {
  std::lock_guard lock(writer_mutex_);
  SqliteConnection& db = *writer_;
  return db.WriteTransaction([&]() -> Status {
    ORCHARD_ASSIGN_OR_RETURN(Experiment experiment, LoadActiveExperiment(db, experiment_id));
    ORCHARD_ASSIGN_OR_RETURN(
        SqliteStatement upsert,
        db.Prepare("INSERT OR REPLACE INTO experiment_tags (experiment_id, key, value) VALUES "
                   "(CAST(? AS INTEGER), ?, ?)"));
    return upsert.Bind(1, experiment_id).Bind(2, tag.key).Bind(3, tag.value).Run();
  });
}

// ---------------------------------------------------------------------------------------------
// Runs

StatusOr<SqliteTrackingStore::RunRow> SqliteTrackingStore::LoadRunRow(SqliteConnection& db,
                                                                      const std::string& run_id) {
  ORCHARD_ASSIGN_OR_RETURN(
      SqliteStatement select,
      db.Prepare(fmt::format("SELECT {} FROM runs r WHERE r.run_uuid = ?", kRunColumns)));
  select.Bind(1, run_id);
  ORCHARD_ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return RunNotFound(run_id);
  RunRow row;
  ReadRunColumns(select, row.run_pk, row.info);
  return row;
}

StatusOr<SqliteTrackingStore::RunRow> SqliteTrackingStore::LoadActiveRunRow(
    SqliteConnection& db, const std::string& run_id) {
  ORCHARD_ASSIGN_OR_RETURN(RunRow row, LoadRunRow(db, run_id));
  if (row.info.lifecycle_stage != LifecycleStage::kActive) {
    return RunNotActive(run_id);
  }
  return row;
}

StatusOr<std::vector<Run>> SqliteTrackingStore::LoadRuns(SqliteConnection& db,
                                                         std::vector<RunRow> rows) {
  std::vector<Run> runs(rows.size());
  std::unordered_map<int64_t, size_t> index_of;
  std::vector<int64_t> pks;
  for (size_t i = 0; i < rows.size(); ++i) {
    runs[i].info = std::move(rows[i].info);
    index_of[rows[i].run_pk] = i;
    pks.push_back(rows[i].run_pk);
  }
  if (rows.empty()) return runs;
  // One query per kind for all runs; json_each turns the id list into a table.
  std::string ids = JsonIdArray(pks);
  {
    ORCHARD_ASSIGN_OR_RETURN(
        SqliteStatement metrics,
        // CROSS JOIN: walk the runs' rows, then look each name up by its key (the planner may
        // otherwise scan metric_keys per row). Names are sorted below rather than by SQL.
        db.Prepare("SELECT m.run_pk, k.key, m.step, m.timestamp, m.value, m.is_nan FROM "
                   "latest_metrics m CROSS JOIN metric_keys k ON k.key_id = m.key_id WHERE "
                   "m.run_pk IN (SELECT value FROM json_each(?))"));
    metrics.Bind(1, ids);
    while (true) {
      ORCHARD_ASSIGN_OR_RETURN(bool row, metrics.Step());
      if (!row) break;
      runs[index_of[metrics.ColumnInt(0)]].data.metrics.push_back(
          ReadMetric(metrics, 2, metrics.ColumnText(1)));
    }
    for (Run& run : runs) {
      std::sort(run.data.metrics.begin(), run.data.metrics.end(),
                [](const Metric& a, const Metric& b) { return a.key < b.key; });
    }
  }
  for (const char* table : {"params", "tags"}) {
    ORCHARD_ASSIGN_OR_RETURN(
        SqliteStatement select,
        db.Prepare(fmt::format("SELECT run_pk, key, value FROM {} WHERE run_pk IN (SELECT value "
                               "FROM json_each(?)) ORDER BY run_pk, key",
                               table)));
    select.Bind(1, ids);
    bool is_params = table[0] == 'p';
    while (true) {
      ORCHARD_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      RunData& data = runs[index_of[select.ColumnInt(0)]].data;
      if (is_params) {
        data.params.push_back({select.ColumnText(1), select.ColumnText(2)});
      } else {
        data.tags.push_back({select.ColumnText(1), select.ColumnText(2)});
      }
    }
  }
  ORCHARD_RETURN_IF_ERROR(LoadInputs(db, ids, index_of, runs));
  return runs;
}

Status SqliteTrackingStore::LoadInputs(SqliteConnection& db, const std::string& ids,
                                       const std::unordered_map<int64_t, size_t>& index_of,
                                       std::vector<Run>& runs) {
  // (run_pk, dataset_pk) -> position in that run's inputs, for attaching the input tags.
  std::map<std::pair<int64_t, int64_t>, size_t> position;
  {
    ORCHARD_ASSIGN_OR_RETURN(
        SqliteStatement select,
        db.Prepare("SELECT i.run_pk, d.dataset_pk, d.name, d.digest, d.source_type, d.source, "
                   "d.schema, d.profile FROM inputs i CROSS JOIN datasets d ON d.dataset_pk = "
                   "i.dataset_pk WHERE i.run_pk IN (SELECT value FROM json_each(?)) ORDER BY "
                   "i.run_pk, d.dataset_pk"));
    select.Bind(1, ids);
    while (true) {
      ORCHARD_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      int64_t run_pk = select.ColumnInt(0);
      std::vector<DatasetInput>& inputs = runs[index_of.at(run_pk)].inputs;
      position[{run_pk, select.ColumnInt(1)}] = inputs.size();
      inputs.push_back({{},
                        {select.ColumnText(2), select.ColumnText(3), select.ColumnText(4),
                         select.ColumnText(5), select.ColumnText(6), select.ColumnText(7)}});
    }
  }
  if (position.empty()) return Status::Ok();
  ORCHARD_ASSIGN_OR_RETURN(
      SqliteStatement tags,
      db.Prepare("SELECT run_pk, dataset_pk, key, value FROM input_tags WHERE run_pk IN (SELECT "
                 "value FROM json_each(?)) ORDER BY run_pk, dataset_pk, key"));
  tags.Bind(1, ids);
  while (true) {
    ORCHARD_ASSIGN_OR_RETURN(bool row, tags.Step());
    if (!row) break;
    int64_t run_pk = tags.ColumnInt(0);
    auto at = position.find({run_pk, tags.ColumnInt(1)});
    if (at == position.end()) continue;
    runs[index_of.at(run_pk)].inputs[at->second].tags.push_back(
        {tags.ColumnText(2), tags.ColumnText(3)});
  }
  return Status::Ok();
}

StatusOr<Run> SqliteTrackingStore::DoCreateRun(const CreateRunRequest& request) {
  std::lock_guard lock(writer_mutex_);
  SqliteConnection& db = *writer_;
  std::string run_id = NewRunId();
  Status status = db.WriteTransaction([&]() -> Status {
    ORCHARD_ASSIGN_OR_RETURN(Experiment experiment,
                             LoadActiveExperiment(db, request.experiment_id));
    {
      ORCHARD_ASSIGN_OR_RETURN(
          SqliteStatement insert,
          db.Prepare("INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, "
                     "start_time, lifecycle_stage, artifact_uri) VALUES (?, CAST(? AS INTEGER), "
                     "?, ?, 'RUNNING', ?, 'active', ?)"));
      ORCHARD_RETURN_IF_ERROR(
          insert.Bind(1, run_id)
              .Bind(2, request.experiment_id)
              .Bind(3, request.run_name)
              .Bind(4, request.user_id)
              .Bind(5, *request.start_time)
              .Bind(6, fmt::format("{}/{}/artifacts", experiment.artifact_location, run_id))
              .Run());
    }
    int64_t run_pk = db.LastInsertRowId();
    for (const Tag& tag : request.tags) {
      ORCHARD_ASSIGN_OR_RETURN(
          SqliteStatement insert_tag,
          db.Prepare("INSERT OR REPLACE INTO tags (run_pk, key, value) VALUES (?, ?, ?)"));
      ORCHARD_RETURN_IF_ERROR(insert_tag.Bind(1, run_pk).Bind(2, tag.key).Bind(3, tag.value).Run());
    }
    return Status::Ok();
  });
  ORCHARD_RETURN_IF_ERROR(status);
  ORCHARD_ASSIGN_OR_RETURN(RunRow row, LoadRunRow(db, run_id));
  (void)RefreshStatisticsIfGrown(row.run_pk);  // run_pk grows with the table; only a hint
  ORCHARD_ASSIGN_OR_RETURN(std::vector<Run> runs, LoadRuns(db, {std::move(row)}));
  return std::move(runs.front());
}

StatusOr<RunInfo> SqliteTrackingStore::DoUpdateRun(const UpdateRunRequest& request) {
  std::lock_guard lock(writer_mutex_);
  SqliteConnection& db = *writer_;
  RunInfo info;
  Status status = db.WriteTransaction([&]() -> Status {
    ORCHARD_ASSIGN_OR_RETURN(RunRow row, LoadActiveRunRow(db, request.run_id));
    info = row.info;
    if (request.status) info.status = *request.status;
    if (request.end_time) info.end_time = *request.end_time;
    if (request.run_name && !request.run_name->empty()) info.run_name = *request.run_name;
    {
      ORCHARD_ASSIGN_OR_RETURN(
          SqliteStatement update,
          db.Prepare("UPDATE runs SET status = ?, end_time = ?, name = ? WHERE run_pk = ?"));
      update.Bind(1, RunStatusName(info.status));
      if (info.end_time)
        update.Bind(2, *info.end_time);
      else
        update.BindNull(2);
      ORCHARD_RETURN_IF_ERROR(update.Bind(3, info.run_name).Bind(4, row.run_pk).Run());
    }
    if (info.run_name != row.info.run_name) {
      ORCHARD_ASSIGN_OR_RETURN(
          SqliteStatement tag,
          db.Prepare("INSERT OR REPLACE INTO tags (run_pk, key, value) VALUES (?, ?, ?)"));
      ORCHARD_RETURN_IF_ERROR(
          tag.Bind(1, row.run_pk).Bind(2, kTagRunName).Bind(3, info.run_name).Run());
    }
    return Status::Ok();
  });
  ORCHARD_RETURN_IF_ERROR(status);
  return info;
}

StatusOr<Run> SqliteTrackingStore::DoGetRun(const std::string& run_id) {
  std::lock_guard lock(reader_mutex_);
  std::vector<Run> runs;
  ORCHARD_RETURN_IF_ERROR(reader_->ReadTransaction([&]() -> Status {
    ORCHARD_ASSIGN_OR_RETURN(RunRow row, LoadRunRow(*reader_, run_id));
    ORCHARD_ASSIGN_OR_RETURN(runs, LoadRuns(*reader_, {std::move(row)}));
    return Status::Ok();
  }));
  return std::move(runs.front());
}

Status SqliteTrackingStore::DoSetRunLifecycle(const std::string& run_id, LifecycleStage stage) {
  std::lock_guard lock(writer_mutex_);
  SqliteConnection& db = *writer_;
  return db.WriteTransaction([&]() -> Status {
    ORCHARD_ASSIGN_OR_RETURN(RunRow row, LoadRunRow(db, run_id));
    if (stage == LifecycleStage::kActive) {
      ORCHARD_ASSIGN_OR_RETURN(Experiment experiment,
                               LoadExperimentById(db, row.info.experiment_id));
      if (experiment.lifecycle_stage != LifecycleStage::kActive) {
        return RunInDeletedExperiment(run_id, row.info.experiment_id);
      }
    }
    ORCHARD_ASSIGN_OR_RETURN(
        SqliteStatement update,
        db.Prepare("UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE run_pk = ?"));
    update.Bind(1, LifecycleStageName(stage));
    if (stage == LifecycleStage::kDeleted) {
      update.Bind(2, NowMillis());
    } else {
      update.BindNull(2);
    }
    return update.Bind(3, row.run_pk).Run();
  });
}

StatusOr<RunPage> SqliteTrackingStore::DoSearchRuns(const SearchRunsRequest& request) {
  ORCHARD_ASSIGN_OR_RETURN(PageToken token, DecodePageToken(request.page_token));
  const int64_t offset = token.offset;
  RunPage page;
  if (request.experiment_ids.empty()) return page;
  ORCHARD_ASSIGN_OR_RETURN(SqlFragment filter, RunFilterSql(request.filter));
  SqlFragment where;
  if (request.experiment_ids.size() == 1) {
    // The common case; a plain equality is cheaper per row than a list membership test.
    where = {" WHERE r.experiment_id = ?",
             {static_cast<int64_t>(std::stoll(request.experiment_ids[0]))}};
  } else {
    // Ids are canonical decimal numbers (TrackingStore::SearchRuns), so the JSON is valid.
    std::string ids = "[";
    for (size_t i = 0; i < request.experiment_ids.size(); ++i) {
      ids += (i ? "," : "") + request.experiment_ids[i];
    }
    where = {" WHERE r.experiment_id IN (SELECT CAST(value AS INTEGER) FROM json_each(?))",
             {ids + "]"}};
  }
  where.sql += LifecycleCondition(request.view_type, "r.lifecycle_stage");
  // Later pages see only the runs the first page could see (run_pk grows with every new run),
  // so runs created while a client pages do not shift its pages.
  std::optional<int64_t> max_run = token.max_run;
  where.sql += " AND r.run_pk <= ?";
  where.args.emplace_back(int64_t{0});  // set below, inside the read snapshot
  const size_t max_run_arg = where.args.size() - 1;
  SqlFragment probing_where = where;
  where.Append(filter);
  ORCHARD_ASSIGN_OR_RETURN(SqlFragment probing_filter,
                           RunFilterSql(request.filter, FilterForm::kProbing));
  probing_where.Append(probing_filter);

  // Rows needed: the page plus one more, to know whether another page exists.
  const int64_t wanted = offset + request.max_results + 1;
  std::vector<RunRow> rows;
  std::lock_guard lock(reader_mutex_);
  SqliteConnection& db = *reader_;
  if (int64_t generation = statistics_generation_.load(); generation != reader_statistics_) {
    reader_statistics_ = generation;
    (void)db.Exec("ANALYZE sqlite_schema");  // reload the planner's statistics; only a hint
  }
  // One snapshot for all the queries, so a run that changes meanwhile is neither lost nor
  // listed twice.
  Status searched = db.ReadTransaction([&]() -> Status {
    if (!max_run) {
      ORCHARD_ASSIGN_OR_RETURN(SqliteStatement newest, db.Prepare("SELECT max(run_pk) FROM runs"));
      ORCHARD_ASSIGN_OR_RETURN(bool row, newest.Step());
      max_run = row && !newest.ColumnIsNull(0) ? newest.ColumnInt(0) : 0;
    }
    where.args[max_run_arg] = *max_run;
    probing_where.args[max_run_arg] = *max_run;
    auto collect = [&](const SqlFragment& query, int64_t limit, int64_t skip) -> Status {
      ORCHARD_ASSIGN_OR_RETURN(SqliteStatement select, db.PrepareUncached(query.sql));
      select.BindAll(query.args);
      int next = static_cast<int>(query.args.size()) + 1;
      select.Bind(next, limit).Bind(next + 1, skip);
      while (true) {
        ORCHARD_ASSIGN_OR_RETURN(bool found, select.Step());
        if (!found) return Status::Ok();
        RunRow row;
        ReadRunColumns(select, row.run_pk, row.info);
        rows.push_back(std::move(row));
      }
    };

    const bool metric_first =
        !request.order_by.empty() && request.order_by[0].entity == FilterEntity::kMetric;
    ORCHARD_ASSIGN_OR_RETURN(RunOrderSql order, RunOrderBySql(request.order_by, metric_first));
    if (!metric_first) {
      SqlFragment query{fmt::format("SELECT {} FROM runs r", kRunColumns), {}};
      query.Append(order.joins);
      query.Append(where);
      query.sql += " ORDER BY " + order.terms.sql + " LIMIT ? OFFSET ?";
      ORCHARD_RETURN_IF_ERROR(collect(query, request.max_results + 1, offset));
    } else {
      // Ordered by a metric first: runs with a numeric value come from the (key_id, value) index
      // in order and stop at the limit; then runs where it is NaN, then runs without it.
      const OrderBy& first = request.order_by[0];
      const char* direction = first.ascending ? "ASC" : "DESC";
      // Without a filter, walking the (key_id, value) index in order and stopping at the limit is
      // best, so CROSS JOIN pins that loop order; a filter (say, one parent's children) is usually
      // more selective, so the planner may then start from the filter's index.
      SqlFragment with_value{fmt::format("SELECT {} FROM latest_metrics o0 {} runs r", kRunColumns,
                                         request.filter.empty() ? "CROSS JOIN" : "JOIN"),
                             {}};
      with_value.Append(order.joins);
      with_value.Append(where);
      with_value.sql +=
          " AND o0.run_pk = r.run_pk AND o0.key_id = (SELECT key_id FROM metric_keys WHERE key = "
          "?) "
          "AND o0.value IS NOT NULL";
      with_value.args.emplace_back(first.key);
      if (request.order_by.size() == 1) {
        ORCHARD_ASSIGN_OR_RETURN(
            rows, RankByMetric(db, where, probing_where, first.key, first.ascending, wanted));
      } else {
        with_value.sql +=
            fmt::format(" ORDER BY o0.value {}, {} LIMIT ? OFFSET ?", direction, order.terms.sql);
        ORCHARD_RETURN_IF_ERROR(collect(with_value, wanted, 0));
      }
      const int64_t numeric = static_cast<int64_t>(rows.size());
      if (numeric < wanted) {
        SqlFragment rest{fmt::format("SELECT {} FROM runs r LEFT JOIN latest_metrics o0 ON "
                                     "o0.run_pk = r.run_pk AND o0.key_id = (SELECT key_id FROM "
                                     "metric_keys WHERE key = ?)",
                                     kRunColumns),
                         {first.key}};
        rest.Append(order.joins);
        rest.Append(where);
        rest.sql += " AND o0.value IS NULL ORDER BY (o0.run_pk IS NULL), " + order.terms.sql +
                    " LIMIT ? OFFSET ?";
        ORCHARD_RETURN_IF_ERROR(collect(rest, wanted - numeric, 0));
      }
      // Both queries started at row 0; drop the rows of earlier pages.
      rows.erase(rows.begin(), rows.begin() + std::min<int64_t>(offset, rows.size()));
    }
    if (rows.size() > static_cast<size_t>(request.max_results)) {
      rows.resize(request.max_results);
      page.next_page_token =
          EncodePageToken({.offset = offset + request.max_results, .max_run = max_run});
    }
    ORCHARD_ASSIGN_OR_RETURN(page.runs, LoadRuns(db, std::move(rows)));
    return Status::Ok();
  });
  ORCHARD_RETURN_IF_ERROR(searched);
  return page;
}

StatusOr<std::vector<SqliteTrackingStore::RunRow>> SqliteTrackingStore::RankByMetric(
    SqliteConnection& db, const SqlFragment& where, const SqlFragment& probing_where,
    const std::string& key, bool ascending, int64_t wanted) {
  const char* direction = ascending ? "ASC" : "DESC";
  std::vector<std::pair<double, RunRow>> ranked;
  // Appends the rows of `query` (kRunColumns then o0.value). With `stop_at_wanted`, the rows
  // come in value order and reading stops once `wanted` are in and the value stops tying.
  auto read = [&](const SqlFragment& query, bool stop_at_wanted) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(SqliteStatement select, db.PrepareUncached(query.sql));
    select.BindAll(query.args);
    while (true) {
      ORCHARD_ASSIGN_OR_RETURN(bool found, select.Step());
      if (!found) return Status::Ok();
      double value = select.ColumnDouble(10);
      if (stop_at_wanted && static_cast<int64_t>(ranked.size()) >= wanted &&
          value != ranked.back().first) {
        return Status::Ok();
      }
      RunRow row;
      ReadRunColumns(select, row.run_pk, row.info);
      ranked.emplace_back(value, std::move(row));
    }
  };
  auto by_rank = [&](const auto& a, const auto& b) {
    if (a.first != b.first) return ascending ? a.first < b.first : a.first > b.first;
    if (a.second.info.start_time != b.second.info.start_time) {
      return a.second.info.start_time > b.second.info.start_time;  // MLflow's tie order
    }
    return a.second.info.run_id < b.second.info.run_id;
  };
  const std::string metric_key_id = "(SELECT key_id FROM metric_keys WHERE key = ?)";

  // 1. Walk the (key_id, value) index in order, checking each run against the experiment, view
  //    and filter, and stop as soon as `wanted` rows (and their ties) are in: cheap when matches
  //    are common (a tuning experiment holds little but its trials) and no SQL sorter is needed.
  //    The walk is bounded to the best `budget` values (plus ties of the last), so that a rare
  //    filter costs a bounded walk before step 2.
  const int64_t budget = std::max<int64_t>(400, 4 * wanted);
  std::optional<double> bound;  // the value `budget` entries down the index, if there is one
  {
    ORCHARD_ASSIGN_OR_RETURN(
        SqliteStatement boundary,
        db.PrepareUncached(fmt::format("SELECT value FROM latest_metrics WHERE key_id = {} AND "
                                       "value IS NOT NULL ORDER BY value {} LIMIT 1 OFFSET ?",
                                       metric_key_id, direction)));
    boundary.Bind(1, key).Bind(2, budget);
    ORCHARD_ASSIGN_OR_RETURN(bool beyond, boundary.Step());
    if (beyond) bound = boundary.ColumnDouble(0);
  }
  SqlFragment walk{
      fmt::format("SELECT {}, o0.value FROM latest_metrics o0 CROSS JOIN runs r", kRunColumns), {}};
  walk.Append(probing_where);
  walk.sql += fmt::format(" AND r.run_pk = o0.run_pk AND o0.key_id = {} AND o0.value IS NOT NULL",
                          metric_key_id);
  walk.args.emplace_back(key);
  if (bound) {
    walk.sql += ascending ? " AND o0.value <= ?" : " AND o0.value >= ?";
    walk.args.emplace_back(*bound);
  }
  walk.sql += fmt::format(" ORDER BY o0.value {}", direction);
  ORCHARD_RETURN_IF_ERROR(read(walk, /*stop_at_wanted=*/true));
  std::stable_sort(ranked.begin(), ranked.end(), by_rank);
  // Every value better than or equal to the bound was seen, ties included, so the walk is
  // enough when it filled the page or when it covered the whole index.
  const bool complete = !bound || static_cast<int64_t>(ranked.size()) >= wanted;

  // 2. Otherwise the matches are rare: let the planner start from the most selective index
  //    (say, one parent's children) and sort what matches.
  if (!complete) {
    ranked.clear();
    SqlFragment planned{
        fmt::format("SELECT {}, o0.value FROM latest_metrics o0 JOIN runs r", kRunColumns), {}};
    planned.Append(where);
    planned.sql += fmt::format(
        " AND o0.run_pk = r.run_pk AND o0.key_id = {} AND o0.value IS "
        "NOT NULL ORDER BY o0.value {}",
        metric_key_id, direction);
    planned.args.emplace_back(key);
    ORCHARD_RETURN_IF_ERROR(read(planned, /*stop_at_wanted=*/true));
    std::stable_sort(ranked.begin(), ranked.end(), by_rank);
  }
  if (static_cast<int64_t>(ranked.size()) > wanted) ranked.resize(wanted);
  std::vector<RunRow> rows;
  rows.reserve(ranked.size());
  for (auto& entry : ranked) rows.push_back(std::move(entry.second));
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Run data

StatusOr<int64_t> SqliteTrackingStore::MetricKeyId(const std::string& key) {
  if (auto it = metric_key_ids_.find(key); it != metric_key_ids_.end()) return it->second;
  if (auto it = pending_metric_keys_.find(key); it != pending_metric_keys_.end()) return it->second;
  SqliteConnection& db = *writer_;
  {
    ORCHARD_ASSIGN_OR_RETURN(SqliteStatement insert,
                             db.Prepare("INSERT OR IGNORE INTO metric_keys (key) VALUES (?)"));
    ORCHARD_RETURN_IF_ERROR(insert.Bind(1, key).Run());
  }
  ORCHARD_ASSIGN_OR_RETURN(SqliteStatement select,
                           db.Prepare("SELECT key_id FROM metric_keys WHERE key = ?"));
  select.Bind(1, key);
  ORCHARD_ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return Status::Internal("metric key vanished after insert");
  int64_t id = select.ColumnInt(0);
  pending_metric_keys_[key] = id;
  added_metric_keys_.push_back(key);
  return id;
}

// Group commit (group_commit.h): concurrent requests share one transaction, a savepoint each,
// so one request's error does not undo the others.
Status SqliteTrackingStore::DoLogBatch(const std::string& run_id,
                                       const std::vector<Metric>& metrics,
                                       const std::vector<Param>& params,
                                       const std::vector<Tag>& tags) {
  PendingBatch mine{run_id, metrics, params, tags};
  return group_commit_.Submit(
      mine, [this](const std::vector<PendingBatch*>& group) { CommitGroup(group); });
}

void SqliteTrackingStore::CommitGroup(const std::vector<PendingBatch*>& group) {
  std::lock_guard lock(writer_mutex_);
  SqliteConnection& db = *writer_;
  pending_metric_keys_.clear();
  const bool shared = group.size() > 1;
  Status committed = db.WriteTransaction([&]() -> Status {
    for (PendingBatch* pending : group) {
      if (!shared) {
        pending->result = LogBatchLocked(*pending);
        return pending->result;  // alone: a failure rolls the whole transaction back
      }
      ORCHARD_RETURN_IF_ERROR(db.RunCached("SAVEPOINT batch"));
      added_metric_keys_.clear();
      pending->result = LogBatchLocked(*pending);
      if (!pending->result.ok()) {
        ORCHARD_RETURN_IF_ERROR(db.RunCached("ROLLBACK TO batch"));
        // Names this request created are gone with it: they must not enter the cache.
        for (const std::string& key : added_metric_keys_) pending_metric_keys_.erase(key);
      }
      ORCHARD_RETURN_IF_ERROR(db.RunCached("RELEASE batch"));
    }
    return Status::Ok();
  });
  if (committed.ok()) {
    metric_key_ids_.merge(pending_metric_keys_);
  } else {
    for (PendingBatch* pending : group) {
      if (pending->result.ok()) pending->result = committed;  // nothing of it was committed
    }
  }
  pending_metric_keys_.clear();
}

Status SqliteTrackingStore::LogBatchLocked(const PendingBatch& batch) {
  SqliteConnection& db = *writer_;
  const std::string& run_id = batch.run_id;
  const std::vector<Metric>& metrics = batch.metrics;
  const std::vector<Param>& params = batch.params;
  const std::vector<Tag>& tags = batch.tags;
  {
    ORCHARD_ASSIGN_OR_RETURN(RunRow row, LoadActiveRunRow(db, run_id));
    const int64_t run_pk = row.run_pk;
    for (const Param& param : params) {
      {
        ORCHARD_ASSIGN_OR_RETURN(
            SqliteStatement insert,
            db.Prepare("INSERT OR IGNORE INTO params (run_pk, key, value) VALUES (?, ?, ?)"));
        ORCHARD_RETURN_IF_ERROR(
            insert.Bind(1, run_pk).Bind(2, param.key).Bind(3, param.value).Run());
      }
      if (db.Changes() > 0) continue;
      ORCHARD_ASSIGN_OR_RETURN(SqliteStatement existing,
                               db.Prepare("SELECT value FROM params WHERE run_pk = ? AND key = ?"));
      existing.Bind(1, run_pk).Bind(2, param.key);
      ORCHARD_ASSIGN_OR_RETURN(bool found, existing.Step());
      std::string old_value = found ? existing.ColumnText(0) : std::string();
      if (old_value != param.value) {
        return ParamChanged(param.key, old_value, run_id, param.value);
      }
    }
    for (const Tag& tag : tags) {
      {
        ORCHARD_ASSIGN_OR_RETURN(
            SqliteStatement upsert,
            db.Prepare("INSERT OR REPLACE INTO tags (run_pk, key, value) VALUES (?, ?, ?)"));
        ORCHARD_RETURN_IF_ERROR(upsert.Bind(1, run_pk).Bind(2, tag.key).Bind(3, tag.value).Run());
      }
      if (tag.key == kTagRunName) {
        // The run's name and its mlflow.runName tag stay equal, as in MLflow.
        ORCHARD_ASSIGN_OR_RETURN(SqliteStatement rename,
                                 db.Prepare("UPDATE runs SET name = ? WHERE run_pk = ?"));
        ORCHARD_RETURN_IF_ERROR(rename.Bind(1, tag.value).Bind(2, run_pk).Run());
      }
    }
    if (metrics.empty()) return Status::Ok();
    // History rows in multi-row INSERTs (one statement step per chunk rather than per point);
    // the newest point per key is picked in memory so latest_metrics gets one upsert per key.
    std::map<int64_t, const Metric*> newest;
    std::vector<int64_t> key_ids(metrics.size());
    for (size_t i = 0; i < metrics.size(); ++i) {
      ORCHARD_ASSIGN_OR_RETURN(key_ids[i], MetricKeyId(metrics[i].key));
      auto [it, inserted] = newest.try_emplace(key_ids[i], &metrics[i]);
      if (!inserted && IsNewerMetric(metrics[i], *it->second)) it->second = &metrics[i];
    }
    // Inserting in the table's key order keeps successive b-tree inserts on the same pages.
    std::vector<uint32_t> order(metrics.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      return std::tie(metrics[a].step, key_ids[a], metrics[a].timestamp) <
             std::tie(metrics[b].step, key_ids[b], metrics[b].timestamp);
    });
    for (size_t start = 0; start < metrics.size(); start += kRowsPerInsert) {
      const size_t rows = std::min(kRowsPerInsert, metrics.size() - start);
      ORCHARD_ASSIGN_OR_RETURN(SqliteStatement insert,
                               db.Prepare(MultiRowSql(kInsertMetricsSql, 6, rows, "")));
      int index = 1;
      for (size_t k = start; k < start + rows; ++k) {
        const size_t i = order[k];
        const Metric& metric = metrics[i];
        bool is_nan = std::isnan(metric.value);
        insert.Bind(index, run_pk).Bind(index + 1, key_ids[i]).Bind(index + 2, metric.step);
        insert.Bind(index + 3, metric.timestamp).Bind(index + 4, int64_t{is_nan});
        insert.Bind(index + 5, is_nan ? 0.0 : metric.value);
        index += 6;
      }
      ORCHARD_RETURN_IF_ERROR(insert.Run());
    }
    std::vector<std::pair<int64_t, const Metric*>> latest(newest.begin(), newest.end());
    for (size_t start = 0; start < latest.size(); start += kRowsPerInsert) {
      const size_t rows = std::min(kRowsPerInsert, latest.size() - start);
      ORCHARD_ASSIGN_OR_RETURN(
          SqliteStatement upsert,
          db.Prepare(MultiRowSql(kUpsertLatestSql, 6, rows, kUpsertLatestConflictSql)));
      int index = 1;
      for (size_t i = start; i < start + rows; ++i) {
        const Metric& metric = *latest[i].second;
        bool is_nan = std::isnan(metric.value);
        upsert.Bind(index, run_pk).Bind(index + 1, latest[i].first).Bind(index + 2, metric.step);
        upsert.Bind(index + 3, metric.timestamp);
        if (is_nan)
          upsert.BindNull(index + 4);
        else
          upsert.Bind(index + 4, metric.value);
        upsert.Bind(index + 5, int64_t{is_nan});
        index += 6;
      }
      ORCHARD_RETURN_IF_ERROR(upsert.Run());
    }
    return Status::Ok();
  }
}

Status SqliteTrackingStore::DoLogInputs(const std::string& run_id,
                                        const std::vector<DatasetInput>& inputs) {
  std::lock_guard lock(writer_mutex_);
  SqliteConnection& db = *writer_;
  return db.WriteTransaction([&]() -> Status {
    ORCHARD_ASSIGN_OR_RETURN(RunRow row, LoadActiveRunRow(db, run_id));
    for (const DatasetInput& input : inputs) {
      const Dataset& d = input.dataset;
      {
        ORCHARD_ASSIGN_OR_RETURN(
            SqliteStatement insert,
            db.Prepare("INSERT OR IGNORE INTO datasets (experiment_id, name, digest, source_type, "
                       "source, schema, profile) VALUES (CAST(? AS INTEGER), ?, ?, ?, ?, ?, ?)"));
        insert.Bind(1, row.info.experiment_id).Bind(2, d.name).Bind(3, d.digest);
        insert.Bind(4, d.source_type).Bind(5, d.source).Bind(6, d.schema).Bind(7, d.profile);
        ORCHARD_RETURN_IF_ERROR(insert.Run());
      }
      int64_t dataset_pk = 0;
      {
        ORCHARD_ASSIGN_OR_RETURN(
            SqliteStatement select,
            db.Prepare("SELECT dataset_pk FROM datasets WHERE experiment_id = CAST(? AS INTEGER) "
                       "AND name = ? AND digest = ?"));
        select.Bind(1, row.info.experiment_id).Bind(2, d.name).Bind(3, d.digest);
        ORCHARD_ASSIGN_OR_RETURN(bool found, select.Step());
        if (!found) return Status::Internal("dataset vanished after insert");
        dataset_pk = select.ColumnInt(0);
      }
      {
        ORCHARD_ASSIGN_OR_RETURN(
            SqliteStatement link,
            db.Prepare("INSERT OR IGNORE INTO inputs (run_pk, dataset_pk) VALUES (?, ?)"));
        ORCHARD_RETURN_IF_ERROR(link.Bind(1, row.run_pk).Bind(2, dataset_pk).Run());
      }
      for (const Tag& tag : input.tags) {
        ORCHARD_ASSIGN_OR_RETURN(
            SqliteStatement insert_tag,
            db.Prepare("INSERT OR REPLACE INTO input_tags (run_pk, dataset_pk, key, value) VALUES "
                       "(?, ?, ?, ?)"));
        ORCHARD_RETURN_IF_ERROR(insert_tag.Bind(1, row.run_pk)
                                    .Bind(2, dataset_pk)
                                    .Bind(3, tag.key)
                                    .Bind(4, tag.value)
                                    .Run());
      }
    }
    return Status::Ok();
  });
}

Status SqliteTrackingStore::DoDeleteTag(const std::string& run_id, const std::string& key) {
  std::lock_guard lock(writer_mutex_);
  SqliteConnection& db = *writer_;
  return db.WriteTransaction([&]() -> Status {
    ORCHARD_ASSIGN_OR_RETURN(RunRow row, LoadActiveRunRow(db, run_id));
    ORCHARD_ASSIGN_OR_RETURN(SqliteStatement remove,
                             db.Prepare("DELETE FROM tags WHERE run_pk = ? AND key = ?"));
    ORCHARD_RETURN_IF_ERROR(remove.Bind(1, row.run_pk).Bind(2, key).Run());
    if (db.Changes() == 0) {
      return TagNotFound(key, run_id);
    }
    return Status::Ok();
  });
}

Status SqliteTrackingStore::DoLogModel(const std::string& run_id,
                                       const std::string& compact_model) {
  std::lock_guard lock(writer_mutex_);
  SqliteConnection& db = *writer_;
  // Read, append and write in one transaction under the writer lock: concurrent log-model
  // calls on one run each keep their entry.
  return db.WriteTransaction([&]() -> Status {
    ORCHARD_ASSIGN_OR_RETURN(RunRow row, LoadActiveRunRow(db, run_id));
    ORCHARD_ASSIGN_OR_RETURN(SqliteStatement select,
                             db.Prepare("SELECT value FROM tags WHERE run_pk = ? AND key = ?"));
    select.Bind(1, row.run_pk).Bind(2, kTagLogModelHistory);
    ORCHARD_ASSIGN_OR_RETURN(bool found, select.Step());
    std::string history = found ? select.ColumnText(0) : "";
    ORCHARD_ASSIGN_OR_RETURN(std::string updated, AppendToModelHistory(history, compact_model));
    ORCHARD_ASSIGN_OR_RETURN(
        SqliteStatement upsert,
        db.Prepare("INSERT OR REPLACE INTO tags (run_pk, key, value) VALUES (?, ?, ?)"));
    return upsert.Bind(1, row.run_pk).Bind(2, kTagLogModelHistory).Bind(3, updated).Run();
  });
}

StatusOr<std::vector<int64_t>> SqliteTrackingStore::DoGetMetricSteps(const std::string& run_id,
                                                                     const std::string& key) {
  std::lock_guard lock(reader_mutex_);
  SqliteConnection& db = *reader_;
  ORCHARD_ASSIGN_OR_RETURN(RunRow row, LoadRunRow(db, run_id));
  // Steps only, in key order: no values or key strings materialised.
  ORCHARD_ASSIGN_OR_RETURN(
      SqliteStatement select,
      db.Prepare("SELECT m.step FROM metrics m WHERE m.run_pk = ? AND m.key_id = (SELECT key_id "
                 "FROM metric_keys WHERE key = ?)"));
  select.Bind(1, row.run_pk).Bind(2, key);
  std::vector<int64_t> steps;
  while (true) {
    ORCHARD_ASSIGN_OR_RETURN(bool found, select.Step());
    if (!found) break;
    int64_t step = select.ColumnInt(0);
    if (steps.empty() || steps.back() != step) steps.push_back(step);
  }
  return steps;
}

StatusOr<std::vector<Metric>> SqliteTrackingStore::DoGetMetricHistoryAtSteps(
    const std::string& run_id, const std::string& key, const std::vector<int64_t>& steps) {
  std::lock_guard lock(reader_mutex_);
  SqliteConnection& db = *reader_;
  std::vector<Metric> points;
  ORCHARD_RETURN_IF_ERROR(db.ReadTransaction([&]() -> Status {
    ORCHARD_ASSIGN_OR_RETURN(RunRow row, LoadRunRow(db, run_id));
    ORCHARD_ASSIGN_OR_RETURN(SqliteStatement key_lookup,
                             db.Prepare("SELECT key_id FROM metric_keys WHERE key = ?"));
    key_lookup.Bind(1, key);
    ORCHARD_ASSIGN_OR_RETURN(bool known, key_lookup.Step());
    if (!known) return Status::Ok();
    const int64_t key_id = key_lookup.ColumnInt(0);
    // One primary-key seek per chosen step.
    ORCHARD_ASSIGN_OR_RETURN(
        SqliteStatement select,
        db.Prepare("SELECT m.step, m.timestamp, m.value, m.is_nan FROM metrics m WHERE m.run_pk = "
                   "? AND m.step = ? AND m.key_id = ? ORDER BY m.timestamp, m.is_nan, m.value"));
    for (int64_t step : steps) {
      select.Reset().Bind(1, row.run_pk).Bind(2, step).Bind(3, key_id);
      while (true) {
        ORCHARD_ASSIGN_OR_RETURN(bool found, select.Step());
        if (!found) break;
        points.push_back(ReadMetric(select, 0, key));
      }
    }
    return Status::Ok();
  }));
  return points;
}

StatusOr<std::vector<Metric>> SqliteTrackingStore::DoGetMetricHistory(const std::string& run_id,
                                                                      const std::string& key) {
  std::lock_guard lock(reader_mutex_);
  SqliteConnection& db = *reader_;
  ORCHARD_ASSIGN_OR_RETURN(RunRow row, LoadRunRow(db, run_id));
  ORCHARD_ASSIGN_OR_RETURN(
      SqliteStatement select,
      db.Prepare("SELECT m.step, m.timestamp, m.value, m.is_nan FROM metrics m WHERE m.run_pk = ? "
                 "AND m.key_id = (SELECT key_id FROM metric_keys WHERE key = ?) ORDER BY m.step, "
                 "m.timestamp, m.is_nan, m.value"));
  select.Bind(1, row.run_pk).Bind(2, key);
  std::vector<Metric> history;
  while (true) {
    ORCHARD_ASSIGN_OR_RETURN(bool found, select.Step());
    if (!found) break;
    history.push_back(ReadMetric(select, 0, key));
  }
  return history;
}

}  // namespace orchard
