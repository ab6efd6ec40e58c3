#include "tuning/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "support/status_matchers.h"

namespace orchard {
namespace {

using tpe_internal::AdaptiveParzenNormal;
using tpe_internal::ParzenMixture;

constexpr char kExample[] = R"(
max_depth:        {dist: quniform, low: 1, high: 30, q: 1}
max_features:     {dist: uniform, low: 0.05, high: 0.8}
class_weight:     {dist: choice, options: [balanced, none]}
min_samples_leaf: {dist: quniform, low: 5, high: 100, q: 5}
learning_rate:    {dist: loguniform, low: 0.01, high: 0.3}
leaves:           {dist: qloguniform, low: 4, high: 256, q: 1}
seed_offset:      {dist: randint, low: 0, high: 10}
noise:            {dist: normal, mu: 0, sigma: 1}
)";

SearchSpace Space(const std::string& yaml) {
  StatusOr<SearchSpace> space = ParseSearchSpace(yaml);
  EXPECT_TRUE(space.ok()) << space.status().ToString();
  return space.ok() ? *space : SearchSpace{};
}

std::unique_ptr<Sampler> Make(const std::string& name, const SearchSpace& space,
                              SamplerOptions options = {}) {
  StatusOr<std::unique_ptr<Sampler>> sampler = MakeSampler(name, space, options);
  EXPECT_TRUE(sampler.ok()) << sampler.status().ToString();
  return sampler.ok() ? std::move(sampler).value() : nullptr;
}

double Number(const Assignment& a, const std::string& name) {
  for (const auto& [key, value] : a) {
    if (key == name) return std::stod(value);
  }
  ADD_FAILURE() << "no " << name;
  return NAN;
}

std::string Text(const Assignment& a, const std::string& name) {
  for (const auto& [key, value] : a) {
    if (key == name) return value;
  }
  ADD_FAILURE() << "no " << name;
  return "";
}

// A deterministic objective over the example space, so TPE has something to learn from.
double ExampleObjective(const Assignment& a) {
  return -std::abs(Number(a, "max_depth") - 12) / 30 - std::abs(Number(a, "max_features") - 0.3) +
         (Text(a, "class_weight") == "balanced" ? 0.2 : 0) - std::abs(Number(a, "noise")) / 4;
}

// Runs `trials` trials of `sampler` on `objective`; the trials proposed, in order.
std::vector<Assignment> RunTrials(Sampler& sampler, int trials,
                                  const std::function<double(const Assignment&)>& objective) {
  std::vector<Observation> history;
  std::vector<Assignment> proposed;
  for (int t = 0; t < trials; ++t) {
    Assignment a = sampler.Next(history);
    proposed.push_back(a);
    history.push_back({a, objective(a)});
  }
  return proposed;
}

double Best(const std::string& name, const SearchSpace& space, uint64_t seed, int trials,
            const std::function<double(const Assignment&)>& objective) {
  SamplerOptions options;
  options.seed = seed;
  std::unique_ptr<Sampler> sampler = Make(name, space, options);
  double best = -INFINITY;
  for (const Assignment& a : RunTrials(*sampler, trials, objective))
    best = std::max(best, objective(a));
  return best;
}

// --- Registry and options ---

TEST(SamplerTest, RegistryListsTheBuiltInSamplers) {
  std::vector<std::string> names;
  for (const SamplerRegistration& r : SamplerRegistry()) {
    names.emplace_back(r.name);
    EXPECT_FALSE(r.description.empty());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"tpe", "random", "grid"}));
}

