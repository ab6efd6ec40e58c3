#include "charts/charts.h"

#include <cairo.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace orchard {
namespace {

using chart_internal::FormatValue;
using chart_internal::NiceTicks;
using ::orchard::testing::TempDir;

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct PngSize {
  bool valid = false;
  uint32_t width = 0, height = 0;
};

// The PNG signature, then the IHDR chunk: length (4), "IHDR" (4), width and height big-endian.
PngSize ReadPngSize(const std::string& path) {
  const std::string bytes = ReadBytes(path);
  PngSize size;
  if (bytes.size() < 24 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 ||
      bytes.compare(12, 4, "IHDR") != 0) {
    return size;
  }
  auto be32 = [&](size_t at) {
    uint32_t value = 0;
    for (size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
    return value;
  };
  size.valid = true;
  size.width = be32(16);
  size.height = be32(20);
  return size;
}

// The loan data's 35 columns with importances falling off like a gradient-boosted model's.
BarChart LoanImportances() {
  const std::vector<std::string> columns = {"Total Revolving Credit Limit",
                                            "Revolving Balance",
                                            "Total Current Balance",
                                            "Total Received Interest",
                                            "Loan Amount",
                                            "Funded Amount Investor",
                                            "Funded Amount",
                                            "Interest Rate",
                                            "Debit to Income",
                                            "Revolving Utilities",
                                            "Total Accounts",
                                            "Batch Enrolled",
                                            "Total Collection Amount",
                                            "Last week Pay",
                                            "Open Account",
                                            "Collection Recovery Fee",
                                            "Recoveries",
                                            "Sub Grade",
                                            "Home Ownership",
                                            "Loan Title",
                                            "Inquires - six months",
                                            "Grade",
                                            "Term",
                                            "Employment Duration",
                                            "Verification Status",
                                            "Delinquency - two years",
                                            "Total Received Late Fee",
                                            "Public Record",
                                            "Initial List Status",
                                            "Collection 12 months Medical",
                                            "Application Type",
                                            "Accounts Delinquent",
                                            "ID",
                                            "Payment Plan",
                                            "Loan Status"};
  BarChart chart;
  chart.title = "Feature importance (gain)";
  chart.value_label = "share of total gain";
  double value = 0.16;
  for (const std::string& column : columns) {
    chart.bars.emplace_back(column, value);
    value *= 0.86;
  }
  return chart;
}

LineChart TwoSeries() {
  LineChart chart;
  chart.title = "Log loss by boosting round";
  chart.x_label = "round";
  chart.y_label = "log loss";
  LineSeries train{"train", {}}, validation{"validation", {}};
  for (int round = 0; round <= 200; round += 5) {
    train.points.emplace_back(round, 0.3 * std::exp(-round / 60.0) + 0.18);
    validation.points.emplace_back(
        round, 0.25 * std::exp(-round / 80.0) + 0.24 + 0.0002 * std::max(0, round - 120));
  }
  chart.series = {train, validation};
  return chart;
}

// --- Number formatting and ticks ---

TEST(FormatValueTest, CompactThreeSignificantDigits) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(FormatValue(0.123456), "0.123");
  EXPECT_EQ(FormatValue(1), "1");
  EXPECT_EQ(FormatValue(12.0), "12");
  EXPECT_EQ(FormatValue(1234), "1.23k");
  EXPECT_EQ(FormatValue(1200), "1.2k");
  EXPECT_EQ(FormatValue(999.7), "1k");
  EXPECT_EQ(FormatValue(4e6), "4M");
  EXPECT_EQ(FormatValue(3e-5), "3e-05");
  EXPECT_EQ(FormatValue(1.234e-5), "1.23e-05");
  EXPECT_EQ(FormatValue(0.001), "0.001");
  EXPECT_EQ(FormatValue(0.000949), "0.000949");
  EXPECT_EQ(FormatValue(-0.5), "-0.5");
  EXPECT_EQ(FormatValue(2.5e20), "2.5e+20");
}

TEST(NiceTicksTest, OneTwoFiveSteps) {
  auto ticks = NiceTicks(0, 1, 5, false, false);
  EXPECT_EQ(ticks.labels, (std::vector<std::string>{"0", "0.2", "0.4", "0.6", "0.8", "1"}));
  ticks = NiceTicks(0, 0.3, 6, false, false);
  EXPECT_EQ(ticks.labels,
            (std::vector<std::string>{"0", "0.05", "0.1", "0.15", "0.2", "0.25", "0.3"}));
  ticks = NiceTicks(0, 2600, 6, false, false);
  EXPECT_EQ(ticks.labels, (std::vector<std::string>{"0", "500", "1k", "1.5k", "2k", "2.5k"}));
  ticks = NiceTicks(-1.2, 1.2, 5, false, false);
  EXPECT_EQ(ticks.labels, (std::vector<std::string>{"-1", "-0.5", "0", "0.5", "1"}));
  ticks = NiceTicks(0, 2.2, 5, false, false);  // a raw step of 0.44 rounds to 0.5, not 1
  EXPECT_EQ(ticks.labels, (std::vector<std::string>{"0", "0.5", "1", "1.5", "2"}));
  ticks = NiceTicks(0, 1.1, 5, false, false);  // 0.22 rounds to 0.2, not 0.5
  EXPECT_EQ(ticks.labels, (std::vector<std::string>{"0", "0.2", "0.4", "0.6", "0.8", "1"}));
  ticks = NiceTicks(0, 4e-5, 4, false, false);
  EXPECT_EQ(ticks.labels, (std::vector<std::string>{"0", "1e-05", "2e-05", "3e-05", "4e-05"}));
}

TEST(NiceTicksTest, ExtendHiEndsOnATick) {
  auto ticks = NiceTicks(0, 0.161, 5, false, true);
  EXPECT_DOUBLE_EQ(ticks.hi, 0.2);
  EXPECT_EQ(ticks.labels.back(), "0.2");
  ticks = NiceTicks(0, 0.16, 8, false, true);
  EXPECT_DOUBLE_EQ(ticks.hi, 0.16);
  EXPECT_EQ(ticks.labels.back(), "0.16");
}

TEST(NiceTicksTest, IntegerAxisHasIntegerTicks) {
  const auto ticks = NiceTicks(0, 3, 10, true, false);
  EXPECT_EQ(ticks.labels, (std::vector<std::string>{"0", "1", "2", "3"}));
  for (double value : NiceTicks(1, 49, 8, true, false).values) {
    EXPECT_EQ(value, std::floor(value));
  }
}

// --- Bar charts ---

TEST(BarChartTest, WritesPngWithComputedHeightThatGrowsWithBars) {
  TempDir dir;
  BarChart small = LoanImportances();
  small.bars.resize(5);
  const BarChart large = LoanImportances();
  ASSERT_OK(RenderBarChart(small, dir / "small.png"));
  ASSERT_OK(RenderBarChart(large, dir / "large.png"));
  const PngSize small_size = ReadPngSize(dir / "small.png");
  const PngSize large_size = ReadPngSize(dir / "large.png");
  ASSERT_TRUE(small_size.valid);
  ASSERT_TRUE(large_size.valid);
  EXPECT_EQ(small_size.width, 900u);
  EXPECT_EQ(large_size.width, 900u);
  // About 22 px a bar.
  EXPECT_GE(large_size.height - small_size.height, 30u * 20u);
  EXPECT_LE(large_size.height - small_size.height, 30u * 24u);
  EXPECT_GE(small_size.height, 5u * 20u);
}

TEST(BarChartTest, ExplicitSizeIsKept) {
  TempDir dir;
  ASSERT_OK(RenderBarChart(LoanImportances(), dir / "fixed.png", 640, 1000));
  const PngSize size = ReadPngSize(dir / "fixed.png");
  ASSERT_TRUE(size.valid);
  EXPECT_EQ(size.width, 640u);
  EXPECT_EQ(size.height, 1000u);
}

TEST(BarChartTest, RenderingIsDeterministic) {
  TempDir dir;
  ASSERT_OK(RenderBarChart(LoanImportances(), dir / "a.png"));
  ASSERT_OK(RenderBarChart(LoanImportances(), dir / "b.png"));
  const std::string a = ReadBytes(dir / "a.png");
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, ReadBytes(dir / "b.png"));
}

