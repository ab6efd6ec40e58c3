// Client and ActiveRun: the C++ API the trainer, tuner and project runner log through.
//
// A Client wraps any TrackingStore (SQLite now; PostgreSQL and REST later) and opens artifact
// repositories for runs. ActiveRun is a handle on one run in progress: log to it, then End() it.
// A handle destroyed without End() (an exception, an early return) ends its run FAILED, so a
// crash of the caller's logic never leaves a run RUNNING forever. It never reads the
// environment: the CLI passes MLFLOW_RUN_ID and friends in through StartRunOptions.
//
// Thread safety: Client is thread-safe; an ActiveRun may be used from one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/artifact/artifact_repo.h"
#include "store/tracking/tracking_store.h"

namespace orchard {

struct StartRunOptions {
  std::string experiment_id;    // empty: the Default experiment "0"
  std::string run_name;         // empty: a random name
  std::string parent_run_id;    // set: a nested run, tagged mlflow.parentRunId
  std::string existing_run_id;  // set: attach to this run (as MLflow does for MLFLOW_RUN_ID)
  std::vector<Tag> tags;
  std::string user;                   // empty: the OS user
  std::string source_name;            // mlflow.source.name, e.g. the program or script
  std::string source_type = "LOCAL";  // mlflow.source.type
};

class ActiveRun;

class Client {
 public:
  // `tracking_uri` is where `store` lives; an http:// one also serves mlflow-artifacts:/ URIs.
  explicit Client(std::shared_ptr<TrackingStore> store, std::string tracking_uri = "")
      : store_(std::move(store)), tracking_uri_(std::move(tracking_uri)) {}

  TrackingStore& store() { return *store_; }
  const std::string& tracking_uri() const { return tracking_uri_; }

  // The id of experiment `name`, creating it when it does not exist (as `mlflow run
  // --experiment-name` does). INVALID_PARAMETER_VALUE when it exists but is deleted.
  StatusOr<std::string> GetOrCreateExperimentId(const std::string& name);

  // Creates a run (or attaches to options.existing_run_id, which must be active; it is set
  // RUNNING) and returns its handle. Sets mlflow.user, mlflow.source.name, mlflow.source.type,
  // mlflow.runName and, for nested runs, mlflow.parentRunId.
  StatusOr<ActiveRun> StartRun(const StartRunOptions& options);

  // The artifact repository rooted at the run's artifact URI (a folder, or the tracking
  // server's artifact proxy).
  StatusOr<std::unique_ptr<ArtifactRepo>> ArtifactsFor(const std::string& run_id);

 private:
  std::shared_ptr<TrackingStore> store_;
  std::string tracking_uri_;
};

class ActiveRun {
 public:
  ActiveRun(ActiveRun&& other) noexcept;
  ActiveRun& operator=(ActiveRun&& other) noexcept;
  ActiveRun(const ActiveRun&) = delete;
  ActiveRun& operator=(const ActiveRun&) = delete;
  // Ends the run FAILED when End() was not called.
  ~ActiveRun();

  const std::string& run_id() const { return run_id_; }
  const std::string& experiment_id() const { return experiment_id_; }
  const std::string& artifact_uri() const { return artifact_uri_; }

  Status LogParam(const std::string& key, const std::string& value);
  // timestamp < 0: now.
  Status LogMetric(const std::string& key, double value, int64_t step = 0, int64_t timestamp = -1);
  Status LogBatch(std::vector<Metric> metrics, std::vector<Param> params, std::vector<Tag> tags);
  Status SetTag(const std::string& key, const std::string& value);
  // Copies a local file (LogArtifact) or a folder's contents (LogArtifacts) under artifact_dir.
  Status LogArtifact(const std::string& local_file, const std::string& artifact_dir = "");
  Status LogArtifacts(const std::string& local_dir, const std::string& artifact_dir = "");

  // Sets the status and end time. Calling it again is a no-op returning OK.
  Status End(RunStatus status = RunStatus::kFinished);
  bool ended() const { return ended_; }
  // Leaves the run as it is (RUNNING) and stops this handle from ending it: for runs that span
  // processes, such as one `orchard runs create` followed by later `orchard runs end`.
  void Release() { ended_ = true; }

 private:
  friend class Client;
  ActiveRun(std::shared_ptr<TrackingStore> store, std::string tracking_uri, const RunInfo& info)
      : store_(std::move(store)),
        tracking_uri_(std::move(tracking_uri)),
        run_id_(info.run_id),
        experiment_id_(info.experiment_id),
        artifact_uri_(info.artifact_uri) {}

  std::shared_ptr<TrackingStore> store_;
  std::string tracking_uri_;
  std::string run_id_;
  std::string experiment_id_;
  std::string artifact_uri_;
  bool ended_ = false;
};

}  // namespace orchard
