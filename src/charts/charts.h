// Charts: small static PNG charts drawn with cairo, logged as run artifacts (feature importances,
// metric histories, objective-per-trial plots).
//
// Two kinds: a horizontal bar chart and a line chart. Both draw a white background, a title, axis
// labels, "nice" 1-2-5 ticks with compact numbers (0.25, 1.2k, 3e-05) and light grid lines; long
// labels are measured and ellipsized rather than clipped. The output depends only on the input
// (fixed font "DejaVu Sans", no timestamps), so the same chart gives byte-identical PNGs on one
// machine. The PNG is written to a temporary file beside the target and renamed over it, so a
// reader never sees a half-written file.
//
// Errors are Status values, never exceptions: INVALID_PARAMETER_VALUE for bad input (empty chart,
// non-finite or negative bar value, x not ascending, size outside 64..8000 px) and INVALID_STATE
// when cairo cannot draw or the file cannot be written.
//
// Thread-safe: every call draws on its own cairo image surface; cairo's font caches are locked.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace orchard {

// Horizontal bar chart, bars drawn top to bottom in the order given (e.g. feature importances,
// largest first). Values are printed at the end of each bar.
struct BarChart {
  std::string title;
  std::string value_label;                           // axis label for the values
  std::vector<std::pair<std::string, double>> bars;  // label, value (finite, >= 0)
};

// A named series of (x, y) points joined by lines in the order given; x must be non-decreasing.
struct LineSeries {
  std::string name;  // shown in the legend (drawn when there are 2+ series)
  std::vector<std::pair<double, double>> points;
};

struct LineChart {
  std::string title, x_label, y_label;
  std::vector<LineSeries> series;  // colours from a fixed palette, in this order
  bool markers = false;            // draw a dot at each point (for objective-per-trial plots)
  // Ring and label the point with the largest (or smallest) y of the first series, e.g. the best
  // trial. At most one of the two may be set.
  bool highlight_best_max = false;
  bool highlight_best_min = false;
};

// Bounds on width and height, in pixels.
inline constexpr int kMinChartSize = 64;
inline constexpr int kMaxChartSize = 8000;

// Renders `chart` to `png_path`. With height == 0 the height follows the number of bars (about
// 22 px a bar); a chart whose computed height would exceed kMaxChartSize is INVALID_PARAMETER_VALUE
// (pass the top bars only).
Status RenderBarChart(const BarChart& chart, const std::string& png_path, int width = 900,
                      int height = 0);

// Renders `chart` to `png_path`. Every series needs at least one point; a single-point series is
// drawn as a dot. When every x is an integer (steps, trial numbers) the x ticks are integers.
Status RenderLineChart(const LineChart& chart, const std::string& png_path, int width = 900,
                       int height = 540);

// Building blocks of the renderers, exposed so tests can check the numbers a chart prints.
namespace chart_internal {

// A value to three significant digits, compactly: 0.123, 0.25, 1.23k, 4M, 3e-05, -12.
std::string FormatValue(double value);

struct Ticks {
  double lo = 0, hi = 1;  // the axis range (hi moves up to a tick with extend_hi)
  std::vector<double> values;
  std::vector<std::string> labels;  // compact, with no more digits than the step needs
};
// About `target` ticks on a 1-2-5 step (1, 2, 5, 10, 20, ...) inside [lo, hi], lo < hi. With
// `extend_hi`, hi moves up to the first tick at or above it; with `integer`, the step is >= 1.
Ticks NiceTicks(double lo, double hi, int target, bool integer, bool extend_hi);

}  // namespace chart_internal
}  // namespace orchard