TEST(BarChartTest, DrawsBarsOnWhite) {
  TempDir dir;
  BarChart chart;
  chart.title = "Equal bars";
  for (int i = 0; i < 10; ++i) chart.bars.emplace_back("feature " + std::to_string(i), 1.0);
  ASSERT_OK(RenderBarChart(chart, dir / "bars.png", 600, 400));

  cairo_surface_t* image = cairo_image_surface_create_from_png((dir / "bars.png").c_str());
  ASSERT_EQ(cairo_surface_status(image), CAIRO_STATUS_SUCCESS);
  ASSERT_EQ(cairo_image_surface_get_width(image), 600);
  ASSERT_EQ(cairo_image_surface_get_height(image), 400);
  cairo_surface_flush(image);
  const unsigned char* data = cairo_image_surface_get_data(image);
  const int stride = cairo_image_surface_get_stride(image);
  // RGB24 and ARGB32 pixels are native-endian 0x00RRGGBB / 0xAARRGGBB words.
  auto pixel = [&](int x, int y) {
    return *reinterpret_cast<const uint32_t*>(data + y * stride + x * 4) & 0xFFFFFF;
  };
  EXPECT_EQ(pixel(0, 0), 0xFFFFFFu);      // background
  EXPECT_EQ(pixel(599, 399), 0xFFFFFFu);  // background
  // Every bar reaches the end of the value axis, so a column through the middle of the plot
  // crosses mostly bar colour (blue: more blue than red), except the gaps between bars.
  int blue = 0, total = 0;
  for (int y = 120; y < 280; ++y, ++total) {
    const uint32_t p = pixel(360, y);
    if ((p & 0xFF) > ((p >> 16) & 0xFF) + 40) ++blue;
  }
  EXPECT_GT(blue, total / 2) << blue << " of " << total;
  cairo_surface_destroy(image);
}

