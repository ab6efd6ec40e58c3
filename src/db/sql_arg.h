// SqlArg: a value bound to a '?' placeholder of a SQL statement, in any of the stores' SQL
// dialects (SQLite, PostgreSQL). std::monostate is SQL NULL.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace orchard {

using SqlArg = std::variant<std::monostate, int64_t, double, std::string>;

// SQL text with '?' placeholders plus the values for them, in order.
struct SqlFragment {
  std::string sql;
  std::vector<SqlArg> args;

  void Append(const SqlFragment& other) {
    sql += other.sql;
    args.insert(args.end(), other.args.begin(), other.args.end());
  }
};

}  // namespace orchard
