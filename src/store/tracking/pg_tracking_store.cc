#include "store/tracking/pg_tracking_store.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/ids.h"
#include "store/tracking/log_model_history.h"
#include "store/tracking/page_token.h"
#include "store/tracking/pg_tracking_schema.h"
#include "store/tracking/search_sql.h"
#include "store/tracking/store_messages.h"

namespace orchard {
namespace {

using namespace store_messages;

void ReadRunColumns(const PgResult& result, int row, int64_t& run_pk, RunInfo& info) {
  run_pk = result.Int(row, 0);
  info.run_id = result.Text(row, 1);
  info.experiment_id = result.Text(row, 2);
  info.run_name = result.Text(row, 3);
  info.user_id = result.Text(row, 4);
  info.status = ParseRunStatus(result.Text(row, 5)).value_or(RunStatus::kRunning);
  info.start_time = result.Int(row, 6);
  if (!result.IsNull(row, 7)) info.end_time = result.Int(row, 7);
  info.artifact_uri = result.Text(row, 8);
  info.lifecycle_stage = ParseLifecycleStage(result.Text(row, 9)).value_or(LifecycleStage::kActive);
}

// A point from columns (step, timestamp, value, is_nan) starting at `first`.
Metric ReadMetric(const PgResult& result, int row, int first, std::string key) {
  Metric metric;
  metric.key = std::move(key);
  metric.step = result.Int(row, first);
  metric.timestamp = result.Int(row, first + 1);
  metric.value = result.Int(row, first + 3) != 0 ? std::nan("") : result.Double(row, first + 2);
  return metric;
}

int64_t ExperimentNumber(const std::string& experiment_id) {
  return static_cast<int64_t>(std::stoll(experiment_id));  // canonical (TrackingStore checks)
}

// The tags with each key once, the last value winning (as writing them in order would leave),
// sorted by key (so concurrent writers lock rows in one order).
std::vector<Tag> LastPerKey(const std::vector<Tag>& tags) {
  std::map<std::string, std::string> last;
  for (const Tag& tag : tags) last[tag.key] = tag.value;
  std::vector<Tag> out;
  for (auto& [key, value] : last) out.push_back({key, value});
  return out;
}

// The metric names a filter compares, alternatives included.
void CollectMetricNames(const Filter& filter, std::vector<std::string>& names) {
  for (const FilterClause& clause : filter.clauses) {
    for (const Filter& alternative : clause.any_of) CollectMetricNames(alternative, names);
    if (clause.any_of.empty() && clause.entity == FilterEntity::kMetric)
      names.push_back(clause.key);
  }
}

// MLflow's latest-value rule in SQL, as the SQLite store's (see IsNewerMetric).
constexpr char kUpsertLatestConflictSql[] =
    " ON CONFLICT (run_pk, key_id) DO UPDATE SET step = excluded.step, timestamp = "
    "excluded.timestamp, value = excluded.value, is_nan = excluded.is_nan WHERE (excluded.step, "
    "excluded.timestamp, coalesce(excluded.value, 0)) > (latest_metrics.step, "
    "latest_metrics.timestamp, coalesce(latest_metrics.value, 0))";

}  // namespace

StatusOr<std::unique_ptr<PgTrackingStore>> PgTrackingStore::Open(
    const std::string& uri, const std::string& default_artifact_root, int connections,
    Durability durability) {
  ORCHARD_ASSIGN_OR_RETURN(PgUri parsed, ParsePostgresUri(uri));
  parsed.durability = durability;
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<PgPool> pool, PgPool::Open(parsed, connections));
  {
    ORCHARD_ASSIGN_OR_RETURN(PgPool::Lease lease, pool->Acquire());
    PgConnection& db = *lease;
    StatusOr<int> migrated = ApplyPgMigrations(db, PgTrackingMigrations(), [&]() -> Status {
      // The Default experiment exists from the start, as in MLflow.
      int64_t now = NowMillis();
      return db
          .Query(
              "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, "
              "creation_time, last_update_time) VALUES (0, ?, ?, 'active', ?, ?) ON CONFLICT DO "
              "NOTHING",
              {std::string(kDefaultExperimentName), default_artifact_root + "/0", now, now})
          .status();
    });
    if (!migrated.ok()) {
      return migrated.status().WithContext(
          fmt::format("cannot use {} as a tracking database", parsed.display));
    }
  }
  return std::unique_ptr<PgTrackingStore>(
      new PgTrackingStore(std::move(pool), default_artifact_root));
}

Status PgTrackingStore::Write(const std::function<Status(PgConnection&)>& body) {
  return WithPgTransaction(*pool_, PgConnection::Transaction::kWrite, body);
}

Status PgTrackingStore::Read(const std::function<Status(PgConnection&)>& body) {
  return WithPgTransaction(*pool_, PgConnection::Transaction::kSnapshotRead, body);
}

// ---------------------------------------------------------------------------------------------
// Experiments

StatusOr<Experiment> PgTrackingStore::LoadExperiment(PgConnection& db, const std::string& where_sql,
                                                     const SqlArg& arg,
                                                     const std::string& not_found) {
  ORCHARD_ASSIGN_OR_RETURN(
      PgResult found,
      db.Query(fmt::format("SELECT {} FROM experiments e WHERE {}", kExperimentColumns, where_sql),
               {arg}));
  if (found.rows() == 0) return Status::NotFound(not_found);
  Experiment experiment;
  experiment.experiment_id = found.Text(0, 0);
  experiment.name = found.Text(0, 1);
  experiment.artifact_location = found.Text(0, 2);
  experiment.lifecycle_stage =
      ParseLifecycleStage(found.Text(0, 3)).value_or(LifecycleStage::kActive);
  experiment.creation_time = found.Int(0, 4);
  experiment.last_update_time = found.Int(0, 5);
  ORCHARD_ASSIGN_OR_RETURN(
      PgResult tags,
      db.Query("SELECT key, value FROM experiment_tags WHERE experiment_id = ? ORDER BY key",
               {found.Int(0, 0)}));
  for (int i = 0; i < tags.rows(); ++i)
    experiment.tags.push_back({tags.Text(i, 0), tags.Text(i, 1)});
  return experiment;
}

