#include "serve/scoring_input.h"

#include <simdjson.h>

#include <optional>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "data/csv_reader.h"

namespace orchard {
namespace {

namespace od = simdjson::ondemand;

// Bodies up to this size are read by the serving thread's own parser, which keeps its buffers.
constexpr size_t kSharedParserLimit = 1 << 20;

constexpr std::string_view kInputKeys[] = {"dataframe_split", "dataframe_records", "instances",
                                           "inputs"};

// MLflow's words, so a client that matches on them keeps working.
constexpr char kProtocolNote[] =
    " IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are "
    "seeing this error, you are likely using an outdated scoring request format. To resolve the "
    "error, either update your request format or adjust your MLflow Model's requirements file to "
    "specify an older version of MLflow (for example, change the 'mlflow' requirement specifier "
    "to 'mlflow==1.30.0'). If you are making a request using the MLflow client (e.g. via "
    "`mlflow.pyfunc.spark_udf()`), upgrade your MLflow client to a version >= 2.0 in order to use "
    "the new request format. For more information about the updated MLflow Model scoring "
    "protocol in MLflow 2.0, see https://mlflow.org/docs/latest/models.html#deploy-mlflow-models.";

std::string PythonList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += fmt::format("{}'{}'", i ? ", " : "", items[i]);
  return out + "]";
}

// A body simdjson cannot read (MLflow's words).
constexpr std::string_view kMalformed =
    "Invalid input. Ensure that input is a valid JSON formatted string.";

Status Malformed(simdjson::error_code error) {
  return Status::BadRequest(
      fmt::format("{} Error: '{}'", kMalformed, simdjson::error_message(error)));
}

bool IsMalformed(const Status& status) {
  return status.code() == ErrorCode::kBadRequest && status.message().starts_with(kMalformed);
}

// Returns Malformed from the calling function when a simdjson step fails.
#define ORCHARD_JSON_TRY(expr)                                    \
  do {                                                            \
    if (simdjson::error_code json_error_ = (expr); json_error_) { \
      return Malformed(json_error_);                              \
    }                                                             \
  } while (0)

// A column given twice in one request: which of the two to score would be a guess.
Status Duplicate(std::string_view name) {
  return Status::InvalidParameter(fmt::format(
      "Failed to enforce schema of the input: column '{}' is given more than once; name each "
      "column once",
      name));
}

Status Shape(std::string_view what) {
  return Status::BadRequest(fmt::format("Invalid input: {}", what));
}

// The text of a JSON string that starts just after its opening quote, read where it lies in the
// body when it has no escape (nearly every name and level): unescaping would copy it into the
// parser's string buffer, which grows with every string of the body. False when it has one.
bool PlainString(const char* start, std::string_view& text) {
  const char* end = start;
  // The body passed simdjson's first stage, so every string has its closing quote.
  while (*end != '"' && *end != '\\') ++end;
  if (*end == '\\') return false;
  text = std::string_view(start, static_cast<size_t>(end - start));
  return true;
}

simdjson::error_code FieldName(od::field& field, std::string_view& name) {
  if (PlainString(field.key().raw(), name)) return simdjson::SUCCESS;
  return field.unescaped_key().get(name);
}

simdjson::error_code StringValue(od::value& value, std::string_view& text) {
  const std::string_view token = value.raw_json_token();
  if (PlainString(token.data() + 1, text)) return simdjson::SUCCESS;
  return value.get_string().get(text);
}

// Reads one JSON value into a cell of column `column` (the model's index).
Status SetCell(InputTable& table, InputCell& cell, od::value value, const InputSchema& schema,
               size_t column) {
  od::json_type type;
  ORCHARD_JSON_TRY(value.type().get(type));
  switch (type) {
    case od::json_type::null: {
      bool null = false;
      ORCHARD_JSON_TRY(value.is_null().get(null));
      if (!null) return Malformed(simdjson::INCORRECT_TYPE);
      cell.kind = InputCell::Kind::kMissing;
      return Status::Ok();
    }
    case od::json_type::number:
      ORCHARD_JSON_TRY(value.get_double().get(cell.number));
      cell.kind = InputCell::Kind::kNumber;
      return Status::Ok();
    case od::json_type::boolean: {
      bool truth = false;
      ORCHARD_JSON_TRY(value.get_bool().get(truth));
      cell.kind = InputCell::Kind::kBool;
      cell.number = truth ? 1 : 0;
      return Status::Ok();
    }
    case od::json_type::string: {
      std::string_view text;
      ORCHARD_JSON_TRY(StringValue(value, text));
      if (text.size() > InputCell::kMaxTextSize) {
        return Status::InvalidParameter(fmt::format(
            "Failed to enforce schema of the input: a value of column '{}' is longer than {} bytes",
            schema.names()[column], InputCell::kMaxTextSize));
      }
      table.SetText(cell, text);
      return Status::Ok();
    }
    case od::json_type::array:
    case od::json_type::object:
      break;
  }
  return Status::InvalidParameter(
      fmt::format("Failed to enforce schema of the input: column '{}' holds a list or an object; "
                  "each value must be a number, a string or null",
                  schema.names()[column]));
}

// The rows of `list`, counted without reading them, so the cells are allocated once (growing a
// vector of cells would hold its old and new buffers at once).
Status ReserveRows(od::array& list, InputTable& table, size_t& count) {
  ORCHARD_JSON_TRY(list.count_elements().get(count));
  table.cells.reserve(table.cells.size() + count * table.columns);
  return Status::Ok();
}

// One row given as an object {column: value}: dataframe_records, and instances/inputs as records.
Status ReadRecord(od::value record, const InputSchema& schema, InputTable& table,
                  std::vector<char>& in_record, std::vector<char>& present) {
  od::object fields;
  if (record.get_object().get(fields) != simdjson::SUCCESS) {
    return Shape("every record must be an object of column: value");
  }
  const size_t row = table.rows;
  table.AddRow();
  std::fill(in_record.begin(), in_record.end(), 0);
  for (auto maybe_field : fields) {
    od::field field;
    ORCHARD_JSON_TRY(std::move(maybe_field).get(field));
    std::string_view name;
    ORCHARD_JSON_TRY(FieldName(field, name));
    const int column = schema.Find(name);
    if (column < 0) continue;
    if (in_record[static_cast<size_t>(column)]++) return Duplicate(name);
    present[static_cast<size_t>(column)] = 1;
    InputCell& cell = table.cells[row * table.columns + static_cast<size_t>(column)];
    ORCHARD_RETURN_IF_ERROR(SetCell(table, cell, field.value(), schema, column));
  }
  return Status::Ok();
}

// A row whose length differs from the columns' (counted again from its start, for the message).
Status RowLengthError(od::array& values, size_t columns, size_t row) {
  size_t count = 0;
  bool not_empty = false;
  ORCHARD_JSON_TRY(values.reset().get(not_empty));
  ORCHARD_JSON_TRY(values.count_elements().get(count));
  return Shape(fmt::format("row {} has {} values for {} columns", row, count, columns));
}

// One row given as a list of values, with the columns named by `columns` (-1: not read).
Status ReadRow(od::value row_value, const std::vector<int>& columns, const InputSchema& schema,
               InputTable& table) {
  od::array values;
  if (row_value.get_array().get(values) != simdjson::SUCCESS) {
    return Shape("every row must be a list");
  }
  const size_t row = table.rows;
  table.AddRow();
  size_t i = 0;
  for (auto maybe_value : values) {
    od::value value;
    ORCHARD_JSON_TRY(maybe_value.get(value));
    if (i == columns.size()) return RowLengthError(values, columns.size(), table.rows - 1);
    const int column = columns[i++];
    if (column < 0) continue;
    InputCell& cell = table.cells[row * table.columns + static_cast<size_t>(column)];
    ORCHARD_RETURN_IF_ERROR(SetCell(table, cell, value, schema, column));
  }
  if (i != columns.size()) return RowLengthError(values, columns.size(), table.rows - 1);
  return Status::Ok();
}

Status ReadRows(od::array rows, const std::vector<int>& columns, const InputSchema& schema,
                InputTable& table) {
  size_t count = 0;
  ORCHARD_RETURN_IF_ERROR(ReserveRows(rows, table, count));
  for (auto maybe_row : rows) {
    od::value row;
    ORCHARD_JSON_TRY(maybe_row.get(row));
    ORCHARD_RETURN_IF_ERROR(ReadRow(row, columns, schema, table));
  }
  return Status::Ok();
}

// The column names of dataframe_split's "columns".
Status ReadColumnNames(od::value names_value, const InputSchema& schema, std::vector<char>& present,
                       std::vector<int>& columns) {
  od::array names;
  if (names_value.get_array().get(names) != simdjson::SUCCESS) {
    return Shape("dataframe_split needs 'columns', a list of column names");
  }
  for (auto maybe_name : names) {
    od::value name;
    ORCHARD_JSON_TRY(maybe_name.get(name));
    std::string_view text;
    od::json_type type;
    ORCHARD_JSON_TRY(name.type().get(type));
    if (type != od::json_type::string) return Shape("column names must be strings");
    ORCHARD_JSON_TRY(StringValue(name, text));
    const int column = schema.Find(text);
    if (column >= 0) {
      if (present[static_cast<size_t>(column)]) return Duplicate(text);
      present[static_cast<size_t>(column)] = 1;
    }
    columns.push_back(column);
  }
  return Status::Ok();
}

// dataframe_split: "columns" first, wherever it stands, then "data" ("index" is ignored). The
// fields are found by walking the object forward, twice if need be: simdjson's
// find_field_unordered assumes well-formed JSON when it wraps around.
Status ReadSplit(od::value split_value, const InputSchema& schema, InputTable& table,
                 std::vector<char>& present) {
  od::object split;
  if (split_value.get_object().get(split) != simdjson::SUCCESS) {
    return Shape("dataframe_split must be an object with 'columns' and 'data'");
  }
  std::vector<int> columns;
  bool has_columns = false, has_data = false;
  for (auto maybe_field : split) {
    od::field field;
    ORCHARD_JSON_TRY(std::move(maybe_field).get(field));
    std::string_view name;
    ORCHARD_JSON_TRY(FieldName(field, name));
    if (name == "data") has_data = true;
    if (name != "columns" || has_columns) continue;
    has_columns = true;
    ORCHARD_RETURN_IF_ERROR(ReadColumnNames(field.value(), schema, present, columns));
  }
  if (!has_columns) return Shape("dataframe_split needs 'columns', a list of column names");
  if (!has_data) return Shape("dataframe_split needs 'data', a list of rows");
  bool not_empty = false;
  ORCHARD_JSON_TRY(split.reset().get(not_empty));
  for (auto maybe_field : split) {
    od::field field;
    ORCHARD_JSON_TRY(std::move(maybe_field).get(field));
    std::string_view name;
    ORCHARD_JSON_TRY(FieldName(field, name));
    if (name != "data") continue;
    od::array data;
    if (field.value().get_array().get(data) != simdjson::SUCCESS) {
      return Shape("dataframe_split needs 'data', a list of rows");
    }
    return ReadRows(data, columns, schema, table);
  }
  return Shape("dataframe_split needs 'data', a list of rows");
}

// {column: [values]}: every list the same length.
Status ReadColumns(od::object by_column, const InputSchema& schema, InputTable& table,
                   std::vector<char>& present) {
  // First the lengths, so the cells are allocated once; then the values.
  size_t length = 0;
  bool first = true;
  for (auto maybe_field : by_column) {
    od::field field;
    ORCHARD_JSON_TRY(std::move(maybe_field).get(field));
    std::string_view name;
    ORCHARD_JSON_TRY(FieldName(field, name));
    od::array values;
    size_t count = 0;
    if (field.value().get_array().get(values) != simdjson::SUCCESS) {
      return Shape(fmt::format("column '{}' must be a list of values", name));
    }
    ORCHARD_JSON_TRY(values.count_elements().get(count));
    if (!first && count != length) {
      return Shape("every column of inputs must hold the same number of values");
    }
    length = count;
    first = false;
  }
  table.cells.assign(length * table.columns, InputCell{});  // every cell missing at first
  table.rows = length;
  bool not_empty = false;
  ORCHARD_JSON_TRY(by_column.reset().get(not_empty));
  for (auto maybe_field : by_column) {
    od::field field;
    ORCHARD_JSON_TRY(std::move(maybe_field).get(field));
    std::string_view name;
    ORCHARD_JSON_TRY(FieldName(field, name));
    const int column = schema.Find(name);
    if (column < 0) continue;
    if (present[static_cast<size_t>(column)]) return Duplicate(name);
    present[static_cast<size_t>(column)] = 1;
    od::array values;
    ORCHARD_JSON_TRY(field.value().get_array().get(values));
    size_t r = 0;
    for (auto maybe_value : values) {
      od::value value;
      ORCHARD_JSON_TRY(maybe_value.get(value));
      InputCell& cell = table.cells[r++ * table.columns + static_cast<size_t>(column)];
      ORCHARD_RETURN_IF_ERROR(SetCell(table, cell, value, schema, static_cast<size_t>(column)));
    }
  }
  return Status::Ok();
}

Status ReadRecords(od::value input, const InputSchema& schema, InputTable& table,
                   std::vector<char>& present) {
  od::array records;
  if (input.get_array().get(records) != simdjson::SUCCESS) {
    return Shape("dataframe_records must be a list of row objects");
  }
  size_t count = 0;
  ORCHARD_RETURN_IF_ERROR(ReserveRows(records, table, count));
  std::vector<char> in_record(table.columns, 0);
  for (auto maybe_record : records) {
    od::value record;
    ORCHARD_JSON_TRY(maybe_record.get(record));
    ORCHARD_RETURN_IF_ERROR(ReadRecord(record, schema, table, in_record, present));
  }
  return Status::Ok();
}

// instances or inputs: TensorFlow Serving's shapes. A list's first element says which: row
// objects, or rows without names (the model's columns in order, as MLflow reads them with a
// schema).
Status ReadTfServing(od::value input, const InputSchema& schema, InputTable& table,
                     std::vector<char>& present) {
  od::json_type type;
  ORCHARD_JSON_TRY(input.type().get(type));
  if (type == od::json_type::object) {
    od::object by_column;
    ORCHARD_JSON_TRY(input.get_object().get(by_column));
    return ReadColumns(by_column, schema, table, present);
  }
  if (type != od::json_type::array) {
    return Shape("instances/inputs must be a list of rows or an object of columns");
  }
  od::array rows;
  ORCHARD_JSON_TRY(input.get_array().get(rows));
  size_t count = 0;
  ORCHARD_RETURN_IF_ERROR(ReserveRows(rows, table, count));
  if (count == 0) return Status::Ok();
  std::vector<int> columns;
  std::vector<char> in_record(table.columns, 0);
  bool records = false;
  for (auto maybe_row : rows) {
    od::value row;
    ORCHARD_JSON_TRY(maybe_row.get(row));
    if (table.rows == 0) {
      od::json_type first;
      ORCHARD_JSON_TRY(row.type().get(first));
      if (first == od::json_type::object) {
        records = true;
      } else if (first == od::json_type::array) {
        columns.resize(schema.names().size());
        for (size_t i = 0; i < columns.size(); ++i) columns[i] = static_cast<int>(i);
        std::fill(present.begin(), present.end(), 1);
      } else {
        return Shape("a list of values needs to be a list of rows or a list of row objects");
      }
    }
    ORCHARD_RETURN_IF_ERROR(records ? ReadRecord(row, schema, table, in_record, present)
                                    : ReadRow(row, columns, schema, table));
  }
  return Status::Ok();
}

Status CheckPresent(const std::vector<char>& present, const InputSchema& schema) {
  std::vector<std::string> missing;
  for (size_t i = 0; i < present.size(); ++i) {
    if (!present[i]) missing.push_back(schema.names()[i]);
  }
  if (missing.empty()) return Status::Ok();
  return Status::InvalidParameter(fmt::format(
      "Failed to enforce schema of the input: Model is missing inputs {}.", PythonList(missing)));
}

}  // namespace