TEST(BarChartTest, LongAndOddLabelsRender) {
  TempDir dir;
  BarChart chart;
  chart.title = std::string(300, 'T');
  chart.value_label = "share of total gain";
  chart.bars = {
      {"Total Revolving Credit Limit", 0.4},
      {"Loan Title_Credit card refinancing and a lot more words to make it long enough", 0.3},
      {std::string(500, 'x'), 0.2},
      {"Zahlungsfähigkeit – Überziehungsrahmen in € (Monatsdurchschnitt)", 0.1},
      {"latin1 \xE9t\xE9 and a \x01 control", 0.05},  // invalid UTF-8 must not break cairo
      {"", 0.0},
  };
  ASSERT_OK(RenderBarChart(chart, dir / "long.png"));
  ASSERT_OK(RenderBarChart(chart, dir / "narrow.png", 200, 0));
  ASSERT_OK(RenderBarChart(chart, dir / "tiny.png", 64, 0));
  EXPECT_TRUE(ReadPngSize(dir / "tiny.png").valid);
}

TEST(BarChartTest, DegenerateChartsRender) {
  TempDir dir;
  BarChart chart;
  chart.bars = {{"a", 0.0}, {"b", 0.0}};
  ASSERT_OK(RenderBarChart(chart, dir / "zero.png"));
  chart.bars = {{"only", 3.5}};
  ASSERT_OK(RenderBarChart(chart, dir / "one.png"));
  ASSERT_OK(RenderBarChart(chart, dir / "one-tall.png", 900, 800));
  ASSERT_OK(RenderBarChart(chart, dir / "smallest.png", kMinChartSize, 0));
  EXPECT_TRUE(ReadPngSize(dir / "smallest.png").valid);
}

TEST(BarChartTest, FortyBarsRenderQuickly) {
  TempDir dir;
  BarChart chart = LoanImportances();
  for (int i = 0; i < 5; ++i) chart.bars.emplace_back("Extra feature " + std::to_string(i), 0.001);
  ASSERT_EQ(chart.bars.size(), 40u);
  ASSERT_OK(RenderBarChart(chart, dir / "warm.png"));  // font caches
  const auto start = std::chrono::steady_clock::now();
  ASSERT_OK(RenderBarChart(chart, dir / "forty.png"));
  const auto elapsed =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
  // A few ms on a normal machine; the bound only catches accidental quadratic work.
  EXPECT_LT(elapsed.count(), 1000.0);
  RecordProperty("forty_bar_ms", std::to_string(elapsed.count()));
}

