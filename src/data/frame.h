// Frame: a typed, column-major table in memory, what the trainer, the predictor and the data
// tools work on. A column is numeric (doubles, NaN = missing) or categorical (codes into its
// levels, -1 = missing). Plain data; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace orchard {

enum class ColumnType { kNumeric, kCategorical };

struct Column {
  std::string name;
  ColumnType type = ColumnType::kNumeric;
  std::vector<double> numbers;      // kNumeric: one per row; NaN is missing
  std::vector<int32_t> codes;       // kCategorical: one per row, an index into levels; -1 missing
  std::vector<std::string> levels;  // kCategorical: distinct values, in order of first appearance
  // kNumeric read from text: every row held a whole number written without a point or exponent
  // ("42", "-7"), none missing; pandas' read_csv makes such a column int64, others float64.
  bool whole_numbers = false;

  size_t size() const { return type == ColumnType::kNumeric ? numbers.size() : codes.size(); }
  bool IsMissing(size_t row) const;
  // The value as text: "" when missing; numbers in their shortest round-trip form.
  std::string TextAt(size_t row) const;
};

struct Frame {
  std::vector<Column> columns;
  size_t rows = 0;

  // The index of the column named `name`, or -1.
  int ColumnIndex(std::string_view name) const;
};

// Values read as missing in text: "", "NA", "N/A", "NaN", "nan", "null", "NULL", "None".
bool IsMissingText(std::string_view text);

}  // namespace orchard