TEST(SamplerTest, RefusesUnknownNamesInvalidSpacesAndOptions) {
  SearchSpace space = Space(kExample);
  StatusOr<std::unique_ptr<Sampler>> unknown = MakeSampler("anneal", space, {});
  EXPECT_CODE(unknown, kInvalidParameterValue);
  EXPECT_NE(unknown.status().message().find("unknown sampler 'anneal'; valid samplers: tpe, "
                                            "random, grid"),
            std::string::npos)
      << unknown.status().message();

  EXPECT_CODE(MakeSampler("random", SearchSpace{}, {}), kInvalidParameterValue);
  SearchSpace broken = space;
  broken.parameters[0].q = 0;
  EXPECT_CODE(MakeSampler("tpe", broken, {}), kInvalidParameterValue);

  auto with = [](auto change) {
    SamplerOptions options;
    change(options);
    return options;
  };
  EXPECT_CODE(MakeSampler("tpe", space, with([](auto& o) { o.gamma = 0; })),
              kInvalidParameterValue);
  EXPECT_CODE(MakeSampler("tpe", space, with([](auto& o) { o.gamma = 1.5; })),
              kInvalidParameterValue);
  EXPECT_CODE(MakeSampler("tpe", space, with([](auto& o) { o.prior_weight = 0; })),
              kInvalidParameterValue);
  EXPECT_CODE(MakeSampler("tpe", space, with([](auto& o) { o.ei_candidates = 0; })),
              kInvalidParameterValue);
  EXPECT_CODE(MakeSampler("tpe", space, with([](auto& o) { o.startup_trials = -1; })),
              kInvalidParameterValue);
  EXPECT_OK(MakeSampler("tpe", space, with([](auto& o) { o.startup_trials = 0; })));
}

// --- Reproducibility ---

TEST(SamplerTest, SameSeedSameTrialsDifferentSeedDifferentTrials) {
  SearchSpace space = Space(kExample);
  for (const std::string name : {"random", "tpe"}) {
    SamplerOptions options;
    options.seed = 7;
    std::unique_ptr<Sampler> a = Make(name, space, options);
    std::unique_ptr<Sampler> b = Make(name, space, options);
    options.seed = 8;
    std::unique_ptr<Sampler> c = Make(name, space, options);
    std::vector<Assignment> run_a = RunTrials(*a, 12, ExampleObjective);
    std::vector<Assignment> run_b = RunTrials(*b, 12, ExampleObjective);
    std::vector<Assignment> run_c = RunTrials(*c, 12, ExampleObjective);
    EXPECT_EQ(run_a, run_b) << name;
    EXPECT_NE(run_a, run_c) << name;
    for (size_t t = 0; t < run_a.size(); ++t) EXPECT_NE(run_a[t], run_c[t]) << name << " " << t;
  }
}

TEST(SamplerTest, RandomDrawsDoNotDependOnTheStandardLibrary) {
  // Pins the first draws for seed 42: std::mt19937_64's output is fixed by the standard and the
  // transforms are ours, so these hold on every platform. A change here changes every tuning run.
  SearchSpace space = Space(
      "x: {dist: uniform, low: 0, high: 1}\nn: {dist: randint, low: 0, high: "
      "1000}\nz: {dist: normal, mu: 0, sigma: 1}");
  std::unique_ptr<Sampler> sampler = Make("random", space);
  Assignment first = sampler->Next({});
  std::mt19937_64 engine(42);
  double u = static_cast<double>(engine() >> 11) * 0x1.0p-53;
  EXPECT_EQ(Text(first, "x"), FormatValue(space.parameters[0], u));
  uint64_t threshold = (0 - uint64_t{1000}) % 1000;
  uint64_t draw = engine();
  while (draw < threshold) draw = engine();
  EXPECT_EQ(Text(first, "n"), std::to_string(draw % 1000));
}

TEST(SamplerTest, TpeStartupTrialsAreTheRandomSamplersTrials) {
  SearchSpace space = Space(kExample);
  std::unique_ptr<Sampler> random = Make("random", space);
  std::unique_ptr<Sampler> tpe = Make("tpe", space);
  std::vector<Assignment> random_run = RunTrials(*random, 5, ExampleObjective);
  std::vector<Assignment> tpe_run = RunTrials(*tpe, 5, ExampleObjective);
  for (int t = 0; t < 3; ++t) EXPECT_EQ(random_run[t], tpe_run[t]) << t;
  EXPECT_NE(random_run[3], tpe_run[3]);
}

TEST(SamplerTest, TpeIgnoresNanObjectivesAndForeignValues) {
  SearchSpace space = Space(kExample);
  std::unique_ptr<Sampler> tpe = Make("tpe", space);
  std::vector<Observation> history;
  // Values from another space (unknown option, out of bounds, missing parameters, not numbers)
  // and NaN objectives must not break the model.
  history.push_back({{{"max_depth", "500"}, {"class_weight", "auto"}, {"noise", "x"}}, 1.0});
  history.push_back({{{"max_depth", "3"}, {"seed_offset", "99"}}, 0.5});
  history.push_back({{{"unrelated", "1"}}, 0.1});
  history.push_back({{{"max_depth", "4"}}, NAN});
  for (int t = 0; t < 20; ++t) {
    Assignment a = tpe->Next(history);
    ASSERT_EQ(a.size(), space.parameters.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].first, space.parameters[i].name);
      EXPECT_OK(ParseValue(space.parameters[i], a[i].second));
    }
    history.push_back({a, ExampleObjective(a)});
  }
}