InputSchema::InputSchema(std::vector<std::string> names) : names_(std::move(names)) {
  for (size_t i = 0; i < names_.size(); ++i) index_.emplace(names_[i], static_cast<int>(i));
}

int InputSchema::Find(std::string_view name) const {
  auto found = index_.find(name);
  return found == index_.end() ? -1 : found->second;
}

void InputTable::Reset(size_t column_count) {
  columns = column_count;
  rows = 0;
  cells.clear();
  arena.clear();
}

void InputTable::ReleaseIfLarge() {
  constexpr size_t kKeepBytes = 8u << 20;
  if (cells.capacity() * sizeof(InputCell) + arena.capacity() > kKeepBytes) *this = InputTable{};
}

InputCell* InputTable::AddRow() {
  cells.resize(cells.size() + columns);
  ++rows;
  return &cells[(rows - 1) * columns];
}

void InputTable::SetText(InputCell& cell, std::string_view text) {
  cell.kind = InputCell::Kind::kText;
  cell.text_offset = static_cast<uint32_t>(arena.size());
  cell.text_size = static_cast<uint32_t>(text.size());
  arena.append(text);
}

// `capacity`: the bytes readable from body.data(), body and padding.
static Status ParseJsonBody(std::string_view body, size_t capacity, const InputSchema& schema,
                            InputTable& table);

