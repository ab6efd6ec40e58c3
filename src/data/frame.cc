#include "data/frame.h"

#include <cmath>

#include <fmt/format.h>

namespace orchard {

bool Column::IsMissing(size_t row) const {
  if (type == ColumnType::kNumeric) return std::isnan(numbers[row]);
  // A code past the levels cannot be shown, so it reads as missing rather than out of bounds.
  return codes[row] < 0 || static_cast<size_t>(codes[row]) >= levels.size();
}

std::string Column::TextAt(size_t row) const {
  if (IsMissing(row)) return "";
  // fmt's "{}" is the shortest text that reads back to the same double: 36 -> "36", 0.1 -> "0.1".
  if (type == ColumnType::kNumeric) return fmt::format("{}", numbers[row]);
  return levels[static_cast<size_t>(codes[row])];
}

int Frame::ColumnIndex(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

bool IsMissingText(std::string_view text) {
  // Spaces around the value do not make it present: " NA " is missing like "NA". The reader
  // calls this once per field, so trimming is skipped when there is nothing to trim.
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  if (!text.empty() && (blank(text.front()) || blank(text.back()))) {
    size_t begin = text.find_first_not_of(" \t");
    if (begin == std::string_view::npos) return true;
    text = text.substr(begin, text.find_last_not_of(" \t") + 1 - begin);
  }
  switch (text.size()) {
    case 0:
      return true;
    case 2:
      return text == "NA";
    case 3:
      return text == "N/A" || text == "NaN" || text == "nan";
    case 4:
      return text == "null" || text == "NULL" || text == "None";
    default:
      return false;
  }
}

}  // namespace orchard
