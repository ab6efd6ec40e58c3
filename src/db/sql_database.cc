#include "db/sql_database.h"

#include <charconv>
#include <cstdlib>
#include <mutex>

#include "db/pg_connection.h"
#include "db/sqlite_connection.h"

namespace orchard {
namespace {

class SqliteSession : public SqlSession {
 public:
  explicit SqliteSession(SqliteConnection& db) : db_(db) {}
  StatusOr<SqlRows> Query(const std::string& sql, const std::vector<SqlArg>& args) override {
    ORCHARD_ASSIGN_OR_RETURN(SqliteStatement statement, db_.Prepare(sql));
    statement.BindAll(args);
    SqlRows rows;
    while (true) {
      ORCHARD_ASSIGN_OR_RETURN(bool row, statement.Step());
      if (!row) break;
      auto& cells = rows.cells.emplace_back();
      for (int c = 0; c < statement.ColumnCount(); ++c) {
        if (statement.ColumnIsNull(c)) {
          cells.emplace_back();
        } else if (statement.ColumnIsFloat(c)) {
          // SQLite's own text for a double keeps 15 digits; the shortest exact form keeps all.
          char buffer[32];
          auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, statement.ColumnDouble(c));
          cells.emplace_back(std::string(buffer, end));
        } else {
          cells.emplace_back(statement.ColumnText(c));
        }
      }
    }
    rows.affected = db_.Changes();
    return rows;
  }

 private:
  SqliteConnection& db_;
};

class SqliteDatabase : public SqlDatabase {
 public:
  explicit SqliteDatabase(std::unique_ptr<SqliteConnection> db) : db_(std::move(db)) {}
  Status Write(const std::function<Status(SqlSession&)>& body) override {
    std::lock_guard lock(mutex_);
    SqliteSession session(*db_);
    return db_->WriteTransaction([&] { return body(session); });
  }
  Status Read(const std::function<Status(SqlSession&)>& body) override {
    std::lock_guard lock(mutex_);
    SqliteSession session(*db_);
    return db_->ReadTransaction([&] { return body(session); });
  }

 private:
  std::mutex mutex_;
  std::unique_ptr<SqliteConnection> db_;
};

class PgSession : public SqlSession {
 public:
  explicit PgSession(PgConnection& db) : db_(db) {}
  StatusOr<SqlRows> Query(const std::string& sql, const std::vector<SqlArg>& args) override {
    ORCHARD_ASSIGN_OR_RETURN(PgResult result, db_.Query(sql, args));
    SqlRows rows;
    const int columns = PQnfields(result.get());
    for (int r = 0; r < result.rows(); ++r) {
      auto& cells = rows.cells.emplace_back();
      for (int c = 0; c < columns; ++c) {
        if (result.IsNull(r, c)) {
          cells.emplace_back();
        } else {
          cells.emplace_back(result.Text(r, c));
        }
      }
    }
    rows.affected = result.affected();
    return rows;
  }

 private:
  PgConnection& db_;
};

class PgDatabase : public SqlDatabase {
 public:
  explicit PgDatabase(std::unique_ptr<PgPool> pool) : pool_(std::move(pool)) {}
  Status Write(const std::function<Status(SqlSession&)>& body) override {
    return Run(PgConnection::Transaction::kWrite, body);
  }
  Status Read(const std::function<Status(SqlSession&)>& body) override {
    return Run(PgConnection::Transaction::kSnapshotRead, body);
  }

 private:
  Status Run(PgConnection::Transaction kind, const std::function<Status(SqlSession&)>& body) {
    return WithPgTransaction(*pool_, kind, [&](PgConnection& db) {
      PgSession session(db);
      return body(session);
    });
  }
  std::unique_ptr<PgPool> pool_;
};

}  // namespace

const std::string& SqlRows::Text(int row, int column) const {
  static const std::string kEmpty;
  const auto& cell = cells[row][column];
  return cell ? *cell : kEmpty;
}

int64_t SqlRows::Int(int row, int column) const { return std::atoll(Text(row, column).c_str()); }

double SqlRows::Double(int row, int column) const {
  // strtod reads "inf" and "nan" (SQLite) and "Infinity" and "NaN" (PostgreSQL) alike.
  return std::strtod(Text(row, column).c_str(), nullptr);
}

bool SqlRows::Bool(int row, int column) const {
  const std::string& text = Text(row, column);
  return text == "1" || text == "t" || text == "true";
}

std::unique_ptr<SqlDatabase> MakeSqliteDatabase(std::unique_ptr<SqliteConnection> connection) {
  return std::make_unique<SqliteDatabase>(std::move(connection));
}

std::unique_ptr<SqlDatabase> MakePgDatabase(std::unique_ptr<PgPool> pool) {
  return std::make_unique<PgDatabase>(std::move(pool));
}

}  // namespace orchard
