#include "cli/cli_app.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include <spdlog/spdlog.h>
#include "db/pg_uri.h"

namespace orchard {
namespace {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

}  // namespace

void AddRunIdOption(CLI::App* command, std::string& run_id) {
  command->add_option("-r,--run-id", run_id, "Run id (default: $MLFLOW_RUN_ID)")
      ->envname("MLFLOW_RUN_ID")
      ->required();
}

std::string OrchardBinary() {
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/self/exe", ec).string();
}

StatusOr<Tag> ParseKeyValue(const std::string& text, const std::string& flag) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Status::InvalidParameter(fmt::format("{} expects KEY=VALUE, got '{}'", flag, text));
  }
  return Tag{text.substr(0, eq), text.substr(eq + 1)};
}

std::string CliContext::ConfiguredTrackingUri() const {
  if (!tracking_uri_flag.empty()) return tracking_uri_flag;
  return EnvOr("ORCHARD_TRACKING_URI", EnvOr("MLFLOW_TRACKING_URI", ""));
}

void ExperimentChoice::AddTo(CLI::App* cmd) {
  auto* id_option = cmd->add_option("-x,--experiment-id", id,
                                    "Experiment id (default: $MLFLOW_EXPERIMENT_ID, else 0)")
                        ->envname("MLFLOW_EXPERIMENT_ID");
  cmd->add_option("-n,--experiment-name", name,
                  "Experiment name (default: $MLFLOW_EXPERIMENT_NAME)")
      ->envname("MLFLOW_EXPERIMENT_NAME")
      ->excludes(id_option);
}

StatusOr<std::string> ExperimentChoice::Resolve(Client& client, bool create) const {
  if (!name.empty()) {
    if (create) return client.GetOrCreateExperimentId(name);
    ORCHARD_ASSIGN_OR_RETURN(Experiment experiment, client.store().GetExperimentByName(name));
    return experiment.experiment_id;
  }
  return id.empty() ? std::string(kDefaultExperimentId) : id;
}

std::string CliContext::CacheDir() const {
  std::string cache = EnvOr("ORCHARD_CACHE_DIR", "");
  if (!cache.empty()) return cache;
  std::string xdg = EnvOr("XDG_CACHE_HOME", "");
  return (xdg.empty() ? EnvOr("HOME", "/tmp") + "/.cache" : xdg) + "/orchard";
}

StatusOr<SourceOptions> CliContext::DataSources() {
  SourceOptions options;
  std::string home = EnvOr("HOME", "/tmp");
  options.cache_dir = CacheDir() + "/datasets";
  options.kaggle_api_url = EnvOr("ORCHARD_KAGGLE_API_URL", options.kaggle_api_url);
  options.kaggle_username = EnvOr("KAGGLE_USERNAME", "");
  options.kaggle_key = EnvOr("KAGGLE_KEY", "");
  if (options.kaggle_username.empty() || options.kaggle_key.empty()) {
    ORCHARD_RETURN_IF_ERROR(
        LoadKaggleCredentials(EnvOr("KAGGLE_CONFIG_DIR", home + "/.kaggle"), options));
  }
  options.progress = &err_;
  options.progress_bar = isatty(STDERR_FILENO) != 0;
  return options;
}

StatusOr<RegistryStore*> CliContext::registry() {
  if (!registry_) {
    ORCHARD_RETURN_IF_ERROR(client().status());  // creates and migrates the store
    ORCHARD_ASSIGN_OR_RETURN(registry_, OpenRegistryStore(config_));
  }
  return registry_.get();
}

StatusOr<Client*> CliContext::client() {
  if (!client_) {
    std::string uri = ConfiguredTrackingUri();
    std::string root =
        artifact_root_flag.empty() ? EnvOr("ORCHARD_ARTIFACT_ROOT", "") : artifact_root_flag;
    ORCHARD_ASSIGN_OR_RETURN(TrackingConfig config, ResolveTrackingConfig(uri, root));
    config_ = config;
    spdlog::debug("tracking store {} (artifacts under {})", RedactUriPassword(config.tracking_uri),
                  config.artifact_root);
    ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<TrackingStore> store, OpenTrackingStore(config));
    client_ = std::make_unique<Client>(std::shared_ptr<TrackingStore>(std::move(store)),
                                       config.tracking_uri);
  }
  return client_.get();
}

int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CliContext context(out, err);
  CLI::App app(
      "Orchard: the machine-learning lifecycle in one fast program, speaking MLflow's "
      "protocols.",
      "orchard");
  app.set_version_flag("--version", std::string("orchard ") + ORCHARD_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global options work after a subcommand too
  app.option_defaults()->always_capture_default();
  app.add_option("--tracking-uri", context.tracking_uri_flag,
                 "Tracking store URI (default: $ORCHARD_TRACKING_URI, $MLFLOW_TRACKING_URI, then "
                 "sqlite:///orchard.db)");
  app.add_option("--artifact-root", context.artifact_root_flag,
                 "Folder for new experiments' artifacts (default: $ORCHARD_ARTIFACT_ROOT, then "
                 "./orchard-artifacts)");
  app.add_flag("--json", context.json_, "Print JSON (MLflow's REST shapes) instead of tables");
  app.add_option("--log-level", context.log_level, "Log level: trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

  AddExperimentsCommands(app, context);
  AddUsersCommands(app, context);
  AddGcCommand(app, context);
  AddRunsCommands(app, context);
  AddArtifactsCommands(app, context);
  AddServerCommands(app, context);
  AddDbCommands(app, context);
  AddTrainCommand(app, context);
  AddDatasetsCommands(app, context);
  AddRunCommand(app, context);
  AddTuneCommand(app, context);
  AddModelsCommands(app, context);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0 in CLI11.
    if (e.get_exit_code() == 0) {
      app.exit(e, out, err);
      return 0;
    }
    err << "orchard: " << e.what() << "\nRun with --help for usage.\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(context.log_level));
  if (!context.action) {
    err << "orchard: choose a subcommand; run with --help for usage.\n";
    return 2;
  }
  Status status;
  try {
    status = context.action();
  } catch (const std::exception& e) {
    // A bug, not the user's fault; still one line and a failing exit, never a crash.
    status = Status::Internal(e.what());
  }
  if (!status.ok()) {
    err << "orchard: error: " << status.message() << " [" << ErrorCodeName(status.code()) << "]\n";
    return 1;
  }
  return 0;
}

}  // namespace orchard
