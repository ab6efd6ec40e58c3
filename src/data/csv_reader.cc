#include "data/csv_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iterator>
#include <limits>
#include <system_error>
#include <unordered_map>

#include <fmt/format.h>

#include "base/atomic_file.h"
#include "base/text.h"

namespace orchard {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

bool EndsField(char c) { return c == ',' || c == '\n' || c == '\r'; }

// The position of the first ',', LF or CR in s[p, n), or n. Fields are short, so a byte loop
// mispredicts its exit once per field; this tests eight bytes at a time instead (the classic
// "has a zero byte" test: its lowest set bit is exact, higher ones may be spurious).
inline size_t FindFieldEnd(const char* s, size_t p, size_t n) {
  if constexpr (std::endian::native == std::endian::little) {
    constexpr uint64_t kOnes = 0x0101010101010101;
    constexpr uint64_t kHighBits = 0x8080808080808080;
    while (p + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, s + p, 8);
      uint64_t comma = word ^ (kOnes * ',');
      uint64_t lf = word ^ (kOnes * '\n');
      uint64_t cr = word ^ (kOnes * '\r');
      uint64_t found =
          (((comma - kOnes) & ~comma) | ((lf - kOnes) & ~lf) | ((cr - kOnes) & ~cr)) & kHighBits;
      if (found != 0) return p + static_cast<size_t>(std::countr_zero(found)) / 8;
      p += 8;
    }
  }
  while (p < n && !EndsField(s[p])) ++p;
  return p;
}

std::string_view TrimBlanks(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && IsBlank(text[begin])) ++begin;
  while (end > begin && IsBlank(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

// Line ends inside `text` as the tokenizer counts them: CRLF, LF, or a lone CR.
size_t CountLineEnds(std::string_view text) {
  size_t count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++count;
    } else if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) {
      ++count;
    }
  }
  return count;
}

std::string ErrnoMessage(int error) {
  return std::error_code(error, std::generic_category()).message();
}

struct Field {
  // Unquoted: trimmed of spaces and tabs. Quoted: the exact content, quotes undoubled.
  std::string_view text;
  size_t line = 0;  // where the field starts, 1-based
  bool quoted = false;
};

// A quoted field is missing only when empty: quoting "NA" is how a writer keeps it a value.
bool IsMissingField(const Field& field) {
  return field.quoted ? field.text.empty() : IsMissingText(field.text);
}

