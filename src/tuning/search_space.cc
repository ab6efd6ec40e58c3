#include "tuning/search_space.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

#include "base/yaml_describe.h"

namespace orchard {
namespace {

constexpr Distribution kAllDistributions[] = {Distribution::kUniform,    Distribution::kQUniform,
                                              Distribution::kLogUniform, Distribution::kQLogUniform,
                                              Distribution::kRandInt,    Distribution::kChoice,
                                              Distribution::kNormal};

// Quantized values are k * q with k held in an int64 and computed through a double: beyond 2^53
// consecutive k are no longer distinct doubles, so |bound / q| is kept well below that.
constexpr double kMaxQuanta = 1e15;
// randint bounds travel as doubles; integers up to 2^53 are exact.
constexpr double kMaxExactInteger = 9007199254740992.0;
// low / q of 2.9999999999999996 (0.3 / 0.1) means the multiple 3, not 2: the tolerance, in units
// of q, under which a bound counts as a multiple of q.
constexpr double kQuantumSlack = 1e-9;

std::string ValidDistributionNames() {
  std::string names;
  for (Distribution dist : kAllDistributions) {
    if (!names.empty()) names += ", ";
    names += DistributionName(dist);
  }
  return names;
}

std::optional<Distribution> DistributionFromName(std::string_view name) {
  for (Distribution dist : kAllDistributions) {
    if (DistributionName(dist) == name) return dist;
  }
  return std::nullopt;
}

bool IsWhole(double value) { return std::isfinite(value) && std::floor(value) == value; }

// The number of decimals in q's shortest text ("0.05" has 2), or -1 when q is written with an
// exponent or needs more than 15 decimals. k * q is rounded to that many decimals, so 3 * 0.1
// gives 0.3 rather than 0.30000000000000004, which would reach the trainer as that long text.
int QuantumDecimals(double q) {
  std::string text = ShortestDouble(q);
  if (text.find_first_of("eE") != std::string::npos) return -1;
  size_t dot = text.find('.');
  if (dot == std::string::npos) return 0;
  int decimals = static_cast<int>(text.size() - dot - 1);
  return decimals <= 15 ? decimals : -1;
}

double ParseDoubleOr(std::string_view text, double fallback) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return fallback;
  return value;
}

// --- YAML ---

std::string KindOf(const YAML::Node& node) { return DescribeYamlNode(node); }

// The fields each distribution takes, in the order error messages list them.
std::vector<std::string_view> FieldsOf(Distribution dist) {
  switch (dist) {
    case Distribution::kUniform:
    case Distribution::kLogUniform:
    case Distribution::kRandInt:
      return {"low", "high"};
    case Distribution::kQUniform:
    case Distribution::kQLogUniform:
      return {"low", "high", "q"};
    case Distribution::kChoice:
      return {"options"};
    case Distribution::kNormal:
      return {"mu", "sigma"};
  }
  return {};
}

std::string JoinFields(const std::vector<std::string_view>& fields) {
  std::string text;
  for (std::string_view field : fields) {
    if (!text.empty()) text += ", ";
    text += field;
  }
  return text;
}

class Parser {
 public:
  explicit Parser(std::string_view source) : source_(source) {}

  StatusOr<SearchSpace> Parse(const YAML::Node& root) const {
    if (root.IsNull()) {
      return Fail(root,
                  "the search space declares no parameters; write one line per parameter, "
                  "e.g. max_depth: {dist: quniform, low: 1, high: 30, q: 1}");
    }
    if (!root.IsMap()) {
      return Fail(root, fmt::format("a search space must be a YAML mapping of parameter names to "
                                    "distributions, e.g. max_depth: {{dist: quniform, low: 1, "
                                    "high: 30, q: 1}}; got {}",
                                    KindOf(root)));
    }
    SearchSpace space;
    for (const auto& pair : root) {
      if (!pair.first.IsScalar() || pair.first.Scalar().empty()) {
        return Fail(pair.first, fmt::format("a parameter name is {}; names must be plain text",
                                            KindOf(pair.first)));
      }
      const std::string& name = pair.first.Scalar();
      // yaml-cpp keeps both of two equal keys and PyYAML keeps the last: refuse, it hides a typo.
      for (const ParameterSpace& earlier : space.parameters) {
        if (earlier.name == name) {
          return Fail(pair.first, fmt::format("parameter '{}' appears twice; keep one", name));
        }
      }
      ORCHARD_ASSIGN_OR_RETURN(ParameterSpace parameter, ParseParameter(name, pair.second));
      Status valid = ValidateParameter(parameter);
      if (!valid.ok()) return Fail(pair.first, valid.message());
      space.parameters.push_back(std::move(parameter));
    }
    return space;
  }