// --- Bounds, quantization, distribution shape ---

// Every proposed value is a value of its parameter, quantized values are multiples of q and
// integer-formatted parameters get integers.
void ExpectValid(const SearchSpace& space, const Assignment& a) {
  ASSERT_EQ(a.size(), space.parameters.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const ParameterSpace& p = space.parameters[i];
    ASSERT_EQ(a[i].first, p.name);
    StatusOr<double> value = ParseValue(p, a[i].second);
    ASSERT_TRUE(value.ok()) << value.status().ToString();
    if (p.dist != Distribution::kNormal && p.dist != Distribution::kChoice) {
      EXPECT_GE(*value, p.low) << p.name << " " << a[i].second;
      EXPECT_LE(*value, p.high) << p.name << " " << a[i].second;
    }
    if (p.dist == Distribution::kRandInt) {
      EXPECT_LT(*value, p.high);
    }
    if (IsQuantized(p)) {
      double k = *value / p.q;
      EXPECT_NEAR(k, std::round(k), 1e-9) << p.name << " " << a[i].second;
    }
    if (FormatsAsInteger(p)) {
      EXPECT_EQ(a[i].second.find_first_not_of("-0123456789"), std::string::npos) << a[i].second;
    }
  }
}

TEST(SamplerTest, RandomRespectsBoundsAndShapesOfEveryDistribution) {
  SearchSpace space = Space(kExample);
  std::unique_ptr<Sampler> sampler = Make("random", space);
  const int draws = 4000;
  std::map<std::string, std::vector<double>> values;
  std::set<std::string> options, leaves_seen, depth_seen;
  for (int t = 0; t < draws; ++t) {
    Assignment a = sampler->Next({});
    ExpectValid(space, a);
    for (const ParameterSpace& p : space.parameters) {
      if (p.dist != Distribution::kChoice) values[p.name].push_back(Number(a, p.name));
    }
    options.insert(Text(a, "class_weight"));
  }
  auto mean = [](const std::vector<double>& v) {
    double sum = 0;
    for (double x : v) sum += x;
    return sum / static_cast<double>(v.size());
  };
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  EXPECT_EQ(options, (std::set<std::string>{"balanced", "none"}));
  EXPECT_NEAR(mean(values["max_features"]), 0.425, 0.02);
  // Log-uniform: the median is the geometric mean of the bounds.
  EXPECT_NEAR(median(values["learning_rate"]), std::sqrt(0.01 * 0.3), 0.01);
  std::set<double> seeds(values["seed_offset"].begin(), values["seed_offset"].end());
  EXPECT_EQ(seeds.size(), 10u);
  EXPECT_EQ(*seeds.begin(), 0);
  EXPECT_EQ(*seeds.rbegin(), 9);
  std::set<double> depths(values["max_depth"].begin(), values["max_depth"].end());
  EXPECT_EQ(depths.size(), 30u);  // 1..30, edges included
  std::set<double> leaf(values["min_samples_leaf"].begin(), values["min_samples_leaf"].end());
  EXPECT_EQ(leaf.size(), 20u);  // 5, 10, ..., 100
  EXPECT_EQ(*leaf.begin(), 5);
  EXPECT_EQ(*leaf.rbegin(), 100);
  std::vector<double>& noise = values["noise"];
  double m = mean(noise), var = 0;
  for (double x : noise) var += (x - m) * (x - m);
  EXPECT_NEAR(m, 0, 0.06);
  EXPECT_NEAR(std::sqrt(var / static_cast<double>(noise.size())), 1, 0.05);
}