// Splits text into records one at a time, handing each field to a callback as it is found, so
// the values go straight into their columns. Field texts point into the text, except quoted
// fields with doubled quotes, which are undoubled into a buffer reused from field to field:
// reading costs no allocation per field.
class Tokenizer {
 public:
  Tokenizer(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  size_t pos() const { return pos_; }
  size_t line() const { return line_; }
  void Seek(size_t pos) { pos_ = pos; }

  // Reads the record at pos(), calling on_field(index, field) for each field in order (the
  // field's text is valid during the call only), and sets *count to the number of fields. When
  // on_field returns false, reading stops there, leaving pos() and line() where they were.
  template <typename OnField>
  Status ReadRecord(OnField&& on_field, size_t* count) {
    const char* s = text_.data();
    const size_t n = text_.size();
    // Locals, not the members: the callback's stores could alias them and force reloads.
    size_t p = pos_;
    size_t line = line_;
    size_t index = 0;
    while (true) {
      while (p < n && IsBlank(s[p])) ++p;
      Field field;
      field.line = line;
      if (p < n && s[p] == '"') {
        field.quoted = true;
        ++p;
        size_t content = p;
        bool doubled = false;
        while (true) {
          const void* found = std::memchr(s + p, '"', n - p);
          if (found == nullptr) {
            return Status::InvalidParameter(
                fmt::format("{} line {}: a quoted field is never closed", source_, field.line));
          }
          size_t quote = static_cast<size_t>(static_cast<const char*>(found) - s);
          line += CountLineEnds(std::string_view(s + p, quote - p));
          if (quote + 1 < n && s[quote + 1] == '"') {
            if (!doubled) unescaped_.clear();
            doubled = true;
            unescaped_.append(s + p, quote + 1 - p);  // the text and one of the two quotes
            p = quote + 2;
            continue;
          }
          if (doubled) {
            unescaped_.append(s + p, quote - p);
            field.text = unescaped_;
          } else {
            field.text = std::string_view(s + content, quote - content);
          }
          p = quote + 1;
          break;
        }
        while (p < n && IsBlank(s[p])) ++p;
        if (p < n && !EndsField(s[p])) {
          return Status::InvalidParameter(fmt::format(
              "{} line {}: unexpected text after the closing quote of a field (a quote inside a "
              "quoted field is written as two quotes)",
              source_, line));
        }
      } else {
        size_t start = p;
        p = FindFieldEnd(s, p, n);
        size_t end = p;
        while (end > start && IsBlank(s[end - 1])) --end;
        field.text = std::string_view(s + start, end - start);
      }
      if (!on_field(index++, field)) {
        *count = index;
        return Status::Ok();
      }
      if (p >= n) break;
      if (s[p] == ',') {
        ++p;
        continue;
      }
      p += (s[p] == '\r' && p + 1 < n && s[p + 1] == '\n') ? 2 : 1;
      ++line;
      break;
    }
    pos_ = p;
    line_ = line;
    *count = index;
    return Status::Ok();
  }

 private:
  std::string_view text_;
  std::string_view source_;
  size_t pos_ = 0;
  size_t line_ = 1;
  std::string unescaped_;
};

// Decimals of at most 15 digits without an exponent, the common case, exactly and fast: the
// digits fit a double exactly, and so does 10^k for k <= 22, so one division rounds correctly
// (Clinger's fast path). Returns false for anything else, left to from_chars, which in GCC 12
// costs several times more per value.
inline bool ParseShortDecimal(std::string_view text, double* value) {
  static constexpr double kPowersOfTen[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                            1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const char* p = text.data();
  const char* end = p + text.size();
  bool negative = false;
  if (p != end && (*p == '-' || *p == '+')) {
    negative = *p == '-';
    ++p;
  }
  uint64_t mantissa = 0;
  size_t digits = 0;
  for (; p != end && static_cast<unsigned>(*p - '0') < 10; ++p, ++digits) {
    mantissa = mantissa * 10 + static_cast<unsigned>(*p - '0');
  }
  size_t fraction_digits = 0;
  if (p != end && *p == '.') {
    ++p;
    for (; p != end && static_cast<unsigned>(*p - '0') < 10; ++p, ++fraction_digits) {
      mantissa = mantissa * 10 + static_cast<unsigned>(*p - '0');
    }
    digits += fraction_digits;
  }
  if (p != end || digits == 0 || digits > 15) return false;
  double number = static_cast<double>(mantissa);
  if (fraction_digits > 0) number /= kPowersOfTen[fraction_digits];
  *value = negative ? -number : number;
  return true;
}

// The rest of ParseNumber, out of line to keep the common case small where it is inlined.
[[gnu::noinline]] bool ParseOtherNumber(std::string_view text, double* value) {
  text = TrimBlanks(text);
  if (ParseShortDecimal(text, value)) return true;
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) return false;
  }
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *value);
  if (ptr != end) return false;
  if (ec == std::errc::result_out_of_range) {
    // from_chars leaves the value unset when it overflows or underflows; strtod gives the
    // limit (+-inf, 0 or a denormal) that a number too large or too small rounds to.
    std::string copy(text);
    *value = std::strtod(copy.c_str(), nullptr);
  } else if (ec != std::errc()) {
    return false;
  }
  return !std::isnan(*value);
}

// The whole text must be a number: an optional sign ('+' too), digits, fraction, exponent, or
// inf/infinity, with spaces around allowed. NaN spellings are not numbers here: the missing
// ones are caught by the caller, and any other ("NAN", "nan(1)") is text.
inline bool ParseNumber(std::string_view text, double* value) {
  return ParseShortDecimal(text, value) || ParseOtherNumber(text, value);
}

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

struct ColumnBuilder {
  Column column;
  bool forced_numeric = false;
  bool whole_so_far = true;  // kNumeric: every value so far a whole number, none missing
  // Levels to codes; std::string keys because levels is a vector whose strings move as it grows.
  std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>> level_codes;

  void AddText(const Field& field) {
    if (IsMissingField(field)) {
      column.codes.push_back(-1);
      return;
    }
    auto it = level_codes.find(field.text);
    if (it != level_codes.end()) {
      column.codes.push_back(it->second);
      return;
    }
    auto code = static_cast<int32_t>(column.levels.size());
    column.levels.emplace_back(field.text);
    level_codes.emplace(column.levels.back(), code);
    column.codes.push_back(code);
  }
};

// Turns a column inferred numeric so far into a categorical one, once a value that is not a
// number turns up. The texts of the earlier present values are read again from their records;
// missing ones need no reading. Most text columns switch at the first row, for free.
Status SwitchToCategorical(ColumnBuilder& builder, size_t index, std::string_view text,
                           std::string_view source, const std::vector<size_t>& record_offsets) {
  std::vector<double> numbers = std::move(builder.column.numbers);
  builder.column.numbers = {};
  builder.column.type = ColumnType::kCategorical;
  builder.column.codes.reserve(record_offsets.capacity());  // the rows expected
  Tokenizer tokenizer(text, source);
  auto add_if_wanted = [&](size_t i, const Field& field) {
    if (i < index) return true;
    builder.AddText(field);
    return false;
  };
  for (size_t row = 0; row < numbers.size(); ++row) {
    if (std::isnan(numbers[row])) {
      builder.column.codes.push_back(-1);
      continue;
    }
    tokenizer.Seek(record_offsets[row]);
    size_t count = 0;
    ORCHARD_RETURN_IF_ERROR(tokenizer.ReadRecord(add_if_wanted, &count));
  }
  return Status::Ok();
}