 private:
  Status Fail(const YAML::Node& at, std::string_view message) const {
    YAML::Mark mark = at.Mark();
    if (mark.is_null() || mark.line < 0) {
      return Status::InvalidParameter(fmt::format("{}: {}", source_, message));
    }
    return Status::InvalidParameter(fmt::format("{}:{}: {}", source_, mark.line + 1, message));
  }

  Status FailParameter(const YAML::Node& at, const std::string& name,
                       std::string_view message) const {
    return Fail(at, fmt::format("parameter '{}': {}", name, message));
  }

  StatusOr<ParameterSpace> ParseParameter(const std::string& name, const YAML::Node& node) const {
    if (!node.IsMap()) {
      return FailParameter(node, name,
                           fmt::format("must be a mapping such as {{dist: uniform, low: 0, high: "
                                       "1}}; got {}",
                                       KindOf(node)));
    }
    ParameterSpace parameter;
    parameter.name = name;
    const YAML::Node dist_node = node["dist"];
    if (!dist_node.IsDefined() || dist_node.IsNull()) {
      return FailParameter(
          node, name, fmt::format("missing field 'dist' (one of: {})", ValidDistributionNames()));
    }
    std::optional<Distribution> dist =
        dist_node.IsScalar() ? DistributionFromName(dist_node.Scalar()) : std::nullopt;
    if (!dist) {
      return FailParameter(
          dist_node, name,
          fmt::format("unknown dist {}; valid: {}", KindOf(dist_node), ValidDistributionNames()));
    }
    parameter.dist = *dist;
    std::vector<std::string_view> fields = FieldsOf(*dist);
    // A field another distribution takes (q on uniform, low on normal) usually means the wrong
    // dist was written; ignoring it would tune something else than the user meant.
    for (const auto& field : node) {
      std::string key = field.first.IsScalar() ? field.first.Scalar() : "";
      if (key == "dist") continue;
      if (std::find(fields.begin(), fields.end(), key) == fields.end()) {
        return FailParameter(
            field.first, name,
            fmt::format("field {} does not apply to dist {}; it takes {}", KindOf(field.first),
                        DistributionName(*dist), JoinFields(fields)));
      }
    }
    for (std::string_view field : fields) {
      const YAML::Node value = node[std::string(field)];
      if (!value.IsDefined() || value.IsNull()) {
        return FailParameter(node, name,
                             fmt::format("missing field '{}' ({} takes {})", field,
                                         DistributionName(*dist), JoinFields(fields)));
      }
      if (field == "options") {
        ORCHARD_RETURN_IF_ERROR(ParseOptions(name, value, parameter.options));
        continue;
      }
      ORCHARD_ASSIGN_OR_RETURN(double number, Number(name, field, value));
      if (field == "low") parameter.low = number;
      if (field == "high") parameter.high = number;
      if (field == "q") parameter.q = number;
      if (field == "mu") parameter.mu = number;
      if (field == "sigma") parameter.sigma = number;
    }
    return parameter;
  }

  StatusOr<double> Number(const std::string& name, std::string_view field,
                          const YAML::Node& value) const {
    double number = value.IsScalar() ? ParseDoubleOr(value.Scalar(), NAN) : NAN;
    if (!std::isfinite(number)) {
      return FailParameter(
          value, name, fmt::format("'{}' must be a finite number; got {}", field, KindOf(value)));
    }
    return number;
  }

  Status ParseOptions(const std::string& name, const YAML::Node& value,
                      std::vector<std::string>& options) const {
    if (!value.IsSequence()) {
      return FailParameter(
          value, name,
          fmt::format("'options' must be a list such as [balanced, none]; got {}", KindOf(value)));
    }
    for (const YAML::Node& option : value) {
      // YAML reads `none` as text but `null` and `~` as null; both mean "no value" to a trainer,
      // which gets the one spelling "none".
      if (option.IsNull()) {
        options.push_back("none");
      } else if (option.IsScalar()) {
        // The text as written: 0.10 stays "0.10" and 1e-3 stays "1e-3".
        options.push_back(option.Scalar());
      } else {
        return FailParameter(
            option, name,
            fmt::format("an option is {}; options must be numbers or strings", KindOf(option)));
      }
    }
    return Status::Ok();
  }

  std::string source_;
};

}  // namespace

std::string_view DistributionName(Distribution dist) {
  switch (dist) {
    case Distribution::kUniform:
      return "uniform";
    case Distribution::kQUniform:
      return "quniform";
    case Distribution::kLogUniform:
      return "loguniform";
    case Distribution::kQLogUniform:
      return "qloguniform";
    case Distribution::kRandInt:
      return "randint";
    case Distribution::kChoice:
      return "choice";
    case Distribution::kNormal:
      return "normal";
  }
  return "uniform";
}