TEST(BarChartTest, RejectsBadInput) {
  TempDir dir;
  const std::string path = dir / "bad.png";
  BarChart empty;
  EXPECT_CODE(RenderBarChart(empty, path), kInvalidParameterValue);

  BarChart nan;
  nan.bars = {{"a", 1.0}, {"b", std::numeric_limits<double>::quiet_NaN()}};
  EXPECT_CODE(RenderBarChart(nan, path), kInvalidParameterValue);
  BarChart infinite;
  infinite.bars = {{"a", std::numeric_limits<double>::infinity()}};
  EXPECT_CODE(RenderBarChart(infinite, path), kInvalidParameterValue);
  BarChart negative;
  negative.bars = {{"a", -1.0}};
  EXPECT_CODE(RenderBarChart(negative, path), kInvalidParameterValue);

  const BarChart good = LoanImportances();
  EXPECT_CODE(RenderBarChart(good, path, 10, 0), kInvalidParameterValue);
  EXPECT_CODE(RenderBarChart(good, path, 900, 10), kInvalidParameterValue);
  EXPECT_CODE(RenderBarChart(good, path, 9000, 0), kInvalidParameterValue);
  EXPECT_CODE(RenderBarChart(good, path, 900, -5), kInvalidParameterValue);
  // 35 bars cannot share 150 px legibly.
  EXPECT_CODE(RenderBarChart(good, path, 900, 150), kInvalidParameterValue);
  BarChart many;
  for (int i = 0; i < 1000; ++i) many.bars.emplace_back("f" + std::to_string(i), 1.0);
  EXPECT_CODE(RenderBarChart(many, path), kInvalidParameterValue);
  EXPECT_CODE(RenderBarChart(good, ""), kInvalidParameterValue);

  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(BarChartTest, UnwritablePathIsInvalidState) {
  EXPECT_CODE(RenderBarChart(LoanImportances(), "/nonexistent-dir/x.png"), kInvalidState);
  TempDir dir;
  // The target is a directory: the rename fails and the temporary file is cleaned up.
  std::filesystem::create_directory(dir / "taken.png");
  EXPECT_CODE(RenderBarChart(LoanImportances(), dir / "taken.png"), kInvalidState);
  size_t entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    (void)entry;
    ++entries;
  }
  EXPECT_EQ(entries, 1u);
}

TEST(BarChartTest, ReplacesExistingFileAndLeavesNoTemporaries) {
  TempDir dir;
  {
    std::ofstream old(dir / "chart.png");
    old << "old contents";
  }
  ASSERT_OK(RenderBarChart(LoanImportances(), dir / "chart.png"));
  EXPECT_TRUE(ReadPngSize(dir / "chart.png").valid);
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    names.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(names, std::vector<std::string>{"chart.png"});
}

// --- Line charts ---

TEST(LineChartTest, WritesPngOfRequestedSize) {
  TempDir dir;
  ASSERT_OK(RenderLineChart(TwoSeries(), dir / "loss.png"));
  PngSize size = ReadPngSize(dir / "loss.png");
  ASSERT_TRUE(size.valid);
  EXPECT_EQ(size.width, 900u);
  EXPECT_EQ(size.height, 540u);
  ASSERT_OK(RenderLineChart(TwoSeries(), dir / "small.png", 320, 200));
  size = ReadPngSize(dir / "small.png");
  EXPECT_EQ(size.width, 320u);
  EXPECT_EQ(size.height, 200u);
}

TEST(LineChartTest, RenderingIsDeterministic) {
  TempDir dir;
  ASSERT_OK(RenderLineChart(TwoSeries(), dir / "a.png"));
  ASSERT_OK(RenderLineChart(TwoSeries(), dir / "b.png"));
  const std::string a = ReadBytes(dir / "a.png");
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, ReadBytes(dir / "b.png"));
}

