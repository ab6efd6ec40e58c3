#include "db/sqlite_connection.h"

#include <chrono>
#include <thread>

#include <fmt/format.h>

namespace orchard {
namespace {
// How long one statement waits for a lock held by another connection before SQLITE_BUSY.
constexpr int kBusyTimeoutMs = 10000;
// Further attempts after a busy timeout, for writers that hold the lock unusually long.
constexpr int kBusyRetries = 12;
}  // namespace

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  int primary = rc & 0xFF;
  std::string message = fmt::format("{}: {}", what, detail);
  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT || primary == SQLITE_CANTOPEN ||
      primary == SQLITE_READONLY || primary == SQLITE_PERM || primary == SQLITE_IOERR ||
      primary == SQLITE_FULL) {
    return Status(ErrorCode::kInvalidState, message);
  }
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return Status(ErrorCode::kTemporarilyUnavailable, message);
  }
  return Status::Internal(message);
}

SqliteStatement::~SqliteStatement() {
  if (stmt_ == nullptr) return;
  if (owned_) {
    sqlite3_finalize(stmt_);
  } else {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteStatement& SqliteStatement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

SqliteStatement& SqliteStatement::BindAll(const std::vector<SqlArg>& args, int first_index) {
  int index = first_index;
  for (const SqlArg& arg : args) {
    if (const auto* i = std::get_if<int64_t>(&arg)) {
      Bind(index, *i);
    } else if (const auto* d = std::get_if<double>(&arg)) {
      Bind(index, *d);
    } else if (const auto* s = std::get_if<std::string>(&arg)) {
      Bind(index, std::string_view(*s));
    } else {
      BindNull(index);
    }
    ++index;
  }
  return *this;
}

StatusOr<bool> SqliteStatement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, "SQLite statement failed");
}

Status SqliteStatement::Run() {
  while (true) {
    StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
  }
}

std::string SqliteStatement::ColumnText(int index) const {
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, index)));
}

StatusOr<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path,
                                                                   Durability durability) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status status = SqliteError(db, rc, fmt::format("cannot open database file '{}'", path));
    sqlite3_close(db);
    return Status(ErrorCode::kInvalidState, status.message());
  }
  std::unique_ptr<SqliteConnection> connection(new SqliteConnection(db, path));
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  sqlite3_extended_result_codes(db, 1);
  // journal_mode=WAL needs a brief exclusive lock when the file is new; retry if another process
  // holds it. SQLite answers this one without waiting in the busy handler (it would risk a
  // deadlock), so the wait is here, growing. A file that is not a database fails here with
  // SQLITE_NOTADB.
  Status status;
  for (int attempt = 0; attempt < 40; ++attempt) {
    status = connection->Exec("PRAGMA journal_mode=WAL");
    if (status.code() != ErrorCode::kTemporarilyUnavailable) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2 + 3 * attempt));
  }
  if (status.ok()) {
    status = connection->Exec(durability == Durability::kOs ? "PRAGMA synchronous=FULL"
                                                            : "PRAGMA synchronous=NORMAL");
  }
  if (status.ok()) {
    status = connection->Exec(
        "PRAGMA foreign_keys=ON; PRAGMA case_sensitive_like=ON; "
        "PRAGMA cache_size=-32768; PRAGMA mmap_size=268435456; PRAGMA temp_store=MEMORY;");
  }
  if (!status.ok()) {
    return Status(
        status.code() == ErrorCode::kInternalError ? ErrorCode::kInvalidState : status.code(),
        fmt::format("cannot use '{}' as a tracking database: {}", path, status.message()));
  }
  return connection;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Status SqliteConnection::Error(int rc, std::string_view what) const {
  return SqliteError(db_, rc, what);
}

Status SqliteConnection::Exec(std::string_view sql) {
  std::string text(sql);
  char* error = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string message = error != nullptr ? error : sqlite3_errstr(rc);
  sqlite3_free(error);
  return SqliteError(nullptr, rc, message).WithContext("SQLite");
}

StatusOr<SqliteStatement> SqliteConnection::Prepare(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return Error(rc, "cannot prepare SQL statement");
    it = statements_.emplace(sql, stmt).first;
  }
  return SqliteStatement(it->second, db_);
}

StatusOr<SqliteStatement> SqliteConnection::PrepareUncached(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return Error(rc, "cannot prepare SQL statement");
  }
  return SqliteStatement(stmt, db_, /*owned=*/true);
}

Status SqliteConnection::RunCached(const std::string& sql) {
  ORCHARD_ASSIGN_OR_RETURN(SqliteStatement statement, Prepare(sql));
  return statement.Run();
}

Status SqliteConnection::RunOrRollBack(const std::function<Status()>& body) {
  try {
    return body();
  } catch (...) {
    // Never leave a transaction open (a write one holds the file's lock for other processes).
    (void)RunCached("ROLLBACK");
    throw;
  }
}

Status SqliteConnection::ReadTransaction(const std::function<Status()>& body) {
  ORCHARD_RETURN_IF_ERROR(RunCached("BEGIN"));
  Status result = RunOrRollBack(body);
  // Nothing was written: ending the snapshot cannot lose anything.
  (void)RunCached("COMMIT");
  return result;
}

Status SqliteConnection::WriteTransaction(const std::function<Status()>& body) {
  Status begin;
  for (int attempt = 0; attempt <= kBusyRetries; ++attempt) {
    begin = RunCached("BEGIN IMMEDIATE");
    if (begin.code() != ErrorCode::kTemporarilyUnavailable) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10 * (attempt + 1)));
  }
  ORCHARD_RETURN_IF_ERROR(begin);
  Status result = RunOrRollBack(body);
  if (result.ok()) {
    result = RunCached("COMMIT");
    if (result.ok()) return result;
  }
  // The body failed (or COMMIT did): nothing of the transaction may remain.
  (void)RunCached("ROLLBACK");
  return result;
}

}  // namespace orchard
