// orchard run: MLflow Projects. Loads a project (a folder or a git URL), resolves an entry point's
// typed parameters, creates (or takes over) the run, and runs the command with the run handed
// over through MLflow's environment variables; the run ends FINISHED, FAILED or KILLED.
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "base/subprocess.h"
#include "cli/cli_app.h"
#include "project/mlproject.h"
#include "project/project_source.h"
#include "project/virtualenv.h"
#include "slurm/slurm_runs.h"

extern char** environ;

namespace fs = std::filesystem;

namespace orchard {
namespace {

struct RunFlags {
  std::string uri;
  std::string entry_point = "main";
  std::vector<std::string> params;
  ExperimentChoice experiment;
  std::string run_name, run_id, version;
  std::string env_manager = "local";
  std::string backend = "local";
  std::string backend_config;
  bool no_wait = false;
};

// Our environment with the run's variables set (replacing any inherited ones).
std::vector<std::string> CommandEnvironment(
    const std::vector<std::pair<std::string, std::string>>& set) {
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text = *entry;
    std::string name = text.substr(0, text.find('='));
    bool replaced = false;
    for (const auto& [key, value] : set) replaced = replaced || key == name;
    if (!replaced) environment.push_back(std::move(text));
  }
  for (const auto& [key, value] : set) environment.push_back(key + "=" + value);
  return environment;
}

// Asks on the terminal whether to cancel the job; without one, leaves it running.
bool AskToCancel(CliContext& context, const std::string& job_id) {
  if (isatty(STDIN_FILENO) == 0) return false;
  context.err() << fmt::format("\nCancel Slurm job {}? [y/N] ", job_id) << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return !answer.empty() && (answer[0] == 'y' || answer[0] == 'Y');
}

// --backend slurm: the run's command as a job; then, unless --no-wait, the job followed to its
// end (the run's status with it).
Status RunOnSlurm(CliContext& context, const RunFlags& flags, const SlurmConfig& slurm,
                  Client& client, ActiveRun& run, SlurmJobSpec job) {
  std::ostream& log = context.err();
  const std::string output_dir =
      !slurm.output_dir.empty()
          ? slurm.output_dir
          : (slurm.shared_dir.empty() ? context.CacheDir() : slurm.shared_dir) + "/slurm";
  StatusOr<std::string> job_id =
      SubmitRunAsSlurmJob(client, run.run_id(), slurm, std::move(job), output_dir);
  if (!job_id.ok()) {
    (void)run.End(RunStatus::kFailed);
    return job_id.status();
  }
  run.Release();  // the job's state decides how the run ends
  log << fmt::format("=== Run {} submitted as Slurm job {} ===\n", run.run_id(), *job_id)
      << std::flush;
  if (flags.no_wait) {
    log << "orchard runs sync-slurm brings its status up to date\n";
    context.out() << run.run_id() << '\n';
    return Status::Ok();
  }
  ORCHARD_ASSIGN_OR_RETURN(RunStatus final_status,
                           FollowSlurmRun(client, run.run_id(), log, [&](const std::string& id) {
                             return AskToCancel(context, id);
                           }));
  if (final_status != RunStatus::kFinished) {
    ORCHARD_ASSIGN_OR_RETURN(Run ended, client.store().GetRun(run.run_id()));
    return Status(ErrorCode::kInvalidState,
                  fmt::format("Slurm job {} ended {}; run {} marked {}", *job_id,
                              ended.TagValue(kTagSlurmReason).value_or("without success"),
                              run.run_id(), RunStatusName(final_status)));
  }
  log << fmt::format("=== Run (ID '{}') succeeded ===\n", run.run_id());
  context.out() << run.run_id() << '\n';
  return Status::Ok();
}

Status RunProject(CliContext& context, const RunFlags& flags) {
  std::ostream& log = context.err();
  if (flags.backend != "local" && flags.backend != "slurm") {
    return Status::InvalidParameter(
        fmt::format("unknown backend '{}'; use --backend local or slurm", flags.backend));
  }
  SlurmConfig slurm;
  if (flags.backend == "slurm") {
    if (!flags.backend_config.empty()) {
      ORCHARD_ASSIGN_OR_RETURN(slurm, LoadSlurmConfig(flags.backend_config));
    }
  } else if (!flags.backend_config.empty()) {
    return Status::InvalidParameter("--backend-config is for --backend slurm");
  }
  if (flags.env_manager == "conda") {
    return Status::NotImplemented(
        "--env-manager conda is not supported; use virtualenv or local (docs/projects.md)");
  }
  if (flags.env_manager != "local" && flags.env_manager != "virtualenv") {
    return Status::InvalidParameter(
        fmt::format("unknown --env-manager '{}'; use local or virtualenv", flags.env_manager));
  }
  // Where git checkouts and virtualenvs go: on Slurm, a folder the jobs see too.
  const std::string shared =
      flags.backend == "slurm" && !slurm.shared_dir.empty() ? slurm.shared_dir : context.CacheDir();
  ORCHARD_ASSIGN_OR_RETURN(ProjectCheckout checkout,
                           CheckoutProject(flags.uri, flags.version, shared + "/projects"));
  ORCHARD_ASSIGN_OR_RETURN(ProjectSpec spec, LoadProject(checkout.folder));
  for (const std::string& warning : spec.warnings) log << "orchard: warning: " << warning << "\n";
  if (spec.environment == ProjectEnvironment::kCondaEnv ||
      spec.environment == ProjectEnvironment::kDockerEnv) {
    return Status::InvalidParameter(
        fmt::format("project '{}' declares a {} environment, which Orchard does not run; declare a "
                    "python_env or none (docs/projects.md)",
                    spec.name, ProjectEnvironmentName(spec.environment)));
  }
  ORCHARD_ASSIGN_OR_RETURN(EntryPoint entry, spec.FindEntryPoint(flags.entry_point));
  std::string venv;
  if (flags.env_manager == "virtualenv") {
    if (spec.environment != ProjectEnvironment::kPythonEnv) {
      return Status::InvalidParameter(fmt::format(
          "--env-manager virtualenv needs a python_env file in the MLproject of '{}'", spec.name));
    }
    ORCHARD_ASSIGN_OR_RETURN(PythonEnv python_env, LoadPythonEnv(spec.environment_file));
    ORCHARD_ASSIGN_OR_RETURN(venv, PrepareVirtualenv(python_env, shared + "/virtualenvs", &log));
  }
  std::vector<std::pair<std::string, std::string>> given;
  for (const std::string& text : flags.params) {
    ORCHARD_ASSIGN_OR_RETURN(Tag pair, ParseKeyValue(text, "-P"));
    given.emplace_back(pair.key, pair.value);
  }
  std::error_code ec;
  ORCHARD_ASSIGN_OR_RETURN(ResolvedRun resolved,
                           ResolveEntryPoint(entry, given, fs::current_path(ec).string()));

  ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
  StartRunOptions start{.run_name = flags.run_name,
                        .existing_run_id = flags.run_id,
                        .source_name = checkout.source,
                        .source_type = "PROJECT"};
  if (flags.run_id.empty()) {
    ORCHARD_ASSIGN_OR_RETURN(start.experiment_id, flags.experiment.Resolve(*client, true));
  }
  // Set on a taken-over run too (StartRun sets source tags only on runs it creates).
  start.tags = {{"mlflow.source.name", checkout.source},
                {"mlflow.source.type", "PROJECT"},
                {"mlflow.project.entryPoint", entry.name},
                {"mlflow.project.env", flags.env_manager},
                {"mlflow.project.backend", flags.backend}};
  if (!checkout.git_commit.empty())
    start.tags.push_back({"mlflow.source.git.commit", checkout.git_commit});
  ORCHARD_ASSIGN_OR_RETURN(ActiveRun run, client->StartRun(start));
  std::vector<Param> params;
  for (const auto& [key, value] : resolved.params) {
    params.push_back({key, value});
    if (params.size() == 100) {  // log-batch takes at most 100 params at once
      ORCHARD_RETURN_IF_ERROR(run.LogBatch({}, std::move(params), {}));
      params.clear();
    }
  }
  if (!params.empty()) ORCHARD_RETURN_IF_ERROR(run.LogBatch({}, std::move(params), {}));

  // The venv's programs first (python, pip), then this orchard, so `orchard ...` in a command is
  // this build, then the inherited PATH.
  const std::string own_folder = fs::path(OrchardBinary()).parent_path().string();
  std::string path = venv.empty() ? own_folder : venv + "/bin:" + own_folder;
  const char* inherited_path = std::getenv("PATH");
  if (inherited_path != nullptr) path += std::string(":") + inherited_path;
  std::vector<std::pair<std::string, std::string>> variables = {
      {"ORCHARD_TRACKING_URI", client->tracking_uri()},
      {"MLFLOW_TRACKING_URI", client->tracking_uri()},
      {"MLFLOW_RUN_ID", run.run_id()},
      {"MLFLOW_EXPERIMENT_ID", run.experiment_id()},
      {"PATH", path}};
  // Absolute, so experiments the command creates put their artifacts where ours go.
  variables.push_back({"ORCHARD_ARTIFACT_ROOT", context.tracking_config().artifact_root});
  if (!venv.empty()) variables.push_back({"VIRTUAL_ENV", venv});
  if (flags.backend == "slurm") {
    return RunOnSlurm(context, flags, slurm, *client, run,
                      {.name = "orchard-" + run.run_id().substr(0, 8),
                       .working_dir = checkout.folder,
                       .environment = variables,
                       .command = resolved.command});
  }
  if (flags.no_wait) {
    // A detached `orchard run` of the same project takes the run over and finishes it.
    std::vector<std::string> argv = {OrchardBinary(),   "run",       flags.uri,    "-e",
                                     entry.name,        "--run-id",  run.run_id(), "--env-manager",
                                     flags.env_manager, "--backend", flags.backend};
    if (!flags.version.empty()) argv.insert(argv.end(), {"--version", flags.version});
    for (const auto& [key, value] : given) argv.insert(argv.end(), {"-P", key + "=" + value});
    std::string log_path = context.CacheDir() + "/runs/" + run.run_id() + ".log";
    fs::create_directories(fs::path(log_path).parent_path(), ec);
    ORCHARD_RETURN_IF_ERROR(SpawnDetached(argv, CommandEnvironment(variables), log_path).status());
    run.Release();  // RUNNING until the detached runner ends it
    log << fmt::format("=== Run {} started in the background; its output goes to {} ===\n",
                       run.run_id(), log_path);
    context.out() << run.run_id() << '\n';
    return Status::Ok();
  }
  log << fmt::format("=== Running command '{}' in run {} ===\n", resolved.command, run.run_id())
      << std::flush;
  ORCHARD_ASSIGN_OR_RETURN(
      ChildOutcome outcome,
      RunInProcessGroup(resolved.command, checkout.folder, CommandEnvironment(variables)));
  RunStatus final_status = outcome.forwarded != 0 ? RunStatus::kKilled
                           : outcome.ok()         ? RunStatus::kFinished
                                                  : RunStatus::kFailed;
  ORCHARD_RETURN_IF_ERROR(run.End(final_status));
  if (final_status == RunStatus::kKilled) {
    return Status(
        ErrorCode::kInvalidState,
        fmt::format("interrupted: the command was stopped and run {} marked KILLED", run.run_id()));
  }
  if (final_status == RunStatus::kFailed) {
    return Status(ErrorCode::kInvalidState,
                  outcome.signal != 0
                      ? fmt::format("the command was ended by signal {}; run {} marked FAILED",
                                    outcome.signal, run.run_id())
                      : fmt::format("the command failed with exit code {}; run {} marked FAILED",
                                    outcome.exit_code, run.run_id()));
  }
  log << fmt::format("=== Run (ID '{}') succeeded ===\n", run.run_id());
  context.out() << run.run_id() << '\n';
  return Status::Ok();
}

}  // namespace

