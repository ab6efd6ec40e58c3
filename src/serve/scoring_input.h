// The rows of a scoring request, read straight from its body into the cells of the columns the
// model reads: what MLflow's scoring server accepts (mlflow/pyfunc/scoring_server), as
//   application/json  exactly one of dataframe_split {columns, data, index?},
//                     dataframe_records [{col: value}, ...], instances or inputs (a list of row
//                     objects, a list of rows in the model's column order, or for inputs an
//                     object of columns); "params" and other keys are ignored;
//   text/csv          a header row, then rows (RFC 4180).
// Columns the model does not read are skipped without being stored (the tutorial's client sends
// ID too); a column the model reads but the request lacks is an error naming it. Errors carry
// MLflow's codes: BAD_REQUEST for a body that cannot be read, INVALID_PARAMETER_VALUE for data
// that does not fit the model's inputs.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "data/frame.h"

namespace orchard {

// One value as the request gave it, in 16 bytes: a large request holds millions. Text lives in
// the table's arena (offset, size), so the table owns everything it points to.
struct InputCell {
  // kBool: a JSON true/false; `number` holds 1 or 0 for numeric features, and a categorical
  // feature reads it as the level "True" / "False", the text a CSV of booleans trained on.
  enum class Kind : uint8_t { kMissing, kNumber, kText, kBool };
  static constexpr size_t kMaxTextSize = (1u << 24) - 1;
  double number = 0;
  uint32_t text_offset = 0;
  uint32_t text_size : 24 = 0;  // at most kMaxTextSize
  Kind kind : 8 = Kind::kMissing;
};
static_assert(sizeof(InputCell) == 16);

// The model's raw input columns by name, built once per model.
class InputSchema {
 public:
  explicit InputSchema(std::vector<std::string> names);
  // The index of column `name`, or -1 when the model does not read it.
  int Find(std::string_view name) const;
  const std::vector<std::string>& names() const { return names_; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
  };
  std::vector<std::string> names_;
  std::unordered_map<std::string, int, Hash, std::equal_to<>> index_;
};

// Rows x schema columns, row-major. Reused across requests by one thread to keep allocations
// off the hot path (Reset keeps the capacity).
struct InputTable {
  size_t columns = 0;
  size_t rows = 0;
  std::vector<InputCell> cells;
  std::string arena;

  void Reset(size_t column_count);
  // Gives the memory back when it holds more than a large request's worth (call after use).
  void ReleaseIfLarge();
  // Appends a row of missing cells and returns it.
  InputCell* AddRow();
  std::string_view Text(const InputCell& cell) const {
    return std::string_view(arena).substr(cell.text_offset, cell.text_size);
  }
  // REQUIRES: text.size() <= InputCell::kMaxTextSize.
  void SetText(InputCell& cell, std::string_view text);
  const InputCell& At(size_t row, size_t column) const { return cells[row * columns + column]; }
};

// A JSON body (see the file comment). `table` is reset first. Given the std::string itself, a
// body with spare capacity (the HTTP server leaves some) is parsed without a copy.
Status ParseJsonInput(std::string_view body, const InputSchema& schema, InputTable& table);
Status ParseJsonInput(const std::string& body, const InputSchema& schema, InputTable& table);
// A CSV body with a header row.
Status ParseCsvInput(std::string_view body, const InputSchema& schema, InputTable& table);
// The rows of a frame already in memory (a CSV file read for batch scoring).
Status TableFromFrame(const Frame& frame, const InputSchema& schema, InputTable& table);

}  // namespace orchard
