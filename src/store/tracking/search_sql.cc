#include "store/tracking/search_sql.h"

#include <fmt/format.h>

namespace orchard {
namespace {

// SQL's spelling of a comparator; ILIKE is LIKE with both sides lowered by the caller.
std::string ComparatorSql(Comparator op) {
  return op == Comparator::kILike ? "LIKE" : std::string(ComparatorName(op));
}

bool IsNumericOp(Comparator op) {
  return op == Comparator::kEq || op == Comparator::kNe || op == Comparator::kLt ||
         op == Comparator::kLe || op == Comparator::kGt || op == Comparator::kGe;
}

bool IsStringOp(Comparator op) {
  return op == Comparator::kEq || op == Comparator::kNe || op == Comparator::kLike ||
         op == Comparator::kILike;
}

Status BadClause(const FilterClause& clause, std::string_view why) {
  return Status::InvalidParameter(fmt::format("Invalid filter clause on '{}.{}': {}",
                                              FilterEntityName(clause.entity), clause.key, why));
}

// "<column> <op> ?" for a string comparison, lowering both sides for ILIKE.
StatusOr<SqlFragment> StringComparison(const std::string& column, const FilterClause& clause) {
  const auto* value = std::get_if<std::string>(&clause.value);
  if (value == nullptr || !IsStringOp(clause.op)) {
    return BadClause(clause, "expected =, !=, LIKE or ILIKE with a quoted string value");
  }
  if (clause.op == Comparator::kILike)
    return SqlFragment{"lower(" + column + ") LIKE lower(?)", {*value}};
  return SqlFragment{column + " " + ComparatorSql(clause.op) + " ?", {*value}};
}

StatusOr<SqlFragment> NumberComparison(const std::string& column, const FilterClause& clause) {
  const auto* value = std::get_if<double>(&clause.value);
  if (value == nullptr || !IsNumericOp(clause.op)) {
    return BadClause(clause, "expected =, !=, <, <=, >, >= with a numeric value");
  }
  return SqlFragment{column + " " + ComparatorSql(clause.op) + " ?", {*value}};
}

StatusOr<SqlFragment> ListComparison(const std::string& column, const FilterClause& clause) {
  const auto* values = std::get_if<std::vector<std::string>>(&clause.value);
  if (values == nullptr || values->empty()) return BadClause(clause, "IN needs a non-empty list");
  SqlFragment out{column + " " + ComparatorSql(clause.op) + " (", {}};
  for (size_t i = 0; i < values->size(); ++i) {
    out.sql += i == 0 ? "?" : ",?";
    out.args.emplace_back((*values)[i]);
  }
  out.sql += ")";
  return out;
}

// Dataset fields compare as strings, and also take IN / NOT IN lists.
StatusOr<SqlFragment> DatasetComparison(const std::string& column, const FilterClause& clause) {
  if (clause.op == Comparator::kIn || clause.op == Comparator::kNotIn) {
    return ListComparison(column, clause);
  }
  return StringComparison(column, clause);
}

StatusOr<SqlFragment> RunAttributeClause(const FilterClause& clause) {
  const std::string& key = clause.key;
  if (key == "start_time" || key == "end_time" || key == "created" || key == "Created") {
    std::string column = key == "end_time" ? "r.end_time" : "r.start_time";
    return NumberComparison(column, clause);
  }
  std::string column;
  if (key == "run_id")
    column = "r.run_uuid";
  else if (key == "run_name")
    column = "r.name";
  else if (key == "status")
    column = "r.status";
  else if (key == "user_id")
    column = "r.user_id";
  else if (key == "artifact_uri")
    column = "r.artifact_uri";
  else {
    return Status::InvalidParameter(fmt::format(
        "Invalid attribute key '{}' specified. Valid keys are: run_id, run_name, status, "
        "user_id, artifact_uri, start_time, end_time, created",
        key));
  }
  if (clause.op == Comparator::kIn || clause.op == Comparator::kNotIn) {
    if (key != "run_id") return BadClause(clause, "IN and NOT IN apply to run_id only");
    return ListComparison(column, clause);
  }
  return StringComparison(column, clause);
}

// " AND ((TRUE AND <a>) OR (TRUE AND <b>) ...)" for a disjunction; each alternative is translated
// by `translate` (which yields " AND ..." fragments).
template <typename Translate>
StatusOr<SqlFragment> AnyOfSql(const std::vector<Filter>& alternatives, Translate translate) {
  SqlFragment out{" AND (", {}};
  for (size_t i = 0; i < alternatives.size(); ++i) {
    ORCHARD_ASSIGN_OR_RETURN(SqlFragment inner, translate(alternatives[i]));
    out.sql += i == 0 ? "(TRUE" : " OR (TRUE";
    out.Append(inner);
    out.sql += ")";
  }
  out.sql += ")";
  return out;
}

}  // namespace

SqlFragment MetricKeyIdSql(const std::string& key, const MetricKeyResolver* resolver) {
  if (resolver != nullptr) return {"?", {(*resolver)(key)}};
  return {"(SELECT key_id FROM metric_keys WHERE key = ?)", {key}};
}

StatusOr<SqlFragment> RunFilterSql(const Filter& filter, FilterForm form,
                                   const MetricKeyResolver* resolver) {
  // Driving: "r.run_pk IN (uncorrelated subquery)" lets SQLite start from the filter's index
  // (latest_metrics by (key_id, value), tags and params by (key, value)) when it is selective.
  // Probing: "EXISTS (correlated subquery)" checks one run by primary key, cheap when another
  // loop (the metric-order walk) proposes the runs.
  const bool probe = form == FilterForm::kProbing;
  SqlFragment out;
  for (const FilterClause& clause : filter.clauses) {
    if (!clause.any_of.empty()) {
      ORCHARD_ASSIGN_OR_RETURN(SqlFragment either,
                               AnyOfSql(clause.any_of, [form, resolver](const Filter& f) {
                                 return RunFilterSql(f, form, resolver);
                               }));
      out.Append(either);
      continue;
    }
    SqlFragment condition;
    switch (clause.entity) {
      case FilterEntity::kMetric: {
        ORCHARD_ASSIGN_OR_RETURN(SqlFragment cmp, NumberComparison("m.value", clause));
        SqlFragment key_id = MetricKeyIdSql(clause.key, resolver);
        condition.sql = fmt::format("{} FROM latest_metrics m WHERE {}m.key_id = {} AND {})",
                                    probe ? "EXISTS (SELECT 1" : "r.run_pk IN (SELECT m.run_pk",
                                    probe ? "m.run_pk = r.run_pk AND " : "", key_id.sql, cmp.sql);
        condition.args = key_id.args;
        condition.args.insert(condition.args.end(), cmp.args.begin(), cmp.args.end());
        break;
      }
      case FilterEntity::kParam:
      case FilterEntity::kTag: {
        const char* table = clause.entity == FilterEntity::kParam ? "params" : "tags";
        ORCHARD_ASSIGN_OR_RETURN(SqlFragment cmp, StringComparison("k.value", clause));
        condition.sql = fmt::format("{} FROM {} k WHERE {}k.key = ? AND {})",
                                    probe ? "EXISTS (SELECT 1" : "r.run_pk IN (SELECT k.run_pk",
                                    table, probe ? "k.run_pk = r.run_pk AND " : "", cmp.sql);
        condition.args.emplace_back(clause.key);
        condition.args.insert(condition.args.end(), cmp.args.begin(), cmp.args.end());
        break;
      }
      case FilterEntity::kAttribute: {
        ORCHARD_ASSIGN_OR_RETURN(condition, RunAttributeClause(clause));
        break;
      }
      case FilterEntity::kDataset: {
        // datasets.name / datasets.digest, or datasets.context (the input's
        // mlflow.data.context tag), as MLflow's search allows.
        SqlFragment cmp;
        std::string from;
        if (clause.key == "name" || clause.key == "digest") {
          from = "inputs i JOIN datasets d ON d.dataset_pk = i.dataset_pk WHERE ";
          ORCHARD_ASSIGN_OR_RETURN(cmp, DatasetComparison("d." + clause.key, clause));
        } else if (clause.key == "context") {
          from = "input_tags i WHERE i.key = 'mlflow.data.context' AND ";
          ORCHARD_ASSIGN_OR_RETURN(cmp, DatasetComparison("i.value", clause));
        } else {
          return Status::InvalidParameter(fmt::format(
              "Invalid dataset key '{}'. Valid keys are: name, digest, context", clause.key));
        }
        condition.sql =
            probe
                ? fmt::format("EXISTS (SELECT 1 FROM {}i.run_pk = r.run_pk AND {})", from, cmp.sql)
                : fmt::format("r.run_pk IN (SELECT i.run_pk FROM {}{})", from, cmp.sql);
        condition.args = cmp.args;
        break;
      }
    }
    out.sql += " AND " + condition.sql;
    out.args.insert(out.args.end(), condition.args.begin(), condition.args.end());
  }
  return out;
}

StatusOr<SqlFragment> ExperimentFilterSql(const Filter& filter) {
  SqlFragment out;
  for (const FilterClause& clause : filter.clauses) {
    if (!clause.any_of.empty()) {
      ORCHARD_ASSIGN_OR_RETURN(SqlFragment either, AnyOfSql(clause.any_of, ExperimentFilterSql));
      out.Append(either);
      continue;
    }
    SqlFragment condition;
    if (clause.entity == FilterEntity::kTag) {
      ORCHARD_ASSIGN_OR_RETURN(SqlFragment cmp, StringComparison("t.value", clause));
      condition.sql =
          "EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.experiment_id AND "
          "t.key = ? AND " +
          cmp.sql + ")";
      condition.args.emplace_back(clause.key);
      condition.args.insert(condition.args.end(), cmp.args.begin(), cmp.args.end());
    } else if (clause.entity == FilterEntity::kAttribute && clause.key == "name") {
      ORCHARD_ASSIGN_OR_RETURN(condition, StringComparison("e.name", clause));
    } else if (clause.entity == FilterEntity::kAttribute &&
               (clause.key == "creation_time" || clause.key == "last_update_time")) {
      ORCHARD_ASSIGN_OR_RETURN(condition, NumberComparison("e." + clause.key, clause));
    } else {
      return Status::InvalidParameter(
          fmt::format("Invalid experiment filter key '{}.{}'. Valid keys are: name, creation_time, "
                      "last_update_time, tags.<key>",
                      FilterEntityName(clause.entity), clause.key));
    }
    out.sql += " AND " + condition.sql;
    out.args.insert(out.args.end(), condition.args.begin(), condition.args.end());
  }
  return out;
}

StatusOr<RunOrderSql> RunOrderBySql(const std::vector<OrderBy>& order_by, bool skip_first,
                                    const MetricKeyResolver* resolver) {
  RunOrderSql out;
  bool has_start_time = false;
  auto add_term = [&](const std::string& term) {
    if (!out.terms.sql.empty()) out.terms.sql += ", ";
    out.terms.sql += term;
  };
  for (size_t i = 0; i < order_by.size(); ++i) {
    const OrderBy& key = order_by[i];
    const char* direction = key.ascending ? "ASC" : "DESC";
    if (key.entity == FilterEntity::kAttribute &&
        (key.key == "start_time" || key.key == "created" || key.key == "Created")) {
      has_start_time = true;
    }
    if (i == 0 && skip_first) continue;
    std::string alias = fmt::format("o{}", i);
    switch (key.entity) {
      case FilterEntity::kMetric: {
        SqlFragment key_id = MetricKeyIdSql(key.key, resolver);
        out.joins.sql += fmt::format(
            " LEFT JOIN latest_metrics {0} ON {0}.run_pk = r.run_pk AND {0}.key_id = {1}", alias,
            key_id.sql);
        out.joins.args.insert(out.joins.args.end(), key_id.args.begin(), key_id.args.end());
        // Numbers first, then NaN, then runs without the metric (MLflow's order).
        add_term(fmt::format("({0}.run_pk IS NULL), ({0}.value IS NULL), {0}.value {1}", alias,
                             direction));
        break;
      }
      case FilterEntity::kParam:
      case FilterEntity::kTag:
        out.joins.sql += fmt::format(" LEFT JOIN {0} {1} ON {1}.run_pk = r.run_pk AND {1}.key = ?",
                                     key.entity == FilterEntity::kParam ? "params" : "tags", alias);
        out.joins.args.emplace_back(key.key);
        add_term(fmt::format("({0}.value IS NULL), {0}.value {1}", alias, direction));
        break;
      case FilterEntity::kAttribute: {
        std::string column;
        if (key.key == "start_time" || key.key == "created" || key.key == "Created")
          column = "r.start_time";
        else if (key.key == "end_time")
          column = "r.end_time";
        else if (key.key == "run_name")
          column = "r.name";
        else if (key.key == "run_id")
          column = "r.run_uuid";
        else if (key.key == "status" || key.key == "user_id" || key.key == "artifact_uri" ||
                 key.key == "experiment_id")
          column = "r." + key.key;
        else {
          return Status::InvalidParameter(
              fmt::format("Invalid order_by attribute '{}'. Valid keys are: start_time, end_time, "
                          "run_name, run_id, status, user_id, artifact_uri, experiment_id, created",
                          key.key));
        }
        add_term(fmt::format("({0} IS NULL), {0} {1}", column, direction));
        break;
      }
      case FilterEntity::kDataset:
        return Status::InvalidParameter("order_by does not support datasets");
    }
  }
  if (!has_start_time) add_term("r.start_time DESC");
  add_term("r.run_uuid ASC");
  return out;
}

StatusOr<std::string> ExperimentOrderBySql(const std::vector<OrderBy>& order_by) {
  std::string terms;
  bool has_id = false;
  for (const OrderBy& key : order_by) {
    if (key.entity != FilterEntity::kAttribute ||
        (key.key != "name" && key.key != "experiment_id" && key.key != "creation_time" &&
         key.key != "last_update_time")) {
      return Status::InvalidParameter(fmt::format(
          "Invalid order_by key '{}'. Valid keys are: name, experiment_id, creation_time, "
          "last_update_time",
          key.key));
    }
    has_id = has_id || key.key == "experiment_id";
    if (!terms.empty()) terms += ", ";
    terms += fmt::format("e.{} {}", key.key, key.ascending ? "ASC" : "DESC");
  }
  if (order_by.empty()) terms = "e.creation_time DESC";
  if (!has_id) terms += ", e.experiment_id ASC";
  return terms;
}

}  // namespace orchard