TEST(LineChartTest, TrialObjectiveWithMarkersAndBest) {
  TempDir dir;
  LineChart chart;
  chart.title = "Objective per trial";
  chart.x_label = "trial";
  chart.y_label = "validation PR AUC";
  chart.markers = true;
  chart.highlight_best_max = true;
  LineSeries trials{"PR AUC", {}};
  for (int trial = 0; trial < 40; ++trial) {
    trials.points.emplace_back(trial, 0.12 + 0.03 * std::sin(trial * 1.7) + trial * 0.0005);
  }
  chart.series = {trials};
  ASSERT_OK(RenderLineChart(chart, dir / "max.png"));
  chart.highlight_best_max = false;
  chart.highlight_best_min = true;
  ASSERT_OK(RenderLineChart(chart, dir / "min.png"));
  EXPECT_NE(ReadBytes(dir / "max.png"), ReadBytes(dir / "min.png"));
}

TEST(LineChartTest, DegenerateSeriesRender) {
  TempDir dir;
  LineChart single;
  single.series = {{"only", {{3, 0.5}}}};
  ASSERT_OK(RenderLineChart(single, dir / "single.png"));
  LineChart flat;
  flat.series = {{"zero", {{0, 0}, {1, 0}, {2, 0}}}, {"same x", {{1, 5}, {1, 6}}}};
  ASSERT_OK(RenderLineChart(flat, dir / "flat.png"));
  LineChart tiny_range;
  tiny_range.series = {{"ulp", {{0, 1.0}, {1, std::nextafter(1.0, 2.0)}}}};
  ASSERT_OK(RenderLineChart(tiny_range, dir / "ulp.png"));
  LineChart huge;
  huge.series = {{"big", {{0, -1e300}, {1e300, 1e300}}}};
  ASSERT_OK(RenderLineChart(huge, dir / "huge.png"));
  LineChart many;
  for (int s = 0; s < 40; ++s) {
    many.series.push_back(
        {"series with a fairly long name " + std::to_string(s), {{0, s}, {1, s}}});
  }
  ASSERT_OK(RenderLineChart(many, dir / "many.png"));
  // Smallest size: margins exceed the image, which must still render rather than fail.
  ASSERT_OK(RenderLineChart(TwoSeries(), dir / "smallest.png", kMinChartSize, kMinChartSize));
  EXPECT_TRUE(ReadPngSize(dir / "smallest.png").valid);
}

TEST(LineChartTest, RejectsBadInput) {
  TempDir dir;
  const std::string path = dir / "bad.png";
  LineChart empty;
  EXPECT_CODE(RenderLineChart(empty, path), kInvalidParameterValue);
  LineChart no_points;
  no_points.series = {{"a", {{0, 1}}}, {"b", {}}};
  EXPECT_CODE(RenderLineChart(no_points, path), kInvalidParameterValue);
  LineChart nan;
  nan.series = {{"a", {{0, 1}, {1, std::numeric_limits<double>::quiet_NaN()}}}};
  EXPECT_CODE(RenderLineChart(nan, path), kInvalidParameterValue);
  LineChart nan_x;
  nan_x.series = {{"a", {{std::numeric_limits<double>::infinity(), 1}}}};
  EXPECT_CODE(RenderLineChart(nan_x, path), kInvalidParameterValue);
  LineChart descending;
  descending.series = {{"a", {{2, 1}, {1, 2}}}};
  EXPECT_CODE(RenderLineChart(descending, path), kInvalidParameterValue);
  LineChart both = TwoSeries();
  both.highlight_best_max = both.highlight_best_min = true;
  EXPECT_CODE(RenderLineChart(both, path), kInvalidParameterValue);
  LineChart overflow;
  overflow.series = {{"a", {{0, -1.7e308}, {1, 1.7e308}}}};
  EXPECT_CODE(RenderLineChart(overflow, path), kInvalidParameterValue);

  EXPECT_CODE(RenderLineChart(TwoSeries(), path, 63, 540), kInvalidParameterValue);
  EXPECT_CODE(RenderLineChart(TwoSeries(), path, 900, 8001), kInvalidParameterValue);
  EXPECT_CODE(RenderLineChart(TwoSeries(), path, 0, 0), kInvalidParameterValue);
  EXPECT_FALSE(std::filesystem::exists(path));

  EXPECT_CODE(RenderLineChart(TwoSeries(), "/nonexistent-dir/x.png"), kInvalidState);
}

}  // namespace
}  // namespace orchard