StatusOr<Experiment> PgTrackingStore::LoadExperimentById(PgConnection& db,
                                                         const std::string& experiment_id) {
  return LoadExperiment(db, "e.experiment_id = ?", ExperimentNumber(experiment_id),
                        ExperimentNotFound(experiment_id).message());
}

StatusOr<Experiment> PgTrackingStore::LoadActiveExperiment(PgConnection& db,
                                                           const std::string& experiment_id) {
  ORCHARD_ASSIGN_OR_RETURN(Experiment experiment, LoadExperimentById(db, experiment_id));
  if (experiment.lifecycle_stage != LifecycleStage::kActive) {
    return ExperimentNotActive(experiment_id);
  }
  return experiment;
}

StatusOr<std::string> PgTrackingStore::DoCreateExperiment(const CreateExperimentRequest& original) {
  CreateExperimentRequest request = original;
  // A local location is stored absolute, as the SQLite store does.
  std::string& location = request.artifact_location;
  if (!location.empty() && location.find(':') == std::string::npos) {
    std::error_code ec;
    location = std::filesystem::absolute(location, ec).lexically_normal().string();
  }
  while (location.size() > 1 && location.back() == '/') location.pop_back();
  std::string id;
  Status status = Write([&](PgConnection& db) -> Status {
    int64_t now = NowMillis();
    StatusOr<PgResult> inserted = db.Query(
        "INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, "
        "last_update_time) VALUES (?, ?, 'active', ?, ?) RETURNING experiment_id",
        {request.name, request.artifact_location, now, now});
    if (!inserted.ok() && db.last_sqlstate() == kPgUniqueViolation) {
      return ExperimentExists(request.name);  // also when another server took it just now
    }
    ORCHARD_RETURN_IF_ERROR(inserted.status());
    id = inserted->Text(0, 0);
    if (request.artifact_location.empty()) {
      ORCHARD_RETURN_IF_ERROR(
          db.Query("UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?",
                   {fmt::format("{}/{}", default_artifact_root_, id), inserted->Int(0, 0)})
              .status());
    }
    for (const Tag& tag : LastPerKey(request.tags)) {
      ORCHARD_RETURN_IF_ERROR(
          db.Query("INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)",
                   {inserted->Int(0, 0), tag.key, tag.value})
              .status());
    }
    return Status::Ok();
  });
  ORCHARD_RETURN_IF_ERROR(status);
  return id;
}

StatusOr<Experiment> PgTrackingStore::DoGetExperiment(const std::string& experiment_id) {
  Experiment experiment;
  ORCHARD_RETURN_IF_ERROR(Read([&](PgConnection& db) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(experiment, LoadExperimentById(db, experiment_id));
    return Status::Ok();
  }));
  return experiment;
}

StatusOr<Experiment> PgTrackingStore::DoGetExperimentByName(const std::string& name) {
  Experiment experiment;
  ORCHARD_RETURN_IF_ERROR(Read([&](PgConnection& db) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(
        experiment, LoadExperiment(db, "e.name = ?", name, ExperimentNameNotFound(name).message()));
    return Status::Ok();
  }));
  return experiment;
}

StatusOr<ExperimentPage> PgTrackingStore::DoSearchExperiments(
    const SearchExperimentsRequest& request) {
  ORCHARD_ASSIGN_OR_RETURN(PageToken token, DecodePageToken(request.page_token));
  const int64_t offset = token.offset;
  ORCHARD_ASSIGN_OR_RETURN(SqlFragment where, ExperimentFilterSql(request.filter));
  ORCHARD_ASSIGN_OR_RETURN(std::string order, ExperimentOrderBySql(request.order_by));
  SqlFragment query{fmt::format("SELECT e.experiment_id FROM experiments e WHERE TRUE{}",
                                LifecycleCondition(request.view_type, "e.lifecycle_stage")),
                    {}};
  query.Append(where);
  query.sql += fmt::format(" ORDER BY {} LIMIT ? OFFSET ?", order);
  query.args.emplace_back(int64_t{request.max_results} + 1);
  query.args.emplace_back(offset);
  ExperimentPage page;
  ORCHARD_RETURN_IF_ERROR(Read([&](PgConnection& db) -> Status {
    page = {};
    ORCHARD_ASSIGN_OR_RETURN(PgResult ids, db.QueryOnce(query.sql, query.args));
    int count = ids.rows();
    if (count > request.max_results) {
      count = request.max_results;
      page.next_page_token = EncodePageToken({.offset = offset + request.max_results});
    }
    for (int i = 0; i < count; ++i) {
      ORCHARD_ASSIGN_OR_RETURN(Experiment experiment, LoadExperimentById(db, ids.Text(i, 0)));
      page.experiments.push_back(std::move(experiment));
    }
    return Status::Ok();
  }));
  return page;
}

Status PgTrackingStore::DoRenameExperiment(const std::string& experiment_id,
                                           const std::string& new_name) {
  return Write([&](PgConnection& db) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(Experiment experiment, LoadExperimentById(db, experiment_id));
    if (experiment.lifecycle_stage != LifecycleStage::kActive) {
      return RenameNotActive();
    }
    if (experiment.name == new_name) return Status::Ok();
    StatusOr<PgResult> renamed =
        db.Query("UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?",
                 {new_name, NowMillis(), ExperimentNumber(experiment_id)});
    if (!renamed.ok() && db.last_sqlstate() == kPgUniqueViolation)
      return ExperimentExists(new_name);
    return renamed.status();
  });
}