std::string QuotedList(const std::vector<std::string>& names) {
  std::string list;
  for (const std::string& name : names) {
    if (!list.empty()) list += ", ";
    list += fmt::format("'{}'", name);
  }
  return list;
}

struct HeaderName {
  std::string name;
  size_t line = 0;
};

StatusOr<std::vector<ColumnBuilder>> MakeBuilders(const std::vector<HeaderName>& header,
                                                  const CsvOptions& options,
                                                  std::string_view source) {
  std::vector<ColumnBuilder> builders(header.size());
  std::unordered_map<std::string_view, size_t> index_of;
  for (size_t i = 0; i < header.size(); ++i) {
    std::string_view name = header[i].name;
    if (TrimBlanks(name).empty()) {
      return Status::InvalidParameter(fmt::format("{} line {}: column {} of the header has no name",
                                                  source, header[i].line, i + 1));
    }
    auto [it, inserted] = index_of.emplace(name, i);
    if (!inserted) {
      return Status::InvalidParameter(
          fmt::format("{} line {}: the header names column '{}' twice (columns {} and {})", source,
                      header[i].line, name, it->second + 1, i + 1));
    }
    builders[i].column.name = std::string(name);
  }
  std::vector<std::string> unknown;
  for (const std::string& name : options.categorical) {
    auto it = index_of.find(name);
    if (it == index_of.end()) {
      unknown.push_back(name);
      continue;
    }
    builders[it->second].column.type = ColumnType::kCategorical;
  }
  for (const std::string& name : options.numeric) {
    auto it = index_of.find(name);
    if (it == index_of.end()) {
      unknown.push_back(name);
      continue;
    }
    if (builders[it->second].column.type == ColumnType::kCategorical) {
      return Status::InvalidParameter(fmt::format(
          "{}: column '{}' is asked to be read both as categorical and as numeric", source, name));
    }
    builders[it->second].forced_numeric = true;
  }
  if (!unknown.empty()) {
    return Status::InvalidParameter(
        fmt::format("{}: the options name columns that are not in the header: {}", source,
                    QuotedList(unknown)));
  }
  return builders;
}

}  // namespace

StatusOr<Frame> ParseCsv(std::string_view text, const CsvOptions& options,
                         std::string_view source) {
  if (text.starts_with(kByteOrderMark)) text.remove_prefix(kByteOrderMark.size());
  // Records start only before this point: what follows is blank lines, ignored.
  size_t content_end = text.find_last_not_of("\r\n");
  if (content_end == std::string_view::npos) {
    return Status::InvalidParameter(fmt::format("{} is empty", source));
  }
  ++content_end;

  Tokenizer tokenizer(text, source);
  std::vector<HeaderName> header;
  size_t count = 0;
  ORCHARD_RETURN_IF_ERROR(tokenizer.ReadRecord(
      [&](size_t, const Field& field) {
        header.push_back({std::string(field.text), field.line});
        return true;
      },
      &count));
  ORCHARD_ASSIGN_OR_RETURN(std::vector<ColumnBuilder> builders,
                           MakeBuilders(header, options, source));
  const size_t width = builders.size();

  // Where each record starts, to read a column's earlier texts again if it turns categorical.
  std::vector<size_t> record_offsets;
  // At most one record per line end: counting them costs less than the copies of growing every
  // column's vector; only newlines inside quotes make it an overestimate.
  size_t rows_guess = 1;
  for (const char *p = text.data() + tokenizer.pos(), *end = text.data() + text.size();
       (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)))); ++p) {
    ++rows_guess;
  }
  record_offsets.reserve(rows_guess);
  for (ColumnBuilder& builder : builders) {
    if (builder.column.type == ColumnType::kNumeric) {
      builder.column.numbers.reserve(rows_guess);
    } else {
      builder.column.codes.reserve(rows_guess);
    }
  }

  Status error;  // why add_field stopped a record
  auto add_field = [&](size_t i, const Field& field) {
    if (i >= width) return true;  // only counted: the record is reported below
    ColumnBuilder& builder = builders[i];
    if (builder.column.type == ColumnType::kCategorical) {
      builder.AddText(field);
      return true;
    }
    // Numbers first: most fields are, and no missing spelling parses as one.
    double value;
    if (ParseNumber(field.text, &value)) {
      builder.column.numbers.push_back(value);
      if (builder.whole_so_far) builder.whole_so_far = IsWholeNumberText(field.text);
      return true;
    }
    if (IsMissingField(field)) {
      builder.column.numbers.push_back(std::numeric_limits<double>::quiet_NaN());
      builder.whole_so_far = false;
      return true;
    }
    if (builder.forced_numeric) {
      error = Status::InvalidParameter(
          fmt::format("{} line {}: column '{}' is read as numeric, but '{}' is not a number",
                      source, field.line, builder.column.name, field.text));
      return false;
    }
    error = SwitchToCategorical(builder, i, text, source, record_offsets);
    if (!error.ok()) return false;
    builder.AddText(field);
    return true;
  };
  while (tokenizer.pos() < content_end) {
    size_t line = tokenizer.line();
    record_offsets.push_back(tokenizer.pos());
    ORCHARD_RETURN_IF_ERROR(tokenizer.ReadRecord(add_field, &count));
    if (!error.ok()) return error;
    // An empty line is one empty field: a missing value when there is one column, else an error.
    if (count != width) {
      return Status::InvalidParameter(fmt::format(
          "{} line {}: expected {} fields as in the header, found {}", source, line, width, count));
    }
  }
  if (record_offsets.empty()) {
    return Status::InvalidParameter(fmt::format("{} has a header but no data rows", source));
  }

  Frame frame;
  frame.rows = record_offsets.size();
  frame.columns.reserve(width);
  for (ColumnBuilder& builder : builders) {
    builder.column.whole_numbers =
        builder.column.type == ColumnType::kNumeric && builder.whole_so_far;
    frame.columns.push_back(std::move(builder.column));
  }
  return frame;
}