TEST(SamplerTest, TpeRespectsBoundsOfEveryDistribution) {
  SearchSpace space = Space(kExample);
  for (uint64_t seed : {1, 2, 3}) {
    SamplerOptions options;
    options.seed = seed;
    std::unique_ptr<Sampler> sampler = Make("tpe", space, options);
    for (const Assignment& a : RunTrials(*sampler, 60, ExampleObjective)) ExpectValid(space, a);
  }
  // Narrow quantized ranges and bounds that are not multiples of q.
  SearchSpace narrow = Space(R"(
a: {dist: quniform, low: 0.05, high: 0.78, q: 0.1}
b: {dist: qloguniform, low: 0.5, high: 3, q: 1}
c: {dist: randint, low: -3, high: -1}
d: {dist: loguniform, low: 1e-6, high: 1e-5}
)");
  std::unique_ptr<Sampler> sampler = Make("tpe", narrow);
  auto objective = [](const Assignment& a) { return Number(a, "a") + Number(a, "b"); };
  for (const Assignment& a : RunTrials(*sampler, 60, objective)) ExpectValid(narrow, a);
}

// --- TPE internals ---

TEST(TpeTest, AdaptiveParzenNormalMatchesHyperopt) {
  ParzenMixture empty = AdaptiveParzenNormal({}, 1.0, 0.5, 1.0);
  EXPECT_EQ(empty.mus, (std::vector<double>{0.5}));
  EXPECT_EQ(empty.sigmas, (std::vector<double>{1.0}));
  EXPECT_EQ(empty.weights, (std::vector<double>{1.0}));

  ParzenMixture one = AdaptiveParzenNormal({0.8}, 1.0, 0.5, 1.0);
  EXPECT_EQ(one.mus, (std::vector<double>{0.5, 0.8}));
  EXPECT_EQ(one.sigmas, (std::vector<double>{1.0, 0.5}));
  EXPECT_EQ(one.weights, (std::vector<double>{0.5, 0.5}));

  // Sorted with the prior: 0.1 0.2 [0.5] 0.9; gaps 0.1, 0.3, 0.4; min width 1 / (1 + 4) = 0.2.
  ParzenMixture three = AdaptiveParzenNormal({0.9, 0.1, 0.2}, 2.0, 0.5, 1.0);
  EXPECT_EQ(three.mus, (std::vector<double>{0.1, 0.2, 0.5, 0.9}));
  ASSERT_EQ(three.sigmas.size(), 4u);
  EXPECT_DOUBLE_EQ(three.sigmas[0], 0.2);
  EXPECT_DOUBLE_EQ(three.sigmas[1], 0.3);
  EXPECT_DOUBLE_EQ(three.sigmas[2], 1.0);
  EXPECT_DOUBLE_EQ(three.sigmas[3], 0.4);
  EXPECT_EQ(three.weights, (std::vector<double>{0.2, 0.2, 0.4, 0.2}));

  // Many equal values keep width range / 100, never 0.
  ParzenMixture many = AdaptiveParzenNormal(std::vector<double>(200, 0.3), 1.0, 0.5, 1.0);
  for (double sigma : many.sigmas) EXPECT_GE(sigma, 0.01);
}

TEST(TpeTest, ConcentratesOnTheGoodRegion) {
  // One parameter, objective peaked at 0.8: after the startup trials TPE proposes values near
  // the best ones far more often than the prior would.
  SearchSpace space = Space("x: {dist: uniform, low: 0, high: 1}");
  std::unique_ptr<Sampler> sampler = Make("tpe", space);
  std::vector<Assignment> run =
      RunTrials(*sampler, 40, [](const Assignment& a) { return -std::abs(Number(a, "x") - 0.8); });
  int near = 0;
  for (size_t t = 20; t < run.size(); ++t) near += std::abs(Number(run[t], "x") - 0.8) < 0.1;
  EXPECT_GE(near, 12);  // random: 20% of 20 = 4 on average
}

TEST(TpeTest, LearnsTheBestOption) {
  SearchSpace space = Space("c: {dist: choice, options: [a, b, c, d, e]}");
  std::unique_ptr<Sampler> sampler = Make("tpe", space);
  std::vector<Assignment> run =
      RunTrials(*sampler, 40, [](const Assignment& a) { return Text(a, "c") == "d" ? 1.0 : 0.0; });
  int chosen = 0;
  for (size_t t = 20; t < run.size(); ++t) chosen += Text(run[t], "c") == "d";
  EXPECT_GE(chosen, 10);  // random: 4 of 20
}

// --- TPE against random ---

double Quadratic(const Assignment& a) {
  double x = Number(a, "x"), y = Number(a, "y");
  return -(x - 0.3) * (x - 0.3) - (y - 0.7) * (y - 0.7);
}