Status PgTrackingStore::DoSetExperimentLifecycle(const std::string& experiment_id,
                                                 LifecycleStage stage) {
  return Write([&](PgConnection& db) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(Experiment experiment, LoadExperimentById(db, experiment_id));
    if (experiment.lifecycle_stage == stage) {
      return ExperimentAlready(experiment_id, stage);
    }
    std::string name(LifecycleStageName(stage));
    const int64_t id = ExperimentNumber(experiment_id);
    ORCHARD_RETURN_IF_ERROR(
        db.Query("UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE "
                 "experiment_id = ?",
                 {name, NowMillis(), id})
            .status());
    // An experiment's runs follow it into deletion and back, as in MLflow; deleted_time dates
    // the deletion for `orchard gc --older-than`.
    if (stage == LifecycleStage::kDeleted) {
      return db
          .Query("UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE experiment_id = ?",
                 {name, NowMillis(), id})
          .status();
    }
    return db
        .Query("UPDATE runs SET lifecycle_stage = ?, deleted_time = NULL WHERE experiment_id = ?",
               {name, id})
        .status();
  });
}

Status PgTrackingStore::DoSetExperimentTag(const std::string& experiment_id, const Tag& tag) {
  return Write([&](PgConnection& db) -> Status {
    ORCHARD_RETURN_IF_ERROR(LoadActiveExperiment(db, experiment_id).status());
    return db
        .Query(
            "INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) ON CONFLICT "
            "(experiment_id, key) DO UPDATE SET value = excluded.value",
            {ExperimentNumber(experiment_id), tag.key, tag.value})
        .status();
  });
}

// ---------------------------------------------------------------------------------------------
// Runs

StatusOr<PgTrackingStore::RunRow> PgTrackingStore::LoadRunRow(PgConnection& db,
                                                              const std::string& run_id,
                                                              bool lock) {
  ORCHARD_ASSIGN_OR_RETURN(PgResult found,
                           db.Query(fmt::format("SELECT {} FROM runs r WHERE r.run_uuid = ?{}",
                                                kRunColumns, lock ? " FOR UPDATE" : ""),
                                    {run_id}));
  if (found.rows() == 0) return RunNotFound(run_id);
  RunRow row;
  ReadRunColumns(found, 0, row.run_pk, row.info);
  return row;
}

StatusOr<PgTrackingStore::RunRow> PgTrackingStore::LoadActiveRunRow(PgConnection& db,
                                                                    const std::string& run_id,
                                                                    bool lock) {
  ORCHARD_ASSIGN_OR_RETURN(RunRow row, LoadRunRow(db, run_id, lock));
  if (row.info.lifecycle_stage != LifecycleStage::kActive) {
    return RunNotActive(run_id);
  }
  return row;
}

StatusOr<std::vector<Run>> PgTrackingStore::LoadRuns(PgConnection& db, std::vector<RunRow> rows) {
  std::vector<Run> runs(rows.size());
  std::unordered_map<int64_t, size_t> index_of;
  std::vector<int64_t> pks;
  for (size_t i = 0; i < rows.size(); ++i) {
    runs[i].info = std::move(rows[i].info);
    index_of[rows[i].run_pk] = i;
    pks.push_back(rows[i].run_pk);
  }
  if (rows.empty()) return runs;
  const std::string ids = PgArray(pks);
  {
    ORCHARD_ASSIGN_OR_RETURN(
        PgResult metrics,
        db.Query("SELECT m.run_pk, k.key, m.step, m.timestamp, m.value, m.is_nan FROM "
                 "latest_metrics m JOIN metric_keys k ON k.key_id = m.key_id WHERE m.run_pk = "
                 "ANY(?::bigint[]) ORDER BY m.run_pk, k.key",
                 {ids}));
    for (int i = 0; i < metrics.rows(); ++i) {
      runs[index_of[metrics.Int(i, 0)]].data.metrics.push_back(
          ReadMetric(metrics, i, 2, metrics.Text(i, 1)));
    }
  }
  for (const char* table : {"params", "tags"}) {
    ORCHARD_ASSIGN_OR_RETURN(
        PgResult found,
        db.Query(fmt::format("SELECT run_pk, key, value FROM {} WHERE run_pk = ANY(?::bigint[]) "
                             "ORDER BY run_pk, key",
                             table),
                 {ids}));
    const bool is_params = table[0] == 'p';
    for (int i = 0; i < found.rows(); ++i) {
      RunData& data = runs[index_of[found.Int(i, 0)]].data;
      if (is_params) {
        data.params.push_back({found.Text(i, 1), found.Text(i, 2)});
      } else {
        data.tags.push_back({found.Text(i, 1), found.Text(i, 2)});
      }
    }
  }
  // Inputs, and their tags by (run_pk, dataset_pk).
  std::map<std::pair<int64_t, int64_t>, size_t> position;
  {
    ORCHARD_ASSIGN_OR_RETURN(
        PgResult inputs,
        db.Query("SELECT i.run_pk, d.dataset_pk, d.name, d.digest, d.source_type, d.source, "
                 "coalesce(d.schema, ''), coalesce(d.profile, '') FROM inputs i JOIN datasets d ON "
                 "d.dataset_pk = i.dataset_pk WHERE i.run_pk = ANY(?::bigint[]) ORDER BY i.run_pk, "
                 "d.dataset_pk",
                 {ids}));
    for (int i = 0; i < inputs.rows(); ++i) {
      int64_t run_pk = inputs.Int(i, 0);
      std::vector<DatasetInput>& list = runs[index_of.at(run_pk)].inputs;
      position[{run_pk, inputs.Int(i, 1)}] = list.size();
      list.push_back({{},
                      {inputs.Text(i, 2), inputs.Text(i, 3), inputs.Text(i, 4), inputs.Text(i, 5),
                       inputs.Text(i, 6), inputs.Text(i, 7)}});
    }
  }
  if (position.empty()) return runs;
  ORCHARD_ASSIGN_OR_RETURN(
      PgResult tags,
      db.Query("SELECT run_pk, dataset_pk, key, value FROM input_tags WHERE run_pk = "
               "ANY(?::bigint[]) ORDER BY run_pk, dataset_pk, key",
               {ids}));
  for (int i = 0; i < tags.rows(); ++i) {
    int64_t run_pk = tags.Int(i, 0);
    auto at = position.find({run_pk, tags.Int(i, 1)});
    if (at == position.end()) continue;
    runs[index_of.at(run_pk)].inputs[at->second].tags.push_back({tags.Text(i, 2), tags.Text(i, 3)});
  }
  return runs;
}

