#include "db/backup.h"

#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>

#include <fmt/format.h>

#include "base/ids.h"
#include "base/subprocess.h"
#include "db/pg_uri.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

Status RefuseExisting(const std::string& dest_path) {
  std::error_code ec;
  if (fs::exists(dest_path, ec)) {
    return Status(ErrorCode::kResourceAlreadyExists,
                  fmt::format("'{}' already exists; name a new file for the backup", dest_path));
  }
  return Status::Ok();
}

Status SqliteFailure(sqlite3* db, const std::string& what) {
  return Status(ErrorCode::kInvalidState,
                fmt::format("{}: {}", what, db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

}  // namespace

Status BackupSqlite(const std::string& source_path, const std::string& dest_path) {
  ORCHARD_RETURN_IF_ERROR(RefuseExisting(dest_path));
  std::error_code ec;
  if (!fs::is_regular_file(source_path, ec)) {
    return Status::InvalidParameter(fmt::format("'{}' is not a database file", source_path));
  }
  const std::string temp = fmt::format("{}.tmp-{}", dest_path, NewRunId());
  sqlite3* source = nullptr;
  sqlite3* dest = nullptr;
  Status status;
  if (sqlite3_open_v2(source_path.c_str(), &source, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    status = SqliteFailure(source, fmt::format("cannot open '{}'", source_path));
  } else if (sqlite3_open_v2(temp.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                             nullptr) != SQLITE_OK) {
    status = SqliteFailure(dest, fmt::format("cannot create '{}'", temp));
  } else {
    sqlite3_busy_timeout(source, 10000);
    sqlite3_backup* backup = sqlite3_backup_init(dest, "main", source, "main");
    if (backup == nullptr) {
      status = SqliteFailure(dest, "cannot start the backup");
    } else {
      // All pages in one step: one read transaction, so the copy is one consistent state even
      // while other connections write (a step-by-step copy would restart at every write).
      int rc = sqlite3_backup_step(backup, -1);
      sqlite3_backup_finish(backup);
      if (rc != SQLITE_DONE) status = SqliteFailure(dest, "the backup failed");
    }
  }
  if (status.ok()) {
    sqlite3_stmt* check = nullptr;
    if (sqlite3_prepare_v2(dest, "PRAGMA integrity_check", -1, &check, nullptr) != SQLITE_OK ||
        sqlite3_step(check) != SQLITE_ROW ||
        std::string(reinterpret_cast<const char*>(sqlite3_column_text(check, 0))) != "ok") {
      status = SqliteFailure(dest, "the backup fails its integrity check");
    }
    sqlite3_finalize(check);
  }
  sqlite3_close(source);
  sqlite3_close(dest);
  if (status.ok()) fs::rename(temp, dest_path, ec);
  if (!status.ok() || ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    if (status.ok()) {
      status = Status(ErrorCode::kInvalidState,
                      fmt::format("cannot move the backup to '{}': {}", dest_path, ec.message()));
    }
  }
  return status;
}

Status BackupPostgres(const std::string& uri, const std::string& dest_path) {
  ORCHARD_RETURN_IF_ERROR(RefuseExisting(dest_path));
  ORCHARD_ASSIGN_OR_RETURN(PgUri parsed, ParsePostgresUri(uri));
  auto [without_password, password] = SplitUserInfoPassword(parsed.conninfo);
  // The child inherits the environment: the password goes there, never on a command line that
  // other users can read.
  if (!password.empty()) ::setenv("PGPASSWORD", password.c_str(), 1);
  const std::string temp = fmt::format("{}.tmp-{}", dest_path, NewRunId());
  std::string output;
  StatusOr<int> exit_code =
      RunCaptured({"pg_dump", "--format=custom", "--file=" + temp, "--dbname=" + without_password},
                  "", &output);
  std::error_code ec;
  if (!exit_code.ok()) {
    return Status::InvalidParameter(
        "pg_dump is needed to back up PostgreSQL; install Debian's postgresql-client");
  }
  if (*exit_code != 0) {
    fs::remove(temp, ec);
    return Status(ErrorCode::kInvalidState,
                  fmt::format("pg_dump of {} failed: {}", parsed.display, output));
  }
  fs::rename(temp, dest_path, ec);
  if (ec) {
    return Status(ErrorCode::kInvalidState,
                  fmt::format("cannot move the backup to '{}': {}", dest_path, ec.message()));
  }
  return Status::Ok();
}

}  // namespace orchard
