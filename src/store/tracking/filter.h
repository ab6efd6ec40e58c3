// Filter and OrderBy: the parsed form of a search's filter string and order_by list.
//
// This is what stores consume. Text ("metrics.acc > 0.9 AND tags.team = 'a'") is turned into
// these values in one place, by the search-language parser in this folder, so the CLI, the
// client library and the server share one grammar. A Filter is a conjunction of clauses; a clause
// on a key the entity lacks never matches, even with "!=".
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace orchard {

// What a clause or an order key refers to.
enum class FilterEntity { kMetric, kParam, kTag, kAttribute, kDataset };

enum class Comparator { kEq, kNe, kLt, kLe, kGt, kGe, kLike, kILike, kIn, kNotIn };

// The search language's words: "metrics", "params", "tags", "attributes", "datasets"; and
// "=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN", "NOT IN".
std::string_view FilterEntityName(FilterEntity entity);
std::string_view ComparatorName(Comparator op);

struct Filter;

struct FilterClause {
  FilterEntity entity = FilterEntity::kAttribute;
  std::string key;  // for attributes: run_id, run_name, status, user_id, artifact_uri, start_time,
                    // end_time, created; for experiments: name, creation_time, last_update_time
  Comparator op = Comparator::kEq;
  // A number for metrics and time attributes, a string for the rest, a list for IN / NOT IN.
  std::variant<double, std::string, std::vector<std::string>> value;
  // Beyond MLflow: when set, this clause is a disjunction, true when any of these filters holds
  // (each an AND of clauses), and the fields above are unused. "a OR (b AND c)" parses to one
  // such clause; parentheses group.
  std::vector<Filter> any_of;
};

struct Filter {
  std::vector<FilterClause> clauses;  // all must hold
  bool empty() const { return clauses.empty(); }
  // Comparison clauses in the whole tree (for size limits).
  size_t CountComparisons() const;
  // Values in all IN / NOT IN lists of the whole tree (each becomes a bound SQL parameter).
  size_t CountListValues() const;
};

struct OrderBy {
  FilterEntity entity = FilterEntity::kAttribute;
  std::string key;
  bool ascending = true;
};

}  // namespace orchard
