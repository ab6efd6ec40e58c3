#include "db/sqlite_migrations.h"

#include <fmt/format.h>

namespace orchard {

Status ApplySqliteMigrations(SqliteConnection& db, std::span<const SqliteMigration> migrations,
                             const std::function<Status()>& after) {
  return db.WriteTransaction([&]() -> Status {
    ORCHARD_RETURN_IF_ERROR(
        db.Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
    int current = 0;
    {
      ORCHARD_ASSIGN_OR_RETURN(SqliteStatement select,
                               db.Prepare("SELECT max(version) FROM schema_version"));
      ORCHARD_ASSIGN_OR_RETURN(bool row, select.Step());
      if (row && !select.ColumnIsNull(0)) current = static_cast<int>(select.ColumnInt(0));
    }
    int latest = migrations.empty() ? 0 : migrations.back().version;
    if (current > latest) {
      return Status(ErrorCode::kInvalidState,
                    fmt::format("database '{}' has schema version {}, newer than this orchard "
                                "(version {}); upgrade orchard",
                                db.path(), current, latest));
    }
    for (const SqliteMigration& migration : migrations) {
      if (migration.version <= current) continue;
      ORCHARD_RETURN_IF_ERROR(db.Exec(migration.sql)
                                  .WithContext(fmt::format("migration {}", migration.version)));
      ORCHARD_ASSIGN_OR_RETURN(SqliteStatement insert,
                               db.Prepare("INSERT INTO schema_version (version) VALUES (?)"));
      ORCHARD_RETURN_IF_ERROR(insert.Bind(1, int64_t{migration.version}).Run());
    }
    return after ? after() : Status::Ok();
  });
}

}  // namespace orchard
