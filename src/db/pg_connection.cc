#include "db/pg_connection.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace orchard {
namespace {

// PostgreSQL type OIDs of the values sent (pg_type.h).
constexpr Oid kInt8Oid = 20;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kTextOid = 25;

// '?' placeholders as '$1', '$2', ...; quoted literals and identifiers are left alone.
std::string NumberPlaceholders(const std::string& sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 1;
  char quote = 0;
  for (char c : sql) {
    if (quote != 0) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += '$';
      out += std::to_string(next++);
    } else {
      out += c;
    }
  }
  return out;
}

std::string DoubleText(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, end);
}

// The values as libpq takes them: text, with a type per value (0, unknown, for NULL).
struct Params {
  std::vector<std::string> text;
  std::vector<const char*> values;
  std::vector<Oid> types;
  std::string signature;  // one letter per type, part of a prepared statement's cache key
};

Params EncodeParams(const std::vector<SqlArg>& args) {
  Params params;
  params.text.reserve(args.size());
  for (const SqlArg& arg : args) {
    if (const auto* i = std::get_if<int64_t>(&arg)) {
      params.text.push_back(std::to_string(*i));
      params.types.push_back(kInt8Oid);
      params.signature += 'i';
    } else if (const auto* d = std::get_if<double>(&arg)) {
      params.text.push_back(DoubleText(*d));
      params.types.push_back(kFloat8Oid);
      params.signature += 'd';
    } else if (const auto* s = std::get_if<std::string>(&arg)) {
      params.text.push_back(*s);
      params.types.push_back(kTextOid);
      params.signature += 's';
    } else {
      params.text.emplace_back();
      params.types.push_back(0);
      params.signature += 'n';
    }
  }
  for (size_t i = 0; i < args.size(); ++i) {
    params.values.push_back(
        std::holds_alternative<std::monostate>(args[i]) ? nullptr : params.text[i].c_str());
  }
  return params;
}

std::string OneLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  return text;
}

Status Unavailable(const std::string& display, const std::string& why) {
  return Status(ErrorCode::kTemporarilyUnavailable,
                fmt::format("PostgreSQL at {} is unavailable: {}", display, OneLine(why)));
}

}  // namespace

int64_t PgResult::affected() const {
  const char* text = PQcmdTuples(result_);
  return text == nullptr || *text == '\0' ? 0 : std::atoll(text);
}

int64_t PgResult::Int(int row, int column) const {
  return std::atoll(PQgetvalue(result_, row, column));
}

double PgResult::Double(int row, int column) const {
  // strtod reads PostgreSQL's NaN, Infinity and -Infinity as well as numbers.
  return std::strtod(PQgetvalue(result_, row, column), nullptr);
}

PgConnection::~PgConnection() { PQfinish(conn_); }

StatusOr<std::unique_ptr<PgConnection>> PgConnection::Open(const PgUri& uri) {
  PGconn* conn = PQconnectdb(uri.conninfo.c_str());
  if (conn == nullptr) return Unavailable(uri.display, "out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn);
    PQfinish(conn);
    // A refused login or a missing database will not fix itself; a server that is down may.
    const bool refused = why.find("authentication") != std::string::npos ||
                         why.find("does not exist") != std::string::npos ||
                         why.find("password") != std::string::npos;
    if (refused) {
      return Status(ErrorCode::kInvalidState,
                    fmt::format("cannot use PostgreSQL at {}: {}", uri.display, OneLine(why)));
    }
    return Unavailable(uri.display, why);
  }
  std::unique_ptr<PgConnection> connection(new PgConnection(conn, uri.display));
  // Quiet NOTICEs (CREATE ... IF NOT EXISTS says "already exists, skipping" on stderr).
  ORCHARD_RETURN_IF_ERROR(connection->Exec("SET client_min_messages = warning"));
  if (uri.durability != Durability::kDefault) {
    ORCHARD_RETURN_IF_ERROR(connection->Exec(uri.durability == Durability::kOs
                                                 ? "SET synchronous_commit = on"
                                                 : "SET synchronous_commit = off"));
  }
  return connection;
}

Status PgConnection::ResultError(PGresult* result, std::string_view sql) {
  const char* state = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  last_sqlstate_ = state == nullptr ? "" : state;
  std::string message = result == nullptr ? PQerrorMessage(conn_) : PQresultErrorMessage(result);
  if (!healthy() || last_sqlstate_.starts_with("08") || last_sqlstate_ == "57P01") {
    return Unavailable(display_, message);
  }
  if (last_sqlstate_ == kPgUniqueViolation) {
    return Status(ErrorCode::kResourceAlreadyExists, OneLine(message));
  }
  std::string_view head = sql.substr(0, 60);
  return Status::Internal(
      fmt::format("PostgreSQL error {} in '{}...': {}", last_sqlstate_, head, OneLine(message)));
}

