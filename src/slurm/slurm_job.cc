#include "slurm/slurm_job.h"

#include <yaml-cpp/yaml.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "base/subprocess.h"
#include "base/yaml_describe.h"
#include "project/mlproject.h"

namespace orchard {
namespace {

constexpr char kConfigKeys[] =
    "partition, time, cpus, memory, gpus, account, qos, sbatch_options, setup, shared_dir, "
    "output_dir";

// Slurm's times are local ("2026-12-04T21:24:49"); "Unknown" and "None" are absent.
std::optional<int64_t> ParseSlurmTime(const std::string& text) {
  std::tm parts{};
  std::istringstream in(text);
  in >> std::get_time(&parts, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return std::nullopt;
  parts.tm_isdst = -1;
  const std::time_t seconds = std::mktime(&parts);
  if (seconds == -1) return std::nullopt;
  return static_cast<int64_t>(seconds) * 1000;
}

// The Key=Value fields of one `scontrol show job -o` line. Values hold no spaces except the
// command's and a few others Orchard does not read; those keep their first word.
std::map<std::string, std::string> ScontrolFields(const std::string& line) {
  std::map<std::string, std::string> fields;
  std::istringstream words(line);
  std::string word;
  while (words >> word) {
    size_t equals = word.find('=');
    if (equals == std::string::npos || equals == 0) continue;
    fields.emplace(word.substr(0, equals), word.substr(equals + 1));
  }
  return fields;
}

std::string FirstLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  size_t newline = text.find('\n');
  return newline == std::string::npos ? text : text.substr(0, newline);
}

}  // namespace

StatusOr<SlurmConfig> LoadSlurmConfig(const std::string& file_or_json) {
  std::string text = file_or_json;
  std::string source = "--backend-config";
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || text[first] != '{') {
    std::ifstream in(file_or_json);
    if (!in) {
      return Status::InvalidParameter(fmt::format(
          "cannot read the Slurm config '{}': give a YAML file or a JSON object", file_or_json));
    }
    std::stringstream content;
    content << in.rdbuf();
    text = content.str();
    source = file_or_json;
  }
  return ReadYamlDocument(
      text, source, "Slurm config", "give a mapping such as {partition: gpu, time: 30}",
      [&](const YAML::Node& root) -> StatusOr<SlurmConfig> {
        SlurmConfig config;
        if (root.IsNull()) return config;
        if (!root.IsMap()) {
          return Status::InvalidParameter(fmt::format(
              "{}: the Slurm config must be a mapping, not {}", source, DescribeYamlNode(root)));
        }
        for (const auto& entry : root) {
          const std::string key = entry.first.as<std::string>();
          const YAML::Node& value = entry.second;
          auto scalar = [&]() -> StatusOr<std::string> {
            if (!value.IsScalar()) {
              return Status::InvalidParameter(fmt::format("{}: '{}' must be a single value, not {}",
                                                          source, key, DescribeYamlNode(value)));
            }
            return value.Scalar();
          };
          if (key == "sbatch_options") {
            if (value.IsScalar()) {
              config.sbatch_options.push_back(value.Scalar());
            } else if (value.IsSequence()) {
              for (const auto& option : value)
                config.sbatch_options.push_back(option.as<std::string>());
            } else {
              return Status::InvalidParameter(
                  fmt::format("{}: 'sbatch_options' must be a list of sbatch options", source));
            }
            continue;
          }
          ORCHARD_ASSIGN_OR_RETURN(std::string text_value, scalar());
          if (key == "partition") {
            config.partition = text_value;
          } else if (key == "time") {
            config.time = text_value;
          } else if (key == "cpus") {
            int cpus = 0;
            if (!YAML::convert<int>::decode(value, cpus) || cpus < 1) {
              return Status::InvalidParameter(fmt::format(
                  "{}: 'cpus' must be a whole number of at least 1, not '{}'", source, text_value));
            }
            config.cpus = cpus;
          } else if (key == "memory") {
            config.memory = text_value;
          } else if (key == "gpus") {
            config.gpus = text_value;
          } else if (key == "account") {
            config.account = text_value;
          } else if (key == "qos") {
            config.qos = text_value;
          } else if (key == "setup") {
            config.setup = text_value;
          } else if (key == "shared_dir") {
            config.shared_dir = text_value;
          } else if (key == "output_dir") {
            config.output_dir = text_value;
          } else {
            return Status::InvalidParameter(fmt::format(
                "{}: unknown Slurm config key '{}'; the keys are: {}", source, key, kConfigKeys));
          }
        }
        return config;
      });
}

