// Runs executed by Slurm jobs: submitting a run's command as a job, and keeping the run's status
// true to the job's state, by following it (`orchard run --backend slurm`) or by a later sweep
// (`orchard runs sync-slurm`).
//
// A submitted run is SCHEDULED and tagged with its job (orchard.slurm.job_id) and the folder of
// the job's output files. When the job reaches a final state, the run takes the matching status
// (RunStatusForJobState) with the job's end time, and the job's stdout and stderr are logged as
// the run's artifacts under slurm/. A job that leaves Slurm without a final state seen is FAILED,
// with the reason in the tag orchard.slurm.reason.
#pragma once

#include <functional>
#include <ostream>
#include <string>

#include "base/status.h"
#include "client/client.h"
#include "slurm/slurm_job.h"

namespace orchard {

inline constexpr char kTagSlurmJobId[] = "orchard.slurm.job_id";
inline constexpr char kTagSlurmOutputDir[] = "orchard.slurm.output_dir";
inline constexpr char kTagSlurmReason[] = "orchard.slurm.reason";
// The job's final state, once recorded on the run (its end and output are then logged).
inline constexpr char kTagSlurmFinalState[] = "orchard.slurm.final_state";

// Writes the batch script for run `run_id` into `output_dir` (its stdout and stderr files go
// there too), submits it, tags the run and sets it SCHEDULED. Returns the job id.
StatusOr<std::string> SubmitRunAsSlurmJob(Client& client, const std::string& run_id,
                                          const SlurmConfig& config, SlurmJobSpec job,
                                          const std::string& output_dir);

// Brings run `run_id` up to date with its job; returns the run's status after, and whether it
// is final. `log`, when given, hears each change ("job 12: PENDING -> RUNNING").
StatusOr<RunStatusOfJob> SyncRunWithSlurmJob(Client& client, const std::string& run_id,
                                             std::ostream* log = nullptr);

// What FollowSlurmRun does when the user interrupts it (Ctrl-C, SIGTERM): true to cancel the
// job (scancel) and keep following until it ends, false to stop following and leave the job.
using SlurmInterruptChoice = std::function<bool(const std::string& job_id)>;

// Follows run `run_id`'s job until a final state (polling every `poll_ms`), printing changes to
// `log`; returns the run's final status. Interrupted and told to leave the job: INVALID_STATE
// saying how to bring the run up to date later. REQUIRES: called from the main thread (it waits
// for SIGINT and SIGTERM itself while it follows).
StatusOr<RunStatus> FollowSlurmRun(Client& client, const std::string& run_id, std::ostream& log,
                                   const SlurmInterruptChoice& on_interrupt, int poll_ms = 1000);

// Waits for run `run_id`'s job to end (polling every `poll_ms`, no signal handling: for worker
// threads) and returns the run's final status.
StatusOr<RunStatus> WaitForSlurmRun(Client& client, const std::string& run_id, int poll_ms = 1000);

// Every active run with a job whose end is not recorded yet, in every active experiment, brought
// up to date (`orchard runs sync-slurm`); returns how many runs changed.
StatusOr<int> SyncSlurmRuns(Client& client, std::ostream& log);

}  // namespace orchard