Status ParseJsonInput(std::string_view body, const InputSchema& schema, InputTable& table) {
  return ParseJsonBody(body, body.size(), schema, table);
}

Status ParseJsonInput(const std::string& body, const InputSchema& schema, InputTable& table) {
  return ParseJsonBody(body, body.capacity(), schema, table);
}

static Status ParseJsonBody(std::string_view body, size_t capacity, const InputSchema& schema,
                            InputTable& table) {
  table.Reset(schema.names().size());
  // On-Demand: simdjson indexes the body (4 bytes a structural character) and the values are
  // read from it straight into the cells, with no document tree in between. One parser per
  // serving thread keeps its buffers between requests; a large body gets a parser of its own,
  // freed with the request, so one large request does not pin its memory in a serving thread.
  thread_local od::parser shared_parser;
  std::optional<od::parser> own_parser;
  od::parser* parser = &shared_parser;
  if (body.size() > kSharedParserLimit) parser = &own_parser.emplace();
  // With room for simdjson's padding after the body (the HTTP server leaves it), the body is
  // read where it lies; otherwise it is copied once.
  std::optional<simdjson::padded_string> copy;
  simdjson::padded_string_view padded;
  if (capacity >= body.size() + simdjson::SIMDJSON_PADDING) {
    padded = simdjson::padded_string_view(body.data(), body.size(), capacity);
  } else {
    padded = copy.emplace(body.data(), body.size());
  }
  od::document document;
  ORCHARD_JSON_TRY(parser->iterate(padded).get(document));
  od::json_type root_type;
  ORCHARD_JSON_TRY(document.type().get(root_type));
  od::object object;
  if (root_type != od::json_type::object || document.get_object().get(object)) {
    return Status::BadRequest(
        "Failed to parse input from JSON. Ensure that input is a valid JSON dictionary with one "
        "of the input fields dataframe_split, dataframe_records, instances or inputs.");
  }
  // One pass over the fields: the input field is read where it stands, the others skipped
  // (On-Demand reads only what it is asked for).
  std::vector<std::string> keys, input_keys;
  std::vector<char> present(table.columns, 0);
  Status read = Status::Ok();
  for (auto maybe_field : object) {
    od::field field;
    ORCHARD_JSON_TRY(std::move(maybe_field).get(field));
    std::string_view name;
    ORCHARD_JSON_TRY(FieldName(field, name));
    keys.emplace_back(name);
    auto input_key = std::find(std::begin(kInputKeys), std::end(kInputKeys), name);
    if (input_key == std::end(kInputKeys)) continue;
    input_keys.emplace_back(name);
    if (input_keys.size() > 1 || !read.ok()) continue;  // reported below
    if (*input_key == "dataframe_split") {
      read = ReadSplit(field.value(), schema, table, present);
    } else if (*input_key == "dataframe_records") {
      read = ReadRecords(field.value(), schema, table, present);
    } else {
      read = ReadTfServing(field.value(), schema, table, present);
    }
    // A body that cannot be read stops here: the parser cannot go on. An input of the wrong
    // shape waits, as other input keys are reported first.
    if (IsMalformed(read)) return read;
  }
  // Anything after the object is an error (the location is out of bounds at the end).
  if (document.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    return Malformed(simdjson::TRAILING_CONTENT);
  }
  if (input_keys.size() != 1) {
    return Status::BadRequest(fmt::format(
        "The input must be a JSON dictionary with exactly one of the input fields "
        "{{'dataframe_records', 'dataframe_split', 'instances', 'inputs'}}. Received dictionary "
        "with input fields: {}.{}",
        PythonList(input_keys.empty() ? keys : input_keys), kProtocolNote));
  }
  ORCHARD_RETURN_IF_ERROR(read);
  if (table.rows == 0) return Status::Ok();  // nothing to score: no column is needed
  return CheckPresent(present, schema);
}

