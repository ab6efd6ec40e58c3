// orchard db upgrade: applies a database's schema migrations on demand.
#include <fmt/format.h>

#include "cli/cli_app.h"
#include "db/pg_migrations.h"
#include "db/pg_uri.h"
#include "db/sqlite_connection.h"

namespace orchard {
namespace {

// The schema version a tracking database records (0: none yet).
StatusOr<int> SchemaVersion(const std::string& uri) {
  constexpr std::string_view kSqlite = "sqlite:///";
  if (uri.starts_with(kSqlite)) {
    ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> db,
                             SqliteConnection::Open(uri.substr(kSqlite.size())));
    ORCHARD_ASSIGN_OR_RETURN(
        SqliteStatement exists,
        db->Prepare(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'"));
    ORCHARD_ASSIGN_OR_RETURN(bool has_table, exists.Step());
    if (!has_table) return 0;
    ORCHARD_ASSIGN_OR_RETURN(SqliteStatement max,
                             db->Prepare("SELECT max(version) FROM schema_version"));
    ORCHARD_ASSIGN_OR_RETURN(bool row, max.Step());
    return row && !max.ColumnIsNull(0) ? static_cast<int>(max.ColumnInt(0)) : 0;
  }
  ORCHARD_ASSIGN_OR_RETURN(PgUri parsed, ParsePostgresUri(uri));
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> db, PgConnection::Open(parsed));
  return PgSchemaVersion(*db);
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
}

}  // namespace orchard
