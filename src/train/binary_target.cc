#include "train/binary_target.h"

#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "base/text.h"

namespace orchard {
namespace {

bool IsConventionalPositive(const std::string& text) {
  std::string lower = AsciiLower(text);
  return lower == "1" || lower == "1.0" || lower == "true" || lower == "yes";
}

}  // namespace

StatusOr<BinaryTarget> MakeBinaryTarget(const Column& column, const std::string& positive_label) {
  std::map<std::string, size_t> counts;
  std::vector<std::string> texts(column.size());
  for (size_t row = 0; row < column.size(); ++row) {
    if (column.IsMissing(row)) {
      return Status::InvalidParameter(fmt::format(
          "the target column '{}' has a missing value in data row {}; drop or fill such rows",
          column.name, row + 1));
    }
    texts[row] = column.TextAt(row);
    ++counts[texts[row]];
  }
  if (counts.size() != 2) {
    std::string seen;
    for (const auto& [text, count] : counts) {
      if (seen.size() > 80) {
        seen += ", ...";
        break;
      }
      seen += (seen.empty() ? "'" : ", '") + text + "'";
    }
    return Status::InvalidParameter(
        fmt::format("the target column '{}' must have exactly two distinct values for binary "
                    "classification; it has {}{}{}",
                    column.name, counts.size(), counts.empty() ? "" : ": ", seen));
  }
  auto first = counts.begin();
  auto second = std::next(first);
  BinaryTarget target;
  if (!positive_label.empty()) {
    if (!counts.contains(positive_label)) {
      return Status::InvalidParameter(
          fmt::format("--positive-label '{}' is not a value of the target column '{}' ('{}', '{}')",
                      positive_label, column.name, first->first, second->first));
    }
    target.positive = positive_label;
  } else if (IsConventionalPositive(first->first) != IsConventionalPositive(second->first)) {
    target.positive = IsConventionalPositive(first->first) ? first->first : second->first;
  } else {
    // Two arbitrary strings: the rarer one is what one usually wants to find (defaults, fraud).
    target.positive = first->second <= second->second ? first->first : second->first;
  }
  target.negative = target.positive == first->first ? second->first : first->first;
  target.labels.resize(texts.size());
  for (size_t row = 0; row < texts.size(); ++row) {
    target.labels[row] = texts[row] == target.positive ? 1 : 0;
  }
  return target;
}

}  // namespace orchard