Status TableFromFrame(const Frame& frame, const InputSchema& schema, InputTable& table) {
  table.Reset(schema.names().size());
  std::vector<char> present(table.columns, 0);
  table.cells.assign(frame.rows * table.columns, InputCell{});  // every cell missing at first
  table.rows = frame.rows;
  for (const Column& column : frame.columns) {
    int index = schema.Find(column.name);
    if (index < 0) continue;
    present[static_cast<size_t>(index)] = 1;
    InputCell* cell = &table.cells[static_cast<size_t>(index)];
    if (column.type == ColumnType::kNumeric) {
      for (size_t r = 0; r < frame.rows; ++r, cell += table.columns) {
        if (std::isnan(column.numbers[r])) continue;
        cell->kind = InputCell::Kind::kNumber;
        cell->number = column.numbers[r];
      }
      continue;
    }
    // Each level's text is stored once; the rows point at it.
    std::vector<InputCell> level_cells(column.levels.size());
    for (size_t level = 0; level < column.levels.size(); ++level) {
      if (column.levels[level].size() > InputCell::kMaxTextSize) {
        return Status::InvalidParameter(fmt::format(
            "Failed to enforce schema of the input: a value of column '{}' is longer than {} bytes",
            column.name, InputCell::kMaxTextSize));
      }
      table.SetText(level_cells[level], column.levels[level]);
    }
    for (size_t r = 0; r < frame.rows; ++r, cell += table.columns) {
      if (column.IsMissing(r)) continue;
      *cell = level_cells[static_cast<size_t>(column.codes[r])];
    }
  }
  if (table.rows == 0) return Status::Ok();
  return CheckPresent(present, schema);
}

Status ParseCsvInput(std::string_view body, const InputSchema& schema, InputTable& table) {
  StatusOr<Frame> frame = ParseCsv(body, {}, "the request");
  if (!frame.ok()) {
    return Status::BadRequest(
        fmt::format("Failed to parse input as a CSV table with a header row. Error: '{}'",
                    frame.status().message()));
  }
  return TableFromFrame(*frame, schema, table);
}

}  // namespace orchard
