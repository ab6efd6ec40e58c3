// Online backups of a tracking database, taken while servers keep writing to it.
//   SQLite      the backup API in one step: a consistent snapshot under a read transaction
//               (WAL mode: writers go on), written beside DEST and renamed into place, then
//               checked with PRAGMA integrity_check.
//   PostgreSQL  pg_dump --format=custom (restore with pg_restore), which reads one snapshot.
#pragma once

#include <string>

#include "base/status.h"

namespace orchard {

// Copies the SQLite database at `source_path` to `dest_path` (which must not exist).
Status BackupSqlite(const std::string& source_path, const std::string& dest_path);

// Dumps the PostgreSQL database `uri` to `dest_path` (which must not exist) with pg_dump. A
// password in the URI is handed to pg_dump in its environment, not on its command line.
Status BackupPostgres(const std::string& uri, const std::string& dest_path);

}  // namespace orchard