StatusOr<Run> PgTrackingStore::DoCreateRun(const CreateRunRequest& request) {
  const std::string run_id = NewRunId();
  Run created;
  int64_t created_pk = 0;
  ORCHARD_RETURN_IF_ERROR(Write([&](PgConnection& db) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(Experiment experiment,
                             LoadActiveExperiment(db, request.experiment_id));
    ORCHARD_ASSIGN_OR_RETURN(
        PgResult inserted,
        db.Query(fmt::format("INSERT INTO runs AS r (run_uuid, experiment_id, name, user_id, "
                             "status, start_time, lifecycle_stage, artifact_uri) VALUES (?, ?, ?, "
                             "?, 'RUNNING', ?, 'active', ?) RETURNING {}",
                             kRunColumns),
                 {run_id, ExperimentNumber(request.experiment_id), request.run_name,
                  request.user_id, *request.start_time,
                  fmt::format("{}/{}/artifacts", experiment.artifact_location, run_id)}));
    RunRow row;
    ReadRunColumns(inserted, 0, row.run_pk, row.info);
    std::vector<Tag> tags = LastPerKey(request.tags);
    std::vector<std::string> keys, values;
    for (const Tag& tag : tags) {
      keys.push_back(tag.key);
      values.push_back(tag.value);
    }
    if (!tags.empty()) {
      ORCHARD_RETURN_IF_ERROR(
          db.Query("INSERT INTO tags (run_pk, key, value) SELECT ?, unnest(?::text[]), "
                   "unnest(?::text[])",
                   {row.run_pk, PgArray(keys), PgArray(values)})
              .status());
    }
    created.info = row.info;
    created.data.tags = std::move(tags);
    created_pk = row.run_pk;
    return Status::Ok();
  }));
  // Only a hint for the planner: a failure to refresh it is no failure of the run.
  if (runs_created_.fetch_add(1) % kRunsBetweenStatisticsChecks == 0) {
    (void)RefreshStatisticsIfGrown(created_pk);
  }
  return created;
}

Status PgTrackingStore::RefreshStatisticsIfGrown(int64_t newest_run_pk) {
  // Small stores plan well enough without statistics.
  constexpr int64_t kMinRunsForStatistics = 1000;
  if (newest_run_pk < kMinRunsForStatistics) return Status::Ok();
  ORCHARD_ASSIGN_OR_RETURN(PgPool::Lease lease, pool_->Acquire());
  // reltuples: the run count when the table was last analysed, by any server or autovacuum
  // (-1 when never).
  ORCHARD_ASSIGN_OR_RETURN(PgResult analysed,
                           lease->Query("SELECT reltuples FROM pg_class WHERE oid = "
                                        "'runs'::regclass"));
  const double known = analysed.rows() > 0 ? analysed.Double(0, 0) : -1;
  if (static_cast<double>(newest_run_pk) < 2 * std::max(known, 0.0)) return Status::Ok();
  // A store that grew fast (a bulk import, a big search) can outrun autovacuum; with statistics
  // from a tenth of the rows, PostgreSQL plans a metric-ordered search as a scan of them all
  // (145 ms instead of 2 ms at 100,000 runs). ANALYZE samples: tens of milliseconds.
  return lease->Exec("ANALYZE runs, latest_metrics, params, tags");
}

StatusOr<RunInfo> PgTrackingStore::DoUpdateRun(const UpdateRunRequest& request) {
  RunInfo info;
  ORCHARD_RETURN_IF_ERROR(Write([&](PgConnection& db) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(RunRow row, LoadActiveRunRow(db, request.run_id, /*lock=*/true));
    info = row.info;
    if (request.status) info.status = *request.status;
    if (request.end_time) info.end_time = *request.end_time;
    if (request.run_name && !request.run_name->empty()) info.run_name = *request.run_name;
    SqlArg end_time = info.end_time ? SqlArg(*info.end_time) : SqlArg();
    ORCHARD_RETURN_IF_ERROR(
        db.Query("UPDATE runs SET status = ?, end_time = ?, name = ? WHERE run_pk = ?",
                 {std::string(RunStatusName(info.status)), end_time, info.run_name, row.run_pk})
            .status());
    if (info.run_name != row.info.run_name) {
      ORCHARD_RETURN_IF_ERROR(
          db.Query("INSERT INTO tags (run_pk, key, value) VALUES (?, ?, ?) ON CONFLICT (run_pk, "
                   "key) DO UPDATE SET value = excluded.value",
                   {row.run_pk, std::string(kTagRunName), info.run_name})
              .status());
    }
    return Status::Ok();
  }));
  return info;
}

StatusOr<Run> PgTrackingStore::DoGetRun(const std::string& run_id) {
  std::vector<Run> runs;
  ORCHARD_RETURN_IF_ERROR(Read([&](PgConnection& db) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(RunRow row, LoadRunRow(db, run_id));
    ORCHARD_ASSIGN_OR_RETURN(runs, LoadRuns(db, {std::move(row)}));
    return Status::Ok();
  }));
  return std::move(runs.front());
}

Status PgTrackingStore::DoSetRunLifecycle(const std::string& run_id, LifecycleStage stage) {
  return Write([&](PgConnection& db) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(RunRow row, LoadRunRow(db, run_id, /*lock=*/true));
    if (stage == LifecycleStage::kActive) {
      ORCHARD_ASSIGN_OR_RETURN(Experiment experiment,
                               LoadExperimentById(db, row.info.experiment_id));
      if (experiment.lifecycle_stage != LifecycleStage::kActive) {
        return RunInDeletedExperiment(run_id, row.info.experiment_id);
      }
    }
    const std::string name(LifecycleStageName(stage));
    if (stage == LifecycleStage::kDeleted) {
      return db
          .Query("UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE run_pk = ?",
                 {name, NowMillis(), row.run_pk})
          .status();
    }
    return db
        .Query("UPDATE runs SET lifecycle_stage = ?, deleted_time = NULL WHERE run_pk = ?",
               {name, row.run_pk})
        .status();
  });
}

