// SqliteTrackingStore: the embedded tracking store, one SQLite file (MLflow's sqlite:/// store).
//
// Schema (sqlite_tracking_schema.cc): integer keys for runs and metric names so that metric
// writes and searches touch narrow rows; a latest_metrics table kept current on every write
// (MLflow's latest-value rule) and indexed by (metric, value) for ordering searches.
//
// Thread-safe: one write connection and one read connection, each behind its own mutex, so
// reads do not queue behind writes. Several processes may open the same file at once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "db/sqlite_connection.h"
#include "store/tracking/group_commit.h"
#include "store/tracking/search_sql.h"
#include "store/tracking/tracking_store.h"

namespace orchard {

class SqliteTrackingStore : public TrackingStore {
 public:
  // Opens or creates the database at `db_path`, applying migrations. New experiments without an
  // artifact location get "<default_artifact_root>/<experiment id>".
  // `durability`: what a commit survives (db/durability.h).
  static StatusOr<std::unique_ptr<SqliteTrackingStore>> Open(
      const std::string& db_path, const std::string& default_artifact_root,
      Durability durability = Durability::kDefault);

 protected:
  StatusOr<std::string> DoCreateExperiment(const CreateExperimentRequest& request) override;
  StatusOr<Experiment> DoGetExperiment(const std::string& experiment_id) override;
  StatusOr<Experiment> DoGetExperimentByName(const std::string& name) override;
  StatusOr<ExperimentPage> DoSearchExperiments(const SearchExperimentsRequest& request) override;
  Status DoRenameExperiment(const std::string& experiment_id, const std::string& new_name) override;
  Status DoSetExperimentLifecycle(const std::string& experiment_id, LifecycleStage stage) override;
  Status DoSetExperimentTag(const std::string& experiment_id, const Tag& tag) override;
  StatusOr<Run> DoCreateRun(const CreateRunRequest& request) override;
  StatusOr<RunInfo> DoUpdateRun(const UpdateRunRequest& request) override;
  StatusOr<Run> DoGetRun(const std::string& run_id) override;
  Status DoSetRunLifecycle(const std::string& run_id, LifecycleStage stage) override;
  StatusOr<RunPage> DoSearchRuns(const SearchRunsRequest& request) override;
  Status DoLogBatch(const std::string& run_id, const std::vector<Metric>& metrics,
                    const std::vector<Param>& params, const std::vector<Tag>& tags) override;
  Status DoDeleteTag(const std::string& run_id, const std::string& key) override;
  Status DoLogModel(const std::string& run_id, const std::string& compact_model) override;
  Status DoLogInputs(const std::string& run_id, const std::vector<DatasetInput>& inputs) override;
  StatusOr<std::vector<int64_t>> DoGetMetricSteps(const std::string& run_id,
                                                  const std::string& key) override;
  StatusOr<std::vector<Metric>> DoGetMetricHistoryAtSteps(
      const std::string& run_id, const std::string& key,
      const std::vector<int64_t>& steps) override;
  StatusOr<std::vector<Metric>> DoGetMetricHistory(const std::string& run_id,
                                                   const std::string& key) override;

 private:
  // One log-batch waiting for the group commit (see DoLogBatch).
  struct PendingBatch {
    const std::string& run_id;
    const std::vector<Metric>& metrics;
    const std::vector<Param>& params;
    const std::vector<Tag>& tags;
    Status result;
  };
  // Writes the group in one transaction, setting each request's result.
  void CommitGroup(const std::vector<PendingBatch*>& group);
  // One request's writes, inside the caller's transaction (writer_mutex_ held).
  Status LogBatchLocked(const PendingBatch& batch);

  struct RunRow {
    int64_t run_pk = 0;
    RunInfo info;
  };

  SqliteTrackingStore(std::unique_ptr<SqliteConnection> writer,
                      std::unique_ptr<SqliteConnection> reader, std::string default_artifact_root)
      : writer_(std::move(writer)),
        reader_(std::move(reader)),
        default_artifact_root_(std::move(default_artifact_root)) {}

  // Helpers taking the connection to use; the caller holds its mutex.
  StatusOr<Experiment> LoadExperiment(SqliteConnection& db, const std::string& where_sql,
                                      const std::string& arg, const std::string& not_found);
  // By id: RESOURCE_DOES_NOT_EXIST when missing; the Active variant also refuses a deleted one.
  StatusOr<Experiment> LoadExperimentById(SqliteConnection& db, const std::string& experiment_id);
  StatusOr<Experiment> LoadActiveExperiment(SqliteConnection& db, const std::string& experiment_id);
  StatusOr<RunRow> LoadRunRow(SqliteConnection& db, const std::string& run_id);
  // The run's row, or INVALID_PARAMETER_VALUE when it is deleted (writes need an active run).
  StatusOr<RunRow> LoadActiveRunRow(SqliteConnection& db, const std::string& run_id);
  // The first `wanted` runs (at least; ties with the last are kept) that have a number for
  // metric `key`, best first, ties by start_time DESC then run id. `where` and `probing_where`
  // are the search's WHERE clause in driving and probing form (FilterForm).
  StatusOr<std::vector<RunRow>> RankByMetric(SqliteConnection& db, const SqlFragment& where,
                                             const SqlFragment& probing_where,
                                             const std::string& key, bool ascending,
                                             int64_t wanted);
  // The dataset inputs of the runs whose run_pks are the JSON array `ids`.
  Status LoadInputs(SqliteConnection& db, const std::string& ids,
                    const std::unordered_map<int64_t, size_t>& index_of, std::vector<Run>& runs);
  // Metrics, params and tags of the runs, in the order of `rows`.
  StatusOr<std::vector<Run>> LoadRuns(SqliteConnection& db, std::vector<RunRow> rows);
  // The id of metric name `key`, created when missing. Ids are permanent, so they are cached; a
  // new id enters the cache only after its transaction commits (see pending_metric_keys_).
  StatusOr<int64_t> MetricKeyId(const std::string& key);
  Status SetExperimentLifecycleLocked(int64_t experiment_id, LifecycleStage stage);
  // Gives SQLite's planner fresh table statistics (a sampled ANALYZE, milliseconds) when the
  // runs table has grown past twice the size last analysed, so that searches start from the
  // more selective index (one parent's children vs. the metric order). Caller holds the writer.
  Status RefreshStatisticsIfGrown(int64_t run_count);

  std::mutex writer_mutex_;
  std::unique_ptr<SqliteConnection> writer_;
  std::mutex reader_mutex_;
  std::unique_ptr<SqliteConnection> reader_;
  const std::string default_artifact_root_;
  // Guarded by writer_mutex_.
  std::unordered_map<std::string, int64_t> metric_key_ids_;
  std::unordered_map<std::string, int64_t> pending_metric_keys_;
  std::vector<std::string> added_metric_keys_;  // names created by the current request
  GroupCommit<PendingBatch> group_commit_;
  // Runs in the table when statistics were last gathered (guarded by writer_mutex_).
  int64_t analyzed_runs_ = -1;
  // Bumped after each ANALYZE; the reader reloads statistics when it lags (another connection
  // only sees new statistics after "ANALYZE sqlite_schema"). reader_statistics_ is guarded by
  // reader_mutex_.
  std::atomic<int64_t> statistics_generation_{0};
  int64_t reader_statistics_ = 0;
};

}  // namespace orchard
