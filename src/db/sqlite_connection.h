// SqliteConnection: one SQLite connection with a per-connection cache of prepared statements,
// transactions that wait out other writers, and errors as Status values.
//
// Opening sets WAL mode, synchronous=NORMAL (a committed transaction survives a crash of the
// process; a power loss may lose the last ones), foreign keys, case-sensitive LIKE (MLflow's
// LIKE is case-sensitive) and a busy timeout, so several processes can share one file.
//
// Not thread-safe: a connection belongs to one thread at a time (the stores guard theirs).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"
#include "db/durability.h"
#include "db/sql_arg.h"

namespace orchard {

// A prepared statement borrowed from a connection's cache. It is reset and its bindings cleared
// when the handle goes out of scope, ready for the next user. Indexes are 1-based for Bind and
// 0-based for Column, as in SQLite.
class SqliteStatement {
 public:
  // `owned`: finalize on destruction (an uncached statement) rather than reset for reuse.
  SqliteStatement(sqlite3_stmt* stmt, sqlite3* db, bool owned = false)
      : stmt_(stmt), db_(db), owned_(owned) {}
  SqliteStatement(SqliteStatement&& other) noexcept
      : stmt_(std::exchange(other.stmt_, nullptr)), db_(other.db_), owned_(other.owned_) {}
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement();

  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& Bind(int index, double value);  // NaN binds as NULL, as SQLite stores it
  SqliteStatement& Bind(int index, std::string_view value);
  SqliteStatement& BindNull(int index);
  // Binds `args` in order from placeholder `first_index` on (std::monostate as NULL).
  SqliteStatement& BindAll(const std::vector<SqlArg>& args, int first_index = 1);

  // Advances to the next row: true when there is one, false when done.
  StatusOr<bool> Step();
  // Steps to completion, for statements that return no rows.
  Status Run();
  // Readies the statement to run again with new bindings (the old ones stay until rebound).
  SqliteStatement& Reset() {
    sqlite3_reset(stmt_);
    return *this;
  }

  int64_t ColumnInt(int index) const { return sqlite3_column_int64(stmt_, index); }
  double ColumnDouble(int index) const { return sqlite3_column_double(stmt_, index); }
  int ColumnCount() const { return sqlite3_column_count(stmt_); }
  bool ColumnIsFloat(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_FLOAT; }
  bool ColumnIsNull(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }
  std::string ColumnText(int index) const;

 private:
  sqlite3_stmt* stmt_;
  sqlite3* db_;
  bool owned_;
};

class SqliteConnection {
 public:
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // Opens (creating when missing) the database file at `path`. INVALID_STATE with the file name
  // when the file cannot be opened or is not a SQLite database.
  // `durability` chooses PRAGMA synchronous (see durability.h).
  static StatusOr<std::unique_ptr<SqliteConnection>> Open(
      const std::string& path, Durability durability = Durability::kDefault);

  // Runs one or more statements with no results (DDL, pragmas).
  Status Exec(std::string_view sql);
  // Runs one statement through the statement cache (BEGIN, COMMIT, SAVEPOINT ...: compiled once).
  Status RunCached(const std::string& sql);
  // A cached prepared statement for `sql` (compiled on first use). For the fixed statements of
  // a store; SQL built from user input (searches) uses PrepareUncached, so the cache stays
  // bounded in a long-running server.
  StatusOr<SqliteStatement> Prepare(const std::string& sql);
  StatusOr<SqliteStatement> PrepareUncached(const std::string& sql);

  // Runs `body` in a write transaction (BEGIN IMMEDIATE), committing when it returns OK and
  // rolling back otherwise. Waits for other writers (busy timeout, then retries), so a caller
  // never sees SQLITE_BUSY unless the database stays locked for minutes.
  Status WriteTransaction(const std::function<Status()>& body);
  // Runs `body` in a read transaction, so all its queries see one snapshot of the database even
  // while other connections write.
  Status ReadTransaction(const std::function<Status()>& body);

  int64_t LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
  int Changes() const { return sqlite3_changes(db_); }
  const std::string& path() const { return path_; }

 private:
  SqliteConnection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status Error(int rc, std::string_view what) const;
  // body(), rolling the open transaction back if it throws (then rethrowing).
  Status RunOrRollBack(const std::function<Status()>& body);

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// The Status for SQLite result code `rc` on `db`: INVALID_STATE for a corrupt or unreadable
// file, TEMPORARILY_UNAVAILABLE for a lock held too long, INTERNAL_ERROR otherwise.
Status SqliteError(sqlite3* db, int rc, std::string_view what);

}  // namespace orchard
