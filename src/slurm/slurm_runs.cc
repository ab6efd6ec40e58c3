#include "slurm/slurm_runs.h"

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "base/clock.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

// The job's output files, by the names SubmitRunAsSlurmJob gives them.
std::string StdoutPath(const std::string& dir, const std::string& run_id) {
  return dir + "/" + run_id + ".out";
}
std::string StderrPath(const std::string& dir, const std::string& run_id) {
  return dir + "/" + run_id + ".err";
}

// Logs the job's stdout and stderr as the run's artifacts (slurm/stdout.txt, slurm/stderr.txt);
// a file the job never wrote is skipped.
Status LogJobOutput(Client& client, const std::string& run_id, const std::string& dir) {
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<ArtifactRepo> artifacts, client.ArtifactsFor(run_id));
  std::error_code ec;
  const fs::path staging = fs::path(dir) / (run_id + ".logged");
  fs::create_directories(staging, ec);
  for (const auto& [from, name] : {std::pair{StdoutPath(dir, run_id), "stdout.txt"},
                                   std::pair{StderrPath(dir, run_id), "stderr.txt"}}) {
    if (!fs::exists(from, ec)) continue;
    fs::copy_file(from, staging / name, fs::copy_options::overwrite_existing, ec);
    if (ec) continue;
    ORCHARD_RETURN_IF_ERROR(artifacts->LogFile((staging / name).string(), "slurm"));
  }
  fs::remove_all(staging, ec);
  return Status::Ok();
}

// Waits up to `ms` for SIGINT or SIGTERM (which the caller has blocked); returns it, or 0.
int WaitForSignal(const sigset_t& signals, int ms) {
  timespec timeout{ms / 1000, (ms % 1000) * 1000000L};
  siginfo_t info;
  int received = sigtimedwait(&signals, &info, &timeout);
  return received > 0 ? received : 0;
}

}  // namespace

StatusOr<std::string> SubmitRunAsSlurmJob(Client& client, const std::string& run_id,
                                          const SlurmConfig& config, SlurmJobSpec job,
                                          const std::string& output_dir) {
  std::error_code ec;
  fs::create_directories(output_dir, ec);
  if (ec) {
    return Status::InvalidParameter(
        fmt::format("cannot create the Slurm output folder '{}': {}", output_dir, ec.message()));
  }
  const std::string dir = fs::absolute(output_dir, ec).lexically_normal().string();
  job.stdout_path = StdoutPath(dir, run_id);
  job.stderr_path = StderrPath(dir, run_id);
  const std::string script_path = dir + "/" + run_id + ".sbatch";
  {
    std::ofstream script(script_path);
    script << SlurmBatchScript(config, job);
    if (!script) return Status::Internal(fmt::format("cannot write '{}'", script_path));
  }
  // The script holds the run's environment, a tracking URI's password included: the owner's.
  fs::permissions(script_path, fs::perms::owner_read | fs::perms::owner_write,
                  fs::perm_options::replace, ec);
  ORCHARD_ASSIGN_OR_RETURN(std::string job_id, SubmitSlurmJob(script_path));
  TrackingStore& store = client.store();
  ORCHARD_RETURN_IF_ERROR(
      store.LogBatch(run_id, {}, {}, {{kTagSlurmJobId, job_id}, {kTagSlurmOutputDir, dir}}));
  ORCHARD_RETURN_IF_ERROR(
      store.UpdateRun({.run_id = run_id, .status = RunStatus::kScheduled}).status());
  return job_id;
}

