// SqlDatabase: the few operations a store written once for SQLite and PostgreSQL needs (the
// model registry's): statements with '?' placeholders in the SQL both understand, their rows as
// text, and read or write transactions. Rows are read whole, so this suits light traffic; the
// tracking stores' hot paths use each database's own interface.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "db/sql_arg.h"

namespace orchard {

class PgPool;
class SqliteConnection;

struct SqlRows {
  std::vector<std::vector<std::optional<std::string>>> cells;  // nullopt: NULL
  int64_t affected = 0;  // rows an INSERT, UPDATE or DELETE changed

  int rows() const { return static_cast<int>(cells.size()); }
  bool IsNull(int row, int column) const { return !cells[row][column].has_value(); }
  const std::string& Text(int row, int column) const;  // "" for NULL
  int64_t Int(int row, int column) const;
  double Double(int row, int column) const;  // every bit, NaN and infinities included
  bool Bool(int row, int column) const;      // 1/0 (SQLite) or t/f (PostgreSQL)
};

class SqlSession {
 public:
  virtual ~SqlSession() = default;
  virtual StatusOr<SqlRows> Query(const std::string& sql, const std::vector<SqlArg>& args = {}) = 0;
};

class SqlDatabase {
 public:
  virtual ~SqlDatabase() = default;
  // `body` in a write transaction: all or nothing. Statements that change a row lock it until
  // the end, so a transaction that first updates a parent row is serialised with others that do.
  virtual Status Write(const std::function<Status(SqlSession&)>& body) = 0;
  // `body` in a read transaction: one snapshot.
  virtual Status Read(const std::function<Status(SqlSession&)>& body) = 0;
};

// Over one SQLite connection (guarded by a mutex).
std::unique_ptr<SqlDatabase> MakeSqliteDatabase(std::unique_ptr<SqliteConnection> connection);
// Over a pool of PostgreSQL connections.
std::unique_ptr<SqlDatabase> MakePgDatabase(std::unique_ptr<PgPool> pool);

}  // namespace orchard
