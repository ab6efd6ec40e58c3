// Numbered schema migrations for a SQLite database, applied at open.
//
// The current version lives in table schema_version. Migrations run inside one write
// transaction (BEGIN IMMEDIATE), so two processes opening the same new file at once are safe:
// the second waits, then finds the schema current and applies nothing.
#pragma once

#include <span>

#include "base/status.h"
#include "db/sqlite_connection.h"

namespace orchard {

struct SqliteMigration {
  int version;      // 1, 2, 3, ... in order
  const char* sql;  // one or more statements
};

// The schema version recorded in the file (0 for a new file).
StatusOr<int> SqliteSchemaVersion(SqliteConnection& db);

// Brings the database to the last migration's version and runs `after` in the same
// transaction (for seed rows that depend on run-time settings); does nothing, and takes no write
// lock, when the schema is current.
// INVALID_STATE when the database is newer than this program knows.
Status ApplySqliteMigrations(SqliteConnection& db, std::span<const SqliteMigration> migrations,
                             const std::function<Status()>& after);

}  // namespace orchard
