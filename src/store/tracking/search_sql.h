// Translation of Filter and OrderBy values into SQL for the tracking stores (SQLite and
// PostgreSQL share their table names and this SQL). Every value is bound as a parameter, never
// spliced into the text.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "db/sql_arg.h"
#include "store/tracking/filter.h"

namespace orchard {

// The columns both stores read for a run (alias r) and an experiment (alias e), in this order.
inline constexpr char kRunColumns[] =
    "r.run_pk, r.run_uuid, r.experiment_id, r.name, r.user_id, r.status, r.start_time, "
    "r.end_time, r.artifact_uri, r.lifecycle_stage";
inline constexpr char kExperimentColumns[] =
    "e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage, e.creation_time, "
    "e.last_update_time";

// How a filter on metrics, params and tags is written: as subqueries the database can start a
// search from (kDriving), or as per-run checks for a loop that proposes runs itself (kProbing).
enum class FilterForm { kDriving, kProbing };

// A metric name's key_id, for a store that looks names up before it writes the SQL: the
// database then plans with the id as a value (PostgreSQL estimates a skewed key_id from its
// statistics only so). -1 for a name no run has.
using MetricKeyResolver = std::function<int64_t(const std::string&)>;

// The key_id of metric `key`: the resolver's as a value, or without one a subquery on
// metric_keys.
SqlFragment MetricKeyIdSql(const std::string& key, const MetricKeyResolver* resolver);

// " AND <clause>" for each clause of a run filter over table alias `r` (runs). Unknown
// attributes, and comparators or values that do not fit the entity, are INVALID_PARAMETER_VALUE.
StatusOr<SqlFragment> RunFilterSql(const Filter& filter, FilterForm form = FilterForm::kDriving,
                                   const MetricKeyResolver* resolver = nullptr);
// The same for experiments, over table alias `e`.
StatusOr<SqlFragment> ExperimentFilterSql(const Filter& filter);

// Joins and ORDER BY terms for a run search over alias `r`. When `skip_first` is set the first
// key (a metric) is handled by the caller. Ends with start_time DESC (unless ordered by it) and
// run_uuid.
struct RunOrderSql {
  SqlFragment joins;
  SqlFragment terms;  // without "ORDER BY"
};
StatusOr<RunOrderSql> RunOrderBySql(const std::vector<OrderBy>& order_by, bool skip_first,
                                    const MetricKeyResolver* resolver = nullptr);

// ORDER BY terms for an experiment search over alias `e`.
StatusOr<std::string> ExperimentOrderBySql(const std::vector<OrderBy>& order_by);

}  // namespace orchard
