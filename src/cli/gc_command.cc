// orchard gc: permanently removes deleted runs and experiments, with their artifacts, as
// `mlflow gc` does (store/tracking/garbage_collector.h).
#include <filesystem>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/text.h"
#include "cli/cli_app.h"
#include "db/pg_connection.h"
#include "db/pg_uri.h"
#include "db/sqlite_connection.h"
#include "server/artifact_handlers.h"
#include "store/tracking/garbage_collector.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

struct GcFlags {
  std::string backend_store_uri;
  std::string artifacts_destination = "orchard-artifacts";
  std::string older_than;
  std::string run_ids, experiment_ids;
};

StatusOr<std::unique_ptr<SqlDatabase>> OpenDatabase(const std::string& uri) {
  constexpr std::string_view kSqlite = "sqlite:///";
  if (uri.starts_with(kSqlite)) {
    ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> db,
                             SqliteConnection::Open(uri.substr(kSqlite.size())));
    return MakeSqliteDatabase(std::move(db));
  }
  ORCHARD_ASSIGN_OR_RETURN(PgUri parsed, ParsePostgresUri(uri));
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<PgPool> pool, PgPool::Open(parsed, 1));
  return MakePgDatabase(std::move(pool));
}

// Removes a run's artifact folder when it is local; says so, or why not.
std::string RemoveArtifacts(const std::string& uri, const std::string& destination) {
  const fs::path root = LocalArtifactRoot(uri, destination);
  if (!root.is_absolute()) return fmt::format("artifacts left at {} (not a local folder)", uri);
  std::error_code ec;
  const auto removed = fs::remove_all(root, ec);
  if (ec) return fmt::format("artifacts at {} NOT removed: {}", root.string(), ec.message());
  if (removed == 0) return "no artifacts";
  // The run's own folder ("<run id>/artifacts" leaves "<run id>/") goes too when empty.
  if (root.filename() == "artifacts") fs::remove(root.parent_path(), ec);
  return fmt::format("artifacts removed from {}", root.string());
}

}  // namespace

void AddGcCommand(CLI::App& app, CliContext& context) {
  auto flags = std::make_shared<GcFlags>();
  auto* cmd = app.add_subcommand(
      "gc",
      "Permanently remove deleted runs and experiments, with their artifacts (as mlflow gc). "
      "Only what is in the deleted stage is touched; the rows go first, then the artifact "
      "folders");
  cmd->add_option("--backend-store-uri", flags->backend_store_uri,
                  "The tracking database (default: the configured tracking URI)");
  cmd->add_option("--artifacts-destination", flags->artifacts_destination,
                  "The folder behind mlflow-artifacts:/ URIs (the server's "
                  "--artifacts-destination)")
      ->capture_default_str();
  cmd->add_option("--older-than", flags->older_than,
                  "Only what was deleted longer ago, e.g. 30d, 1d2h3m4s, 45m");
  cmd->add_option("--run-ids", flags->run_ids,
                  "Only these runs (comma-separated); each must be deleted");
  cmd->add_option("--experiment-ids", flags->experiment_ids,
                  "Only these experiments and their runs (comma-separated); each must be deleted");
  cmd->callback([&context, flags] {
    context.action = [&context, flags]() -> Status {
      const std::string uri = flags->backend_store_uri.empty() ? context.ConfiguredTrackingUri()
                                                               : flags->backend_store_uri;
      if (uri.starts_with("http://") || uri.starts_with("https://")) {
        return Status::InvalidParameter(
            "orchard gc works on the tracking database itself: give --backend-store-uri "
            "sqlite:///... or postgresql://... (the server's own)");
      }
      ORCHARD_ASSIGN_OR_RETURN(TrackingConfig config, ResolveTrackingConfig(uri, ""));
      // Opening the store brings its schema up to date first.
      ORCHARD_RETURN_IF_ERROR(OpenTrackingStore(config).status());
      GarbageRequest request{.run_ids = SplitCommaList(flags->run_ids),
                             .experiment_ids = SplitCommaList(flags->experiment_ids),
                             .now_ms = NowMillis()};
      if (!flags->older_than.empty()) {
        ORCHARD_ASSIGN_OR_RETURN(request.older_than_ms, ParseAge(flags->older_than));
      }
      ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<SqlDatabase> db, OpenDatabase(config.tracking_uri));
      ORCHARD_ASSIGN_OR_RETURN(GarbageCollected collected, CollectGarbage(*db, request));
      const std::string destination = fs::absolute(flags->artifacts_destination).string();
      for (const RemovedRun& run : collected.runs) {
        context.out() << fmt::format("removed run {} ({})\n", run.run_id,
                                     RemoveArtifacts(run.artifact_uri, destination));
      }
      for (const RemovedExperiment& experiment : collected.experiments) {
        context.out() << fmt::format("removed experiment {}\n", experiment.experiment_id);
      }
      context.out() << fmt::format("{} runs and {} experiments removed\n", collected.runs.size(),
                                   collected.experiments.size());
      return Status::Ok();
    };
  });
}

}  // namespace orchard
