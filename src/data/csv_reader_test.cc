// Tests of the CSV reader and writer and of the Frame helpers they rely on.
#include "data/csv_reader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace orchard {
namespace {

using Rows = std::vector<std::vector<std::string>>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<std::string> NamesOf(const Frame& frame) {
  std::vector<std::string> names;
  for (const Column& column : frame.columns) names.push_back(column.name);
  return names;
}

// The frame's values as text, row by row, as Column::TextAt shows them.
Rows TextsOf(const Frame& frame) {
  Rows rows(frame.rows);
  for (size_t row = 0; row < frame.rows; ++row) {
    for (const Column& column : frame.columns) rows[row].push_back(column.TextAt(row));
  }
  return rows;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct ParseCase {
  std::string name;
  std::string text;
  std::vector<std::string> columns;
  Rows rows;
};

void PrintTo(const ParseCase& test, std::ostream* out) { *out << test.name; }

class ParseTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParseTest, ReadsNamesAndValues) {
  const ParseCase& test = GetParam();
  ASSERT_OK_AND_ASSIGN(Frame frame, ParseCsv(test.text));
  EXPECT_EQ(NamesOf(frame), test.columns);
  EXPECT_EQ(frame.rows, test.rows.size());
  EXPECT_EQ(TextsOf(frame), test.rows);
}

INSTANTIATE_TEST_SUITE_P(
    Rfc4180, ParseTest,
    ::testing::Values(
        ParseCase{"EmbeddedComma", "a,b\n\"x,y\",2\n", {"a", "b"}, {{"x,y", "2"}}},
        ParseCase{"EmbeddedNewlines",
                  "a,b\n\"line1\nline2\",2\n\"p\r\nq\",3\n",
                  {"a", "b"},
                  {{"line1\nline2", "2"}, {"p\r\nq", "3"}}},
        ParseCase{"DoubledQuotes",
                  "a,b\n\"say \"\"hi\"\"\",\"\"\"\"\nx,\"\"\"a,b\"\"\"\n",
                  {"a", "b"},
                  {{"say \"hi\"", "\""}, {"x", "\"a,b\""}}},
        ParseCase{"Crlf", "a,b\r\n1,x\r\n3,y\r\n", {"a", "b"}, {{"1", "x"}, {"3", "y"}}},
        ParseCase{"LoneCr", "a,b\r1,x\r3,y", {"a", "b"}, {{"1", "x"}, {"3", "y"}}},
        ParseCase{"ByteOrderMark",
                  "\xEF\xBB\xBF"
                  "a,b\n1,2\n",
                  {"a", "b"},
                  {{"1", "2"}}},
        ParseCase{"NoFinalNewline", "a,b\n1,2\n3,4", {"a", "b"}, {{"1", "2"}, {"3", "4"}}},
        ParseCase{"NoFinalNewlineAfterQuote", "a,b\n1,\"x\"", {"a", "b"}, {{"1", "x"}}},
        ParseCase{"TrailingBlankLines", "a,b\n1,2\n\n\r\n\n", {"a", "b"}, {{"1", "2"}}},
        ParseCase{"UnquotedBlanksTrimmedQuotedKept",
                  "a,b\n  x\t, \" y \" \n",
                  {"a", "b"},
                  {{"x", " y "}}},
        ParseCase{"QuoteInsideUnquotedField", "a,b\n5'10\",2\n", {"a", "b"}, {{"5'10\"", "2"}}},
        ParseCase{"EmptyLastField", "a,b\nx,\ny,1\n", {"a", "b"}, {{"x", ""}, {"y", "1"}}},
        ParseCase{"BlankLineInOneColumnIsMissing", "a\n1\n\n3\n", {"a"}, {{"1"}, {""}, {"3"}}}),
    [](const ::testing::TestParamInfo<ParseCase>& info) { return info.param.name; });

TEST(ParseCsv, NamesKeepSpacesAndUtf8) {
  ASSERT_OK_AND_ASSIGN(Frame frame,
                       ParseCsv("Loan Status , Größe,\"  padded  \",日付\nyes,1,2,3\n"));
  EXPECT_EQ(NamesOf(frame),
            (std::vector<std::string>{"Loan Status", "Größe", "  padded  ", "日付"}));
  EXPECT_EQ(frame.ColumnIndex("Loan Status"), 0);
  EXPECT_EQ(frame.ColumnIndex("Größe"), 1);
  EXPECT_EQ(frame.ColumnIndex("  padded  "), 2);
  EXPECT_EQ(frame.ColumnIndex("日付"), 3);
  EXPECT_EQ(frame.ColumnIndex("padded"), -1);
}

TEST(ParseCsv, MissingValueSpellings) {
  for (std::string spelling :
       {"", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", " NA ", "  ", "\"\""}) {
    SCOPED_TRACE("spelling [" + spelling + "]");
    ASSERT_OK_AND_ASSIGN(Frame frame, ParseCsv("n,c\n1,a\n" + spelling + "," + spelling + "\n"));
    ASSERT_EQ(frame.rows, 2u);
    const Column& numeric = frame.columns[0];
    EXPECT_EQ(numeric.type, ColumnType::kNumeric);
    EXPECT_TRUE(numeric.IsMissing(1));
    EXPECT_TRUE(std::isnan(numeric.numbers[1]));
    EXPECT_EQ(numeric.TextAt(1), "");
    const Column& categorical = frame.columns[1];
    EXPECT_EQ(categorical.type, ColumnType::kCategorical);
    EXPECT_EQ(categorical.codes, (std::vector<int32_t>{0, -1}));
    EXPECT_EQ(categorical.levels, (std::vector<std::string>{"a"}));
  }
}

TEST(ParseCsv, QuotedMissingSpellingIsAValue) {
  ASSERT_OK_AND_ASSIGN(Frame frame, ParseCsv("c\nNA\n\"NA\"\n\" \"\n"));
  const Column& column = frame.columns[0];
  EXPECT_EQ(column.type, ColumnType::kCategorical);
  EXPECT_EQ(column.codes, (std::vector<int32_t>{-1, 0, 1}));
  EXPECT_EQ(column.levels, (std::vector<std::string>{"NA", " "}));
}

struct InferCase {
  std::vector<std::string> values;
  ColumnType type;
};

void PrintTo(const InferCase& test, std::ostream* out) {
  for (const std::string& value : test.values) *out << "[" << value << "]";
}

class InferTest : public ::testing::TestWithParam<InferCase> {};

TEST_P(InferTest, TypeFollowsPresentValues) {
  std::string text = "x\n";
  for (const std::string& value : GetParam().values) text += value + "\n";
  ASSERT_OK_AND_ASSIGN(Frame frame, ParseCsv(text));
  EXPECT_EQ(frame.columns[0].type, GetParam().type) << text;
  EXPECT_EQ(frame.rows, GetParam().values.size());
}

INSTANTIATE_TEST_SUITE_P(
    Inference, InferTest,
    ::testing::Values(
        InferCase{{"1", "2.5", "-3"}, ColumnType::kNumeric},
        InferCase{{"+4", " 5 ", "1e3", ".5", "5."}, ColumnType::kNumeric},
        InferCase{{"inf", "-Infinity", "+inf", "1e999"}, ColumnType::kNumeric},
        InferCase{{"\"36\"", "\" 7 \""}, ColumnType::kNumeric},
        InferCase{{"NA", "", "null"}, ColumnType::kNumeric},
        InferCase{{"1", "NA", "abc"}, ColumnType::kCategorical},
        InferCase{{"1x"}, ColumnType::kCategorical}, InferCase{{"0x10"}, ColumnType::kCategorical},
        InferCase{{"+-1"}, ColumnType::kCategorical}, InferCase{{"++1"}, ColumnType::kCategorical},
        InferCase{{"1e"}, ColumnType::kCategorical}, InferCase{{"+"}, ColumnType::kCategorical},
        InferCase{{"NAN"}, ColumnType::kCategorical},
        InferCase{{"nan(1)"}, ColumnType::kCategorical},
        InferCase{{"\"1,000\""}, ColumnType::kCategorical},
        InferCase{{"1 2"}, ColumnType::kCategorical}));

TEST(ParseCsv, NumbersParseExactly) {
  ASSERT_OK_AND_ASSIGN(Frame frame, ParseCsv("x\n+4\n 0.1 \n-1e999\n1e-400\n-0\n"));
  const std::vector<double>& numbers = frame.columns[0].numbers;
  ASSERT_EQ(numbers.size(), 5u);
  EXPECT_EQ(numbers[0], 4.0);
  EXPECT_EQ(numbers[1], 0.1);
  EXPECT_EQ(numbers[2], -kInf);
  EXPECT_EQ(numbers[3], 0.0);
  EXPECT_TRUE(std::signbit(numbers[4]));
}

// Whole-number columns are marked as pandas reads them (int64): every value written as an
// integer, none missing. The model signature declares such a column long.
TEST(ParseCsv, MarksWholeNumberColumnsAsPandasReadsThem) {
  ASSERT_OK_AND_ASSIGN(Frame frame, ParseCsv("ints,signed,point,exp,holes,huge,text\n"
                                             "1,+2,1.0,1e3,4,9223372036854775808,a\n"
                                             "20, -3 ,2,2,NA,1,b\n"));
  std::vector<bool> whole;
  for (const Column& column : frame.columns) whole.push_back(column.whole_numbers);
  EXPECT_EQ(whole, (std::vector<bool>{true, true, false, false, false, false, false}));
}

TEST(ParseCsv, ColumnTurningCategoricalLateKeepsEarlierTexts) {
  // The switch to categorical happens at the last row: earlier texts are kept as written.
  ASSERT_OK_AND_ASSIGN(Frame frame,
                       ParseCsv("a,b\n36,1\n\"036\",2\nNA,3\n 1.50 ,4\n36,5\n\"x\"\"y\",6\n"));
  const Column& column = frame.columns[0];
  EXPECT_EQ(column.type, ColumnType::kCategorical);
  EXPECT_EQ(column.levels, (std::vector<std::string>{"36", "036", "1.50", "x\"y"}));
  EXPECT_EQ(column.codes, (std::vector<int32_t>{0, 1, -1, 2, 0, 3}));
  EXPECT_EQ(frame.columns[1].type, ColumnType::kNumeric);
}

TEST(ParseCsv, ForcedCategoricalKeepsRawTexts) {
  CsvOptions options;
  options.categorical = {"term"};
  ASSERT_OK_AND_ASSIGN(Frame frame, ParseCsv("term,x\n36,1\n60,2\n36.0,3\nNA,4\n36,5\n", options));
  const Column& term = frame.columns[0];
  EXPECT_EQ(term.type, ColumnType::kCategorical);
  EXPECT_EQ(term.levels, (std::vector<std::string>{"36", "60", "36.0"}));
  EXPECT_EQ(term.codes, (std::vector<int32_t>{0, 1, 2, -1, 0}));
  EXPECT_EQ(term.TextAt(0), "36");
  EXPECT_EQ(frame.columns[1].type, ColumnType::kNumeric);
}

TEST(ParseCsv, ForcedNumericReadsNumbers) {
  CsvOptions options;
  options.numeric = {"x"};
  ASSERT_OK_AND_ASSIGN(Frame frame, ParseCsv("x\nNA\n2\n", options));
  EXPECT_EQ(frame.columns[0].type, ColumnType::kNumeric);
  EXPECT_TRUE(frame.columns[0].IsMissing(0));
  EXPECT_EQ(frame.columns[0].numbers[1], 2.0);
}

TEST(ParseCsv, ForcedNumericRejectsTextWithItsLine) {
  CsvOptions options;
  options.numeric = {"b"};
  StatusOr<Frame> frame = ParseCsv("a,b\n1,2\n\"multi\nline\",3\n4,\"x\ny\"\n", options, "in.csv");
  EXPECT_CODE(frame, kInvalidParameterValue);
  EXPECT_EQ(frame.status().message(),
            "in.csv line 5: column 'b' is read as numeric, but 'x\ny' is not a number");
}

TEST(ParseCsv, OptionsNamingUnknownColumnsFail) {
  CsvOptions options;
  options.categorical = {"a", "nope"};
  options.numeric = {"gone"};
  StatusOr<Frame> frame = ParseCsv("a,b\n1,2\n", options, "in.csv");
  EXPECT_CODE(frame, kInvalidParameterValue);
  EXPECT_EQ(frame.status().message(),
            "in.csv: the options name columns that are not in the header: 'nope', 'gone'");

  CsvOptions both;
  both.categorical = {"a"};
  both.numeric = {"a"};
  EXPECT_CODE(ParseCsv("a,b\n1,2\n", both), kInvalidParameterValue);
}

struct ErrorCase {
  std::string name;
  std::string text;
  std::string message;
};

void PrintTo(const ErrorCase& test, std::ostream* out) { *out << test.name; }

class ParseErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ParseErrorTest, FailsNamingSourceAndLine) {
  StatusOr<Frame> frame = ParseCsv(GetParam().text, {}, "data.csv");
  EXPECT_CODE(frame, kInvalidParameterValue);
  EXPECT_EQ(frame.status().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Errors, ParseErrorTest,
    ::testing::Values(
        ErrorCase{"Empty", "", "data.csv is empty"},
        ErrorCase{"OnlyByteOrderMark", "\xEF\xBB\xBF", "data.csv is empty"},
        ErrorCase{"OnlyBlankLines", "\n\r\n\n", "data.csv is empty"},
        ErrorCase{"HeaderOnly", "a,b\n", "data.csv has a header but no data rows"},
        ErrorCase{"HeaderOnlyNoNewline", "a,b", "data.csv has a header but no data rows"},
        ErrorCase{"HeaderThenBlankLines", "a,b\r\n\r\n\n",
                  "data.csv has a header but no data rows"},
        ErrorCase{"TooFewFields", "a,b,c\n1,2,3\n1,2\n",
                  "data.csv line 3: expected 3 fields as in the header, found 2"},
        ErrorCase{"TooManyFields", "a,b,c\n1,2,3,4\n",
                  "data.csv line 2: expected 3 fields as in the header, found 4"},
        ErrorCase{"RaggedAfterMultilineField", "a,b\n\"x\ny\nz\",1\n2\n",
                  "data.csv line 5: expected 2 fields as in the header, found 1"},
        ErrorCase{"RaggedAfterMultilineFieldCrlf", "a,b\r\n\"x\r\ny\",1\r\n\"\"\"\r\n\",2\r\n2\r\n",
                  "data.csv line 6: expected 2 fields as in the header, found 1"},
        ErrorCase{"RaggedMultilineRecordStartsLine", "a,b\n1,2\n\"x\ny\"\n",
                  "data.csv line 3: expected 2 fields as in the header, found 1"},
        ErrorCase{"BlankLineInTheMiddle", "a,b\n1,2\n\n3,4\n",
                  "data.csv line 3: expected 2 fields as in the header, found 1"},
        ErrorCase{"UnclosedQuote", "a,b\n1,\"abc\n2,3\n",
                  "data.csv line 2: a quoted field is never closed"},
        ErrorCase{"UnclosedQuoteAfterMultiline", "a,b\n\"p\nq\",1\n3,\"x\"\"y\n",
                  "data.csv line 4: a quoted field is never closed"},
        ErrorCase{"UnclosedQuoteInHeader", "a,\"b\n",
                  "data.csv line 1: a quoted field is never closed"},
        ErrorCase{"TextAfterClosingQuote", "a,b\n1,2\n\"x\"y,1\n",
                  "data.csv line 3: unexpected text after the closing quote of a field (a quote "
                  "inside a quoted field is written as two quotes)"},
        ErrorCase{"EmptyName", "a,,c\n1,2,3\n",
                  "data.csv line 1: column 2 of the header has no name"},
        ErrorCase{"BlankName", "a,  \n1,2\n",
                  "data.csv line 1: column 2 of the header has no name"},
        ErrorCase{"QuotedEmptyName", "\"\",b\n1,2\n",
                  "data.csv line 1: column 1 of the header has no name"},
        ErrorCase{"DuplicateName", "a,b, a\n1,2,3\n",
                  "data.csv line 1: the header names column 'a' twice (columns 1 and 3)"}),
    [](const ::testing::TestParamInfo<ErrorCase>& info) { return info.param.name; });

TEST(ReadCsv, ReadsAFileAndNamesItInErrors) {
  testing::TempDir dir;
  std::string path = dir / "loans.csv";
  {
    std::ofstream out(path, std::ios::binary);
    out << "\xEF\xBB\xBFLoan Status,amount\r\nFully Paid,1000\r\nCharged Off,NA\r\n";
  }
  ASSERT_OK_AND_ASSIGN(Frame frame, ReadCsv(path));
  EXPECT_EQ(NamesOf(frame), (std::vector<std::string>{"Loan Status", "amount"}));
  EXPECT_EQ(TextsOf(frame), (Rows{{"Fully Paid", "1000"}, {"Charged Off", ""}}));

  std::string ragged = dir / "ragged.csv";
  {
    std::ofstream out(ragged, std::ios::binary);
    out << "a,b\n1\n";
  }
  std::string empty = dir / "empty.csv";
  std::ofstream(empty, std::ios::binary).close();
  EXPECT_EQ(ReadCsv(empty).status().message(), empty + " is empty");

  StatusOr<Frame> bad = ReadCsv(ragged);
  EXPECT_CODE(bad, kInvalidParameterValue);
  EXPECT_EQ(bad.status().message(),
            ragged + " line 2: expected 2 fields as in the header, found 1");
}

TEST(ReadCsv, FileThatCannotBeOpened) {
  testing::TempDir dir;
  std::string missing = dir / "missing.csv";
  StatusOr<Frame> frame = ReadCsv(missing);
  EXPECT_CODE(frame, kInvalidParameterValue);
  EXPECT_EQ(frame.status().message(), "cannot read '" + missing + "': No such file or directory");

  StatusOr<Frame> folder = ReadCsv(dir.path().string());
  EXPECT_CODE(folder, kInvalidParameterValue);
  EXPECT_EQ(folder.status().message(), "cannot read '" + dir.path().string() + "': Is a directory");
}

TEST(WriteCsv, QuotesOnlyWhereNeeded) {
  Frame frame;
  frame.rows = 2;
  frame.columns.push_back({.name = "Loan Status",
                           .type = ColumnType::kCategorical,
                           .codes = {0, 1},
                           .levels = {"plain", "a,b"}});
  frame.columns.push_back({.name = " x", .type = ColumnType::kNumeric, .numbers = {36, kNaN}});
  frame.columns.push_back(
      {.name = "s", .type = ColumnType::kCategorical, .codes = {0, -1}, .levels = {"say \"hi\""}});
  testing::TempDir dir;
  std::string path = dir / "out.csv";
  ASSERT_OK(WriteCsv(frame, path));
  EXPECT_EQ(ReadFile(path), "Loan Status,\" x\",s\nplain,36,\"say \"\"hi\"\"\"\n\"a,b\",,\n");
  // Only the file is left: the temporary was renamed onto it.
  size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++entries;
  }
  EXPECT_EQ(entries, 1u);
}

