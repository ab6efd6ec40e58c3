// PgTrackingStore: the team tracking store, on PostgreSQL (MLflow's postgresql:// store).
//
// Tables and search SQL are the SQLite store's (pg_tracking_schema.cc, search_sql.h). Several
// `orchard server` processes may share one database: every write is one transaction whose
// statements lock the rows they change, so concurrent writers lose nothing, and each search reads
// one snapshot. A log-batch's params, tags and metrics go in as arrays (one statement each, its
// history and latest values together), so a batch costs a handful of round trips whatever its
// size.
//
// Thread-safe: requests take a connection from a pool (sized by the server's workers).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include "db/pg_connection.h"
#include "store/tracking/group_commit.h"
#include "store/tracking/tracking_store.h"

namespace orchard {

class PgTrackingStore : public TrackingStore {
 public:
  // Connects to `uri` (postgresql://...) with up to `connections` connections and applies
  // migrations. New experiments without an artifact location get
  // "<default_artifact_root>/<experiment id>".
  // `durability` sets each session's synchronous_commit (db/durability.h).
  static StatusOr<std::unique_ptr<PgTrackingStore>> Open(
      const std::string& uri, const std::string& default_artifact_root, int connections,
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
  struct RunRow {
    int64_t run_pk = 0;
    RunInfo info;
  };

  PgTrackingStore(std::unique_ptr<PgPool> pool, std::string default_artifact_root)
      : pool_(std::move(pool)), default_artifact_root_(std::move(default_artifact_root)) {}

  Status Write(const std::function<Status(PgConnection&)>& body);
  Status Read(const std::function<Status(PgConnection&)>& body);

  // By id: RESOURCE_DOES_NOT_EXIST when missing; the Active variant also refuses a deleted one.
  StatusOr<Experiment> LoadExperiment(PgConnection& db, const std::string& where_sql,
                                      const SqlArg& arg, const std::string& not_found);
  StatusOr<Experiment> LoadExperimentById(PgConnection& db, const std::string& experiment_id);
  StatusOr<Experiment> LoadActiveExperiment(PgConnection& db, const std::string& experiment_id);
  // `lock`: FOR UPDATE, so read-modify-write of the run is serialised across servers.
  StatusOr<RunRow> LoadRunRow(PgConnection& db, const std::string& run_id, bool lock = false);
  StatusOr<RunRow> LoadActiveRunRow(PgConnection& db, const std::string& run_id, bool lock = false);
  // Metrics, params, tags and inputs of the runs, in the order of `rows`.
  StatusOr<std::vector<Run>> LoadRuns(PgConnection& db, std::vector<RunRow> rows);
  // The ids of the metric names, created when missing (on a connection of its own, each
  // statement committing by itself). Ids are permanent, so they are cached.
  Status MetricKeyIds(const std::vector<Metric>& metrics, std::vector<int64_t>& ids);
  // A request's metric points, waiting for a shared commit.
  struct MetricWrite {
    const std::string& run_id;
    const std::vector<Metric>& metrics;
    std::vector<int64_t> key_ids;  // per point
    Status result;
    bool run_active = false;  // set by the commit: false means nothing was written
  };
  // Appends the writes' points to their runs' histories and updates their latest values, in
  // one statement; returns the ids of the runs that were active (the others got nothing).
  StatusOr<std::set<std::string>> WriteMetrics(PgConnection& db,
                                               const std::vector<MetricWrite*>& writes);
  // The group commit's leader: one statement for the group, retried after a deadlock.
  void CommitMetricWrites(const std::vector<MetricWrite*>& group);

  // The run's points of `key` in history order; only those at `steps` when given.
  StatusOr<std::vector<Metric>> ReadHistory(const std::string& run_id, const std::string& key,
                                            const std::vector<int64_t>* steps);

  std::unique_ptr<PgPool> pool_;
  const std::string default_artifact_root_;
  // Gives the planner fresh statistics when the runs table has grown past twice the size last
  // analysed (checked every kRunsBetweenStatisticsChecks runs this server creates).
  Status RefreshStatisticsIfGrown(int64_t newest_run_pk);
  static constexpr int64_t kRunsBetweenStatisticsChecks = 200;

  GroupCommit<MetricWrite> metric_writes_;
  std::atomic<int64_t> runs_created_{0};
  std::mutex metric_keys_mutex_;
  std::unordered_map<std::string, int64_t> metric_key_ids_;
};

}  // namespace orchard