double Mixed(const Assignment& a) {
  static const std::map<std::string, double> kBonus = {
      {"gbdt", 0.0}, {"dart", 0.5}, {"goss", 0.2}, {"rf", -0.3}};
  double depth = Number(a, "depth");
  return kBonus.at(Text(a, "booster")) - ((depth - 17) / 10) * ((depth - 17) / 10);
}

struct Comparison {
  double tpe = 0, random = 0;
};

Comparison MeanBest(const SearchSpace& space, int trials,
                    const std::function<double(const Assignment&)>& objective) {
  const int seeds = 20;
  Comparison mean;
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    mean.tpe += Best("tpe", space, seed, trials, objective) / seeds;
    mean.random += Best("random", space, seed, trials, objective) / seeds;
  }
  return mean;
}

TEST(TpeTest, BeatsRandomOnAQuadratic) {
  SearchSpace space =
      Space("x: {dist: uniform, low: 0, high: 1}\ny: {dist: uniform, low: 0, high: 1}");
  for (int trials : {30, 10}) {
    Comparison mean = MeanBest(space, trials, Quadratic);
    std::cout << "quadratic, " << trials << " trials, mean best over 20 seeds: tpe " << mean.tpe
              << ", random " << mean.random << "\n";
    RecordProperty("quadratic_" + std::to_string(trials) + "_tpe", std::to_string(mean.tpe));
    RecordProperty("quadratic_" + std::to_string(trials) + "_random", std::to_string(mean.random));
    EXPECT_GT(mean.tpe, mean.random) << trials << " trials";
  }
}

// The choice is masked by the depth: a wrong booster at a good depth scores better than the
// right one at a bad depth, so the first good trials usually carry a wrong booster and TPE, which
// exploits from the fourth trial on, must unlearn it.
TEST(TpeTest, BeatsRandomOnAChoiceAndAQuniform) {
  SearchSpace space = Space(
      "booster: {dist: choice, options: [gbdt, dart, goss, rf]}\n"
      "depth: {dist: quniform, low: 1, high: 30, q: 1}");
  for (int trials : {30, 10}) {
    Comparison mean = MeanBest(space, trials, Mixed);
    std::cout << "choice + quniform, " << trials << " trials, mean best over 20 seeds: tpe "
              << mean.tpe << ", random " << mean.random << "\n";
    RecordProperty("mixed_" + std::to_string(trials) + "_tpe", std::to_string(mean.tpe));
    RecordProperty("mixed_" + std::to_string(trials) + "_random", std::to_string(mean.random));
    if (trials == 30) {
      EXPECT_GT(mean.tpe, mean.random);
    }
    // With 10 trials (3 random, 7 from the model) TPE does not beat random on this function:
    // 0.223 vs 0.2675 on these 20 seeds, 0.319 vs 0.315 over seeds 1..100. Only printed, so a
    // regression of the 30-trial case is what fails the test.
  }
}

TEST(TpeTest, DoesNotRepeatAFinishedTrialWhileTheSpaceHasOthers) {
  // 3 x 3 = 9 combinations and an objective that makes TPE want (b, 1) again and again.
  SearchSpace space = Space(
      "c: {dist: choice, options: [a, b, c]}\n"
      "n: {dist: randint, low: 0, high: 3}");
  auto objective = [](const Assignment& a) {
    return (Text(a, "c") == "b" ? 1.0 : 0.0) + (Text(a, "n") == "1" ? 1.0 : 0.0);
  };
  for (uint64_t seed : {1, 2, 3, 4, 5}) {
    SamplerOptions options;
    options.seed = seed;
    options.startup_trials = 1;
    std::unique_ptr<Sampler> sampler = Make("tpe", space, options);
    std::vector<Assignment> run = RunTrials(*sampler, 10, objective);
    std::set<Assignment> first_nine(run.begin(), run.begin() + 9);
    EXPECT_EQ(first_nine.size(), 9u) << "seed " << seed;
    ExpectValid(space, run[9]);  // the space is exhausted: a repeat, but a valid one
  }
}

// --- grid ---

