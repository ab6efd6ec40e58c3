#include "db/pg_migrations.h"

#include <fmt/format.h>

namespace orchard {
namespace {

// The advisory lock that serialises migrations of one database ("orchard" in ASCII).
constexpr int64_t kMigrationLock = 0x6f72636861726400;

Status TooNew(PgConnection& db, int current, int latest) {
  return Status(ErrorCode::kInvalidState,
                fmt::format("PostgreSQL database {} has schema version {}, newer than this orchard "
                            "(version {}); upgrade orchard",
                            db.display_name(), current, latest));
}

}  // namespace

StatusOr<int> PgSchemaVersion(PgConnection& db) {
  ORCHARD_ASSIGN_OR_RETURN(PgResult exists,
                           db.Query("SELECT to_regclass('schema_version') IS NOT NULL"));
  if (exists.Text(0, 0) != "t") return 0;
  ORCHARD_ASSIGN_OR_RETURN(PgResult version, db.Query("SELECT max(version) FROM schema_version"));
  return version.IsNull(0, 0) ? 0 : static_cast<int>(version.Int(0, 0));
}

StatusOr<int> ApplyPgMigrations(PgConnection& db, std::span<const PgMigration> migrations,
                                const std::function<Status()>& after) {
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  // The common case, a current schema, takes no lock.
  ORCHARD_ASSIGN_OR_RETURN(int seen, PgSchemaVersion(db));
  if (seen == latest) return seen;
  if (seen > latest) return TooNew(db, seen, latest);
  // A session lock taken before the transaction begins: once this server holds it, its
  // transaction starts after the last migrator's commit and sees all of its work (a lock taken
  // inside the transaction could leave it looking at the catalog as it was before).
  ORCHARD_RETURN_IF_ERROR(db.Query("SELECT pg_advisory_lock(?)", {kMigrationLock}).status());
  int before = 0;
  Status migrated = db.RunTransaction(PgConnection::Transaction::kWrite, [&]() -> Status {
    // Another server may have migrated between our look and our lock: look again.
    ORCHARD_ASSIGN_OR_RETURN(before, PgSchemaVersion(db));
    if (before > latest) return TooNew(db, before, latest);
    if (before == latest) return Status::Ok();
    ORCHARD_RETURN_IF_ERROR(
        db.Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
    for (const PgMigration& migration : migrations) {
      if (migration.version <= before) continue;
      ORCHARD_RETURN_IF_ERROR(
          db.Exec(migration.sql).WithContext(fmt::format("migration {}", migration.version)));
      ORCHARD_RETURN_IF_ERROR(
          db.Query("INSERT INTO schema_version (version) VALUES (?)", {int64_t{migration.version}})
              .status());
    }
    return after ? after() : Status::Ok();
  });
  // A lost connection releases the lock by itself.
  if (db.healthy()) (void)db.Query("SELECT pg_advisory_unlock(?)", {kMigrationLock});
  ORCHARD_RETURN_IF_ERROR(migrated);
  return before;
}

}  // namespace orchard