TEST(WriteCsv, RoundTripKeepsValuesMissingAndAwkwardStrings) {
  std::vector<std::string> awkward = {"plain",    "a,b",   "say \"hi\"", "line\nbreak",
                                      "cr\r\nlf", " pad ", "\ttab",      "NA",
                                      "null",     "Größe", "\"",         "trailing,"};
  Frame frame;
  frame.rows = awkward.size() + 1;
  Column text{.name = "Loan Status", .type = ColumnType::kCategorical};
  text.levels = awkward;
  for (size_t i = 0; i < awkward.size(); ++i) text.codes.push_back(static_cast<int32_t>(i));
  text.codes.push_back(-1);
  Column numbers{.name = "amount", .type = ColumnType::kNumeric};
  numbers.numbers = {0.1,    36,   -1e300, kInf,   -kInf,         1.0 / 3, kNaN,
                     5e-324, -0.0, 1e16,   2.5e-7, 123456789.125, kNaN};
  ASSERT_EQ(numbers.numbers.size(), frame.rows);
  frame.columns = {text, numbers};

  testing::TempDir dir;
  std::string path = dir / "round.csv";
  ASSERT_OK(WriteCsv(frame, path));
  ASSERT_OK_AND_ASSIGN(Frame back, ReadCsv(path));
  EXPECT_EQ(NamesOf(back), NamesOf(frame));
  ASSERT_EQ(back.rows, frame.rows);
  EXPECT_EQ(back.columns[0].type, ColumnType::kCategorical);
  EXPECT_EQ(back.columns[0].levels, awkward);
  EXPECT_EQ(back.columns[0].codes, text.codes);
  ASSERT_EQ(back.columns[1].type, ColumnType::kNumeric);
  for (size_t row = 0; row < frame.rows; ++row) {
    double want = numbers.numbers[row];
    double got = back.columns[1].numbers[row];
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got)) << row;
    } else {
      EXPECT_EQ(std::memcmp(&want, &got, sizeof want), 0) << row << ": " << got;
    }
  }

  // Overwriting an existing file works too.
  ASSERT_OK(WriteCsv(back, path));
  ASSERT_OK_AND_ASSIGN(Frame again, ReadCsv(path));
  EXPECT_EQ(TextsOf(again), TextsOf(frame));
}