StatusOr<Frame> ReadCsv(const std::string& path, const CsvOptions& options) {
  auto cannot_read = [&](int error) {
    return Status::InvalidParameter(fmt::format("cannot read '{}': {}", path, ErrnoMessage(error)));
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return cannot_read(errno);
  struct stat info {};
  std::string text;
  if (::fstat(fd, &info) == 0 && info.st_size > 0) {
    text.resize(static_cast<size_t>(info.st_size) + 1);  // + 1 to see the end in one read
  } else {
    text.resize(1 << 16);  // a pipe or a special file: its size is not known ahead
  }
  size_t filled = 0;
  while (true) {
    if (filled == text.size()) text.resize(text.size() * 2);
    ssize_t got = ::read(fd, text.data() + filled, text.size() - filled);
    if (got < 0) {
      if (errno == EINTR) continue;
      int error = errno;
      ::close(fd);
      return cannot_read(error);
    }
    if (got == 0) break;
    filled += static_cast<size_t>(got);
  }
  ::close(fd);
  text.resize(filled);
  return ParseCsv(text, options, path);
}

namespace {

// Whether the reader would not give `text` back unquoted: separators and line ends, quotes,
// blanks that it would trim, and values it would read as missing ("NA" stays a value quoted).
bool NeedsQuotes(std::string_view text) {
  if (text.empty()) return false;
  if (IsBlank(text.front()) || IsBlank(text.back())) return true;
  if (text.find_first_of(",\"\r\n") != std::string_view::npos) return true;
  return IsMissingText(text);
}

void AppendField(std::string_view text, fmt::memory_buffer& out) {
  if (!NeedsQuotes(text)) {
    out.append(text);
    return;
  }
  out.push_back('"');
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace

Status WriteCsv(const Frame& frame, const std::string& path) {
  for (const Column& column : frame.columns) {
    if (column.size() != frame.rows) {
      return Status::InvalidParameter(
          fmt::format("cannot write '{}': column '{}' has {} values but the frame has {} rows",
                      path, column.name, column.size(), frame.rows));
    }
  }
  fmt::memory_buffer out;
  for (size_t i = 0; i < frame.columns.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendField(frame.columns[i].name, out);
  }
  out.push_back('\n');
  // With one column, an empty field would be a blank line, which the reader drops at the end of
  // the file; "" is missing to the reader too and never blank.
  std::string_view missing = frame.columns.size() == 1 ? "\"\"" : "";
  for (size_t row = 0; row < frame.rows; ++row) {
    for (size_t i = 0; i < frame.columns.size(); ++i) {
      if (i > 0) out.push_back(',');
      const Column& column = frame.columns[i];
      if (column.IsMissing(row)) {
        out.append(missing);
      } else if (column.type == ColumnType::kNumeric) {
        fmt::format_to(std::back_inserter(out), "{}", column.numbers[row]);
      } else {
        AppendField(column.levels[static_cast<size_t>(column.codes[row])], out);
      }
    }
    out.push_back('\n');
  }

  return WriteFileAtomically(path, std::string_view(out.data(), out.size()));
}

}  // namespace orchard