StatusOr<RunPage> PgTrackingStore::DoSearchRuns(const SearchRunsRequest& request) {
  ORCHARD_ASSIGN_OR_RETURN(PageToken token, DecodePageToken(request.page_token));
  const int64_t offset = token.offset;
  RunPage page;
  if (request.experiment_ids.empty()) return page;
  const bool metric_first =
      !request.order_by.empty() && request.order_by[0].entity == FilterEntity::kMetric;
  // Checked before any query: a bad filter or order key is the caller's error, not a retry.
  ORCHARD_RETURN_IF_ERROR(RunFilterSql(request.filter).status());
  ORCHARD_RETURN_IF_ERROR(RunOrderBySql(request.order_by, metric_first).status());
  std::vector<std::string> metric_names;
  CollectMetricNames(request.filter, metric_names);
  for (const OrderBy& key : request.order_by) {
    if (key.entity == FilterEntity::kMetric) metric_names.push_back(key.key);
  }
  std::vector<int64_t> experiments;
  for (const std::string& id : request.experiment_ids) experiments.push_back(ExperimentNumber(id));
  // Rows needed: the page plus one more, to know whether another page exists.
  const int64_t wanted = offset + request.max_results + 1;
  ORCHARD_RETURN_IF_ERROR(Read([&](PgConnection& db) -> Status {
    page = {};
    // Later pages see only the runs the first page could see (run_pk grows with every new
    // run), so runs created while a client pages do not shift its pages.
    std::optional<int64_t> max_run = token.max_run;
    if (!max_run) {
      ORCHARD_ASSIGN_OR_RETURN(PgResult newest, db.Query("SELECT max(run_pk) FROM runs"));
      max_run = newest.IsNull(0, 0) ? 0 : newest.Int(0, 0);
    }
    // Metric names become their ids before the SQL is written: PostgreSQL estimates how many
    // rows a key_id has from its statistics only when it sees the value, and one metric of many
    // (the searched one) usually has most rows: planned blind, a metric-ordered search over
    // 100,000 runs scanned them all (46 ms at 30,000 runs) instead of walking the index (2 ms).
    std::unordered_map<std::string, int64_t> key_ids;
    if (!metric_names.empty()) {
      ORCHARD_ASSIGN_OR_RETURN(
          PgResult known, db.Query("SELECT key, key_id FROM metric_keys WHERE key = ANY(?::text[])",
                                   {PgArray(metric_names)}));
      for (int i = 0; i < known.rows(); ++i) key_ids[known.Text(i, 0)] = known.Int(i, 1);
    }
    const MetricKeyResolver resolve = [&](const std::string& key) -> int64_t {
      auto it = key_ids.find(key);
      return it == key_ids.end() ? -1 : it->second;
    };
    ORCHARD_ASSIGN_OR_RETURN(SqlFragment filter,
                             RunFilterSql(request.filter, FilterForm::kDriving, &resolve));
    ORCHARD_ASSIGN_OR_RETURN(RunOrderSql order,
                             RunOrderBySql(request.order_by, metric_first, &resolve));
    SqlFragment conditions{" AND r.experiment_id = ANY(?::bigint[])" +
                               LifecycleCondition(request.view_type, "r.lifecycle_stage") +
                               " AND r.run_pk <= ?",
                           {PgArray(experiments), *max_run}};
    conditions.Append(filter);
    std::vector<RunRow> rows;
    auto collect = [&](SqlFragment query, int64_t limit, int64_t skip) -> Status {
      query.sql += " LIMIT ? OFFSET ?";
      query.args.emplace_back(limit);
      query.args.emplace_back(skip);
      ORCHARD_ASSIGN_OR_RETURN(PgResult found, db.QueryOnce(query.sql, query.args));
      for (int i = 0; i < found.rows(); ++i) {
        RunRow& row = rows.emplace_back();
        ReadRunColumns(found, i, row.run_pk, row.info);
      }
      return Status::Ok();
    };
    if (!metric_first) {
      SqlFragment query{fmt::format("SELECT {} FROM runs r", kRunColumns), {}};
      query.Append(order.joins);
      query.sql += " WHERE TRUE";
      query.Append(conditions);
      query.sql += " ORDER BY " + order.terms.sql;
      ORCHARD_RETURN_IF_ERROR(collect(query, request.max_results + 1, offset));
    } else {
      // Ordered by a metric: the runs with a number for it come first, in value order, straight
      // from the (key_id, value) index, which the database can walk and stop at the limit
      // (ties sorted by the other keys as they come); then the runs where it is NaN, then those
      // without it (MLflow's order). Both parts start at row 0; earlier pages are dropped below.
      const OrderBy& first = request.order_by[0];
      const int64_t first_key_id = resolve(first.key);
      SqlFragment numeric{
          fmt::format("SELECT {} FROM latest_metrics o0 JOIN runs r ON r.run_pk = o0.run_pk",
                      kRunColumns),
          {}};
      numeric.Append(order.joins);
      numeric.sql += " WHERE o0.key_id = ? AND o0.value IS NOT NULL";
      numeric.args.emplace_back(first_key_id);
      numeric.Append(conditions);
      numeric.sql += fmt::format(" ORDER BY o0.value {}, {}", first.ascending ? "ASC" : "DESC",
                                 order.terms.sql);
      ORCHARD_RETURN_IF_ERROR(collect(numeric, wanted, 0));
      const int64_t found = static_cast<int64_t>(rows.size());
      if (found < wanted) {
        SqlFragment rest{fmt::format("SELECT {} FROM runs r LEFT JOIN latest_metrics o0 ON "
                                     "o0.run_pk = r.run_pk AND o0.key_id = ?",
                                     kRunColumns),
                         {first_key_id}};
        rest.Append(order.joins);
        rest.sql += " WHERE o0.value IS NULL";
        rest.Append(conditions);
        rest.sql += " ORDER BY (o0.run_pk IS NULL), " + order.terms.sql;
        ORCHARD_RETURN_IF_ERROR(collect(rest, wanted - found, 0));
      }
      rows.erase(rows.begin(), rows.begin() + std::min<int64_t>(offset, rows.size()));
    }
    if (rows.size() > static_cast<size_t>(request.max_results)) {
      rows.resize(request.max_results);
      page.next_page_token =
          EncodePageToken({.offset = offset + request.max_results, .max_run = max_run});
    }
    ORCHARD_ASSIGN_OR_RETURN(page.runs, LoadRuns(db, std::move(rows)));
    return Status::Ok();
  }));
  return page;
}

