// PgConnection: one libpq connection to PostgreSQL with a per-connection cache of prepared
// statements, transactions, and errors as Status values; PgPool: a fixed number of them shared
// by threads, reconnecting after the database restarts.
//
// Statements are written with '?' placeholders (the stores' shared SQL) and sent with '$n';
// values are sent as text with their types (bigint, double precision, text), so doubles keep
// every bit, NaN and infinities included.
//
// Errors: TEMPORARILY_UNAVAILABLE when the database cannot be reached or the connection was lost
// (the pool reconnects on the next use); RESOURCE_ALREADY_EXISTS for a unique violation;
// INTERNAL_ERROR otherwise. Messages name the database without its password.
#pragma once

#include <libpq-fe.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"
#include "db/pg_uri.h"
#include "db/sql_arg.h"

namespace orchard {

// The rows of a finished statement (owned; cleared on destruction). Indexes are 0-based.
class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result) {}
  PgResult(PgResult&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
  PgResult& operator=(PgResult&& other) noexcept {
    std::swap(result_, other.result_);
    return *this;
  }
  PgResult(const PgResult&) = delete;
  ~PgResult() {
    if (result_ != nullptr) PQclear(result_);
  }

  PGresult* get() const { return result_; }
  int rows() const { return PQntuples(result_); }
  // Rows an INSERT, UPDATE or DELETE changed.
  int64_t affected() const;
  bool IsNull(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }
  std::string Text(int row, int column) const {
    return std::string(PQgetvalue(result_, row, column), PQgetlength(result_, row, column));
  }
  int64_t Int(int row, int column) const;
  double Double(int row, int column) const;  // reads NaN, Infinity and -Infinity too

 private:
  PGresult* result_;
};

// SQLSTATE values the stores act on.
inline constexpr char kPgUniqueViolation[] = "23505";

class PgConnection {
 public:
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Connects; TEMPORARILY_UNAVAILABLE with libpq's reason when the database cannot be reached,
  // INVALID_STATE when it refuses the login or the database does not exist.
  static StatusOr<std::unique_ptr<PgConnection>> Open(const PgUri& uri);

  // Runs one statement, prepared on first use on this connection (for the stores' fixed SQL).
  StatusOr<PgResult> Query(const std::string& sql, const std::vector<SqlArg>& args = {});
  // Runs one statement without keeping it prepared (for SQL built per request: searches).
  StatusOr<PgResult> QueryOnce(const std::string& sql, const std::vector<SqlArg>& args = {});
  // Runs statements without placeholders (DDL, BEGIN, COMMIT ...).
  Status Exec(const std::string& sql);

  enum class Transaction { kWrite, kSnapshotRead };
  // Runs `body` in a transaction, committing when it returns OK and rolling back otherwise.
  // kWrite is READ COMMITTED (rows are locked by the statements that change them); kSnapshotRead
  // is REPEATABLE READ, READ ONLY: every query of `body` sees one snapshot. A deadlock or a
  // serialization failure reruns `body` (a few times), so it must be safe to repeat.
  Status RunTransaction(Transaction kind, const std::function<Status()>& body);

  // Whether the connection is still up (false after the server went away).
  bool healthy() const { return PQstatus(conn_) == CONNECTION_OK; }
  // The SQLSTATE of the last failed statement ("" when none).
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  const std::string& display_name() const { return display_; }

 private:
  PgConnection(PGconn* conn, std::string display) : conn_(conn), display_(std::move(display)) {}
  StatusOr<PgResult> Run(const std::string& sql, const std::vector<SqlArg>& args, bool prepare);
  Status ResultError(PGresult* result, std::string_view sql);

  PGconn* conn_;
  std::string display_;
  std::string last_sqlstate_;
  // Prepared statement names by (types + SQL).
  std::unordered_map<std::string, std::string> prepared_;
};

// A fixed number of connections, opened when first needed. Thread-safe.
class PgPool {
 public:
  // Checks that the database is reachable now (one connection is opened and kept).
  static StatusOr<std::unique_ptr<PgPool>> Open(const PgUri& uri, int size);

  // A connection for the caller alone until the lease ends.
  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<PgConnection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease(const Lease&) = delete;
    ~Lease();
    PgConnection& operator*() const { return *conn_; }
    PgConnection* operator->() const { return conn_.get(); }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> conn_;
  };

  // Waits for a free connection; reconnects one that was lost. TEMPORARILY_UNAVAILABLE when the
  // database cannot be reached.
  StatusOr<Lease> Acquire();
  const PgUri& uri() const { return uri_; }

 private:
  PgPool(PgUri uri, int size) : uri_(std::move(uri)), size_(size) {}
  void Release(std::unique_ptr<PgConnection> conn);

  const PgUri uri_;
  const int size_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  int leased_ = 0;
};

// Array literals ('{1,2}', '{"a","b"}') for a text value cast in SQL (`?::bigint[]`), so a
// whole batch binds as a few values. Doubles keep every bit; NaN and infinities are spelled as
// PostgreSQL reads them.
std::string PgArray(const std::vector<int64_t>& values);
std::string PgArray(const std::vector<double>& values);
std::string PgArray(const std::vector<std::optional<double>>& values);  // nullopt: NULL
std::string PgArray(const std::vector<std::string>& values);

// Runs `body` with a pooled connection inside a transaction of `kind`.
Status WithPgTransaction(PgPool& pool, PgConnection::Transaction kind,
                         const std::function<Status(PgConnection&)>& body);

}  // namespace orchard
