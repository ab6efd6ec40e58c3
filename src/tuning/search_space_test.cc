#include "tuning/search_space.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace orchard {
namespace {

using ::orchard::testing::TempDir;

constexpr char kExample[] = R"(
max_depth:        {dist: quniform, low: 1, high: 30, q: 1}
max_features:     {dist: uniform, low: 0.05, high: 0.8}
class_weight:     {dist: choice, options: [balanced, none]}
min_samples_leaf: {dist: quniform, low: 5, high: 100, q: 5}
learning_rate:    {dist: loguniform, low: 0.01, high: 0.3}
leaves:           {dist: qloguniform, low: 4, high: 256, q: 1}
seed_offset:      {dist: randint, low: 0, high: 10}      # integers low..high-1 as hyperopt
noise:            {dist: normal, mu: 0, sigma: 1}
)";

ParameterSpace Param(Distribution dist, double low, double high, double q = 0) {
  ParameterSpace p;
  p.name = "p";
  p.dist = dist;
  p.low = low;
  p.high = high;
  p.q = q;
  return p;
}

TEST(SearchSpaceTest, ParsesEveryDistributionInFileOrder) {
  ASSERT_OK_AND_ASSIGN(SearchSpace space, ParseSearchSpace(kExample));
  ASSERT_EQ(space.parameters.size(), 8u);
  std::vector<std::string> names;
  for (const ParameterSpace& p : space.parameters) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"max_depth", "max_features", "class_weight",
                                             "min_samples_leaf", "learning_rate", "leaves",
                                             "seed_offset", "noise"}));
  const auto& p = space.parameters;
  EXPECT_EQ(p[0].dist, Distribution::kQUniform);
  EXPECT_EQ(p[0].low, 1);
  EXPECT_EQ(p[0].high, 30);
  EXPECT_EQ(p[0].q, 1);
  EXPECT_EQ(p[1].dist, Distribution::kUniform);
  EXPECT_EQ(p[1].low, 0.05);
  EXPECT_EQ(p[1].high, 0.8);
  EXPECT_EQ(p[2].dist, Distribution::kChoice);
  EXPECT_EQ(p[2].options, (std::vector<std::string>{"balanced", "none"}));
  EXPECT_EQ(p[3].q, 5);
  EXPECT_EQ(p[4].dist, Distribution::kLogUniform);
  EXPECT_EQ(p[4].low, 0.01);  // the bound itself, not its log
  EXPECT_EQ(p[5].dist, Distribution::kQLogUniform);
  EXPECT_EQ(p[6].dist, Distribution::kRandInt);
  EXPECT_EQ(p[6].high, 10);
  EXPECT_EQ(p[7].dist, Distribution::kNormal);
  EXPECT_EQ(p[7].mu, 0);
  EXPECT_EQ(p[7].sigma, 1);
  EXPECT_OK(ValidateSearchSpace(space));
}