StatusOr<RunStatusOfJob> SyncRunWithSlurmJob(Client& client, const std::string& run_id,
                                             std::ostream* log) {
  TrackingStore& store = client.store();
  ORCHARD_ASSIGN_OR_RETURN(Run run, store.GetRun(run_id));
  std::optional<std::string> job_id = run.TagValue(kTagSlurmJobId);
  if (!job_id) {
    return Status::InvalidParameter(fmt::format("run {} was not run by a Slurm job", run_id));
  }
  // Done once the job's end was recorded (the command may end the run itself earlier, through
  // MLflow's client: the job's outcome still has the last word, and its output is still logged).
  if (run.TagValue(kTagSlurmFinalState)) return RunStatusOfJob{run.info.status, true};
  const std::string dir = run.TagValue(kTagSlurmOutputDir).value_or("");
  ORCHARD_ASSIGN_OR_RETURN(SlurmJobState job, QuerySlurmJob(*job_id));
  RunStatusOfJob now =
      job.vanished() ? RunStatusOfJob{RunStatus::kFailed, true} : RunStatusForJobState(job.state);
  if (!now.final) {
    // Not while the command's own client has ended it: the job is only finishing.
    if (now.status == run.info.status || IsTerminal(run.info.status)) return now;
    if (log != nullptr) {
      *log << fmt::format("job {}: {} (run {})\n", *job_id, job.state, RunStatusName(now.status));
    }
    ORCHARD_RETURN_IF_ERROR(store.UpdateRun({.run_id = run_id, .status = now.status}).status());
    return now;
  }
  std::vector<Tag> tags = {{kTagSlurmFinalState, job.vanished() ? "VANISHED" : job.state}};
  if (job.vanished()) {
    tags.push_back(
        {kTagSlurmReason, fmt::format("job {} left Slurm without a final state seen", *job_id)});
  } else if (now.status != RunStatus::kFinished) {
    std::string reason = job.state;
    if (!job.reason.empty()) reason += " (" + job.reason + ")";
    if (!job.exit_code.empty() && job.exit_code != "0:0") reason += ", exit code " + job.exit_code;
    tags.push_back({kTagSlurmReason, reason});
  }
  if (log != nullptr) {
    *log << fmt::format("job {}: {} (run {})\n", *job_id,
                        job.vanished() ? "gone from Slurm" : job.state, RunStatusName(now.status));
  }
  // The job's output first, then its end: a run seen ended has its logs.
  if (!dir.empty()) ORCHARD_RETURN_IF_ERROR(LogJobOutput(client, run_id, dir));
  ORCHARD_RETURN_IF_ERROR(store
                              .UpdateRun({.run_id = run_id,
                                          .status = now.status,
                                          .end_time = job.end_time.value_or(NowMillis())})
                              .status());
  ORCHARD_RETURN_IF_ERROR(store.LogBatch(run_id, {}, {}, tags));
  return now;
}

StatusOr<RunStatus> FollowSlurmRun(Client& client, const std::string& run_id, std::ostream& log,
                                   const SlurmInterruptChoice& on_interrupt, int poll_ms) {
  sigset_t signals, previous;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, &previous);
  struct Restore {
    sigset_t mask;
    ~Restore() { pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
  } restore{previous};
  bool cancelled = false;
  while (true) {
    ORCHARD_ASSIGN_OR_RETURN(RunStatusOfJob now, SyncRunWithSlurmJob(client, run_id, &log));
    if (now.final) return now.status;
    if (WaitForSignal(signals, poll_ms) == 0 || cancelled) continue;
    ORCHARD_ASSIGN_OR_RETURN(Run run, client.store().GetRun(run_id));
    const std::string job_id = run.TagValue(kTagSlurmJobId).value_or("");
    if (on_interrupt(job_id)) {
      ORCHARD_RETURN_IF_ERROR(CancelSlurmJob(job_id));
      log << fmt::format("job {}: cancelled; waiting for it to end\n", job_id);
      cancelled = true;
      continue;
    }
    return Status(ErrorCode::kInvalidState,
                  fmt::format("stopped following job {}, which goes on; `orchard runs sync-slurm` "
                              "brings run {} up to date later",
                              job_id, run_id));
  }
}

StatusOr<RunStatus> WaitForSlurmRun(Client& client, const std::string& run_id, int poll_ms) {
  while (true) {
    ORCHARD_ASSIGN_OR_RETURN(RunStatusOfJob now, SyncRunWithSlurmJob(client, run_id));
    if (now.final) return now.status;
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
}

StatusOr<int> SyncSlurmRuns(Client& client, std::ostream& log) {
  TrackingStore& store = client.store();
  int changed = 0;
  std::string experiments_token;
  do {
    ORCHARD_ASSIGN_OR_RETURN(ExperimentPage experiments,
                             store.SearchExperiments({.max_results = kSearchMaxResultsLimit,
                                                      .page_token = experiments_token}));
    experiments_token = experiments.next_page_token;
    for (const Experiment& experiment : experiments.experiments) {
      SearchRunsRequest search;
      search.experiment_ids = {experiment.experiment_id};
      // Runs a job executes and that have not ended.
      search.filter.clauses.push_back(
          {FilterEntity::kTag, kTagSlurmJobId, Comparator::kLike, std::string("%")});
      search.max_results = kSearchMaxResultsLimit;
      do {
        ORCHARD_ASSIGN_OR_RETURN(RunPage page, store.SearchRuns(search));
        for (const Run& run : page.runs) {
          if (run.TagValue(kTagSlurmFinalState)) continue;
          RunStatus before = run.info.status;
          ORCHARD_ASSIGN_OR_RETURN(RunStatusOfJob now,
                                   SyncRunWithSlurmJob(client, run.info.run_id, &log));
          if (now.status != before) ++changed;
        }
        search.page_token = page.next_page_token;
      } while (!search.page_token.empty());
    }
  } while (!experiments_token.empty());
  return changed;
}

}  // namespace orchard
