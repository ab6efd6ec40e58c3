// The `orchard` command line: the command tree, global options and the environment.
//
// This layer is the only one that reads flags and environment variables. Each subcommand
// registers an action returning Status; RunCli parses, runs the chosen action and turns the
// outcome into an exit status: 0 success, 1 a user error (one line on stderr), 2 a usage error.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "base/status.h"
#include "client/client.h"
#include "client/tracking_uri.h"
#include "data/dataset_source.h"
#include "store/registry/registry_store.h"

namespace orchard {

// State shared by all commands of one invocation.
class CliContext {
 public:
  CliContext(std::ostream& out, std::ostream& err) : out_(out), err_(err) {}

  // The client for the configured store, opened on first use: --tracking-uri, else
  // ORCHARD_TRACKING_URI, else MLFLOW_TRACKING_URI, else sqlite:///orchard.db.
  StatusOr<Client*> client();
  // The tracking URI as configured (--tracking-uri, then the environment); empty: the default.
  std::string ConfiguredTrackingUri() const;

  // Where data sources download to and the Kaggle credentials: $ORCHARD_CACHE_DIR (else
  // $XDG_CACHE_HOME/orchard, else ~/.cache/orchard) + "/datasets"; $ORCHARD_KAGGLE_API_URL;
  // $KAGGLE_USERNAME and $KAGGLE_KEY, else kaggle.json in $KAGGLE_CONFIG_DIR or ~/.kaggle.
  StatusOr<SourceOptions> DataSources();
  // The root of Orchard's caches: $ORCHARD_CACHE_DIR, else $XDG_CACHE_HOME/orchard, else
  // ~/.cache/orchard.
  std::string CacheDir() const;
  // The model registry of the configured store (opened on first use). NOT_IMPLEMENTED for a
  // store that has none yet (http://).
  StatusOr<RegistryStore*> registry();
  // The resolved tracking URI and artifact root. REQUIRES: client() succeeded.
  const TrackingConfig& tracking_config() const { return config_; }

  bool json() const { return json_; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

  // Set by the global options.
  std::string tracking_uri_flag;
  std::string artifact_root_flag;
  std::string log_level = "warn";
  bool json_ = false;

  // The chosen subcommand's work.
  std::function<Status()> action;

 private:
  std::ostream& out_;
  std::ostream& err_;
  std::unique_ptr<Client> client_;
  std::unique_ptr<RegistryStore> registry_;
  TrackingConfig config_;
};

// -x/--experiment-id and -n/--experiment-name (defaults from $MLFLOW_EXPERIMENT_ID and
// $MLFLOW_EXPERIMENT_NAME), shared by the commands that pick an experiment.
struct ExperimentChoice {
  std::string id;
  std::string name;

  void AddTo(CLI::App* cmd);
  // The chosen id (default "0"); by name it is created when `create` is set, as `mlflow run`
  // does.
  StatusOr<std::string> Resolve(Client& client, bool create) const;
};

// Registers the command groups (one function per group, in its own file).
void AddExperimentsCommands(CLI::App& app, CliContext& context);
void AddRunsCommands(CLI::App& app, CliContext& context);
void AddArtifactsCommands(CLI::App& app, CliContext& context);
void AddServerCommands(CLI::App& app, CliContext& context);
void AddDbCommands(CLI::App& app, CliContext& context);
void AddUsersCommands(CLI::App& app, CliContext& context);
void AddGcCommand(CLI::App& app, CliContext& context);
void AddTrainCommand(CLI::App& app, CliContext& context);
void AddDatasetsCommands(CLI::App& app, CliContext& context);
void AddRunCommand(CLI::App& app, CliContext& context);
void AddTuneCommand(CLI::App& app, CliContext& context);
void AddModelsCommands(CLI::App& app, CliContext& context);
// `models serve` and `models predict`, registered by the models group.
void AddModelServingCommands(CLI::App& models, CliContext& context);
// `runs best`, registered by the runs group (it lives with the registry commands).
void AddRunsBestCommand(CLI::App& runs, CliContext& context);
void AddRunsSyncSlurmCommand(CLI::App& runs, CliContext& context);

// Parses `argv`, runs the command and returns the process exit status.
int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

// The required -r/--run-id option, defaulting to $MLFLOW_RUN_ID.
void AddRunIdOption(CLI::App* command, std::string& run_id);

// The path of the running orchard binary (so `orchard ...` started from a command, a trial or a
// detached runner is this build).
std::string OrchardBinary();

// "k=v" -> Tag; INVALID_PARAMETER_VALUE naming the flag when there is no '='.
StatusOr<Tag> ParseKeyValue(const std::string& text, const std::string& flag);

}  // namespace orchard