std::string SlurmBatchScript(const SlurmConfig& config, const SlurmJobSpec& job) {
  std::string script = "#!/bin/bash\n";
  auto option = [&](std::string_view flag, const std::string& value) {
    if (!value.empty()) script += fmt::format("#SBATCH --{}={}\n", flag, value);
  };
  option("job-name", job.name);
  option("partition", config.partition);
  option("time", config.time);
  option("cpus-per-task", config.cpus > 0 ? std::to_string(config.cpus) : "");
  option("mem", config.memory);
  option("gpus", config.gpus);
  option("account", config.account);
  option("qos", config.qos);
  option("output", job.stdout_path);
  option("error", job.stderr_path);
  for (const std::string& extra : config.sbatch_options) script += "#SBATCH " + extra + "\n";
  if (!config.setup.empty())
    script += "\n# setup (the backend config's setup lines)\n" + config.setup + "\n";
  script += "\n";
  for (const auto& [name, value] : job.environment) {
    script += fmt::format("export {}={}\n", name, ShellQuote(value));
  }
  script += fmt::format("cd {} || exit 1\n", ShellQuote(job.working_dir));
  script += job.command + "\n";
  return script;
}

StatusOr<std::string> SubmitSlurmJob(const std::string& script_path) {
  std::string output;
  StatusOr<int> exit_code = RunCaptured({"sbatch", "--parsable", script_path}, "", &output);
  if (!exit_code.ok()) {
    return Status(ErrorCode::kInvalidState,
                  "cannot run sbatch: is Slurm installed here, with SLURM_CONF if it needs it?");
  }
  if (*exit_code != 0) {
    return Status::InvalidParameter(fmt::format("sbatch refused the job: {}", FirstLine(output)));
  }
  // "<id>" or "<id>;<cluster>"; sbatch may print warnings on earlier lines.
  std::string line = FirstLine(output.substr(output.rfind('\n', output.size() - 2) + 1));
  std::string id = line.substr(0, line.find(';'));
  if (id.empty() || id.find_first_not_of("0123456789_") != std::string::npos) {
    return Status(ErrorCode::kInvalidState,
                  fmt::format("sbatch answered '{}', not a job id", FirstLine(output)));
  }
  return id;
}

StatusOr<SlurmJobState> QuerySlurmJob(const std::string& job_id) {
  std::string output;
  StatusOr<int> exit_code = RunCaptured({"scontrol", "show", "job", "-o", job_id}, "", &output);
  if (!exit_code.ok()) return Status(ErrorCode::kInvalidState, "cannot run scontrol");
  SlurmJobState state;
  if (*exit_code != 0) {
    // Slurm forgets a job a while after it ends.
    if (output.find("Invalid job id") != std::string::npos) return state;
    return Status(ErrorCode::kInvalidState,
                  fmt::format("scontrol cannot read job {}: {}", job_id, FirstLine(output)));
  }
  std::map<std::string, std::string> fields = ScontrolFields(FirstLine(output));
  state.state = fields["JobState"];
  if (state.state.empty()) {
    return Status(ErrorCode::kInvalidState,
                  fmt::format("scontrol gave no state for job {}: {}", job_id, FirstLine(output)));
  }
  if (fields["Reason"] != "None") state.reason = fields["Reason"];
  state.start_time = ParseSlurmTime(fields["StartTime"]);
  state.end_time = ParseSlurmTime(fields["EndTime"]);
  state.exit_code = fields["ExitCode"];
  return state;
}

Status CancelSlurmJob(const std::string& job_id) {
  std::string output;
  StatusOr<int> exit_code = RunCaptured({"scancel", job_id}, "", &output);
  if (!exit_code.ok()) return Status(ErrorCode::kInvalidState, "cannot run scancel");
  if (*exit_code != 0) {
    return Status(ErrorCode::kInvalidState,
                  fmt::format("scancel {} failed: {}", job_id, FirstLine(output)));
  }
  return Status::Ok();
}

RunStatusOfJob RunStatusForJobState(const std::string& state) {
  if (state == "PENDING" || state == "CONFIGURING" || state == "REQUEUED" ||
      state == "REQUEUE_HOLD" || state == "REQUEUE_FED" || state == "RESV_DEL_HOLD") {
    return {RunStatus::kScheduled, false};
  }
  // COMPLETING: the job's processes are ending; its outcome is not known yet.
  if (state == "RUNNING" || state == "COMPLETING" || state == "SUSPENDED" || state == "STOPPED" ||
      state == "SIGNALING" || state == "STAGE_OUT" || state == "RESIZING") {
    return {RunStatus::kRunning, false};
  }
  if (state == "COMPLETED") return {RunStatus::kFinished, true};
  if (state == "CANCELLED") return {RunStatus::kKilled, true};
  // FAILED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, BOOT_FAIL, DEADLINE, PREEMPTED, REVOKED, ...
  return {RunStatus::kFailed, true};
}

}  // namespace orchard