TEST(SearchSpaceTest, ParsesBlockMappingsAndKeepsOptionText) {
  ASSERT_OK_AND_ASSIGN(SearchSpace space, ParseSearchSpace(R"(
depth:
  dist: quniform
  low: 2
  high: 8
  q: 2
rate: {dist: choice, options: [0.10, 1e-3, 10, "a b"]}
weight: {dist: choice, options: [balanced, null]}
other: {dist: choice, options: [~, x]}
shift: {dist: normal, mu: -1.5, sigma: +0.5}
)"));
  ASSERT_EQ(space.parameters.size(), 5u);
  EXPECT_EQ(space.parameters[0].q, 2);
  EXPECT_EQ(space.parameters[1].options, (std::vector<std::string>{"0.10", "1e-3", "10", "a b"}));
  EXPECT_EQ(space.parameters[2].options, (std::vector<std::string>{"balanced", "none"}));
  EXPECT_EQ(space.parameters[3].options, (std::vector<std::string>{"none", "x"}));
  EXPECT_EQ(space.parameters[4].mu, -1.5);
  EXPECT_EQ(space.parameters[4].sigma, 0.5);
}

struct InvalidCase {
  std::string yaml;
  std::vector<std::string> substrings;
};

TEST(SearchSpaceTest, RefusesInvalidSpacesWithAMessageNamingTheParameter) {
  const std::vector<InvalidCase> cases = {
      {"x: {dist: gauss, low: 0, high: 1}",
       {"space.yaml:1: parameter 'x': unknown dist 'gauss'",
        "valid: uniform, quniform, loguniform, qloguniform, randint, choice, normal"}},
      {"x: {dist: [uniform], low: 0, high: 1}", {"parameter 'x'", "unknown dist a list"}},
      {"x: {low: 0, high: 1}", {"parameter 'x'", "missing field 'dist'"}},
      {"x: {dist: uniform, low: 0}", {"parameter 'x'", "missing field 'high'"}},
      {"x: {dist: quniform, low: 0, high: 3}", {"parameter 'x'", "missing field 'q'"}},
      {"x: {dist: choice}", {"parameter 'x'", "missing field 'options'"}},
      {"x: {dist: normal, mu: 0}", {"parameter 'x'", "missing field 'sigma'"}},
      {"x: {dist: uniform, low: 0, high: }", {"parameter 'x'", "missing field 'high'"}},
      {"x: {dist: uniform, low: 1, high: 1}", {"parameter 'x'", "low (1) must be below high (1)"}},
      {"x: {dist: randint, low: 5, high: 2}", {"parameter 'x'", "low (5) must be below high (2)"}},
      {"x: {dist: quniform, low: 0, high: 10, q: 0}", {"parameter 'x'", "q must be above 0"}},
      {"x: {dist: qloguniform, low: 1, high: 10, q: -1}", {"parameter 'x'", "q must be above 0"}},
      {"x: {dist: loguniform, low: 0, high: 1}", {"parameter 'x'", "loguniform needs low > 0"}},
      {"x: {dist: qloguniform, low: -1, high: 1, q: 1}",
       {"parameter 'x'", "qloguniform needs low > 0"}},
      {"x: {dist: choice, options: []}", {"parameter 'x'", "'options' is empty"}},
      {"x: {dist: choice, options: balanced}", {"parameter 'x'", "'options' must be a list"}},
      {"x: {dist: choice, options: [a, [b]]}", {"parameter 'x'", "an option is a list"}},
      {"x: {dist: choice, options: [a, a]}", {"parameter 'x'", "option 'a' appears twice"}},
      {"x: {dist: choice, options: [none, null]}", {"option 'none' appears twice"}},
      {"x: {dist: normal, mu: 0, sigma: 0}", {"parameter 'x'", "sigma must be above 0"}},
      {"x: {dist: normal, mu: 0, sigma: -1}", {"parameter 'x'", "sigma must be above 0"}},
      {"x: 5", {"space.yaml:1: parameter 'x': must be a mapping", "got '5'"}},
      {"x: [1, 2]", {"parameter 'x': must be a mapping", "got a list"}},
      {"x:", {"parameter 'x': must be a mapping", "got an empty value"}},
      {"x: {dist: uniform, low: a, high: 1}", {"parameter 'x'", "'low' must be a finite number"}},
      {"x: {dist: uniform, low: .inf, high: 1}", {"parameter 'x'", "'low' must be a finite"}},
      {"x: {dist: uniform, low: 0, high: 1, q: 1}",
       {"parameter 'x'", "field 'q' does not apply to dist uniform; it takes low, high"}},
      {"x: {dist: normal, mu: 0, sigma: 1, low: 0}", {"field 'low' does not apply to dist normal"}},
      {"x: {dist: randint, low: 0.5, high: 3}", {"parameter 'x'", "randint needs integer"}},
      {"x: {dist: quniform, low: 0.1, high: 0.2, q: 1}",
       {"parameter 'x'", "no multiple of q (1) lies between low (0.1) and high (0.2)"}},
      {"x: {dist: uniform, low: 0, high: 1}\nx: {dist: uniform, low: 0, high: 1}",
       {"space.yaml:2: parameter 'x' appears twice"}},
      {"- a\n- b", {"space.yaml:1: a search space must be a YAML mapping", "got a list"}},
      {"", {"declares no parameters"}},
      {"# only a comment\n", {"declares no parameters"}},
      {"just text", {"must be a YAML mapping", "got 'just text'"}},
      {"x: {dist: uniform, low: 0, high: 1\ny: 2", {"space.yaml:", "not valid YAML"}},
      {"a: {dist: uniform, low: 0, high: 1}\nb: {dist: uniform, low: 2, high: 1}",
       {"space.yaml:2: parameter 'b': low (2) must be below high (1)"}},
      {"a: {dist: uniform, low: 0, high: 1}\nb:\n  dist: uniform\n  low: zero\n  high: 1",
       {"space.yaml:4: parameter 'b': 'low' must be a finite number; got 'zero'"}},
  };
  for (const InvalidCase& c : cases) {
    StatusOr<SearchSpace> space = ParseSearchSpace(c.yaml, "space.yaml");
    ASSERT_FALSE(space.ok()) << c.yaml;
    EXPECT_CODE(space, kInvalidParameterValue) << c.yaml;
    for (const std::string& substring : c.substrings) {
      EXPECT_NE(space.status().message().find(substring), std::string::npos)
          << "YAML: " << c.yaml << "\nmessage: " << space.status().message()
          << "\nexpected: " << substring;
    }
  }
}

TEST(SearchSpaceTest, LoadsAFileAndNamesItInErrors) {
  TempDir dir;
  std::string good = dir / "space.yaml";
  std::ofstream(good) << kExample;
  ASSERT_OK_AND_ASSIGN(SearchSpace space, LoadSearchSpace(good));
  EXPECT_EQ(space.parameters.size(), 8u);

  std::string bad = dir / "bad.yaml";
  std::ofstream(bad) << "a: {dist: uniform, low: 0, high: 1}\nb: {dist: nope}\n";
  StatusOr<SearchSpace> failed = LoadSearchSpace(bad);
  EXPECT_CODE(failed, kInvalidParameterValue);
  EXPECT_NE(failed.status().message().find(bad + ":2: parameter 'b'"), std::string::npos)
      << failed.status().message();

  StatusOr<SearchSpace> missing = LoadSearchSpace(dir / "missing.yaml");
  EXPECT_CODE(missing, kInvalidParameterValue);
  EXPECT_NE(missing.status().message().find("missing.yaml"), std::string::npos);
}

TEST(SearchSpaceTest, ValidatesSpacesBuiltInCode) {
  EXPECT_CODE(ValidateSearchSpace(SearchSpace{}), kInvalidParameterValue);
  SearchSpace space;
  space.parameters = {Param(Distribution::kUniform, 0, 1), Param(Distribution::kUniform, 0, 1)};
  EXPECT_CODE(ValidateSearchSpace(space), kInvalidParameterValue);
  space.parameters[1].name = "other";
  EXPECT_OK(ValidateSearchSpace(space));
  space.parameters[1].high = NAN;
  EXPECT_CODE(ValidateSearchSpace(space), kInvalidParameterValue);
  ParameterSpace tiny_q = Param(Distribution::kQUniform, 0, 1, 1e-20);
  EXPECT_CODE(ValidateParameter(tiny_q), kInvalidParameterValue);
}

TEST(SearchSpaceTest, FormatsIntegersForWholeQuantaAndFloatsOtherwise) {
  ParameterSpace depth = Param(Distribution::kQUniform, 1, 30, 1);
  EXPECT_TRUE(FormatsAsInteger(depth));
  EXPECT_EQ(FormatValue(depth, 5), "5");
  EXPECT_EQ(FormatValue(depth, 30), "30");

  ParameterSpace leaves = Param(Distribution::kQLogUniform, 4, 256, 1);
  EXPECT_EQ(FormatValue(leaves, 17), "17");

  ParameterSpace seed = Param(Distribution::kRandInt, 0, 10);
  EXPECT_EQ(FormatValue(seed, 3), "3");

  // q is whole but the bounds are not: the trainer gets floats.
  ParameterSpace half = Param(Distribution::kQUniform, 0.5, 10.5, 1);
  EXPECT_FALSE(FormatsAsInteger(half));
  EXPECT_EQ(FormatValue(half, 2), "2.0");

  ParameterSpace tenth = Param(Distribution::kQUniform, 0, 1, 0.1);
  EXPECT_EQ(FormatValue(tenth, QuantumValue(tenth, 3)), "0.3");  // not 0.30000000000000004
  EXPECT_EQ(FormatValue(tenth, QuantumValue(tenth, 7)), "0.7");
  EXPECT_EQ(FormatValue(tenth, QuantumValue(tenth, 10)), "1.0");

  ParameterSpace uniform = Param(Distribution::kUniform, -5, 5);
  EXPECT_EQ(FormatValue(uniform, 0.1234), "0.1234");
  EXPECT_EQ(FormatValue(uniform, 1.0), "1.0");
  EXPECT_EQ(FormatValue(uniform, -2.0), "-2.0");
  EXPECT_EQ(FormatValue(uniform, -0.0), "0.0");
  EXPECT_EQ(FormatValue(uniform, 1e-5), "1e-05");
  EXPECT_EQ(FormatValue(uniform, 0.1 + 0.2), "0.30000000000000004");  // exact round trip

  ParameterSpace choice;
  choice.name = "class_weight";
  choice.dist = Distribution::kChoice;
  choice.options = {"balanced", "none"};
  EXPECT_EQ(FormatValue(choice, 0), "balanced");
  EXPECT_EQ(FormatValue(choice, 1), "none");
}

TEST(SearchSpaceTest, ParseValueInvertsFormatValue) {
  ASSERT_OK_AND_ASSIGN(SearchSpace space, ParseSearchSpace(kExample));
  const std::vector<double> values = {7, 0.4242, 1, 35, 0.0123, 100, 9, -1.75};
  for (size_t i = 0; i < space.parameters.size(); ++i) {
    const ParameterSpace& p = space.parameters[i];
    std::string text = FormatValue(p, values[i]);
    ASSERT_OK_AND_ASSIGN(double back, ParseValue(p, text));
    EXPECT_EQ(back, values[i]) << p.name << " " << text;
  }
  const ParameterSpace& depth = space.parameters[0];
  EXPECT_CODE(ParseValue(depth, "31"), kInvalidParameterValue);
  EXPECT_CODE(ParseValue(depth, "abc"), kInvalidParameterValue);
  EXPECT_CODE(ParseValue(depth, ""), kInvalidParameterValue);
  EXPECT_CODE(ParseValue(space.parameters[2], "auto"), kInvalidParameterValue);
  EXPECT_CODE(ParseValue(space.parameters[6], "10"), kInvalidParameterValue);  // high excluded
  EXPECT_CODE(ParseValue(space.parameters[6], "2.5"), kInvalidParameterValue);
  EXPECT_CODE(ParseValue(space.parameters[7], "nan"), kInvalidParameterValue);
}

TEST(SearchSpaceTest, QuantizeRoundsToInRangeMultiples) {
  ParameterSpace leaf = Param(Distribution::kQUniform, 5, 100, 5);
  EXPECT_EQ(Quantize(leaf, 5.0), 5);
  EXPECT_EQ(Quantize(leaf, 7.4), 5);
  EXPECT_EQ(Quantize(leaf, 7.6), 10);
  EXPECT_EQ(Quantize(leaf, 99.9), 100);
  EXPECT_EQ(MinQuantum(leaf), 1);
  EXPECT_EQ(MaxQuantum(leaf), 20);

  // Hyperopt would give round(0.78 / 0.1) * 0.1 = 0.8 > high; the nearest in-range multiple is
  // 0.7. Likewise 0.0 < low becomes 0.1.
  ParameterSpace frac = Param(Distribution::kQUniform, 0.05, 0.78, 0.1);
  EXPECT_EQ(Quantize(frac, 0.78), 0.7);
  EXPECT_EQ(Quantize(frac, 0.051), 0.1);
  EXPECT_EQ(Quantize(frac, 0.34), 0.3);

  // Bounds that are multiples of q up to rounding (0.3 / 0.1 = 2.9999999999999996) count.
  ParameterSpace tenths = Param(Distribution::kQUniform, 0.3, 0.7, 0.1);
  EXPECT_EQ(MinQuantum(tenths), 3);
  EXPECT_EQ(MaxQuantum(tenths), 7);
  EXPECT_EQ(Quantize(tenths, 0.7), 0.7);

  ParameterSpace seed = Param(Distribution::kRandInt, 0, 10);
  EXPECT_EQ(Quantize(seed, 9.7), 9);
  EXPECT_EQ(Quantize(seed, -3), 0);

  ParameterSpace uniform = Param(Distribution::kUniform, 0, 1);
  EXPECT_EQ(Quantize(uniform, 0.123), 0.123);
}

TEST(SearchSpaceTest, ClassifiesDistributions) {
  ASSERT_OK_AND_ASSIGN(SearchSpace space, ParseSearchSpace(kExample));
  const auto& p = space.parameters;
  EXPECT_TRUE(IsQuantized(p[0]));
  EXPECT_FALSE(IsQuantized(p[1]));
  EXPECT_TRUE(IsCategorical(p[2]));
  EXPECT_EQ(CategoryCount(p[2]), 2u);
  EXPECT_TRUE(IsLogScale(p[4]));
  EXPECT_TRUE(IsLogScale(p[5]));
  EXPECT_TRUE(IsQuantized(p[5]));
  EXPECT_TRUE(IsCategorical(p[6]));
  EXPECT_EQ(CategoryCount(p[6]), 10u);
  EXPECT_FALSE(IsCategorical(p[7]));
  EXPECT_EQ(DistributionName(Distribution::kQLogUniform), "qloguniform");
}

}  // namespace
}  // namespace orchard
