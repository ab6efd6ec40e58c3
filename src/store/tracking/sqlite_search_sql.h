// Translation of Filter and OrderBy values into SQL for the SQLite tracking store. Every value
// is bound as a parameter, never spliced into the text. Internal to the SQLite store.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "base/status.h"
#include "db/sqlite_connection.h"
#include "store/tracking/filter.h"

namespace orchard {

using SqlArg = std::variant<int64_t, double, std::string>;

// SQL text plus the values for its '?' placeholders, in order.
struct SqlFragment {
  std::string sql;
  std::vector<SqlArg> args;

  void Append(const SqlFragment& other);
};

void BindArgs(SqliteStatement& statement, const std::vector<SqlArg>& args, int first_index = 1);

// How a filter on metrics, params and tags is written: as subqueries SQLite can start a search
// from (kDriving), or as per-run checks for a loop that proposes runs itself (kProbing).
enum class FilterForm { kDriving, kProbing };

// " AND <clause>" for each clause of a run filter over table alias `r` (runs). Unknown
// attributes, and comparators or values that do not fit the entity, are INVALID_PARAMETER_VALUE.
StatusOr<SqlFragment> RunFilterSql(const Filter& filter, FilterForm form = FilterForm::kDriving);
// The same for experiments, over table alias `e`.
StatusOr<SqlFragment> ExperimentFilterSql(const Filter& filter);

// Joins and ORDER BY terms for a run search over alias `r`. When `skip_first` is set the first
// key (a metric) is handled by the caller. Ends with start_time DESC (unless ordered by it) and
// run_uuid.
struct RunOrderSql {
  SqlFragment joins;
  SqlFragment terms;  // without "ORDER BY"
};
StatusOr<RunOrderSql> RunOrderBySql(const std::vector<OrderBy>& order_by, bool skip_first);

// ORDER BY terms for an experiment search over alias `e`.
StatusOr<std::string> ExperimentOrderBySql(const std::vector<OrderBy>& order_by);

}  // namespace orchard