void AddRunCommand(CLI::App& app, CliContext& context) {
  auto flags = std::make_shared<RunFlags>();
  auto* cmd = app.add_subcommand(
      "run",
      "Run an MLflow project (a folder or a git URL with an MLproject file) in a tracked run");
  cmd->add_option("uri", flags->uri,
                  "Project folder, or git URL (https://, file://, git@...; #subdir allowed)")
      ->required();
  cmd->add_option("-e,--entry-point", flags->entry_point, "Entry point (or a .py/.sh file)");
  cmd->add_option("-P,--param", flags->params, "A parameter KEY=VALUE (repeatable)");
  flags->experiment.AddTo(cmd);
  cmd->add_option("--run-name", flags->run_name, "Name of the new run");
  cmd->add_option("--run-id", flags->run_id, "Take over this existing run instead of creating one");
  cmd->add_option("-v,--version", flags->version, "Git branch, tag or commit to run");
  cmd->add_option("--env-manager", flags->env_manager,
                  "local: the current environment; virtualenv: a venv for the project's "
                  "python_env file (with the system's packages)");
  cmd->add_option("-b,--backend", flags->backend,
                  "local: here; slurm: as a Slurm batch job, the run following its state "
                  "(docs/slurm.md)");
  cmd->add_option("--backend-config", flags->backend_config,
                  "The Slurm job's settings: a YAML file or a JSON object (partition, time, cpus, "
                  "memory, gpus, account, qos, sbatch_options, setup, shared_dir, output_dir)");
  cmd->add_flag("--no-wait", flags->no_wait,
                "Start the command in the background (or submit the job) and print the run id "
                "at once; the background runner ends the run (for Slurm: orchard runs "
                "sync-slurm)");
  cmd->callback([&context, flags] {
    context.action = [&context, flags]() { return RunProject(context, *flags); };
  });
}

}  // namespace orchard
