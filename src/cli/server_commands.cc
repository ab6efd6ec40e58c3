// orchard server | ui: the MLflow-compatible tracking server (mlflow server's flags).
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "base/text.h"
#include "cli/cli_app.h"
#include "cli/http_flags.h"
#include "db/pg_uri.h"
#include "server/tracking_server.h"

namespace orchard {
namespace {

struct ServerFlags {
  std::string backend_store_uri;
  std::string registry_store_uri;
  bool artifacts_only = false;
  std::string gunicorn_opts, waitress_opts;
  // mlflow server flags Orchard does not take: each is refused with what to use instead.
  bool dev = false;
  std::string app_name;
  // MLflow's flag, with or without its folder: Orchard's /metrics is always on and keeps its
  // counts in memory, so the folder is not needed.
  std::string expose_prometheus;
  CLI::Option* expose_prometheus_option = nullptr;
  std::string artifacts_destination = "orchard-artifacts";
  std::string default_artifact_root;
  bool serve_artifacts = true;
  std::string host = "127.0.0.1";
  int port = 5000;
  int workers = 0;  // 0: chosen by the store (see WorkersFor)
  std::string static_prefix;
  std::string ui_dir;
  std::string durability;  // "process" or "os"; empty: the store's default
  size_t max_json_depth = kDefaultMaxJsonDepth;
  std::string allowed_hosts, cors_allowed_origins;
  HttpFlags http;
};

// The flags mlflow server takes that Orchard does not: an error that says what to do instead;
// flags for mlflow's web servers: a warning, as Orchard serves requests itself.
Status CheckMlflowOnlyFlags(CliContext& context, const ServerFlags& flags) {
  if (flags.dev) {
    return Status::InvalidParameter(
        "--dev (mlflow's Flask debug server) has no Orchard counterpart: use --ui-dir to serve a "
        "UI build and --log-level debug for more output");
  }
  if (flags.expose_prometheus_option != nullptr && flags.expose_prometheus_option->count() > 0) {
    context.err() << "orchard server: metrics are always served at /metrics"
                  << (flags.expose_prometheus.empty()
                          ? ""
                          : fmt::format(", from memory: the folder '{}' is not used",
                                        flags.expose_prometheus))
                  << "\n";
  }
  if (!flags.app_name.empty() && flags.app_name != "basic-auth") {
    return Status::InvalidParameter(fmt::format(
        "--app-name {} is not an app of orchard server: basic-auth is (MLflow's users and "
        "permissions)",
        flags.app_name));
  }
  for (const auto& [flag, value] : {std::pair{"--gunicorn-opts", &flags.gunicorn_opts},
                                    std::pair{"--waitress-opts", &flags.waitress_opts}}) {
    if (!value->empty()) {
      context.err() << fmt::format(
          "orchard server: {} '{}' is ignored: Orchard serves requests itself, with --workers "
          "threads (and as many database connections); set --workers instead\n",
          flag, *value);
    }
  }
  return Status::Ok();
}

// Serving threads when --workers is not given: 4, as mlflow server's default; 16 on
// PostgreSQL, where a request mostly waits for the database and its commit, and concurrent
// requests share commits only when there are threads enough to be concurrent
// (docs/benchmarks.md, the team store).
int WorkersFor(const ServerFlags& flags, const std::string& uri) {
  if (flags.workers != 0) return flags.workers;
  return IsPostgresUri(uri) ? 16 : 4;
}

Status RunServer(CliContext& context, const ServerFlags& given) {
  ServerFlags flags = given;
  ORCHARD_RETURN_IF_ERROR(CheckMlflowOnlyFlags(context, flags));
  std::string uri = flags.backend_store_uri;
  if (uri.empty()) uri = context.ConfiguredTrackingUri();
  for (const std::string& database : {uri, flags.registry_store_uri}) {
    if (database.starts_with("http://") || database.starts_with("https://")) {
      return Status::InvalidParameter(
          "--backend-store-uri and --registry-store-uri must name a database (sqlite:///... or "
          "postgresql://...), not another server");
    }
  }
  flags.workers = WorkersFor(flags, uri);
  if (flags.workers < 1 || flags.workers > 256) {
    return Status::InvalidParameter("--workers must be between 1 and 256");
  }
  if (flags.artifacts_only && !flags.serve_artifacts) {
    return Status::InvalidParameter(
        "--artifacts-only serves artifacts only: it cannot be combined with --no-serve-artifacts");
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
  if (!flags.durability.empty()) {
    ORCHARD_ASSIGN_OR_RETURN(config.durability, ParseDurability(flags.durability));
  }
  // An artifacts-only server opens no database, as mlflow's does not.
  std::unique_ptr<TrackingStore> store;
  std::unique_ptr<RegistryStore> registry;
  if (!flags.artifacts_only) {
    ORCHARD_ASSIGN_OR_RETURN(store, OpenTrackingStore(config));
    // The registry lives in the same database, or in its own (--registry-store-uri), which
    // gets the same schema.
    TrackingConfig registry_config = config;
    if (!flags.registry_store_uri.empty()) {
      ORCHARD_ASSIGN_OR_RETURN(registry_config,
                               ResolveTrackingConfig(flags.registry_store_uri, root));
      registry_config.connections = flags.workers;
      registry_config.durability = config.durability;
      ORCHARD_RETURN_IF_ERROR(OpenTrackingStore(registry_config).status());
    }
    ORCHARD_ASSIGN_OR_RETURN(registry, OpenRegistryStore(registry_config));
  }
  // MLflow's basic-auth app: its configuration from MLFLOW_AUTH_CONFIG_PATH, as MLflow reads it.
  std::unique_ptr<BasicAuth> auth;
  if (flags.app_name == "basic-auth") {
    const char* config_path = std::getenv("MLFLOW_AUTH_CONFIG_PATH");
    ORCHARD_ASSIGN_OR_RETURN(AuthConfig auth_config,
                             ReadAuthConfig(config_path != nullptr ? config_path : ""));
    ORCHARD_ASSIGN_OR_RETURN(auth, BasicAuth::Create(auth_config, store.get(), registry.get()));
  }
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

  TrackingServerOptions options;
  ORCHARD_RETURN_IF_ERROR(ApplyHttpFlags(flags.http, options.http));
  if (flags.http.max_body_bytes != 0) options.max_json_body_bytes = flags.http.max_body_bytes;
  // The HTTP layer's in-memory limit only has to hold the largest JSON body.
  options.http.limits.max_body_bytes = options.max_json_body_bytes;
  options.max_json_depth = flags.max_json_depth;
  options.browser.allowed_hosts = SplitCommaList(flags.allowed_hosts);
  options.browser.cors_allowed_origins = SplitCommaList(flags.cors_allowed_origins);
  // A JSON body reserves its parse's worst case with it (kJsonParseBytesPerBodyByte).
  const uint64_t largest_hold = options.max_json_body_bytes * (1 + kJsonParseBytesPerBodyByte);
  if (options.http.limits.max_buffered_bytes < largest_hold) {
    return Status::InvalidParameter(fmt::format(
        "--max-buffered-size must be at least {} times --max-body-size ({} bytes): a JSON body "
        "is held with its parse",
        1 + kJsonParseBytesPerBodyByte, largest_hold));
  }
  options.access_log = flags.http.access_log;
  // The serving threads inherit this mask, so SIGINT/SIGTERM reach only the signal wait below.
  BlockStopSignals();
  options.http.host = flags.host;
  options.http.port = flags.port;
  options.http.threads = flags.workers;
  options.http.path_prefix = flags.static_prefix;
  options.ui_folder = flags.ui_dir;
  options.artifacts_destination = destination;
  // A local default root is where experiments keep artifacts too (artifact_location checks).
  if (std::string local = root.starts_with("file://") ? root.substr(7) : root;
      std::filesystem::path(local).is_absolute()) {
    options.local_artifact_roots.push_back(local);
  }
  options.serve_artifacts = flags.serve_artifacts;
  options.auth = auth.get();
  options.registry = registry.get();
  options.version = ORCHARD_VERSION;
  std::unique_ptr<TrackingServer> server = store != nullptr
                                               ? std::make_unique<TrackingServer>(options, *store)
                                               : std::make_unique<TrackingServer>(options);
  ORCHARD_RETURN_IF_ERROR(server->Start());
  // The readiness line: scripts and tests wait for it (with --port 0 it tells the port).
  std::string serving = flags.artifacts_only ? "artifacts only, from " + destination
                                             : "store " + RedactUriPassword(config.tracking_uri);
  if (!flags.registry_store_uri.empty() && !flags.artifacts_only) {
    serving += ", registry " + RedactUriPassword(flags.registry_store_uri);
  }
  context.out() << fmt::format("Orchard tracking server listening on {}://{}:{}{}/ ({})",
                               Scheme(flags.http), flags.host, server->port(), flags.static_prefix,
                               serving)
                << std::endl;
  const std::vector<std::string> hosts = options.browser.allowed_hosts.empty()
                                             ? DefaultAllowedHosts(flags.host)
                                             : options.browser.allowed_hosts;
  spdlog::info("Host names answered: {} (--allowed-hosts adds others)", fmt::join(hosts, ", "));
  WaitForStopSignal(flags.http, [&](std::chrono::milliseconds grace) { server->Stop(grace); });
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
  cmd->add_option("--registry-store-uri", flags->registry_store_uri,
                  "Database of the model registry (default: the backend store)");
  cmd->add_flag("--artifacts-only", flags->artifacts_only,
                "Serve the artifact proxy only: no database; the tracking and registry API "
                "answers 503");
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
  cmd->add_option("-w,--workers", flags->workers,
                  "Serving threads, and as many database connections (default: 4; 16 on "
                  "PostgreSQL, where requests mostly wait for the database)");
  cmd->add_option("--static-prefix", flags->static_prefix,
                  "Serve the UI and the whole API under this path (e.g. /mlflow), for a reverse "
                  "proxy that mounts the server there");
  cmd->add_option("--ui-dir", flags->ui_dir,
                  "Serve the web UI from this build folder (web/dist) instead of the built-in "
                  "copy, for UI development");
  cmd->add_option("--durability", flags->durability,
                  "What an acknowledged write survives: process (a crash of the server; "
                  "SQLite's default) or os (a crash of the machine or a power loss too; "
                  "PostgreSQL's default)")
      ->check(CLI::IsMember({"process", "os"}));
  AddHttpFlags(cmd, flags->http,
               "Largest JSON request body (16MiB, ...); beyond: 413. Artifact uploads stream to "
               "disk and are not bounded by it");
  cmd->add_option("--allowed-hosts", flags->allowed_hosts,
                  "Comma-separated names the Host header may carry (any port; '*' wildcards, "
                  "or '*' for any), against DNS rebinding. Default: localhost, 127.0.0.1, "
                  "[::1] and the --host address (with --host 0.0.0.0: this machine's name and "
                  "addresses); others get 403");
  cmd->add_option("--cors-allowed-origins", flags->cors_allowed_origins,
                  "Comma-separated origins (https://app.example.com) whose web pages may call "
                  "the API, or '*'. Default: none; the server's own pages always may");
  cmd->add_option("--max-json-depth", flags->max_json_depth,
                  "Deepest nesting of arrays and objects in a JSON request body; deeper: 400")
      ->default_val(kDefaultMaxJsonDepth)
      ->check(CLI::Range(size_t{2}, size_t{1024}));
  cmd->add_option("--gunicorn-opts", flags->gunicorn_opts,
                  "Accepted for mlflow server command lines and ignored (with a warning): use "
                  "--workers");
  cmd->add_option("--waitress-opts", flags->waitress_opts,
                  "Accepted for mlflow server command lines and ignored (with a warning): use "
                  "--workers");
  // mlflow server's other flags, refused with what to do instead (not listed in --help).
  cmd->add_flag("--dev", flags->dev)->group("");
  flags->expose_prometheus_option =
      cmd->add_option("--expose-prometheus", flags->expose_prometheus,
                      "Accepted for MLflow compatibility: metrics are always at /metrics")
          ->expected(0, 1);
  cmd->add_option("--app-name", flags->app_name,
                  "basic-auth: MLflow's users and permissions; every request but /health and the "
                  "UI's files needs a user's credentials. Configured by the INI file "
                  "MLFLOW_AUTH_CONFIG_PATH names (docs/security.md)");
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
