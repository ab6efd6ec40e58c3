#include "store/tracking/filter.h"

namespace orchard {

size_t Filter::CountComparisons() const {
  size_t count = 0;
  for (const FilterClause& clause : clauses) {
    if (clause.any_of.empty()) {
      ++count;
    } else {
      for (const Filter& alternative : clause.any_of) count += alternative.CountComparisons();
    }
  }
  return count;
}

size_t Filter::CountListValues() const {
  size_t count = 0;
  for (const FilterClause& clause : clauses) {
    if (const auto* values = std::get_if<std::vector<std::string>>(&clause.value)) {
      count += values->size();
    }
    for (const Filter& alternative : clause.any_of) count += alternative.CountListValues();
  }
  return count;
}

std::string_view FilterEntityName(FilterEntity entity) {
  switch (entity) {
    case FilterEntity::kMetric:
      return "metrics";
    case FilterEntity::kParam:
      return "params";
    case FilterEntity::kTag:
      return "tags";
    case FilterEntity::kAttribute:
      return "attributes";
    case FilterEntity::kDataset:
      return "datasets";
  }
  return "attributes";
}

std::string_view ComparatorName(Comparator op) {
  switch (op) {
    case Comparator::kEq:
      return "=";
    case Comparator::kNe:
      return "!=";
    case Comparator::kLt:
      return "<";
    case Comparator::kLe:
      return "<=";
    case Comparator::kGt:
      return ">";
    case Comparator::kGe:
      return ">=";
    case Comparator::kLike:
      return "LIKE";
    case Comparator::kILike:
      return "ILIKE";
    case Comparator::kIn:
      return "IN";
    case Comparator::kNotIn:
      return "NOT IN";
  }
  return "=";
}

}  // namespace orchard