TEST(GridTest, EveryCombinationOnceThenRepeats) {
  SearchSpace space = Space(R"(
kind: {dist: choice, options: [a, b]}
depth: {dist: quniform, low: 1, high: 3, q: 1}
seed: {dist: randint, low: 0, high: 2}
frac: {dist: uniform, low: 0.05, high: 0.8}
)");
  ASSERT_EQ(GridSize(space), 2u * 3u * 2u * 5u);
  for (uint64_t seed : {1, 99}) {
    SamplerOptions options;
    options.seed = seed;
    std::unique_ptr<Sampler> sampler = Make("grid", space, options);
    std::vector<Assignment> run =
        RunTrials(*sampler, 2 * 60, [](const Assignment&) { return 0.0; });
    std::set<Assignment> distinct(run.begin(), run.begin() + 60);
    EXPECT_EQ(distinct.size(), 60u);
    std::set<Assignment> expected;
    for (std::string kind : {"a", "b"}) {
      for (std::string depth : {"1", "2", "3"}) {
        for (std::string s : {"0", "1"}) {
          for (std::string frac : {"0.05", "0.2375", "0.425", "0.6125", "0.8"}) {
            expected.insert({{"kind", kind}, {"depth", depth}, {"seed", s}, {"frac", frac}});
          }
        }
      }
    }
    EXPECT_EQ(distinct, expected);
    // In order, last parameter fastest; then again from the start.
    EXPECT_EQ(run[0], (Assignment{{"kind", "a"}, {"depth", "1"}, {"seed", "0"}, {"frac", "0.05"}}));
    EXPECT_EQ(run[1][3].second, "0.2375");
    EXPECT_EQ(run[5][2].second, "1");
    EXPECT_EQ(run[59], (Assignment{{"kind", "b"}, {"depth", "3"}, {"seed", "1"}, {"frac", "0.8"}}));
    for (size_t t = 0; t < 60; ++t) EXPECT_EQ(run[t], run[t + 60]);
  }
}

TEST(GridTest, GridValuesOfEachDistribution) {
  SearchSpace space = Space(kExample);
  auto texts = [](const ParameterSpace& p) {
    std::vector<std::string> out;
    for (uint64_t i = 0; i < GridValueCount(p); ++i) out.push_back(FormatValue(p, GridValue(p, i)));
    return out;
  };
  const auto& p = space.parameters;
  EXPECT_EQ(GridValueCount(p[0]), 30u);
  EXPECT_EQ(texts(p[0]).front(), "1");
  EXPECT_EQ(texts(p[0]).back(), "30");
  EXPECT_EQ(texts(p[1]), (std::vector<std::string>{"0.05", "0.2375", "0.425", "0.6125", "0.8"}));
  EXPECT_EQ(texts(p[2]), (std::vector<std::string>{"balanced", "none"}));
  EXPECT_EQ(GridValueCount(p[3]), 20u);
  // Evenly spaced in log scale: 0.01 * 30^(i/4).
  EXPECT_EQ(texts(p[4]), (std::vector<std::string>{"0.01", "0.0234034731932", "0.0547722557505",
                                                   "0.128186101919", "0.3"}));
  EXPECT_EQ(GridValueCount(p[5]), 253u);
  EXPECT_EQ(texts(p[6]).size(), 10u);
  EXPECT_EQ(texts(p[7]), (std::vector<std::string>{"-2.0", "-1.0", "0.0", "1.0", "2.0"}));
  EXPECT_EQ(GridSize(space), 30u * 5 * 2 * 20 * 5 * 253 * 10 * 5);

  ParameterSpace tenths;
  tenths.name = "t";
  tenths.dist = Distribution::kQUniform;
  tenths.low = 0.05;
  tenths.high = 0.78;
  tenths.q = 0.1;
  EXPECT_EQ(texts(tenths),
            (std::vector<std::string>{"0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7"}));
}

TEST(GridTest, HugeGridsSaturate) {
  SearchSpace space;
  for (int i = 0; i < 4; ++i) {
    ParameterSpace p;
    p.name = "p" + std::to_string(i);
    p.dist = Distribution::kRandInt;
    p.low = 0;
    p.high = 1e12;
    space.parameters.push_back(p);
  }
  EXPECT_EQ(GridSize(space), std::numeric_limits<size_t>::max());
  std::unique_ptr<Sampler> sampler = Make("grid", space);
  EXPECT_EQ(sampler->Next({})[3].second, "0");
  EXPECT_EQ(sampler->Next({})[3].second, "1");
}

}  // namespace
}  // namespace orchard
