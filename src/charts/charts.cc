#include "charts/charts.h"

#include <cairo.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <numbers>
#include <string_view>
#include <system_error>

namespace orchard {
namespace {

constexpr char kFontFamily[] = "DejaVu Sans";
constexpr char kEllipsis[] = "\xE2\x80\xA6";  // U+2026, present in DejaVu Sans

// Layout constants, in pixels. Text sizes are cairo font sizes (em height).
constexpr double kPad = 14;  // outer margin on every side
constexpr double kTitleSize = 16;
constexpr double kLabelSize = 12;  // axis titles, category labels, legend
constexpr double kTickSize = 11;   // tick labels and bar values
constexpr double kTickLength = 4;
constexpr double kBarPitch = 22;    // vertical space per bar when the height is computed
constexpr double kMinBarPitch = 8;  // below this, category labels would overlap
constexpr double kLegendRow = 18;
constexpr double kNoteBand = 16;  // above a line chart's plot, for the best-point note

struct Rgb {
  double r, g, b;
};
constexpr Rgb kWhite = {1, 1, 1};
constexpr Rgb kTitleInk = {0.10, 0.10, 0.10};
constexpr Rgb kLabelInk = {0.20, 0.20, 0.20};
constexpr Rgb kTickInk = {0.35, 0.35, 0.35};
constexpr Rgb kGridInk = {0.89, 0.89, 0.89};
constexpr Rgb kAxisInk = {0.55, 0.55, 0.55};
constexpr Rgb kHighlightInk = {0.80, 0.10, 0.10};
// matplotlib's "tab10": distinct hues that stay apart for common colour-vision deficiencies.
constexpr Rgb kPalette[] = {
    {0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}, {0.173, 0.627, 0.173}, {0.839, 0.153, 0.157},
    {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294}, {0.890, 0.467, 0.761}, {0.498, 0.498, 0.498},
    {0.737, 0.741, 0.133}, {0.090, 0.745, 0.812},
};
constexpr size_t kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);

// --- Text hygiene ---

// Labels come from user data, and cairo puts the whole context into an error state on invalid
// UTF-8. A byte that is not part of valid UTF-8 is read as Latin-1 when it is a printable Latin-1
// character (CSV headers saved by spreadsheets often are: "\xE9t\xE9" shows as "été"), else it
// becomes U+FFFD; control characters become spaces.
std::string CleanText(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    const auto lead = static_cast<unsigned char>(in[i]);
    size_t length = lead < 0x80           ? 1
                    : (lead >> 5) == 0x06 ? 2
                    : (lead >> 4) == 0x0E ? 3
                    : (lead >> 3) == 0x1E ? 4
                                          : 0;
    bool valid = length > 0 && i + length <= in.size();
    uint32_t code = length == 1 ? lead : length == 2 ? lead & 0x1F : lead & (0x7F >> length);
    for (size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(in[i + k]);
      valid = (next & 0xC0) == 0x80;
      code = (code << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid too (cairo rejects them).
    static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (valid &&
        (code < kSmallest[length] || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF)) {
      valid = false;
    }
    if (!valid && lead >= 0xA0) {
      out.push_back(static_cast<char>(0xC0 | (lead >> 6)));
      out.push_back(static_cast<char>(0x80 | (lead & 0x3F)));
      ++i;
    } else if (!valid) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else if (length == 1 && (lead < 0x20 || lead == 0x7F)) {
      out.push_back(' ');
      ++i;
    } else {
      out.append(in.substr(i, length));
      i += length;
    }
  }
  return out;
}

std::string TrimSpaces(std::string_view text) {
  size_t begin = text.find_first_not_of(' ');
  if (begin == std::string_view::npos) return "";
  size_t end = text.find_last_not_of(' ');
  return std::string(text.substr(begin, end - begin + 1));
}

// --- Numbers ---

// Strips trailing fractional zeros: "1.50" -> "1.5", "2.00" -> "2".
std::string TrimZeros(std::string text) {
  if (text.find('.') == std::string::npos) return text;
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

// The power of ten of v's leading digit (v != 0), read from fmt's output so it agrees with the
// rounding fmt applies when printing.
int DecimalExponent(double v) {
  std::string text = fmt::format("{:.15e}", v);
  int exponent = 0;
  size_t e = text.find('e');
  const char* begin = text.data() + e + 1;
  if (*begin == '+') ++begin;
  std::from_chars(begin, text.data() + text.size(), exponent);
  return exponent;
}

// Tiny and huge magnitudes read best in scientific notation; the rest as fixed with k/M/G/T.
// `small` is where "tiny" starts: 1e-4 for a lone value (0.000949 reads fine), 1e-3 for an axis,
// whose labels would otherwise stack up zeros (0.00002, 0.00004, ...).
bool UseScientific(double max_abs, double small) {
  return max_abs > 0 && (max_abs < small || max_abs >= 1e15);
}

// `v` printed compactly down to the digit of 10^last_digit: 0.25, 1.5k, 3e-05, -12.
std::string FormatNumber(double v, int last_digit, bool scientific) {
  if (v == 0) return "0";
  const int exponent = DecimalExponent(v);
  if (scientific) {
    const int significant = std::clamp(exponent - last_digit + 1, 1, 17);
    std::string text = fmt::format("{:.{}e}", v, significant - 1);
    const size_t e = text.find('e');
    return TrimZeros(text.substr(0, e)) + text.substr(e);
  }
  static constexpr const char* kUnits[] = {"", "k", "M", "G", "T"};
  const int unit = exponent >= 3 ? std::min(exponent / 3, 4) : 0;
  const double scaled = v / std::pow(10.0, 3 * unit);
  const int decimals = std::clamp(3 * unit - last_digit, 0, 17);
  return TrimZeros(fmt::format("{:.{}f}", scaled, decimals)) + kUnits[unit];
}

// An x coordinate that is an integer (step, trial) prints exactly, without k suffixes.
std::string FormatCoordinate(double v, bool integer) {
  if (integer && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
  return chart_internal::FormatValue(v);
}

// The value i * m * 10^k, computed so that decimal steps stay as exact as a double allows
// (dividing by an exact power of ten rather than multiplying by an inexact 0.1).
double TickValue(long long i, int m, int k) {
  const double units = static_cast<double>(i) * m;
  if (k >= 0) return units * std::pow(10.0, k);
  if (k >= -22) return units / std::pow(10.0, -k);  // 10^22 is the largest exact power
  return units * std::pow(10.0, k);
}

bool IsInteger(double v) { return std::fabs(v) < 9e15 && v == std::floor(v); }

}  // namespace

namespace chart_internal {

std::string FormatValue(double value) {
  if (value == 0) return "0";
  // Round first, so 999.7 becomes "1k" rather than "1000".
  const std::string text = fmt::format("{:.2e}", value);
  double rounded = value;
  std::from_chars(text.data(), text.data() + text.size(), rounded);
  return FormatNumber(rounded, DecimalExponent(rounded) - 2,
                      UseScientific(std::fabs(rounded), 1e-4));
}

Ticks NiceTicks(double lo, double hi, int target, bool integer, bool extend_hi) {
  // step = m * 10^k with m in {1, 2, 5}: the smallest such step giving at most 25% more than
  // `target` steps: "about" target, so a raw step of 0.22 rounds to 0.2 rather than up to 0.5,
  // which would leave barely half the ticks asked for. The 1e-9 keeps 0.05 / 0.01 =
  // 5.000000000000001 a step of 5, not 10.
  const double raw = (hi - lo) / std::max(target, 1);
  int k = static_cast<int>(std::floor(std::log10(raw)));
  const double wanted = raw / std::pow(10.0, k) / 1.25 - 1e-9;
  int m = wanted <= 1 ? 1 : wanted <= 2 ? 2 : wanted <= 5 ? 5 : 10;
  if (m == 10) {
    m = 1;
    ++k;
  }
  if (integer && k < 0) {
    m = 1;
    k = 0;
  }
  const double step = TickValue(1, m, k);
  Ticks ticks;
  ticks.lo = lo;
  ticks.hi = hi;
  // The small tolerances keep a bound that is a tick up to rounding (0.3 vs 0.30000000000000004).
  const auto first = static_cast<long long>(std::ceil(lo / step - 1e-9));
  auto last = static_cast<long long>(std::floor(hi / step + 1e-9));
  if (extend_hi) {
    last = static_cast<long long>(std::ceil(hi / step - 1e-9));
    ticks.hi = std::max(hi, TickValue(last, m, k));
  }
  for (long long i = first; i <= last && ticks.values.size() < 200; ++i) {
    ticks.values.push_back(TickValue(i, m, k));
  }
  // One notation for the whole axis, chosen by its largest label.
  double max_abs = 0;
  for (double value : ticks.values) max_abs = std::max(max_abs, std::fabs(value));
  const bool scientific = UseScientific(max_abs, 1e-3);
  for (double value : ticks.values) ticks.labels.push_back(FormatNumber(value, k, scientific));
  return ticks;
}

}  // namespace chart_internal

namespace {

using chart_internal::FormatValue;

// Ticks plus the width of their widest label in the font they were measured with.
struct Axis : chart_internal::Ticks {
  double max_label_width = 0;
};

// --- Drawing ---

enum class Align { kLeft, kCenter, kRight };
enum class Elide { kEnd, kMiddle };

// One image surface and its context; the small text helpers every chart uses.
class Canvas {
 public:
  Canvas(int width, int height)
      : width_(width),
        height_(height),
        surface_(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height)),
        cr_(cairo_create(surface_)) {
    SetColor(kWhite);
    cairo_paint(cr_);
  }
  ~Canvas() {
    cairo_destroy(cr_);
    cairo_surface_destroy(surface_);
  }
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;

  cairo_t* cr() const { return cr_; }
  cairo_surface_t* surface() const { return surface_; }
  double width() const { return width_; }
  double height() const { return height_; }

  Status status() const {
    cairo_status_t status = cairo_surface_status(surface_);
    if (status == CAIRO_STATUS_SUCCESS) status = cairo_status(cr_);
    if (status == CAIRO_STATUS_SUCCESS) return Status::Ok();
    return Status(ErrorCode::kInvalidState,
                  fmt::format("cannot draw chart: {}", cairo_status_to_string(status)));
  }

  void SetColor(const Rgb& color, double alpha = 1) {
    cairo_set_source_rgba(cr_, color.r, color.g, color.b, alpha);
  }

  void SetFont(double size, bool bold = false) {
    cairo_select_font_face(cr_, kFontFamily, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr_, size);
    font_size_ = size;
  }
  double font_size() const { return font_size_; }

  // The advance width of `text` in the current font.
  double TextWidth(const std::string& text) const {
    cairo_text_extents_t extents;
    cairo_text_extents(cr_, text.c_str(), &extents);
    return extents.x_advance;
  }

  // The baseline that centres capitals and digits of the current font on `y` (DejaVu Sans's cap
  // height is 0.73 em).
  double BaselineFor(double y) const { return y + 0.365 * font_size_; }

  void Text(const std::string& text, double x, double baseline, Align align) {
    double left = x;
    if (align != Align::kLeft) left -= TextWidth(text) * (align == Align::kCenter ? 0.5 : 1.0);
    cairo_move_to(cr_, left, baseline);
    cairo_show_text(cr_, text.c_str());
  }

  // Horizontally centred on `x` but shifted to stay inside the image (edge tick labels).
  void TextInside(const std::string& text, double x, double baseline) {
    const double width = TextWidth(text);
    const double left = std::clamp(x - width / 2, 2.0, std::max(2.0, width_ - 2 - width));
    cairo_move_to(cr_, left, baseline);
    cairo_show_text(cr_, text.c_str());
  }

  // `text` shortened with "…" until it is at most `max_width` wide. Category labels elide in the
  // middle, keeping both the shared prefix and the distinguishing suffix of names such as
  // "Loan Title_Credit card refinancing".
  std::string Fit(const std::string& text, double max_width, Elide elide) const {
    if (TextWidth(text) <= max_width) return text;
    if (TextWidth(kEllipsis) > max_width) return "";
    std::vector<size_t> starts;  // byte offset of every code point, then the end
    for (size_t i = 0; i < text.size(); ++i) {
      if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
    }
    starts.push_back(text.size());
    const size_t count = starts.size() - 1;
    auto candidate = [&](size_t keep) {
      if (elide == Elide::kEnd) {
        return TrimSpaces(std::string_view(text).substr(0, starts[keep])) + kEllipsis;
      }
      const size_t head = (keep + 1) / 2, tail = keep - head;
      return TrimSpaces(std::string_view(text).substr(0, starts[head])) + kEllipsis +
             TrimSpaces(std::string_view(text).substr(starts[count - tail]));
    };
    // The widest candidate that fits; keep == 0 (a lone "…") is known to fit.
    size_t lo = 0, hi = count - 1;
    while (lo < hi) {
      const size_t mid = (lo + hi + 1) / 2;
      if (TextWidth(candidate(mid)) <= max_width) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return candidate(lo);
  }

  // A 1 px line centred on pixel centres, so grid lines stay crisp rather than 2 px of grey.
  void CrispLine(double x0, double y0, double x1, double y1) {
    if (x0 == x1) x0 = x1 = std::floor(x0) + 0.5;
    if (y0 == y1) y0 = y1 = std::floor(y0) + 0.5;
    cairo_set_line_width(cr_, 1);
    cairo_move_to(cr_, x0, y0);
    cairo_line_to(cr_, x1, y1);
    cairo_stroke(cr_);
  }

  void Circle(double x, double y, double radius) {
    cairo_new_sub_path(cr_);
    cairo_arc(cr_, x, y, radius, 0, 2 * std::numbers::pi);
  }

 private:
  double width_, height_;
  cairo_surface_t* surface_;
  cairo_t* cr_;
  double font_size_ = kLabelSize;
};

// Nice ticks for [lo, hi] along `length` px, at most one every `min_gap` px and, on a
// horizontal axis, far enough apart that their labels (measured in the canvas's current font) do
// not touch: the tick count drops until they fit.
Axis MakeAxis(const Canvas& canvas, double lo, double hi, double length, double min_gap,
              bool horizontal, bool integer, bool extend_hi) {
  int target = std::max(1, static_cast<int>(length / min_gap));
  for (;;) {
    Axis axis;
    static_cast<chart_internal::Ticks&>(axis) =
        chart_internal::NiceTicks(lo, hi, target, integer, extend_hi);
    for (const std::string& label : axis.labels) {
      axis.max_label_width = std::max(axis.max_label_width, canvas.TextWidth(label));
    }
    const double step =
        axis.values.size() >= 2 ? axis.values[1] - axis.values[0] : axis.hi - axis.lo;
    const double gap = length * step / (axis.hi - axis.lo);
    if (!horizontal || target == 1 || gap >= axis.max_label_width + 12) return axis;
    target = std::max(1, target * 2 / 3);
  }
}

// --- Output ---

cairo_status_t WriteToFile(void* closure, const unsigned char* data, unsigned int length) {
  FILE* file = static_cast<FILE*>(closure);
  return std::fwrite(data, 1, length, file) == length ? CAIRO_STATUS_SUCCESS
                                                      : CAIRO_STATUS_WRITE_ERROR;
}

// Writes the PNG beside `path` under a temporary name, then renames it into place, so readers
// (the artifact server, a notebook polling the folder) never see a half-written image. The name
// carries the pid and a counter so concurrent writers of the same chart do not collide. No fsync:
// a crash may lose the chart, but never leaves a torn one under the final name.
Status WritePng(cairo_surface_t* surface, const std::string& path) {
  namespace fs = std::filesystem;
  static std::atomic<unsigned> counter{0};
  const fs::path target(path);
  const fs::path temp =
      target.parent_path() / fmt::format(".{}.tmp-{}-{}", target.filename().string(),
                                         static_cast<long>(getpid()), counter.fetch_add(1));
  auto fail = [&](const std::string& why) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    return Status(ErrorCode::kInvalidState, fmt::format("cannot write chart {}: {}", path, why));
  };
  FILE* file = std::fopen(temp.c_str(), "wb");
  if (file == nullptr) return fail(std::error_code(errno, std::generic_category()).message());
  const cairo_status_t status = cairo_surface_write_to_png_stream(surface, WriteToFile, file);
  const int close_error = std::fclose(file);  // flushes: a full disk shows up here
  if (status != CAIRO_STATUS_SUCCESS) return fail(cairo_status_to_string(status));
  if (close_error != 0) return fail(std::error_code(errno, std::generic_category()).message());
  std::error_code error;
  fs::rename(temp, target, error);
  if (error) return fail(error.message());
  return Status::Ok();
}

Status CheckPath(const std::string& png_path) {
  if (png_path.empty() || std::filesystem::path(png_path).filename().empty()) {
    return Status::InvalidParameter(fmt::format("chart path \"{}\" names no file", png_path));
  }
  return Status::Ok();
}

Status CheckSize(int width, int height) {
  if (width < kMinChartSize || width > kMaxChartSize || height < kMinChartSize ||
      height > kMaxChartSize) {
    return Status::InvalidParameter(fmt::format("chart size {}x{} px is outside {}..{} px", width,
                                                height, kMinChartSize, kMaxChartSize));
  }
  return Status::Ok();
}

// Where the content below the title (if any) may start.
double TitleBottom(bool has_title) { return has_title ? kPad + 1.25 * kTitleSize + 10 : kPad; }

// Title centred across the image; returns TitleBottom.
double DrawTitle(Canvas& canvas, const std::string& title) {
  if (title.empty()) return TitleBottom(false);
  canvas.SetFont(kTitleSize, /*bold=*/true);
  canvas.SetColor(kTitleInk);
  const std::string fitted = canvas.Fit(title, canvas.width() - 2 * kPad, Elide::kEnd);
  canvas.Text(fitted, canvas.width() / 2, kPad + 0.93 * kTitleSize, Align::kCenter);
  return TitleBottom(true);
}

// Space below the plot area: tick marks, tick labels and the axis title.
double BottomMargin(bool has_axis_title) {
  return kTickLength + 4 + 1.2 * kTickSize + (has_axis_title ? 8 + 1.2 * kLabelSize : 0) + kPad;
}

// Horizontal axis under the plot from plot_left to plot_right: tick marks, labels, axis title.
void DrawBottomAxis(Canvas& canvas, const Axis& axis, double plot_left, double plot_right,
                    double plot_bottom, const std::string& title) {
  const double scale = (plot_right - plot_left) / (axis.hi - axis.lo);
  canvas.SetFont(kTickSize);
  for (size_t i = 0; i < axis.values.size(); ++i) {
    const double x = plot_left + (axis.values[i] - axis.lo) * scale;
    canvas.SetColor(kAxisInk);
    canvas.CrispLine(x, plot_bottom, x, plot_bottom + kTickLength);
    canvas.SetColor(kTickInk);
    canvas.TextInside(axis.labels[i], x, plot_bottom + kTickLength + 3 + 0.93 * kTickSize);
  }
  if (!title.empty()) {
    canvas.SetFont(kLabelSize);
    canvas.SetColor(kLabelInk);
    const std::string fitted = canvas.Fit(title, canvas.width() - 2 * kPad, Elide::kEnd);
    canvas.TextInside(fitted, (plot_left + plot_right) / 2,
                      plot_bottom + kTickLength + 4 + 1.2 * kTickSize + 8 + 0.93 * kLabelSize);
  }
}

}  // namespace

Status RenderBarChart(const BarChart& chart, const std::string& png_path, int width, int height) {
  ORCHARD_RETURN_IF_ERROR(CheckPath(png_path));
  if (chart.bars.empty()) return Status::InvalidParameter("bar chart has no bars");
  for (size_t i = 0; i < chart.bars.size(); ++i) {
    const auto& [label, value] = chart.bars[i];
    if (!std::isfinite(value) || value < 0) {
      return Status::InvalidParameter(fmt::format(
          "bar {} (\"{}\") has value {}; bar values must be finite and >= 0", i, label, value));
    }
  }
  const std::string title = CleanText(chart.title);
  const std::string value_label = CleanText(chart.value_label);
  const double count = static_cast<double>(chart.bars.size());

  // Vertical layout first: with height == 0 it decides the image height, and it does not depend
  // on any text width.
  const double top = TitleBottom(!title.empty()) + 4;
  const double bottom = BottomMargin(!value_label.empty());
  if (height == 0) {
    const double needed = std::ceil(top + count * kBarPitch + 4 + bottom);
    if (needed > kMaxChartSize) {
      const auto fit = static_cast<int>((kMaxChartSize - top - 4 - bottom) / kBarPitch);
      return Status::InvalidParameter(fmt::format(
          "{} bars need a {} px tall chart, over the {} px limit; chart at most {} bars",
          chart.bars.size(), needed, kMaxChartSize, fit));
    }
    height = std::max(kMinChartSize, static_cast<int>(needed));
  }
  ORCHARD_RETURN_IF_ERROR(CheckSize(width, height));
  const double plot_top = top;
  const double plot_bottom = height - bottom;
  const double pitch = (plot_bottom - 4 - plot_top) / count;
  if (pitch < kMinBarPitch) {
    return Status::InvalidParameter(
        fmt::format("a {} px tall chart has room for {:.1f} px per bar, under {} px; pass height 0 "
                    "to size the chart to its {} bars",
                    height, pitch, kMinBarPitch, chart.bars.size()));
  }

  Canvas canvas(width, height);
  ORCHARD_RETURN_IF_ERROR(canvas.status());
  DrawTitle(canvas, title);

  std::vector<std::string> labels, values;
  double max_value = 0;
  for (const auto& [label, value] : chart.bars) {
    labels.push_back(CleanText(label));
    values.push_back(FormatValue(value));
    max_value = std::max(max_value, value);
  }

  // Horizontal layout: the value labels at the bar ends set the right margin (at most 20% of the
  // width); the category labels set the left margin up to 45% of the width, leaving the plot at
  // least 30%, and longer labels are elided.
  const double label_size = std::min(kLabelSize, 0.75 * pitch);
  const double value_size = std::min(kTickSize, 0.75 * pitch);
  canvas.SetFont(value_size);
  double max_value_width = 0;
  for (const std::string& value : values) {
    max_value_width = std::max(max_value_width, canvas.TextWidth(value));
  }
  const double right = std::min(max_value_width + 6 + kPad, 0.2 * width);
  canvas.SetFont(label_size);
  double max_label_width = 0;
  for (const std::string& label : labels) {
    max_label_width = std::max(max_label_width, canvas.TextWidth(label));
  }
  const double label_cap =
      std::max(0.0, std::min(0.45 * width, width - right - 0.3 * width - kPad - 8));
  const double label_width = std::min(max_label_width, label_cap);
  const double plot_left = std::round(kPad + label_width + 8);
  const double plot_right = std::round(width - right);

  canvas.SetFont(kTickSize);
  const Axis axis = MakeAxis(canvas, 0, max_value > 0 ? max_value : 1, plot_right - plot_left, 80,
                             /*horizontal=*/true, /*integer=*/false, /*extend_hi=*/true);
  const double scale = (plot_right - plot_left) / axis.hi;

  canvas.SetColor(kGridInk);
  for (double tick : axis.values) {
    if (tick > 0) {
      const double x = plot_left + tick * scale;
      canvas.CrispLine(x, plot_top, x, plot_bottom);
    }
  }

  for (size_t i = 0; i < chart.bars.size(); ++i) {
    const double row_top = plot_top + i * pitch;
    const double center = row_top + pitch / 2;
    const double bar_end = plot_left + chart.bars[i].second * scale;
    canvas.SetColor(kPalette[0]);
    // Bars fill 70% of their row, but no thicker than 30 px: a few bars on a tall chart should
    // not turn into slabs.
    const double thickness = std::min(0.7 * pitch, 30.0);
    cairo_rectangle(canvas.cr(), plot_left, center - thickness / 2, bar_end - plot_left, thickness);
    cairo_fill(canvas.cr());

    canvas.SetFont(label_size);
    canvas.SetColor(kLabelInk);
    canvas.Text(canvas.Fit(labels[i], label_cap, Elide::kMiddle), plot_left - 8,
                canvas.BaselineFor(center), Align::kRight);
    canvas.SetFont(value_size);
    canvas.SetColor(kTickInk);
    canvas.Text(values[i], bar_end + 4, canvas.BaselineFor(center), Align::kLeft);
  }

  canvas.SetColor(kAxisInk);
  canvas.CrispLine(plot_left, plot_top, plot_left, plot_bottom);
  canvas.CrispLine(plot_left, plot_bottom, plot_right, plot_bottom);
  DrawBottomAxis(canvas, axis, plot_left, plot_right, plot_bottom, value_label);

  cairo_surface_flush(canvas.surface());
  ORCHARD_RETURN_IF_ERROR(canvas.status());
  return WritePng(canvas.surface(), png_path);
}

Status RenderLineChart(const LineChart& chart, const std::string& png_path, int width, int height) {
  ORCHARD_RETURN_IF_ERROR(CheckPath(png_path));
  ORCHARD_RETURN_IF_ERROR(CheckSize(width, height));
  if (chart.series.empty()) return Status::InvalidParameter("line chart has no series");
  if (chart.highlight_best_max && chart.highlight_best_min) {
    return Status::InvalidParameter("highlight_best_max and highlight_best_min are exclusive");
  }
  double x_min = INFINITY, x_max = -INFINITY, y_min = INFINITY, y_max = -INFINITY;
  bool integer_x = true;
  for (const LineSeries& series : chart.series) {
    if (series.points.empty()) {
      return Status::InvalidParameter(fmt::format("series \"{}\" has no points", series.name));
    }
    for (size_t i = 0; i < series.points.size(); ++i) {
      const auto [x, y] = series.points[i];
      if (!std::isfinite(x) || !std::isfinite(y)) {
        return Status::InvalidParameter(fmt::format(
            "series \"{}\" point {} is ({}, {}); points must be finite", series.name, i, x, y));
      }
      if (i > 0 && x < series.points[i - 1].first) {
        return Status::InvalidParameter(
            fmt::format("series \"{}\" x goes back from {} to {} at point {}; x must ascend",
                        series.name, series.points[i - 1].first, x, i));
      }
      x_min = std::min(x_min, x);
      x_max = std::max(x_max, x);
      y_min = std::min(y_min, y);
      y_max = std::max(y_max, y);
      integer_x = integer_x && IsInteger(x);
    }
  }
  if (!std::isfinite(x_max - x_min) || !std::isfinite(y_max - y_min)) {
    return Status::InvalidParameter("line chart values span too wide a range to draw");
  }
  const bool markers = chart.markers;

  // Data ranges: y padded 5% so extreme points clear the frame; x padded only when markers would
  // otherwise be cut in half. A flat range (one point, constant metric) is widened around its
  // value. A range under 1e-9 of the values' magnitude is widened too: ticks finer than that
  // would need more digits than a double holds.
  auto widen = [](double& lo, double& hi, double fraction) {
    const double magnitude = std::max(std::fabs(lo), std::fabs(hi));
    if (hi - lo <= magnitude * 1e-9) {
      const double half = magnitude > 0 ? std::max(magnitude * 0.1, (hi - lo) / 2) : 1;
      lo -= half;
      hi += half;
    } else {
      const double pad = (hi - lo) * fraction;
      lo -= pad;
      hi += pad;
    }
  };
  double x_lo = x_min, x_hi = x_max, y_lo = y_min, y_hi = y_max;
  if (x_hi - x_lo <= std::max(std::fabs(x_lo), std::fabs(x_hi)) * 1e-9) {
    widen(x_lo, x_hi, 0);
    if (integer_x) {
      x_lo = std::floor(x_lo);
      x_hi = std::ceil(x_hi);
    }
  } else if (markers) {
    widen(x_lo, x_hi, 0.02);
  }
  widen(y_lo, y_hi, 0.05);

  Canvas canvas(width, height);
  ORCHARD_RETURN_IF_ERROR(canvas.status());
  const std::string x_label = CleanText(chart.x_label);
  const std::string y_label = CleanText(chart.y_label);
  const bool highlight = chart.highlight_best_max || chart.highlight_best_min;
  const double plot_top =
      DrawTitle(canvas, CleanText(chart.title)) + 4 + (highlight ? kNoteBand : 0);
  // At the smallest sizes the margins leave no room; a 1 px plot keeps the mapping upright.
  const double plot_bottom = std::max(plot_top + 1, height - BottomMargin(!x_label.empty()));

  // Legend entries to the right of the plot, names capped at a quarter of the width.
  const bool legend = chart.series.size() >= 2;
  std::vector<std::string> names;
  double legend_width = 0;
  if (legend) {
    canvas.SetFont(kLabelSize);
    for (size_t i = 0; i < chart.series.size(); ++i) {
      std::string name = CleanText(chart.series[i].name);
      if (name.empty()) name = fmt::format("series {}", i + 1);
      names.push_back(canvas.Fit(name, 0.25 * width, Elide::kMiddle));
      legend_width = std::max(legend_width, canvas.TextWidth(names.back()));
    }
    legend_width += 22 + 6;  // swatch and gap
  }

  canvas.SetFont(kTickSize);
  const Axis y_axis = MakeAxis(canvas, y_lo, y_hi, std::max(1.0, plot_bottom - plot_top), 45,
                               /*horizontal=*/false, /*integer=*/false, /*extend_hi=*/false);
  const double y_title_space = y_label.empty() ? 0 : 1.2 * kLabelSize + 8;
  const double plot_left =
      std::round(kPad + y_title_space + y_axis.max_label_width + 4 + kTickLength);
  const double plot_right =
      std::max(plot_left + 1, std::round(width - kPad - (legend ? legend_width + 16 : 10)));
  const Axis x_axis = MakeAxis(canvas, x_lo, x_hi, std::max(1.0, plot_right - plot_left), 90,
                               /*horizontal=*/true, integer_x, /*extend_hi=*/false);
  const double x_scale = (plot_right - plot_left) / (x_axis.hi - x_axis.lo);
  const double y_scale = (plot_bottom - plot_top) / (y_axis.hi - y_axis.lo);
  auto px = [&](double x) { return plot_left + (x - x_axis.lo) * x_scale; };
  auto py = [&](double y) { return plot_bottom - (y - y_axis.lo) * y_scale; };

  // Grid, then the y axis ticks and title.
  canvas.SetColor(kGridInk);
  for (double tick : x_axis.values) canvas.CrispLine(px(tick), plot_top, px(tick), plot_bottom);
  for (double tick : y_axis.values) canvas.CrispLine(plot_left, py(tick), plot_right, py(tick));
  canvas.SetFont(kTickSize);
  for (size_t i = 0; i < y_axis.values.size(); ++i) {
    const double y = py(y_axis.values[i]);
    canvas.SetColor(kAxisInk);
    canvas.CrispLine(plot_left - kTickLength, y, plot_left, y);
    canvas.SetColor(kTickInk);
    canvas.Text(y_axis.labels[i], plot_left - kTickLength - 4, canvas.BaselineFor(y),
                Align::kRight);
  }
  if (!y_label.empty()) {
    canvas.SetFont(kLabelSize);
    canvas.SetColor(kLabelInk);
    const std::string fitted = canvas.Fit(y_label, plot_bottom - plot_top, Elide::kEnd);
    cairo_save(canvas.cr());
    cairo_translate(canvas.cr(), kPad + 0.93 * kLabelSize, (plot_top + plot_bottom) / 2);
    cairo_rotate(canvas.cr(), -std::numbers::pi / 2);
    canvas.Text(fitted, 0, 0, Align::kCenter);
    cairo_restore(canvas.cr());
  }

  // Series, clipped to the plot area. With markers the joining lines are lighter so the points
  // (the actual trials) stand out.
  cairo_save(canvas.cr());
  cairo_rectangle(canvas.cr(), plot_left, plot_top - 1, plot_right - plot_left + 1,
                  plot_bottom - plot_top + 1);
  cairo_clip(canvas.cr());
  cairo_set_line_join(canvas.cr(), CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap(canvas.cr(), CAIRO_LINE_CAP_ROUND);
  for (size_t s = 0; s < chart.series.size(); ++s) {
    const auto& points = chart.series[s].points;
    const Rgb& color = kPalette[s % kPaletteSize];
    // Past the palette, series repeat colours but dashed, so they still differ.
    static constexpr double kDash[] = {6, 4};
    cairo_set_dash(canvas.cr(), kDash, s >= kPaletteSize ? 2 : 0, 0);
    if (points.size() > 1) {
      canvas.SetColor(color, markers ? 0.6 : 1);
      cairo_set_line_width(canvas.cr(), markers ? 1.5 : 2);
      cairo_move_to(canvas.cr(), px(points[0].first), py(points[0].second));
      for (size_t i = 1; i < points.size(); ++i) {
        cairo_line_to(canvas.cr(), px(points[i].first), py(points[i].second));
      }
      cairo_stroke(canvas.cr());
    }
    if (markers || points.size() == 1) {
      const double radius = points.size() <= 100 ? 3.5 : points.size() <= 400 ? 2.5 : 1.5;
      canvas.SetColor(color);
      for (const auto& [x, y] : points) canvas.Circle(px(x), py(y), radius);
      cairo_fill(canvas.cr());
    }
  }
  cairo_set_dash(canvas.cr(), nullptr, 0, 0);
  cairo_restore(canvas.cr());

  canvas.SetColor(kAxisInk);
  canvas.CrispLine(plot_left, plot_top, plot_left, plot_bottom);
  canvas.CrispLine(plot_left, plot_bottom, plot_right, plot_bottom);
  DrawBottomAxis(canvas, x_axis, plot_left, plot_right, plot_bottom, x_label);

  // The best point of the first series: a ring on the point, and a "best 0.873 at trial 12" note
  // with a matching ring in the band above the plot, where it cannot cover data.
  if (highlight) {
    const auto& points = chart.series[0].points;
    size_t best = 0;
    for (size_t i = 1; i < points.size(); ++i) {
      const bool better = chart.highlight_best_max ? points[i].second > points[best].second
                                                   : points[i].second < points[best].second;
      if (better) best = i;
    }
    canvas.SetColor(kHighlightInk);
    cairo_set_line_width(canvas.cr(), 2);
    canvas.Circle(px(points[best].first), py(points[best].second), 7.5);
    cairo_stroke(canvas.cr());

    const std::string where = !x_label.empty() && x_label.size() <= 20 ? x_label : "x =";
    canvas.SetFont(kTickSize, /*bold=*/true);
    const std::string note =
        canvas.Fit(fmt::format("best {} at {} {}", FormatValue(points[best].second), where,
                               FormatCoordinate(points[best].first, integer_x)),
                   std::max(0.0, plot_right - plot_left - 20), Elide::kEnd);
    const double center = plot_top - kNoteBand / 2 - 2;
    const double left = plot_right - canvas.TextWidth(note);
    canvas.Circle(left - 10, center, 4.5);
    cairo_set_line_width(canvas.cr(), 1.5);
    cairo_stroke(canvas.cr());
    canvas.Text(note, left, canvas.BaselineFor(center), Align::kLeft);
  }

  if (legend) {
    canvas.SetFont(kLabelSize);
    const double left = plot_right + 16;
    const size_t rows =
        std::max<size_t>(1, static_cast<size_t>((plot_bottom - plot_top) / kLegendRow));
    for (size_t s = 0; s < chart.series.size() && s < rows; ++s) {
      const double center = plot_top + 6 + s * kLegendRow;
      if (s + 1 == rows && chart.series.size() > rows) {
        canvas.SetColor(kTickInk);
        canvas.Text(fmt::format("+{} more", chart.series.size() - s), left,
                    canvas.BaselineFor(center), Align::kLeft);
        break;
      }
      const Rgb& color = kPalette[s % kPaletteSize];
      static constexpr double kDash[] = {6, 4};
      cairo_set_dash(canvas.cr(), kDash, s >= kPaletteSize ? 2 : 0, 0);
      canvas.SetColor(color);
      cairo_set_line_width(canvas.cr(), 2);
      cairo_move_to(canvas.cr(), left, center);
      cairo_line_to(canvas.cr(), left + 22, center);
      cairo_stroke(canvas.cr());
      cairo_set_dash(canvas.cr(), nullptr, 0, 0);
      if (markers) {
        canvas.Circle(left + 11, center, 3.5);
        cairo_fill(canvas.cr());
      }
      canvas.SetColor(kLabelInk);
      canvas.Text(names[s], left + 28, canvas.BaselineFor(center), Align::kLeft);
    }
  }

  cairo_surface_flush(canvas.surface());
  ORCHARD_RETURN_IF_ERROR(canvas.status());
  return WritePng(canvas.surface(), png_path);
}

}  // namespace orchard
