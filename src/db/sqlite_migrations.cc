#include "db/sqlite_migrations.h"

#include <fmt/format.h>

namespace orchard {

StatusOr<int> SqliteSchemaVersion(SqliteConnection& db) {
  ORCHARD_ASSIGN_OR_RETURN(
      SqliteStatement exists,
      db.Prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'"));
  ORCHARD_ASSIGN_OR_RETURN(bool has_table, exists.Step());
  if (!has_table) return 0;
  ORCHARD_ASSIGN_OR_RETURN(SqliteStatement select,
                           db.Prepare("SELECT max(version) FROM schema_version"));
  ORCHARD_ASSIGN_OR_RETURN(bool row, select.Step());
  return row && !select.ColumnIsNull(0) ? static_cast<int>(select.ColumnInt(0)) : 0;
}

namespace {

Status TooNew(SqliteConnection& db, int current, int latest) {
  return Status(ErrorCode::kInvalidState,
                fmt::format("database '{}' has schema version {}, newer than this orchard "
                            "(version {}); upgrade orchard",
                            db.path(), current, latest));
}

}  // namespace

Status ApplySqliteMigrations(SqliteConnection& db, std::span<const SqliteMigration> migrations,
                             const std::function<Status()>& after) {
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  // The common case, a current schema, needs no write lock (and works on a read-only file).
  ORCHARD_ASSIGN_OR_RETURN(int seen, SqliteSchemaVersion(db));
  if (seen == latest) return Status::Ok();
  if (seen > latest) return TooNew(db, seen, latest);
  return db.WriteTransaction([&]() -> Status {
    ORCHARD_RETURN_IF_ERROR(
        db.Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
    // Another process may have migrated between our look and our lock: look again.
    ORCHARD_ASSIGN_OR_RETURN(int current, SqliteSchemaVersion(db));
    if (current > latest) return TooNew(db, current, latest);
    if (current == latest) return Status::Ok();
    for (const SqliteMigration& migration : migrations) {
      if (migration.version <= current) continue;
      ORCHARD_RETURN_IF_ERROR(
          db.Exec(migration.sql).WithContext(fmt::format("migration {}", migration.version)));
      ORCHARD_ASSIGN_OR_RETURN(SqliteStatement insert,
                               db.Prepare("INSERT INTO schema_version (version) VALUES (?)"));
      ORCHARD_RETURN_IF_ERROR(insert.Bind(1, int64_t{migration.version}).Run());
    }
    return after ? after() : Status::Ok();
  });
}

}  // namespace orchard
