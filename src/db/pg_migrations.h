// Numbered schema migrations for a PostgreSQL database, applied at start or by
// `orchard db upgrade`.
//
// The version lives in table schema_version. Migrations run in one transaction holding a
// transaction-level advisory lock, so several servers starting at once on an empty database
// end with one schema and no errors: the first migrates, the others wait, then find it current.
#pragma once

#include <functional>
#include <span>

#include "base/status.h"
#include "db/pg_connection.h"

namespace orchard {

struct PgMigration {
  int version;      // 1, 2, 3, ... in order
  const char* sql;  // one or more statements
};

// The schema version of the database (0 when it has none yet).
StatusOr<int> PgSchemaVersion(PgConnection& db);

// Brings the database to the last migration's version and runs `after` in the same transaction
// (seed rows); returns the version found before. INVALID_STATE when the database is newer than
// this program knows.
StatusOr<int> ApplyPgMigrations(PgConnection& db, std::span<const PgMigration> migrations,
                                const std::function<Status()>& after);

}  // namespace orchard