// ---------------------------------------------------------------------------------------------
// Run data

Status PgTrackingStore::MetricKeyIds(const std::vector<Metric>& metrics,
                                     std::vector<int64_t>& ids) {
  ids.assign(metrics.size(), 0);
  std::vector<std::string> missing;
  {
    std::lock_guard lock(metric_keys_mutex_);
    for (size_t i = 0; i < metrics.size(); ++i) {
      auto it = metric_key_ids_.find(metrics[i].key);
      if (it != metric_key_ids_.end()) {
        ids[i] = it->second;
      } else if (std::find(missing.begin(), missing.end(), metrics[i].key) == missing.end()) {
        missing.push_back(metrics[i].key);
      }
    }
  }
  if (missing.empty()) return Status::Ok();
  // In one order everywhere, so that two servers adding the same new names cannot deadlock.
  // Each statement commits on its own (no transaction is open): another server's insert of the
  // same name is waited for by ON CONFLICT, and the ids are read by a second statement, whose
  // snapshot includes it.
  std::sort(missing.begin(), missing.end());
  ORCHARD_ASSIGN_OR_RETURN(PgPool::Lease lease, pool_->Acquire());
  PgConnection& db = *lease;
  ORCHARD_RETURN_IF_ERROR(
      db.Query("INSERT INTO metric_keys (key) SELECT unnest(?::text[]) ON CONFLICT DO NOTHING",
               {PgArray(missing)})
          .status());
  ORCHARD_ASSIGN_OR_RETURN(
      PgResult found, db.Query("SELECT key, key_id FROM metric_keys WHERE key = ANY(?::text[])",
                               {PgArray(missing)}));
  std::lock_guard lock(metric_keys_mutex_);
  for (int i = 0; i < found.rows(); ++i) metric_key_ids_[found.Text(i, 0)] = found.Int(i, 1);
  for (size_t i = 0; i < metrics.size(); ++i) {
    if (ids[i] != 0) continue;
    auto it = metric_key_ids_.find(metrics[i].key);
    if (it == metric_key_ids_.end()) return Status::Internal("metric name vanished after insert");
    ids[i] = it->second;
  }
  return Status::Ok();
}

StatusOr<std::set<std::string>> PgTrackingStore::WriteMetrics(
    PgConnection& db, const std::vector<MetricWrite*>& writes) {
  // History rows as they come; the newest point per (run, metric) picked here, so that
  // latest_metrics gets one row each (sorted: concurrent writers lock rows in one order).
  std::vector<std::string> runs, latest_runs;
  std::vector<int64_t> keys, steps, timestamps, nan_flags;
  std::vector<double> values;
  std::map<std::pair<std::string, int64_t>, const Metric*> newest;
  for (const MetricWrite* write : writes) {
    for (size_t i = 0; i < write->metrics.size(); ++i) {
      const Metric& m = write->metrics[i];
      auto [it, inserted] = newest.try_emplace({write->run_id, write->key_ids[i]}, &m);
      if (!inserted && IsNewerMetric(m, *it->second)) it->second = &m;
      const bool is_nan = std::isnan(m.value);
      runs.push_back(write->run_id);
      keys.push_back(write->key_ids[i]);
      steps.push_back(m.step);
      timestamps.push_back(m.timestamp);
      nan_flags.push_back(is_nan);
      values.push_back(is_nan ? 0.0 : m.value);
    }
  }
  std::vector<int64_t> latest_keys, latest_steps, latest_timestamps, latest_nan;
  std::vector<std::optional<double>> latest_values;  // NaN is NULL there
  for (const auto& [run_and_key, m] : newest) {
    const bool is_nan = std::isnan(m->value);
    latest_runs.push_back(run_and_key.first);
    latest_keys.push_back(run_and_key.second);
    latest_steps.push_back(m->step);
    latest_timestamps.push_back(m->timestamp);
    latest_nan.push_back(is_nan);
    latest_values.push_back(is_nan ? std::nullopt : std::optional<double>(m->value));
  }
  std::vector<std::string> run_ids;
  for (const MetricWrite* write : writes) run_ids.push_back(write->run_id);
  // The runs' checks, their history and their latest values in one statement: one round trip
  // for any number of points and requests, and outside a transaction one commit.
  ORCHARD_ASSIGN_OR_RETURN(
      PgResult active,
      db.Query(
          std::string(
              "WITH run AS (SELECT run_pk, run_uuid FROM runs WHERE run_uuid = ANY(?::text[]) "
              "AND lifecycle_stage = 'active'), history AS (INSERT INTO metrics (run_pk, key_id, "
              "step, timestamp, is_nan, value) SELECT run.run_pk, p.key_id, p.step, "
              "p.timestamp, p.is_nan, p.value FROM unnest(?::text[], ?::bigint[], ?::bigint[], "
              "?::bigint[], ?::bigint[], ?::float8[]) AS p (run_uuid, key_id, step, timestamp, "
              "is_nan, value), run WHERE run.run_uuid = p.run_uuid ON CONFLICT DO NOTHING), "
              "latest AS (INSERT INTO latest_metrics (run_pk, key_id, step, timestamp, value, "
              "is_nan) SELECT run.run_pk, l.key_id, l.step, l.timestamp, l.value, l.is_nan FROM "
              "unnest(?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::float8[], "
              "?::bigint[]) AS l (run_uuid, key_id, step, timestamp, value, is_nan), run WHERE "
              "run.run_uuid = l.run_uuid") +
              kUpsertLatestConflictSql + ") SELECT run_uuid FROM run",
          {PgArray(run_ids), PgArray(runs), PgArray(keys), PgArray(steps), PgArray(timestamps),
           PgArray(nan_flags), PgArray(values), PgArray(latest_runs), PgArray(latest_keys),
           PgArray(latest_steps), PgArray(latest_timestamps), PgArray(latest_values),
           PgArray(latest_nan)}));
  std::set<std::string> written;
  for (int i = 0; i < active.rows(); ++i) written.insert(active.Text(i, 0));
  return written;
}

