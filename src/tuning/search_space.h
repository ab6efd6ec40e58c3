// Hyperparameter search spaces for the tuner: which values each trainer parameter may take, read
// from a YAML file with one key per parameter, in file order:
//
//   max_depth:        {dist: quniform, low: 1, high: 30, q: 1}
//   max_features:     {dist: uniform, low: 0.05, high: 0.8}
//   class_weight:     {dist: choice, options: [balanced, none]}
//   learning_rate:    {dist: loguniform, low: 0.01, high: 0.3}
//   leaves:           {dist: qloguniform, low: 4, high: 256, q: 1}
//   seed_offset:      {dist: randint, low: 0, high: 10}
//   noise:            {dist: normal, mu: 0, sigma: 1}
//
// The distributions follow Hyperopt's hp.* (uniform, quniform = round(uniform / q) * q, randint =
// an integer in low..high-1, choice, normal(mu, sigma)) with two deliberate differences:
//  - loguniform and qloguniform take the bounds themselves, not their logarithms: the value is
//    exp(uniform(log low, log high)), so `{dist: loguniform, low: 0.01, high: 0.3}` means
//    0.01..0.3. Hyperopt's hp.loguniform("lr", log(0.01), log(0.3)) is the same distribution.
//  - a quantized value is always a multiple of q inside [low, high]: Hyperopt's
//    round(uniform(0.05, 0.8) / 0.1) * 0.1 can give 0.0, here the nearest in-range multiple
//    (0.1) is used instead, so a trainer never sees a value outside the declared bounds. A
//    space where no multiple of q lies in [low, high] is refused.
//
// Samplers work on numbers; a trial hands the trainer text (see FormatValue). Every user error
// (bad YAML, a wrong shape, an unknown dist, a missing field, bounds in the wrong order, ...) is
// INVALID_PARAMETER_VALUE naming the file, the line when known, and the parameter; yaml-cpp
// exceptions never escape.
//
// Thread-safety: all functions are free of shared state and thread-safe; the structs are plain
// values (thread-compatible).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace orchard {

enum class Distribution {
  kUniform,
  kQUniform,
  kLogUniform,
  kQLogUniform,
  kRandInt,
  kChoice,
  kNormal
};

// The YAML spelling: "uniform", "quniform", "loguniform", "qloguniform", "randint", "choice",
// "normal".
std::string_view DistributionName(Distribution dist);

struct ParameterSpace {
  std::string name;
  Distribution dist = Distribution::kUniform;
  // uniform, loguniform: [low, high]; quniform, qloguniform: multiples of q in [low, high];
  // randint: the integers low..high-1.
  double low = 0, high = 1, q = 0;
  double mu = 0, sigma = 1;          // normal
  std::vector<std::string> options;  // choice, as written in the YAML; null is "none"
};

struct SearchSpace {
  std::vector<ParameterSpace> parameters;  // in file order
};

// Reads and validates the YAML file at `path`.
StatusOr<SearchSpace> LoadSearchSpace(const std::string& path);
// Parses and validates YAML text; `source` names it in error messages ("space.yaml:3: ...").
StatusOr<SearchSpace> ParseSearchSpace(std::string_view yaml,
                                       std::string_view source = "search space");

// OK, or INVALID_PARAMETER_VALUE "parameter 'NAME': ..." saying what is wrong (low >= high,
// q <= 0, loguniform with low <= 0, empty options, sigma <= 0, non-finite numbers, ...). The
// parser runs it on every parameter; samplers run it on spaces built in code.
Status ValidateParameter(const ParameterSpace& parameter);
// Every parameter valid, at least one, no name twice.
Status ValidateSearchSpace(const SearchSpace& space);

// A trial's values, as text, in the space's order.
using Assignment = std::vector<std::pair<std::string, std::string>>;

// --- The numeric form samplers work on ---
//
// A parameter's numeric value is the value itself, except for choice, where it is the option's
// index. The helpers below REQUIRE a valid parameter (ValidateParameter OK).

// choice and randint: values without an order or a distance that means anything (Hyperopt treats
// randint as categorical too: "no more correlation between nearby integer values").
bool IsCategorical(const ParameterSpace& parameter);
// quniform, qloguniform.
bool IsQuantized(const ParameterSpace& parameter);
// loguniform, qloguniform: samplers work on log(value).
bool IsLogScale(const ParameterSpace& parameter);
// The number of categories of a categorical parameter (options, or high - low); 0 otherwise.
uint64_t CategoryCount(const ParameterSpace& parameter);
// A quantized parameter's k-th multiple of q, and the range of k whose multiple lies in
// [low, high].
int64_t MinQuantum(const ParameterSpace& parameter);
int64_t MaxQuantum(const ParameterSpace& parameter);
double QuantumValue(const ParameterSpace& parameter, int64_t k);
// Rounds to the nearest multiple of q in [low, high] (a quantized parameter), the nearest
// integer in low..high-1 (randint) or the nearest index (choice); other values are returned
// as they are.
double Quantize(const ParameterSpace& parameter, double value);

// True when FormatValue writes integers: randint, and quantized parameters whose q, low and high
// are whole numbers (so the trainer gets "5", which an integer parameter accepts, not "5.0").
bool FormatsAsInteger(const ParameterSpace& parameter);
// The text handed to the trainer: the option for choice; an integer when FormatsAsInteger; else
// the shortest text that reads back as the same double, written as a float ("0.1234", "1.0",
// "1e-05") so a trainer that infers the type from the text never mistakes 1.0 for the integer 1.
std::string FormatValue(const ParameterSpace& parameter, double value);
// The numeric value of `text` (FormatValue's inverse): the option's index for choice, the number
// otherwise. INVALID_PARAMETER_VALUE when it is not a value of this parameter (unknown option,
// not a number, outside the bounds, randint not an integer).
StatusOr<double> ParseValue(const ParameterSpace& parameter, std::string_view text);

// The shortest text that reads back as `value` ("0.1", "5", "1e-05").
std::string ShortestDouble(double value);

}  // namespace orchard
