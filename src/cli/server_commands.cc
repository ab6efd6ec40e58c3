// orchard server | ui: the MLflow-compatible tracking server (mlflow server's flags).
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/cli_app.h"
#include "db/pg_uri.h"
#include "server/tracking_server.h"

namespace orchard {
namespace {

struct ServerFlags {
  std::string backend_store_uri;
  std::string artifacts_destination = "orchard-artifacts";
  std::string default_artifact_root;
  bool serve_artifacts = true;
  std::string host = "127.0.0.1";
  int port = 5000;
  int workers = 4;
  std::string static_prefix;
  std::string ui_dir;
};

Status RunServer(CliContext& context, const ServerFlags& flags) {
  std::string uri = flags.backend_store_uri;
  if (uri.empty()) uri = context.ConfiguredTrackingUri();
  if (uri.starts_with("http://") || uri.starts_with("https://")) {
    return Status::InvalidParameter(
        "--backend-store-uri must name a database (sqlite:///... or postgresql://...), not "
        "another server");
  }
  if (flags.workers < 1 || flags.workers > 256) {
    return Status::InvalidParameter("--workers must be between 1 and 256");
  }
  std::error_code ec;
  std::string destination =
      std::filesystem::absolute(flags.artifacts_destination, ec).lexically_normal().string();
  while (destination.size() > 1 && destination.back() == '/') destination.pop_back();
  // Where new experiments' artifacts go, as mlflow server decides it: an explicit root, else
  // the proxy (clients upload through this server), else the destination folder itself.
  std::string root = flags.default_artifact_root;
  if (root.empty()) root = flags.serve_artifacts ? "mlflow-artifacts:" : destination;
  ORCHARD_ASSIGN_OR_RETURN(TrackingConfig config, ResolveTrackingConfig(uri, root));
  // One database connection per serving thread: a request never waits for another's.
  config.connections = flags.workers;
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<TrackingStore> store, OpenTrackingStore(config));
  // As mlflow server's check: a path of its own, such as /mlflow.
  if (!flags.static_prefix.empty() &&
      (!flags.static_prefix.starts_with('/') || flags.static_prefix.ends_with('/'))) {
    return Status::InvalidParameter(
        fmt::format("--static-prefix '{}' must start with '/' and not end with one, e.g. /mlflow",
                    flags.static_prefix));
  }
  if (!flags.ui_dir.empty() &&
      !std::filesystem::is_regular_file(std::filesystem::path(flags.ui_dir) / "index.html", ec)) {
    return Status::InvalidParameter(fmt::format(
        "--ui-dir '{}' holds no index.html; build the UI first (cd web && npm run build)",
        flags.ui_dir));
  }

  // The serving threads inherit this mask, so SIGINT/SIGTERM reach only the sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  TrackingServerOptions options;
  options.http.host = flags.host;
  options.http.port = flags.port;
  options.http.threads = flags.workers;
  options.http.path_prefix = flags.static_prefix;
  options.ui_folder = flags.ui_dir;
  options.artifacts_destination = destination;
  options.serve_artifacts = flags.serve_artifacts;
  // The registry lives in the same database.
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<RegistryStore> registry, OpenRegistryStore(config));
  options.registry = registry.get();
  options.version = ORCHARD_VERSION;
  TrackingServer server(options, *store);
  ORCHARD_RETURN_IF_ERROR(server.Start());
  // The readiness line: scripts and tests wait for it (with --port 0 it tells the port).
  context.out() << fmt::format("Orchard tracking server listening on http://{}:{}{}/ (store {})",
                               flags.host, server.port(), flags.static_prefix,
                               RedactUriPassword(config.tracking_uri))
                << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("signal {}: finishing in-flight requests", received);
  server.Stop();
  context.out() << "Orchard tracking server stopped" << std::endl;
  return Status::Ok();
}

void AddServerCommand(CLI::App& app, CliContext& context, const std::string& name,
                      const std::string& description) {
  auto flags = std::make_shared<ServerFlags>();
  auto* cmd = app.add_subcommand(name, description);
  // -h is --host, as in mlflow server; help stays --help.
  cmd->set_help_flag("--help", "Print this help message and exit");
  cmd->add_option("--backend-store-uri", flags->backend_store_uri,
                  "Store URI (default: --tracking-uri, $ORCHARD_TRACKING_URI, "
                  "$MLFLOW_TRACKING_URI, then sqlite:///orchard.db)");
  cmd->add_option("--artifacts-destination", flags->artifacts_destination,
                  "Folder behind mlflow-artifacts:/ URIs");
  cmd->add_option("--default-artifact-root", flags->default_artifact_root,
                  "Artifact root for new experiments (default: mlflow-artifacts:/ with "
                  "--serve-artifacts, else the artifacts destination)");
  cmd->add_flag("--serve-artifacts,!--no-serve-artifacts", flags->serve_artifacts,
                "Clients move artifacts through this server (default on)");
  cmd->add_option("-h,--host", flags->host, "Address to listen on");
  cmd->add_option("-p,--port", flags->port, "Port (0: any free port, printed at start)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("-w,--workers", flags->workers, "Serving threads");
  cmd->add_option("--static-prefix", flags->static_prefix,
                  "Serve the UI and the whole API under this path (e.g. /mlflow), for a reverse "
                  "proxy that mounts the server there");
  cmd->add_option("--ui-dir", flags->ui_dir,
                  "Serve the web UI from this build folder (web/dist) instead of the built-in "
                  "copy, for UI development");
  cmd->callback([&context, flags] {
    context.action = [&context, flags]() { return RunServer(context, *flags); };
  });
}

}  // namespace

void AddServerCommands(CLI::App& app, CliContext& context) {
  AddServerCommand(app, context, "server",
                   "Run the tracking server (MLflow's REST API) until SIGINT or SIGTERM");
  AddServerCommand(app, context, "ui",
                   "The tracking server with local defaults (default store, port 5000)");
}

}  // namespace orchard