void PgTrackingStore::CommitMetricWrites(const std::vector<MetricWrite*>& group) {
  auto fail = [&](const Status& status) {
    for (MetricWrite* write : group) write->result = status;
  };
  StatusOr<PgPool::Lease> lease = pool_->Acquire();
  if (!lease.ok()) return fail(lease.status());
  PgConnection& db = **lease;
  // A deadlock with another server's writes to the same rows undoes the statement: run it again.
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    StatusOr<std::set<std::string>> written = WriteMetrics(db, group);
    if (written.ok()) {
      for (MetricWrite* write : group) write->run_active = written->contains(write->run_id);
      return;
    }
    const bool retry = db.last_sqlstate() == "40P01" || db.last_sqlstate() == "40001";
    if (!retry || attempt == kAttempts) return fail(written.status());
  }
}

Status PgTrackingStore::DoLogBatch(const std::string& run_id, const std::vector<Metric>& metrics,
                                   const std::vector<Param>& params, const std::vector<Tag>& tags) {
  // Metric names are made before the batch's transaction: a name is only a name, so one left
  // by a batch that then fails harms nothing, and its id can be cached at once.
  std::vector<int64_t> key_ids;
  if (!metrics.empty()) ORCHARD_RETURN_IF_ERROR(MetricKeyIds(metrics, key_ids));
  MetricWrite mine{run_id, metrics, std::move(key_ids)};
  if (params.empty() && tags.empty()) {
    // log-metric and metric-only batches, the hot path: concurrent requests share one
    // statement, which commits by itself (group_commit.h). No connection is held while
    // waiting: the group's leader takes one.
    ORCHARD_RETURN_IF_ERROR(metric_writes_.Submit(
        mine, [this](const std::vector<MetricWrite*>& group) { CommitMetricWrites(group); }));
    if (mine.run_active) return Status::Ok();
    // No active run of that id: say which it is (missing, or deleted).
    ORCHARD_RETURN_IF_ERROR(
        Read([&](PgConnection& db) { return LoadActiveRunRow(db, run_id).status(); }));
    return RunNotActive(run_id);
  }
  return Write([&](PgConnection& db) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(RunRow row, LoadActiveRunRow(db, run_id));
    const int64_t run_pk = row.run_pk;
    if (!params.empty()) {
      // Sorted by key: concurrent batches lock rows in one order.
      std::vector<const Param*> sorted;
      for (const Param& param : params) sorted.push_back(&param);
      std::sort(sorted.begin(), sorted.end(),
                [](const Param* a, const Param* b) { return a->key < b->key; });
      std::vector<std::string> keys, values;
      for (const Param* param : sorted) {
        keys.push_back(param->key);
        values.push_back(param->value);
      }
      // New keys go in; a key logged before (here or by another server, whose insert this one
      // waits for) must have the same value.
      ORCHARD_ASSIGN_OR_RETURN(
          PgResult conflicts,
          db.Query("WITH batch (key, value) AS (SELECT unnest(?::text[]), unnest(?::text[])), "
                   "added AS (INSERT INTO params (run_pk, key, value) SELECT ?, key, value FROM "
                   "batch ON CONFLICT DO NOTHING RETURNING key) SELECT b.key, b.value FROM batch "
                   "b WHERE b.key NOT IN (SELECT key FROM added)",
                   {PgArray(keys), PgArray(values), run_pk}));
      for (int i = 0; i < conflicts.rows(); ++i) {
        std::string key = conflicts.Text(i, 0);
        std::string value = conflicts.Text(i, 1);
        ORCHARD_ASSIGN_OR_RETURN(
            PgResult existing,
            db.Query("SELECT value FROM params WHERE run_pk = ? AND key = ?", {run_pk, key}));
        std::string old_value = existing.rows() > 0 ? existing.Text(0, 0) : std::string();
        if (old_value != value) return ParamChanged(key, old_value, run_id, value);
      }
    }
    if (!tags.empty()) {
      std::vector<std::string> keys, values;
      std::optional<std::string> new_name;
      for (const Tag& tag : LastPerKey(tags)) {
        keys.push_back(tag.key);
        values.push_back(tag.value);
        if (tag.key == kTagRunName) new_name = tag.value;
      }
      ORCHARD_RETURN_IF_ERROR(
          db.Query("INSERT INTO tags (run_pk, key, value) SELECT ?, unnest(?::text[]), "
                   "unnest(?::text[]) ON CONFLICT (run_pk, key) DO UPDATE SET value = "
                   "excluded.value",
                   {run_pk, PgArray(keys), PgArray(values)})
              .status());
      if (new_name) {
        // The run's name and its mlflow.runName tag stay equal, as in MLflow.
        ORCHARD_RETURN_IF_ERROR(
            db.Query("UPDATE runs SET name = ? WHERE run_pk = ?", {*new_name, run_pk}).status());
      }
    }
    if (metrics.empty()) return Status::Ok();
    return WriteMetrics(db, {&mine}).status();
  });
}

