// orchard db upgrade | copy | backup: a database's schema migrations on demand, moving a whole
// store (Orchard's or MLflow's) into another, and online backups.
#include <fmt/format.h>

#include "cli/cli_app.h"
#include "db/backup.h"
#include "db/pg_migrations.h"
#include "db/pg_uri.h"
#include "db/sqlite_connection.h"
#include "db/sqlite_migrations.h"
#include "store/transfer/store_copy.h"

namespace orchard {
namespace {

// The schema version a tracking database records (0: none yet).
StatusOr<int> SchemaVersion(const std::string& uri) {
  constexpr std::string_view kSqlite = "sqlite:///";
  if (uri.starts_with(kSqlite)) {
    ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> db,
                             SqliteConnection::Open(uri.substr(kSqlite.size())));
    return SqliteSchemaVersion(*db);
  }
  ORCHARD_ASSIGN_OR_RETURN(PgUri parsed, ParsePostgresUri(uri));
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> db, PgConnection::Open(parsed));
  return PgSchemaVersion(*db);
}

void AddCopyCommand(CLI::App* group, CliContext& context) {
  struct Options {
    std::string from, to;
  };
  auto options = std::make_shared<Options>();
  auto* copy = group->add_subcommand(
      "copy",
      "Copy everything in a tracking database (Orchard's, or MLflow 2.x's in SQLite or "
      "PostgreSQL) into an Orchard database, keeping every id, name, version number and time; "
      "verifies the result and is safe to rerun. Artifacts stay where their URIs point");
  copy->add_option("--from", options->from,
                   "The database to read (sqlite:///... or postgresql://...)")
      ->required();
  copy->add_option("--to", options->to, "The Orchard database to write (created when missing)")
      ->required();
  copy->callback([&context, options] {
    context.action = [&context, options]() -> Status {
      ORCHARD_ASSIGN_OR_RETURN(TrackingConfig from, ResolveTrackingConfig(options->from, ""));
      ORCHARD_ASSIGN_OR_RETURN(TrackingConfig to,
                               ResolveTrackingConfig(options->to, context.artifact_root_flag));
      ORCHARD_ASSIGN_OR_RETURN(
          CopyReport report,
          CopyStore(from.tracking_uri, to.tracking_uri, to.artifact_root,
                    [&](std::string_view line) { context.err() << "db copy: " << line << '\n'; }));
      context.out() << fmt::format(
          "copied {} experiments, {} runs ({} already there), {} params, {} tags, {} metric "
          "points, {} registered models with {} versions into {}; verified\n",
          report.experiments, report.runs, report.runs_already_there, report.params, report.tags,
          report.metric_points, report.registered_models, report.model_versions,
          RedactUriPassword(to.tracking_uri));
      return Status::Ok();
    };
  });
}

void AddBackupCommand(CLI::App* group, CliContext& context) {
  struct Options {
    std::string dest, from;
  };
  auto options = std::make_shared<Options>();
  auto* backup = group->add_subcommand(
      "backup",
      "Take a consistent copy of a tracking database while servers keep writing to it: SQLite's "
      "backup API (a database file), or pg_dump's custom format for PostgreSQL (restore with "
      "pg_restore). Artifacts are files: copy their folder as well");
  backup->add_option("dest", options->dest, "The backup file to write (must not exist)")
      ->required();
  backup->add_option("--from", options->from,
                     "The database to back up (default: the tracking URI: --tracking-uri, "
                     "ORCHARD_TRACKING_URI, MLFLOW_TRACKING_URI or sqlite:///orchard.db)");
  backup->callback([&context, options] {
    context.action = [&context, options]() -> Status {
      std::string from = options->from.empty() ? context.ConfiguredTrackingUri() : options->from;
      ORCHARD_ASSIGN_OR_RETURN(TrackingConfig config, ResolveTrackingConfig(from, ""));
      const std::string& uri = config.tracking_uri;
      constexpr std::string_view kSqlite = "sqlite:///";
      if (uri.starts_with(kSqlite)) {
        ORCHARD_RETURN_IF_ERROR(BackupSqlite(uri.substr(kSqlite.size()), options->dest));
      } else if (IsPostgresUri(uri)) {
        ORCHARD_RETURN_IF_ERROR(BackupPostgres(uri, options->dest));
      } else {
        return Status::InvalidParameter(
            fmt::format("'{}' is not a database URI; back up the server's own database "
                        "(sqlite:///path.db or postgresql://...)",
                        RedactUriPassword(uri)));
      }
      context.out() << fmt::format("backed up {} to {}\n", RedactUriPassword(uri), options->dest);
      return Status::Ok();
    };
  });
}

}  // namespace

void AddDbCommands(CLI::App& app, CliContext& context) {
  CLI::App* group = app.add_subcommand("db", "Manage the tracking database");
  group->require_subcommand(1);
  auto uri = std::make_shared<std::string>();
  auto* upgrade = group->add_subcommand(
      "upgrade",
      "Apply the schema migrations this orchard knows to a database (sqlite:/// or "
      "postgresql://); servers also apply them at start, one at a time");
  upgrade->add_option("url", *uri, "The database URI")->required();
  upgrade->callback([&context, uri] {
    context.action = [&context, uri]() -> Status {
      ORCHARD_ASSIGN_OR_RETURN(TrackingConfig config, ResolveTrackingConfig(*uri, ""));
      if (!config.tracking_uri.starts_with("sqlite:///") && !IsPostgresUri(config.tracking_uri)) {
        return Status::InvalidParameter(
            fmt::format("'{}' is not a database URI; use sqlite:///path.db or postgresql://...",
                        RedactUriPassword(config.tracking_uri)));
      }
      ORCHARD_ASSIGN_OR_RETURN(int before, SchemaVersion(config.tracking_uri));
      // Opening the store migrates it (under the database's migration lock).
      ORCHARD_RETURN_IF_ERROR(OpenTrackingStore(config).status());
      ORCHARD_ASSIGN_OR_RETURN(int after, SchemaVersion(config.tracking_uri));
      const std::string shown = RedactUriPassword(config.tracking_uri);
      if (before == after) {
        context.out() << fmt::format("{}: schema is current (version {})\n", shown, after);
      } else {
        context.out() << fmt::format("{}: schema upgraded from version {} to {}\n", shown, before,
                                     after);
      }
      return Status::Ok();
    };
  });
  AddCopyCommand(group, context);
  AddBackupCommand(group, context);
}

}  // namespace orchard
