// Reading CSV files into a Frame: RFC 4180 (quoted fields with embedded commas, quotes and
// newlines; CRLF or LF line ends; a UTF-8 byte-order mark skipped), a header row of column names
// (UTF-8, spaces allowed: "Loan Status"), missing values per IsMissingText, and column types
// inferred: a column whose present values all parse as numbers is numeric, else categorical;
// options override the inference. Errors are INVALID_PARAMETER_VALUE naming the file and line.
// Thread-safe (no shared state).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "data/frame.h"

namespace orchard {

struct CsvOptions {
  std::vector<std::string> categorical;  // read these columns as categorical
  std::vector<std::string> numeric;      // read these as numbers (a non-number is an error)
};

// Errors: the file cannot be read; it is empty or has only a header; a row has more or fewer
// fields than the header (with its line number); a quote is never closed; a column named in
// options does not exist; a forced-numeric value is not a number (with line and column);
// duplicate or empty column names.
StatusOr<Frame> ReadCsv(const std::string& path, const CsvOptions& options = {});
// The same for text in memory; `source` names it in error messages.
StatusOr<Frame> ParseCsv(std::string_view text, const CsvOptions& options = {},
                         std::string_view source = "<text>");

// Writes the frame as CSV (header row; fields quoted when they need it; missing values empty),
// atomically (a temporary file beside `path`, then a rename).
Status WriteCsv(const Frame& frame, const std::string& path);

}  // namespace orchard