StatusOr<PgResult> PgConnection::Run(const std::string& sql, const std::vector<SqlArg>& args,
                                     bool prepare) {
  last_sqlstate_.clear();
  // PostgreSQL's text cannot hold NUL, and libpq would send the value cut at it: refuse it
  // whole instead of storing less than was given.
  for (const SqlArg& arg : args) {
    const auto* text = std::get_if<std::string>(&arg);
    if (text != nullptr && text->find('\0') != std::string::npos) {
      return Status::InvalidParameter(
          "a value holds a NUL character, which a PostgreSQL store cannot keep");
    }
  }
  Params params = EncodeParams(args);
  const int count = static_cast<int>(args.size());
  PGresult* result = nullptr;
  if (prepare) {
    std::string key = params.signature + '|' + sql;
    auto it = prepared_.find(key);
    if (it == prepared_.end()) {
      std::string name = fmt::format("s{}", prepared_.size());
      PgResult made(PQprepare(conn_, name.c_str(), NumberPlaceholders(sql).c_str(), count,
                              params.types.data()));
      if (PQresultStatus(made.get()) != PGRES_COMMAND_OK) {
        return ResultError(made.get(), sql);
      }
      it = prepared_.emplace(std::move(key), std::move(name)).first;
    }
    result =
        PQexecPrepared(conn_, it->second.c_str(), count, params.values.data(), nullptr, nullptr, 0);
  } else {
    result = PQexecParams(conn_, NumberPlaceholders(sql).c_str(), count, params.types.data(),
                          params.values.data(), nullptr, nullptr, 0);
  }
  PgResult owned(result);
  ExecStatusType status = result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return ResultError(result, sql);
  return owned;
}

StatusOr<PgResult> PgConnection::Query(const std::string& sql, const std::vector<SqlArg>& args) {
  return Run(sql, args, /*prepare=*/true);
}

StatusOr<PgResult> PgConnection::QueryOnce(const std::string& sql,
                                           const std::vector<SqlArg>& args) {
  return Run(sql, args, /*prepare=*/false);
}

Status PgConnection::Exec(const std::string& sql) {
  last_sqlstate_.clear();
  PgResult result(PQexec(conn_, sql.c_str()));
  ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return ResultError(result.get(), sql);
  }
  return Status::Ok();
}

Status PgConnection::RunTransaction(Transaction kind, const std::function<Status()>& body) {
  const std::string begin =
      kind == Transaction::kWrite ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    ORCHARD_RETURN_IF_ERROR(Exec(begin));
    Status status;
    try {
      status = body();
    } catch (...) {
      (void)Exec("ROLLBACK");
      throw;
    }
    if (status.ok()) status = Exec("COMMIT");
    const std::string failed_state = status.ok() ? "" : last_sqlstate_;
    if (!status.ok() && healthy()) (void)Exec("ROLLBACK");  // no-op after a failed COMMIT
    last_sqlstate_ = failed_state;
    // 40001 serialization failure, 40P01 deadlock: the transaction may simply be run again.
    const bool retry = failed_state == "40001" || failed_state == "40P01";
    if (!retry || attempt == kAttempts) return status;
  }
}

std::string PgArray(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(values[i]);
  }
  return out + "}";
}

std::string PgArray(const std::vector<double>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += DoubleText(values[i]);
  }
  return out + "}";
}

std::string PgArray(const std::vector<std::optional<double>>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += values[i] ? DoubleText(*values[i]) : "NULL";
  }
  return out + "}";
}

std::string PgArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

// ---------------------------------------------------------------------------------------------
// PgPool

StatusOr<std::unique_ptr<PgPool>> PgPool::Open(const PgUri& uri, int size) {
  std::unique_ptr<PgPool> pool(new PgPool(uri, std::max(size, 1)));
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> first, PgConnection::Open(uri));
  pool->idle_.push_back(std::move(first));
  return pool;
}

PgPool::Lease::~Lease() {
  if (conn_ != nullptr) pool_->Release(std::move(conn_));
}

StatusOr<PgPool::Lease> PgPool::Acquire() {
  std::unique_ptr<PgConnection> conn;
  {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [&] { return !idle_.empty() || leased_ < size_; });
    ++leased_;
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (conn != nullptr && conn->healthy()) return Lease(this, std::move(conn));
  // None idle, or the one we got lost its server: connect afresh (outside the lock).
  conn.reset();
  StatusOr<std::unique_ptr<PgConnection>> opened = PgConnection::Open(uri_);
  if (!opened.ok()) {
    std::lock_guard lock(mutex_);
    --leased_;
    available_.notify_one();
    return opened.status();
  }
  return Lease(this, std::move(opened).value());
}

void PgPool::Release(std::unique_ptr<PgConnection> conn) {
  std::lock_guard lock(mutex_);
  --leased_;
  // A lost connection is dropped here; the next Acquire opens a new one.
  if (conn->healthy()) idle_.push_back(std::move(conn));
  available_.notify_one();
}

Status WithPgTransaction(PgPool& pool, PgConnection::Transaction kind,
                         const std::function<Status(PgConnection&)>& body) {
  ORCHARD_ASSIGN_OR_RETURN(PgPool::Lease lease, pool.Acquire());
  PgConnection& conn = *lease;
  return conn.RunTransaction(kind, [&] { return body(conn); });
}

}  // namespace orchard
