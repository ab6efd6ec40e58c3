// Slurm jobs, through Slurm's own commands (sbatch, scontrol, scancel) as a user would type
// them: what a job asks for (SlurmConfig, from a --backend-config file or JSON), its batch
// script, submission, its state, and what that state means for the run it executes.
//
// The state is read with `scontrol show job`, which needs no accounting database; Slurm forgets
// a job MinJobAge seconds after it ends (300 by default), so a job that is gone from it without
// a final state seen is reported as vanished.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "entities/lifecycle.h"

namespace orchard {

// What the job asks Slurm for; empty fields are left to the cluster's defaults.
struct SlurmConfig {
  std::string partition;
  std::string time;    // sbatch --time: minutes, or [D-]HH:MM:SS
  int cpus = 0;        // --cpus-per-task
  std::string memory;  // --mem, e.g. 4G
  std::string gpus;    // --gpus, e.g. 1 or a100:2
  std::string account;
  std::string qos;
  std::vector<std::string> sbatch_options;  // further sbatch options, as written
  std::string setup;  // shell lines run before the command (modules, environment)
  // A folder the jobs and this machine both see (a shared filesystem): git projects are checked
  // out and virtualenvs made there, and the jobs' output goes there unless output_dir says
  // otherwise. Empty: orchard's cache folder, which must then be shared.
  std::string shared_dir;
  // Where the jobs' stdout and stderr files go (empty: <shared_dir>/slurm).
  std::string output_dir;
};

// Reads a config from a YAML file, or from the text itself when it is a JSON object
// (`--backend-config '{"partition": "gpu"}'`). Unknown keys are INVALID_PARAMETER_VALUE, naming
// the key and the known ones.
StatusOr<SlurmConfig> LoadSlurmConfig(const std::string& file_or_json);

// What a job runs.
struct SlurmJobSpec {
  std::string name;                                              // the job's name (--job-name)
  std::string working_dir;                                       // the project's folder
  std::vector<std::pair<std::string, std::string>> environment;  // exported before the command
  std::string command;                                           // shell command
  std::string stdout_path, stderr_path;
};

// The batch script: #SBATCH lines from the config, the setup lines, then the command.
std::string SlurmBatchScript(const SlurmConfig& config, const SlurmJobSpec& job);

// Submits the script file with sbatch; returns the job id. INVALID_PARAMETER_VALUE with
// sbatch's own message when it refuses (a bad partition, say), INVALID_STATE when sbatch cannot
// be run.
StatusOr<std::string> SubmitSlurmJob(const std::string& script_path);

struct SlurmJobState {
  std::string state;   // PENDING, RUNNING, COMPLETING, COMPLETED, FAILED, ... ("" when vanished)
  std::string reason;  // Slurm's reason, when it gives one
  std::optional<int64_t> start_time, end_time;  // ms since the epoch
  std::string exit_code;                        // "0:0": code, then signal
  bool vanished() const { return state.empty(); }
};

// The job's state from scontrol. A job Slurm no longer knows comes back vanished (not an
// error); INVALID_STATE when scontrol cannot be run or the controller does not answer.
StatusOr<SlurmJobState> QuerySlurmJob(const std::string& job_id);

// scancel.
Status CancelSlurmJob(const std::string& job_id);

// The run status that a job state means (MLflow's words), and whether it is final:
// PENDING -> SCHEDULED; RUNNING and COMPLETING -> RUNNING; COMPLETED -> FINISHED; CANCELLED ->
// KILLED; FAILED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY and the other ends -> FAILED.
struct RunStatusOfJob {
  RunStatus status;
  bool final;
};
RunStatusOfJob RunStatusForJobState(const std::string& state);

}  // namespace orchard