StatusOr<SearchSpace> ParseSearchSpace(std::string_view yaml, std::string_view source) {
  return ReadYamlDocument(
      yaml, source, "search space",
      "a search space is a YAML mapping such as max_depth: {dist: quniform, low: 1, high: 30, "
      "q: 1}",
      [&](const YAML::Node& root) { return Parser(source).Parse(root); });
}

StatusOr<SearchSpace> LoadSearchSpace(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::InvalidParameter(
        fmt::format("cannot open the search space file '{}'; check the path", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return Status::InvalidParameter(fmt::format("cannot read the search space file '{}'", path));
  }
  return ParseSearchSpace(text.str(), path);
}

Status ValidateParameter(const ParameterSpace& p) {
  auto fail = [&p](std::string_view message) {
    return Status::InvalidParameter(fmt::format("parameter '{}': {}", p.name, message));
  };
  if (p.name.empty()) return Status::InvalidParameter("a parameter has an empty name");
  switch (p.dist) {
    case Distribution::kUniform:
    case Distribution::kQUniform:
    case Distribution::kLogUniform:
    case Distribution::kQLogUniform:
    case Distribution::kRandInt: {
      if (!std::isfinite(p.low) || !std::isfinite(p.high)) {
        return fail("low and high must be finite numbers");
      }
      if (p.low >= p.high) {
        return fail(fmt::format("low ({}) must be below high ({})", ShortestDouble(p.low),
                                ShortestDouble(p.high)));
      }
      if (IsLogScale(p) && p.low <= 0) {
        return fail(
            fmt::format("{} needs low > 0 (the bounds themselves, not their logs); got "
                        "low {}",
                        DistributionName(p.dist), ShortestDouble(p.low)));
      }
      if (IsQuantized(p)) {
        if (!std::isfinite(p.q) || p.q <= 0) {
          return fail(fmt::format("q must be above 0; got {}", ShortestDouble(p.q)));
        }
        if (std::abs(p.low / p.q) > kMaxQuanta || std::abs(p.high / p.q) > kMaxQuanta) {
          return fail(
              fmt::format("q ({}) is too small for the bounds; low / q and high / q "
                          "must stay within 1e15",
                          ShortestDouble(p.q)));
        }
        if (MinQuantum(p) > MaxQuantum(p)) {
          return fail(fmt::format("no multiple of q ({}) lies between low ({}) and high ({})",
                                  ShortestDouble(p.q), ShortestDouble(p.low),
                                  ShortestDouble(p.high)));
        }
      }
      if (p.dist == Distribution::kRandInt) {
        if (!IsWhole(p.low) || !IsWhole(p.high)) {
          return fail(fmt::format("randint needs integer low and high; got {} and {}",
                                  ShortestDouble(p.low), ShortestDouble(p.high)));
        }
        if (std::abs(p.low) > kMaxExactInteger || std::abs(p.high) > kMaxExactInteger) {
          return fail("randint bounds must stay within 2^53");
        }
      }
      return Status::Ok();
    }
    case Distribution::kChoice: {
      if (p.options.empty()) return fail("choice needs at least one option; 'options' is empty");
      for (size_t i = 0; i < p.options.size(); ++i) {
        if (p.options[i].empty()) return fail("an option is empty text");
        for (size_t j = 0; j < i; ++j) {
          // A repeated option would double its chance and repeat grid points; say so instead.
          if (p.options[j] == p.options[i]) {
            return fail(fmt::format("option '{}' appears twice; keep one", p.options[i]));
          }
        }
      }
      return Status::Ok();
    }
    case Distribution::kNormal: {
      if (!std::isfinite(p.mu)) return fail("mu must be a finite number");
      if (!std::isfinite(p.sigma) || p.sigma <= 0) {
        return fail(fmt::format("sigma must be above 0; got {}", ShortestDouble(p.sigma)));
      }
      return Status::Ok();
    }
  }
  return fail("unknown distribution");
}

Status ValidateSearchSpace(const SearchSpace& space) {
  if (space.parameters.empty()) {
    return Status::InvalidParameter("the search space declares no parameters");
  }
  for (size_t i = 0; i < space.parameters.size(); ++i) {
    ORCHARD_RETURN_IF_ERROR(ValidateParameter(space.parameters[i]));
    for (size_t j = 0; j < i; ++j) {
      if (space.parameters[j].name == space.parameters[i].name) {
        return Status::InvalidParameter(fmt::format(
            "parameter '{}' appears twice in the search space", space.parameters[i].name));
      }
    }
  }
  return Status::Ok();
}

bool IsCategorical(const ParameterSpace& p) {
  return p.dist == Distribution::kChoice || p.dist == Distribution::kRandInt;
}

bool IsQuantized(const ParameterSpace& p) {
  return p.dist == Distribution::kQUniform || p.dist == Distribution::kQLogUniform;
}

bool IsLogScale(const ParameterSpace& p) {
  return p.dist == Distribution::kLogUniform || p.dist == Distribution::kQLogUniform;
}

uint64_t CategoryCount(const ParameterSpace& p) {
  if (p.dist == Distribution::kChoice) return p.options.size();
  if (p.dist == Distribution::kRandInt) return static_cast<uint64_t>(p.high - p.low);
  return 0;
}

int64_t MinQuantum(const ParameterSpace& p) {
  return static_cast<int64_t>(std::ceil(p.low / p.q - kQuantumSlack));
}

int64_t MaxQuantum(const ParameterSpace& p) {
  return static_cast<int64_t>(std::floor(p.high / p.q + kQuantumSlack));
}

double QuantumValue(const ParameterSpace& p, int64_t k) {
  double value = static_cast<double>(k) * p.q;
  int decimals = QuantumDecimals(p.q);
  if (decimals >= 0) value = ParseDoubleOr(fmt::format("{:.{}f}", value, decimals), value);
  // The slack in MinQuantum / MaxQuantum may put a multiple a hair outside; + 0.0 turns -0 into 0.
  return std::clamp(value, p.low, p.high) + 0.0;
}

double Quantize(const ParameterSpace& p, double value) {
  if (std::isnan(value)) return value;
  if (IsQuantized(p)) {
    // Hyperopt's round(value / q) * q, then kept in range (see the header).
    double k = std::round(value / p.q);
    k = std::clamp(k, static_cast<double>(MinQuantum(p)), static_cast<double>(MaxQuantum(p)));
    return QuantumValue(p, static_cast<int64_t>(k));
  }
  if (p.dist == Distribution::kRandInt)
    return std::clamp(std::round(value), p.low, p.high - 1) + 0.0;
  if (p.dist == Distribution::kChoice) {
    return std::clamp(std::round(value), 0.0, static_cast<double>(p.options.size() - 1)) + 0.0;
  }
  return value;
}

bool FormatsAsInteger(const ParameterSpace& p) {
  if (p.dist == Distribution::kRandInt) return true;
  return IsQuantized(p) && IsWhole(p.q) && IsWhole(p.low) && IsWhole(p.high);
}

std::string ShortestDouble(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (ec != std::errc()) return fmt::format("{}", value);
  return std::string(buffer, end);
}

std::string FormatValue(const ParameterSpace& p, double value) {
  if (p.dist == Distribution::kChoice) {
    return p.options[static_cast<size_t>(Quantize(p, value))];
  }
  if (FormatsAsInteger(p) && std::isfinite(value)) {
    return fmt::format("{}", static_cast<int64_t>(std::llround(value)));
  }
  std::string text = ShortestDouble(value + 0.0);
  // Written as a float, as Python's repr writes one: a trainer that guesses types from the text
  // (sklearn's max_features: 1 is one feature, 1.0 all of them) must not see an integer.
  if (text.find_first_of(".eEni") == std::string::npos) text += ".0";
  return text;
}

StatusOr<double> ParseValue(const ParameterSpace& p, std::string_view text) {
  auto fail = [&](std::string_view why) {
    return Status::InvalidParameter(
        fmt::format("parameter '{}': '{}' is not a value of this {} parameter: {}", p.name, text,
                    DistributionName(p.dist), why));
  };
  if (p.dist == Distribution::kChoice) {
    for (size_t i = 0; i < p.options.size(); ++i) {
      if (p.options[i] == text) return static_cast<double>(i);
    }
    return fail("not one of the options");
  }
  double value = ParseDoubleOr(text, NAN);
  if (!std::isfinite(value)) return fail("not a finite number");
  if (p.dist == Distribution::kNormal) return value;
  if (p.dist == Distribution::kRandInt) {
    if (!IsWhole(value)) return fail("not an integer");
    if (value < p.low || value >= p.high) return fail("outside low..high-1");
    return value;
  }
  // Text written by FormatValue reads back exactly; allow for rounding in text from elsewhere.
  double slack = 1e-9 * (p.high - p.low);
  if (value < p.low - slack || value > p.high + slack) return fail("outside [low, high]");
  return std::clamp(value, p.low, p.high);
}

}  // namespace orchard
