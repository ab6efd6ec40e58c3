#include "serve/scoring_input.h"

#include <simdjson.h>

#include <optional>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "data/csv_reader.h"

namespace orchard {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Bodies up to this size are parsed by the serving thread's own parser, which keeps its buffers.
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

// Reads one JSON value into a cell of column `column` (the model's index).
Status SetCell(InputTable& table, InputCell& cell, element value, const InputSchema& schema,
               size_t column) {
  switch (value.type()) {
    case element_type::NULL_VALUE:
      cell.kind = InputCell::Kind::kMissing;
      return Status::Ok();
    case element_type::INT64:
      cell.kind = InputCell::Kind::kNumber;
      cell.number = static_cast<double>(int64_t(value));
      return Status::Ok();
    case element_type::UINT64:
      cell.kind = InputCell::Kind::kNumber;
      cell.number = static_cast<double>(uint64_t(value));
      return Status::Ok();
    case element_type::DOUBLE:
      cell.kind = InputCell::Kind::kNumber;
      cell.number = double(value);
      return Status::Ok();
    case element_type::BOOL:
      cell.kind = InputCell::Kind::kBool;
      cell.number = bool(value) ? 1 : 0;
      return Status::Ok();
    case element_type::STRING:
      table.SetText(cell, std::string_view(value));
      return Status::Ok();
    case element_type::ARRAY:
    case element_type::OBJECT:
      break;
  }
  return Status::InvalidParameter(
      fmt::format("Failed to enforce schema of the input: column '{}' holds a list or an object; "
                  "each value must be a number, a string or null",
                  schema.names()[column]));
}

// Rows given as objects {column: value}: dataframe_records, and instances/inputs as records.
Status ReadRecords(simdjson::dom::array records, const InputSchema& schema, InputTable& table,
                   std::vector<char>& present) {
  std::vector<char> in_record(table.columns, 0);
  table.cells.reserve(table.cells.size() + records.size() * table.columns);
  for (element record : records) {
    simdjson::dom::object fields;
    if (record.get(fields) != simdjson::SUCCESS) {
      return Shape("every record must be an object of column: value");
    }
    InputCell* row = table.AddRow();
    std::fill(in_record.begin(), in_record.end(), 0);
    for (auto field : fields) {
      int column = schema.Find(field.key);
      if (column < 0) continue;
      if (in_record[static_cast<size_t>(column)]++) return Duplicate(field.key);
      present[static_cast<size_t>(column)] = 1;
      ORCHARD_RETURN_IF_ERROR(SetCell(table, row[column], field.value, schema, column));
    }
  }
  return Status::Ok();
}

// Rows given as lists of values, with the columns named by `columns` (-1: not read).
Status ReadRows(simdjson::dom::array rows, const std::vector<int>& columns,
                const InputSchema& schema, InputTable& table) {
  table.cells.reserve(table.cells.size() + rows.size() * table.columns);
  for (element row_value : rows) {
    simdjson::dom::array values;
    if (row_value.get(values) != simdjson::SUCCESS) return Shape("every row must be a list");
    if (values.size() != columns.size()) {
      return Shape(fmt::format("row {} has {} values for {} columns", table.rows, values.size(),
                               columns.size()));
    }
    InputCell* row = table.AddRow();
    size_t i = 0;
    for (element value : values) {
      const int column = columns[i++];
      if (column < 0) continue;
      ORCHARD_RETURN_IF_ERROR(SetCell(table, row[column], value, schema, column));
    }
  }
  return Status::Ok();
}

Status ReadSplit(element split, const InputSchema& schema, InputTable& table,
                 std::vector<char>& present) {
  simdjson::dom::array names, data;
  if (split["columns"].get(names) != simdjson::SUCCESS) {
    return Shape("dataframe_split needs 'columns', a list of column names");
  }
  if (split["data"].get(data) != simdjson::SUCCESS) {
    return Shape("dataframe_split needs 'data', a list of rows");
  }
  std::vector<int> columns;
  for (element name : names) {
    std::string_view text;
    if (name.get(text) != simdjson::SUCCESS) return Shape("column names must be strings");
    int column = schema.Find(text);
    if (column >= 0) {
      if (present[static_cast<size_t>(column)]) return Duplicate(text);
      present[static_cast<size_t>(column)] = 1;
    }
    columns.push_back(column);
  }
  return ReadRows(data, columns, schema, table);
}

// instances or inputs: TensorFlow Serving's shapes.
Status ReadTfServing(element input, const InputSchema& schema, InputTable& table,
                     std::vector<char>& present) {
  simdjson::dom::array rows;
  if (input.get(rows) == simdjson::SUCCESS) {
    if (rows.size() == 0) return Status::Ok();
    element_type first = (*rows.begin()).type();
    if (first == element_type::OBJECT) return ReadRecords(rows, schema, table, present);
    if (first == element_type::ARRAY) {
      // Rows without names: the model's columns in order, as MLflow reads them with a schema.
      std::vector<int> columns(schema.names().size());
      for (size_t i = 0; i < columns.size(); ++i) columns[i] = static_cast<int>(i);
      std::fill(present.begin(), present.end(), 1);
      return ReadRows(rows, columns, schema, table);
    }
    return Shape("a list of values needs to be a list of rows or a list of row objects");
  }
  simdjson::dom::object by_column;
  if (input.get(by_column) != simdjson::SUCCESS) {
    return Shape("instances/inputs must be a list of rows or an object of columns");
  }
  // {column: [values]}: every list the same length.
  size_t length = 0;
  bool first = true;
  for (auto field : by_column) {
    simdjson::dom::array values;
    if (field.value.get(values) != simdjson::SUCCESS) {
      return Shape(fmt::format("column '{}' must be a list of values", field.key));
    }
    if (!first && values.size() != length) {
      return Shape("every column of inputs must hold the same number of values");
    }
    length = values.size();
    first = false;
  }
  table.cells.assign(length * table.columns, InputCell{});  // every cell missing at first
  table.rows = length;
  for (auto field : by_column) {
    int column = schema.Find(field.key);
    if (column < 0) continue;
    if (present[static_cast<size_t>(column)]) return Duplicate(field.key);
    present[static_cast<size_t>(column)] = 1;
    size_t r = 0;
    for (element value : simdjson::dom::array(field.value)) {
      InputCell& cell = table.cells[r++ * table.columns + static_cast<size_t>(column)];
      ORCHARD_RETURN_IF_ERROR(SetCell(table, cell, value, schema, static_cast<size_t>(column)));
    }
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
  // One parser per serving thread keeps its buffers (about 13 bytes a body byte, most never
  // touched) between requests; a large body gets a parser of its own, freed with the request, so
  // one large request does not pin its memory in a serving thread.
  thread_local simdjson::dom::parser shared_parser;
  std::optional<simdjson::dom::parser> own_parser;
  simdjson::dom::parser* parser = &shared_parser;
  if (body.size() > kSharedParserLimit) parser = &own_parser.emplace();
  element root;
  // With room for simdjson's padding after the body (the HTTP server leaves it), the body is
  // parsed where it lies; otherwise simdjson copies it first.
  auto parsed =
      capacity >= body.size() + simdjson::SIMDJSON_PADDING
          ? parser->parse(simdjson::padded_string_view(body.data(), body.size(), capacity))
          : parser->parse(body.data(), body.size());
  if (auto error = parsed.get(root); error) {
    return Status::BadRequest(fmt::format(
        "Invalid input. Ensure that input is a valid JSON formatted string. Error: '{}'",
        simdjson::error_message(error)));
  }
  simdjson::dom::object object;
  if (root.get(object) != simdjson::SUCCESS) {
    return Status::BadRequest(
        "Failed to parse input from JSON. Ensure that input is a valid JSON dictionary with one "
        "of the input fields dataframe_split, dataframe_records, instances or inputs.");
  }
  std::vector<std::string> keys, input_keys;
  element input;
  std::string_view kind;
  for (auto field : object) {
    keys.emplace_back(field.key);
    for (std::string_view name : kInputKeys) {
      if (field.key == name) {
        input_keys.emplace_back(name);
        kind = name;
        input = field.value;
      }
    }
  }
  if (input_keys.size() != 1) {
    return Status::BadRequest(fmt::format(
        "The input must be a JSON dictionary with exactly one of the input fields "
        "{{'dataframe_records', 'dataframe_split', 'instances', 'inputs'}}. Received dictionary "
        "with input fields: {}.{}",
        PythonList(input_keys.empty() ? keys : input_keys), kProtocolNote));
  }
  std::vector<char> present(table.columns, 0);
  if (kind == "dataframe_split") {
    ORCHARD_RETURN_IF_ERROR(ReadSplit(input, schema, table, present));
  } else if (kind == "dataframe_records") {
    simdjson::dom::array records;
    if (input.get(records) != simdjson::SUCCESS) {
      return Shape("dataframe_records must be a list of row objects");
    }
    ORCHARD_RETURN_IF_ERROR(ReadRecords(records, schema, table, present));
  } else {
    ORCHARD_RETURN_IF_ERROR(ReadTfServing(input, schema, table, present));
  }
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
