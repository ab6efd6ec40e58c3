#include "project/python_yaml_scalar.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <regex>
#include <system_error>

#include <fmt/format.h>

namespace orchard {
namespace {

// PyYAML's implicit resolvers (yaml/resolver.py), matched against the whole scalar.
const std::regex kBool(
    "yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF");
const std::regex kNull("~|null|Null|NULL|");
const std::regex kInt(
    "[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|"
    "[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+");
const std::regex kFloat(
    "[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?|\\.[0-9_]+(?:[eE][-+][0-9]+)?|"
    "[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN)");

std::string WithoutUnderscores(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c != '_') out += c;
  }
  return out;
}

// A sexagesimal value "1:30:15" (base 60), as PyYAML's constructors read it.
template <typename T>
T Sexagesimal(const std::string& digits, T (*part)(const std::string&)) {
  T value = 0;
  size_t start = 0;
  while (true) {
    size_t colon = digits.find(':', start);
    value = value * 60 + part(digits.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return value;
}

// PyYAML's construct_yaml_int, printed as Python prints an int; nullopt beyond 64 bits (Python
// has no limit: the written text is the better approximation then).
std::optional<std::string> IntText(std::string_view written) {
  std::string digits = WithoutUnderscores(written);
  bool negative = false;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
    negative = digits[0] == '-';
    digits.erase(0, 1);
  }
  int base = 10;
  if (digits.starts_with("0b")) {
    base = 2;
    digits.erase(0, 2);
  } else if (digits.starts_with("0x")) {
    base = 16;
    digits.erase(0, 2);
  } else if (digits.find(':') != std::string::npos) {
    base = 60;
  } else if (digits.size() > 1 && digits[0] == '0') {
    base = 8;
  }
  uint64_t value = 0;
  if (base == 60) {
    value = Sexagesimal<uint64_t>(
        digits, [](const std::string& part) { return static_cast<uint64_t>(std::stoull(part)); });
  } else if (!digits.empty()) {
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
    if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  }
  if (value == 0) return std::string("0");
  return (negative ? "-" : "") + std::to_string(value);
}

std::string FloatText(std::string_view written) {
  std::string digits = WithoutUnderscores(written);
  double sign = 1;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
    sign = digits[0] == '-' ? -1 : 1;
    digits.erase(0, 1);
  }
  std::string lower;
  for (char c : digits) lower += static_cast<char>(c | 0x20);
  if (lower == ".inf") return PythonFloatRepr(sign * HUGE_VAL);
  if (lower == ".nan") return PythonFloatRepr(std::nan(""));
  if (digits.find(':') != std::string::npos) {
    double value = Sexagesimal<double>(
        digits, [](const std::string& part) { return part.empty() ? 0.0 : std::stod(part); });
    return PythonFloatRepr(sign * value);
  }
  double value = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error == std::errc::result_out_of_range) {
    value = digits.find_first_of("eE") != std::string::npos &&
                    digits.find("e-") == std::string::npos && digits.find("E-") == std::string::npos
                ? HUGE_VAL
                : 0.0;
  } else if (error != std::errc() || end != digits.data() + digits.size()) {
    return std::string(written);
  }
  return PythonFloatRepr(sign * value);
}

}  // namespace

std::string PythonFloatRepr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";
  // The shortest round-trip digits, then Python's layout (float_repr_style 'short'): plain
  // notation while the decimal point sits within 16 digits, else d.ddde+XX.
  char buffer[32];
  auto [end, error] =
      std::to_chars(buffer, buffer + sizeof buffer, std::abs(value), std::chars_format::scientific);
  std::string scientific(buffer, end);
  size_t e = scientific.find('e');
  std::string mantissa = scientific.substr(0, e);
  int exponent = std::stoi(scientific.substr(e + 1));
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits += c;
  }
  const int point = exponent + 1;  // digits before the decimal point
  std::string out = value < 0 ? "-" : "";
  if (point > 16 || point < -3) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    out += fmt::format("e{}{:02d}", exponent < 0 ? '-' : '+', std::abs(exponent));
  } else if (point <= 0) {
    out += "0." + std::string(static_cast<size_t>(-point), '0') + digits;
  } else if (static_cast<size_t>(point) >= digits.size()) {
    out += digits + std::string(static_cast<size_t>(point) - digits.size(), '0') + ".0";
  } else {
    out += digits.substr(0, static_cast<size_t>(point)) + "." +
           digits.substr(static_cast<size_t>(point));
  }
  return out;
}

std::string PythonTextOfYamlScalar(std::string_view text, bool quoted) {
  if (quoted) return std::string(text);
  const std::string written(text);
  if (std::regex_match(written, kBool)) {
    const char first = written[0];
    return (first == 'y' || first == 'Y' || first == 't' || first == 'T' || written == "on" ||
            written == "On" || written == "ON")
               ? "True"
               : "False";
  }
  if (std::regex_match(written, kNull)) return "None";
  if (std::regex_match(written, kInt)) return IntText(written).value_or(written);
  if (std::regex_match(written, kFloat)) return FloatText(written);
  return written;
}

}  // namespace orchard