Status PgTrackingStore::DoLogInputs(const std::string& run_id,
                                    const std::vector<DatasetInput>& inputs) {
  return Write([&](PgConnection& db) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(RunRow row, LoadActiveRunRow(db, run_id));
    const int64_t experiment = ExperimentNumber(row.info.experiment_id);
    for (const DatasetInput& input : inputs) {
      const Dataset& d = input.dataset;
      ORCHARD_RETURN_IF_ERROR(
          db.Query("INSERT INTO datasets (experiment_id, name, digest, source_type, source, "
                   "schema, profile) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                   {experiment, d.name, d.digest, d.source_type, d.source, d.schema, d.profile})
              .status());
      ORCHARD_ASSIGN_OR_RETURN(
          PgResult dataset,
          db.Query("SELECT dataset_pk FROM datasets WHERE experiment_id = ? AND name = ? AND "
                   "digest = ?",
                   {experiment, d.name, d.digest}));
      if (dataset.rows() == 0) return Status::Internal("dataset vanished after insert");
      const int64_t dataset_pk = dataset.Int(0, 0);
      ORCHARD_RETURN_IF_ERROR(db.Query("INSERT INTO inputs (run_pk, dataset_pk) VALUES (?, ?) ON "
                                       "CONFLICT DO NOTHING",
                                       {row.run_pk, dataset_pk})
                                  .status());
      for (const Tag& tag : LastPerKey(input.tags)) {
        ORCHARD_RETURN_IF_ERROR(
            db.Query("INSERT INTO input_tags (run_pk, dataset_pk, key, value) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT (run_pk, dataset_pk, key) DO UPDATE SET value = excluded.value",
                     {row.run_pk, dataset_pk, tag.key, tag.value})
                .status());
      }
    }
    return Status::Ok();
  });
}

Status PgTrackingStore::DoDeleteTag(const std::string& run_id, const std::string& key) {
  return Write([&](PgConnection& db) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(RunRow row, LoadActiveRunRow(db, run_id));
    ORCHARD_ASSIGN_OR_RETURN(
        PgResult removed,
        db.Query("DELETE FROM tags WHERE run_pk = ? AND key = ?", {row.run_pk, key}));
    if (removed.affected() == 0) {
      return TagNotFound(key, run_id);
    }
    return Status::Ok();
  });
}

Status PgTrackingStore::DoLogModel(const std::string& run_id, const std::string& compact_model) {
  return Write([&](PgConnection& db) -> Status {
    // The run's row lock serialises concurrent log-model calls on one run, on any server, so
    // each keeps its entry.
    ORCHARD_ASSIGN_OR_RETURN(RunRow row, LoadActiveRunRow(db, run_id, /*lock=*/true));
    ORCHARD_ASSIGN_OR_RETURN(PgResult found,
                             db.Query("SELECT value FROM tags WHERE run_pk = ? AND key = ?",
                                      {row.run_pk, std::string(kTagLogModelHistory)}));
    std::string history = found.rows() > 0 ? found.Text(0, 0) : "";
    ORCHARD_ASSIGN_OR_RETURN(std::string updated, AppendToModelHistory(history, compact_model));
    return db
        .Query(
            "INSERT INTO tags (run_pk, key, value) VALUES (?, ?, ?) ON CONFLICT (run_pk, key) "
            "DO UPDATE SET value = excluded.value",
            {row.run_pk, std::string(kTagLogModelHistory), updated})
        .status();
  });
}

StatusOr<std::vector<int64_t>> PgTrackingStore::DoGetMetricSteps(const std::string& run_id,
                                                                 const std::string& key) {
  std::vector<int64_t> steps;
  ORCHARD_RETURN_IF_ERROR(Read([&](PgConnection& db) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(RunRow row, LoadRunRow(db, run_id));
    ORCHARD_ASSIGN_OR_RETURN(
        PgResult found,
        db.Query("SELECT DISTINCT step FROM metrics WHERE run_pk = ? AND key_id = (SELECT key_id "
                 "FROM metric_keys WHERE key = ?) ORDER BY step",
                 {row.run_pk, key}));
    steps.clear();
    for (int i = 0; i < found.rows(); ++i) steps.push_back(found.Int(i, 0));
    return Status::Ok();
  }));
  return steps;
}

StatusOr<std::vector<Metric>> PgTrackingStore::DoGetMetricHistoryAtSteps(
    const std::string& run_id, const std::string& key, const std::vector<int64_t>& steps) {
  return ReadHistory(run_id, key, &steps);
}

StatusOr<std::vector<Metric>> PgTrackingStore::DoGetMetricHistory(const std::string& run_id,
                                                                  const std::string& key) {
  return ReadHistory(run_id, key, nullptr);
}

StatusOr<std::vector<Metric>> PgTrackingStore::ReadHistory(const std::string& run_id,
                                                           const std::string& key,
                                                           const std::vector<int64_t>* steps) {
  std::vector<Metric> history;
  ORCHARD_RETURN_IF_ERROR(Read([&](PgConnection& db) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(RunRow row, LoadRunRow(db, run_id));
    std::vector<SqlArg> args = {row.run_pk, key};
    if (steps != nullptr) args.emplace_back(PgArray(*steps));
    ORCHARD_ASSIGN_OR_RETURN(
        PgResult found,
        db.Query(fmt::format("SELECT step, timestamp, value, is_nan FROM metrics WHERE run_pk = ? "
                             "AND key_id = (SELECT key_id FROM metric_keys WHERE key = ?){} ORDER "
                             "BY step, timestamp, is_nan, value",
                             steps != nullptr ? " AND step = ANY(?::bigint[])" : ""),
                 args));
    history.clear();
    for (int i = 0; i < found.rows(); ++i) history.push_back(ReadMetric(found, i, 0, key));
    return Status::Ok();
  }));
  return history;
}

}  // namespace orchard