TEST(WriteCsv, OneColumnWithMissingLastValueKeepsItsRows) {
  Frame frame;
  frame.rows = 3;
  frame.columns.push_back({.name = "x", .numbers = {1, kNaN, kNaN}});
  testing::TempDir dir;
  std::string path = dir / "one.csv";
  ASSERT_OK(WriteCsv(frame, path));
  ASSERT_OK_AND_ASSIGN(Frame back, ReadCsv(path));
  EXPECT_EQ(back.rows, 3u);
  EXPECT_EQ(TextsOf(back), (Rows{{"1"}, {""}, {""}}));
}

TEST(WriteCsv, FailuresAreStatuses) {
  testing::TempDir dir;
  Frame frame;
  frame.rows = 1;
  frame.columns.push_back({.name = "x", .numbers = {1}});
  EXPECT_CODE(WriteCsv(frame, dir / "no/such/folder/out.csv"), kInvalidState);

  frame.rows = 2;  // the column has one value
  EXPECT_CODE(WriteCsv(frame, dir / "out.csv"), kInvalidParameterValue);
}

TEST(Frame, TextAtIsMissingAndColumnIndex) {
  Column numbers{.name = "n", .numbers = {36, 0.1, kNaN, -kInf, 1e21}};
  EXPECT_EQ(numbers.TextAt(0), "36");
  EXPECT_EQ(numbers.TextAt(1), "0.1");
  EXPECT_EQ(numbers.TextAt(2), "");
  EXPECT_TRUE(numbers.IsMissing(2));
  EXPECT_FALSE(numbers.IsMissing(0));
  EXPECT_EQ(numbers.TextAt(3), "-inf");
  EXPECT_EQ(numbers.TextAt(4), "1e+21");
  Column levels{
      .name = "c", .type = ColumnType::kCategorical, .codes = {1, -1, 0}, .levels = {"a", "b"}};
  EXPECT_EQ(levels.size(), 3u);
  EXPECT_EQ(levels.TextAt(0), "b");
  EXPECT_EQ(levels.TextAt(1), "");
  EXPECT_TRUE(levels.IsMissing(1));
  EXPECT_EQ(levels.TextAt(2), "a");
  Frame frame;
  frame.columns = {numbers, levels};
  EXPECT_EQ(frame.ColumnIndex("c"), 1);
  EXPECT_EQ(frame.ColumnIndex("C"), -1);
}

TEST(Frame, IsMissingText) {
  for (const char* text : {"", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", " NA", "\t"}) {
    EXPECT_TRUE(IsMissingText(text)) << text;
  }
  for (const char* text : {"na", "NAN", "none", "Null", "0", "-", "N A"}) {
    EXPECT_FALSE(IsMissingText(text)) << text;
  }
}

}  // namespace
}  // namespace orchard
