#include "client/client.h"

#include <fmt/format.h>

#include "base/clock.h"
#include "base/system_info.h"
#include "client/http_artifact_repo.h"

namespace orchard {

StatusOr<std::string> Client::GetOrCreateExperimentId(const std::string& name) {
  StatusOr<Experiment> existing = store_->GetExperimentByName(name);
  if (existing.ok()) {
    if (existing->lifecycle_stage != LifecycleStage::kActive) {
      return Status::InvalidParameter(fmt::format(
          "Experiment '{}' is deleted; restore it (orchard experiments restore --experiment-id {}) "
          "or choose another name",
          name, existing->experiment_id));
    }
    return existing->experiment_id;
  }
  if (existing.status().code() != ErrorCode::kResourceDoesNotExist) return existing.status();
  StatusOr<std::string> created = store_->CreateExperiment({.name = name});
  // Another process may have created it between our look-up and our create.
  if (!created.ok() && created.status().code() == ErrorCode::kResourceAlreadyExists) {
    ORCHARD_ASSIGN_OR_RETURN(Experiment raced, store_->GetExperimentByName(name));
    return raced.experiment_id;
  }
  return created;
}

StatusOr<ActiveRun> Client::StartRun(const StartRunOptions& options) {
  if (!options.existing_run_id.empty()) {
    ORCHARD_ASSIGN_OR_RETURN(Run run, store_->GetRun(options.existing_run_id));
    if (run.info.lifecycle_stage != LifecycleStage::kActive) {
      return Status::InvalidParameter(
          fmt::format("Cannot attach to run {}: it is deleted", options.existing_run_id));
    }
    if (!options.experiment_id.empty() && options.experiment_id != run.info.experiment_id) {
      return Status::InvalidParameter(
          fmt::format("Run {} belongs to experiment {}, not to the requested experiment {}",
                      options.existing_run_id, run.info.experiment_id, options.experiment_id));
    }
    ORCHARD_ASSIGN_OR_RETURN(
        RunInfo info, store_->UpdateRun({.run_id = options.existing_run_id,
                                         .status = RunStatus::kRunning,
                                         .run_name = options.run_name.empty()
                                                         ? std::nullopt
                                                         : std::optional(options.run_name)}));
    if (!options.tags.empty()) {
      ORCHARD_RETURN_IF_ERROR(store_->LogBatch(info.run_id, {}, {}, options.tags));
    }
    return ActiveRun(store_, tracking_uri_, info);
  }
  if (!options.parent_run_id.empty()) {
    ORCHARD_ASSIGN_OR_RETURN(Run parent, store_->GetRun(options.parent_run_id));
    (void)parent;  // only its existence matters
  }
  CreateRunRequest request;
  request.experiment_id = options.experiment_id;
  request.run_name = options.run_name;
  request.user_id = options.user.empty() ? CurrentUserName() : options.user;
  request.start_time = NowMillis();
  request.tags = options.tags;
  auto add_default = [&](const char* key, const std::string& value) {
    if (value.empty()) return;
    for (const Tag& tag : request.tags) {
      if (tag.key == key) return;
    }
    request.tags.push_back({key, value});
  };
  add_default(kTagUser, request.user_id);
  add_default(kTagSourceName, options.source_name);
  add_default(kTagSourceType, options.source_type);
  add_default(kTagParentRunId, options.parent_run_id);
  ORCHARD_ASSIGN_OR_RETURN(Run run, store_->CreateRun(request));
  return ActiveRun(store_, tracking_uri_, run.info);
}

StatusOr<std::unique_ptr<ArtifactRepo>> Client::ArtifactsFor(const std::string& run_id) {
  ORCHARD_ASSIGN_OR_RETURN(Run run, store_->GetRun(run_id));
  return OpenArtifactRepoForRun(run.info.artifact_uri, tracking_uri_);
}

ActiveRun::ActiveRun(ActiveRun&& other) noexcept
    : store_(std::move(other.store_)),
      tracking_uri_(std::move(other.tracking_uri_)),
      run_id_(std::move(other.run_id_)),
      experiment_id_(std::move(other.experiment_id_)),
      artifact_uri_(std::move(other.artifact_uri_)),
      ended_(std::exchange(other.ended_, true)) {}

ActiveRun& ActiveRun::operator=(ActiveRun&& other) noexcept {
  if (this != &other) {
    if (!ended_ && store_) (void)End(RunStatus::kFailed);
    store_ = std::move(other.store_);
    tracking_uri_ = std::move(other.tracking_uri_);
    run_id_ = std::move(other.run_id_);
    experiment_id_ = std::move(other.experiment_id_);
    artifact_uri_ = std::move(other.artifact_uri_);
    ended_ = std::exchange(other.ended_, true);
  }
  return *this;
}

ActiveRun::~ActiveRun() {
  // A destructor cannot report an error; the run stays RUNNING only if the store is unreachable.
  if (!ended_ && store_) (void)End(RunStatus::kFailed);
}

Status ActiveRun::LogParam(const std::string& key, const std::string& value) {
  return store_->LogParam(run_id_, {key, value});
}

Status ActiveRun::LogMetric(const std::string& key, double value, int64_t step, int64_t timestamp) {
  return store_->LogMetric(run_id_, {key, value, timestamp < 0 ? NowMillis() : timestamp, step});
}

Status ActiveRun::LogBatch(std::vector<Metric> metrics, std::vector<Param> params,
                           std::vector<Tag> tags) {
  return store_->LogBatch(run_id_, std::move(metrics), std::move(params), std::move(tags));
}

Status ActiveRun::SetTag(const std::string& key, const std::string& value) {
  return store_->SetTag(run_id_, {key, value});
}

Status ActiveRun::LogArtifact(const std::string& local_file, const std::string& artifact_dir) {
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<ArtifactRepo> repo,
                           OpenArtifactRepoForRun(artifact_uri_, tracking_uri_));
  return repo->LogFile(local_file, artifact_dir);
}

Status ActiveRun::LogArtifacts(const std::string& local_dir, const std::string& artifact_dir) {
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<ArtifactRepo> repo,
                           OpenArtifactRepoForRun(artifact_uri_, tracking_uri_));
  return repo->LogDir(local_dir, artifact_dir);
}

Status ActiveRun::End(RunStatus status) {
  if (ended_) return Status::Ok();
  Status result =
      store_->UpdateRun({.run_id = run_id_, .status = status, .end_time = NowMillis()}).status();
  if (result.ok()) ended_ = true;
  return result;
}

}  // namespace orchard
