// TreeEnsemble against XGBoost itself: real models trained through XgbBooster on seeded random
// data, saved as JSON, scored by both on fresh rows, every row within 1e-6. Covers the tree
// methods and grow policies, missing values, both kinds of categorical split with invalid and
// unseen codes at prediction, random-forest mode, base_score, binary:logitraw (margins
// bit-identical), hand-built lopsided and single-leaf trees loaded into XGBoost too, NaN and
// infinite thresholds, and the models and corrupt files that must be refused.
#include "serve/tree_ensemble.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "train/xgboost_booster.h"

namespace orchard {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// A row-major matrix of features with its column types ("q"/"c").
struct Matrix {
  size_t rows = 0;
  size_t cols = 0;
  std::vector<float> values;
  std::vector<std::string> types;
};

struct DataSpec {
  size_t rows = 2000;
  size_t numeric = 8;
  std::vector<int> category_levels;  // one categorical column per entry, codes 0..levels-1
  double missing = 0;                // fraction of cells set to NaN
};

Matrix MakeFeatures(const DataSpec& spec, std::mt19937& rng) {
  Matrix m;
  m.rows = spec.rows;
  m.cols = spec.numeric + spec.category_levels.size();
  m.types.assign(spec.numeric, "q");
  m.types.resize(m.cols, "c");
  m.values.resize(m.rows * m.cols);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (size_t r = 0; r < m.rows; ++r) {
    for (size_t c = 0; c < m.cols; ++c) {
      float value;
      if (c < spec.numeric) {
        value = normal(rng);
      } else {
        const int levels = spec.category_levels[c - spec.numeric];
        value = static_cast<float>(std::uniform_int_distribution<int>(0, levels - 1)(rng));
      }
      if (uniform(rng) < spec.missing) value = kNaN;
      m.values[r * m.cols + c] = value;
    }
  }
  return m;
}

// Labels drawn from a nonlinear score of the features, so trees have something to split.
std::vector<float> MakeLabels(const Matrix& m, size_t numeric, std::mt19937& rng) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<float> labels(m.rows);
  for (size_t r = 0; r < m.rows; ++r) {
    const float* row = &m.values[r * m.cols];
    auto at = [&](size_t c) { return std::isnan(row[c]) ? 0.0 : static_cast<double>(row[c]); };
    double score = 0;
    if (numeric >= 3) score += 1.5 * std::sin(2 * at(0)) + at(1) * at(2) - 0.5 * at(1);
    for (size_t c = numeric; c < m.cols; ++c) {
      if (std::isnan(row[c])) continue;
      const int code = static_cast<int>(row[c]);
      score += (code % 3 == 0 ? 1.2 : -0.8) + ((code * 7) % 5 == 1 ? 0.9 : 0.0);
    }
    labels[r] = uniform(rng) < 1.0 / (1.0 + std::exp(-score)) ? 1.0f : 0.0f;
  }
  return labels;
}

using Params = std::vector<std::pair<std::string, std::string>>;

XgbBooster Train(const Matrix& m, const std::vector<float>& labels, const Params& params,
                 int rounds) {
  StatusOr<XgbMatrix> dtrain = XgbMatrix::FromDense(m.values, m.rows, m.cols, {}, m.types);
  EXPECT_TRUE(dtrain.ok()) << dtrain.status().ToString();
  EXPECT_TRUE(dtrain->SetLabels(labels).ok());
  StatusOr<XgbBooster> booster = XgbBooster::Create({&*dtrain});
  EXPECT_TRUE(booster.ok()) << booster.status().ToString();
  for (const auto& [key, value] : Params{{"nthread", "1"}, {"seed", "7"}}) {
    EXPECT_TRUE(booster->SetParam(key, value).ok());
  }
  for (const auto& [key, value] : params) {
    Status status = booster->SetParam(key, value);
    EXPECT_TRUE(status.ok()) << status.ToString();
  }
  for (int i = 0; i < rounds; ++i) {
    Status status = booster->UpdateOneIter(i, *dtrain);
    EXPECT_TRUE(status.ok()) << status.ToString();
  }
  return std::move(booster).value();
}

std::string SaveJson(const XgbBooster& booster) {
  StatusOr<std::string> json = booster.Save("json");
  EXPECT_TRUE(json.ok()) << json.status().ToString();
  return json.ok() ? *json : std::string();
}

std::vector<float> XgbPredict(const XgbBooster& booster, const Matrix& m) {
  StatusOr<XgbMatrix> data = XgbMatrix::FromDense(m.values, m.rows, m.cols, {}, m.types);
  EXPECT_TRUE(data.ok()) << data.status().ToString();
  StatusOr<std::vector<float>> predictions = booster.Predict(*data);
  EXPECT_TRUE(predictions.ok()) << predictions.status().ToString();
  return predictions.ok() ? *predictions : std::vector<float>();
}

// Loads the booster's JSON into a TreeEnsemble and checks every row of `m` against XGBoost's
// own prediction; returns the largest difference.
double ExpectSameAsXgboost(const XgbBooster& booster, const Matrix& m, double tolerance = 1e-6) {
  StatusOr<TreeEnsemble> ensemble = TreeEnsemble::FromXgboostJson(SaveJson(booster));
  EXPECT_TRUE(ensemble.ok()) << ensemble.status().ToString();
  if (!ensemble.ok()) return INFINITY;
  EXPECT_EQ(ensemble->num_features(), m.cols);
  std::vector<float> expected = XgbPredict(booster, m);
  EXPECT_EQ(expected.size(), m.rows);
  std::vector<double> actual(m.rows, -1.0);
  ensemble->Predict(m.values.data(), m.rows, actual.data());
  double worst = 0;
  int reported = 0;
  for (size_t r = 0; r < std::min(expected.size(), m.rows); ++r) {
    const double diff = std::abs(actual[r] - expected[r]);
    worst = std::max(worst, diff);
    if (!(diff <= tolerance) && reported++ < 5) {
      ADD_FAILURE() << "row " << r << ": TreeEnsemble " << actual[r] << ", XGBoost " << expected[r];
    }
  }
  return worst;
}

// A model and the fresh rows it is checked on, from one seeded generator.
struct Case {
  Matrix train;
  std::vector<float> labels;
  Matrix test;
};

Case MakeCase(const DataSpec& spec, uint32_t seed) {
  std::mt19937 rng(seed);
  Case c;
  c.train = MakeFeatures(spec, rng);
  c.labels = MakeLabels(c.train, spec.numeric, rng);
  DataSpec test_spec = spec;
  test_spec.rows = 1000;  // not a multiple of the 64-row block
  c.test = MakeFeatures(test_spec, rng);
  return c;
}

TEST(TreeEnsembleTest, HistDepthwiseMatchesXgboost) {
  Case c = MakeCase({}, 1);
  XgbBooster booster = Train(c.train, c.labels,
                             {{"objective", "binary:logistic"},
                              {"tree_method", "hist"},
                              {"max_depth", "6"},
                              {"eta", "0.3"}},
                             25);
  ExpectSameAsXgboost(booster, c.test);
  ExpectSameAsXgboost(booster, c.train);
}

TEST(TreeEnsembleTest, HistLossguideMatchesXgboost) {
  Case c = MakeCase({.rows = 3000, .numeric = 12}, 2);
  XgbBooster booster = Train(c.train, c.labels,
                             {{"objective", "binary:logistic"},
                              {"tree_method", "hist"},
                              {"grow_policy", "lossguide"},
                              {"max_leaves", "31"},
                              {"max_depth", "0"},
                              {"eta", "0.2"}},
                             30);
  ExpectSameAsXgboost(booster, c.test);
}

TEST(TreeEnsembleTest, ExactAndApproxMatchXgboost) {
  for (const char* method : {"exact", "approx"}) {
    SCOPED_TRACE(method);
    Case c = MakeCase({.rows = 1500}, 3);
    XgbBooster booster = Train(c.train, c.labels,
                               {{"objective", "binary:logistic"},
                                {"tree_method", method},
                                {"max_depth", "5"},
                                {"eta", "0.3"}},
                               15);
    ExpectSameAsXgboost(booster, c.test);
  }
}

TEST(TreeEnsembleTest, PrunedExactTreesMatchXgboost) {
  // A large gamma makes XGBoost's pruner delete nodes, which stay in the JSON arrays unreached.
  Case c = MakeCase({.rows = 1500}, 4);
  XgbBooster booster = Train(c.train, c.labels,
                             {{"objective", "binary:logistic"},
                              {"tree_method", "exact"},
                              {"max_depth", "8"},
                              {"gamma", "2"},
                              {"eta", "0.5"}},
                             10);
  ExpectSameAsXgboost(booster, c.test);
}

TEST(TreeEnsembleTest, MissingValuesTakeTheDefaultBranch) {
  for (const char* method : {"hist", "exact", "approx"}) {
    SCOPED_TRACE(method);
    Case c = MakeCase({.rows = 3000, .numeric = 10, .missing = 0.1}, 5);
    XgbBooster booster = Train(c.train, c.labels,
                               {{"objective", "binary:logistic"},
                                {"tree_method", method},
                                {"max_depth", "6"},
                                {"eta", "0.3"}},
                               20);
    ExpectSameAsXgboost(booster, c.test);
    // Rows missing everything, or all but one feature.
    Matrix sparse = c.test;
    for (size_t r = 0; r < sparse.rows; ++r) {
      for (size_t col = 0; col < sparse.cols; ++col) {
        if (r % 2 == 0 || col != r % sparse.cols) sparse.values[r * sparse.cols + col] = kNaN;
      }
    }
    ExpectSameAsXgboost(booster, sparse);
  }
}

// The largest category set size over the model's categorical splits (0: none).
size_t LargestCategorySet(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  // XGBoost writes NaN thresholds for categorical nodes, which strict JSON parsers refuse.
  std::string text = json;
  for (size_t at = text.find("NaN"); at != std::string::npos; at = text.find("NaN", at)) {
    text.replace(at, 3, "0.0");
  }
  if (parser.parse(text).get(root)) return 0;
  size_t largest = 0;
  for (simdjson::dom::element tree : root["learner"]["gradient_booster"]["model"]["trees"]) {
    for (simdjson::dom::element size : tree["categories_sizes"]) {
      int64_t count = 0;
      if (size.get(count) == simdjson::SUCCESS) largest = std::max(largest, size_t(count));
    }
  }
  return largest;
}

// Test rows for categorical models: fresh rows, then the same rows with the categorical cells
// replaced by codes XGBoost must treat specially.
Matrix WithOddCategories(const Matrix& base, size_t numeric, std::mt19937& rng) {
  // (XGBoost refuses infinities in a DMatrix, so they are not tried.)
  const std::vector<float> odd = {-1.0f,       -0.5f, -0.0f, -3.0f,  0.5f,    2.7f,
                                  1.999f,      kNaN,  60.0f, 100.0f, 1000.0f, 16777215.0f,
                                  16777216.0f, 3e7f,  1e9f,  -1e9f};
  Matrix m = base;
  m.values.reserve(base.values.size() * 2);
  std::uniform_int_distribution<size_t> pick(0, odd.size() - 1);
  std::uniform_int_distribution<int> coin(0, 1);
  for (size_t r = 0; r < base.rows; ++r) {
    for (size_t c = 0; c < base.cols; ++c) {
      float value = base.values[r * base.cols + c];
      if (c >= numeric && coin(rng) == 1) value = odd[pick(rng)];
      m.values.push_back(value);
    }
  }
  m.rows *= 2;
  return m;
}

TEST(TreeEnsembleTest, CategoricalSplitsMatchXgboost) {
  // max_cat_to_onehot 64: every feature has fewer categories, so splits are one-hot (one
  // category right); 1: partition splits (a set of categories right).
  for (const char* onehot : {"64", "1"}) {
    SCOPED_TRACE(std::string("max_cat_to_onehot ") + onehot);
    const DataSpec spec{.rows = 4000, .numeric = 4, .category_levels = {5, 12, 40}, .missing = 0.1};
    Case c = MakeCase(spec, 6);
    XgbBooster booster = Train(c.train, c.labels,
                               {{"objective", "binary:logistic"},
                                {"tree_method", "hist"},
                                {"max_cat_to_onehot", onehot},
                                {"max_depth", "6"},
                                {"eta", "0.3"}},
                               20);
    const size_t largest = LargestCategorySet(SaveJson(booster));
    if (std::string(onehot) == "64") {
      EXPECT_EQ(largest, 1u) << "expected one-hot splits only";
    } else {
      EXPECT_GT(largest, 1u) << "expected partition splits";
    }
    std::mt19937 rng(60);
    ExpectSameAsXgboost(booster, WithOddCategories(c.test, spec.numeric, rng));
  }
}

TEST(TreeEnsembleTest, RandomForestModeSumsAllParallelTrees) {
  Case c = MakeCase({.rows = 2000, .numeric = 10, .missing = 0.05}, 7);
  XgbBooster booster = Train(c.train, c.labels,
                             {{"objective", "binary:logistic"},
                              {"tree_method", "hist"},
                              {"num_parallel_tree", "50"},
                              {"subsample", "0.632"},
                              {"colsample_bynode", "0.5"},
                              {"eta", "1"},
                              {"max_depth", "8"}},
                             1);
  StatusOr<TreeEnsemble> ensemble = TreeEnsemble::FromXgboostJson(SaveJson(booster));
  ASSERT_TRUE(ensemble.ok()) << ensemble.status().ToString();
  EXPECT_EQ(ensemble->num_trees(), 50u);
  ExpectSameAsXgboost(booster, c.test);
}

TEST(TreeEnsembleTest, BaseScoreIsTheStartingProbability) {
  for (const char* objective : {"binary:logistic", "reg:logistic"}) {
    SCOPED_TRACE(objective);
    Case c = MakeCase({.rows = 1500}, 8);
    XgbBooster booster =
        Train(c.train, c.labels,
              {{"objective", objective}, {"base_score", "0.2"}, {"max_depth", "4"}}, 10);
    ExpectSameAsXgboost(booster, c.test);
    // With no trees' worth of signal (eta 0) every row scores base_score itself.
    XgbBooster flat = Train(c.train, c.labels,
                            {{"objective", objective}, {"base_score", "0.2"}, {"eta", "0"}}, 2);
    StatusOr<TreeEnsemble> ensemble = TreeEnsemble::FromXgboostJson(SaveJson(flat));
    ASSERT_TRUE(ensemble.ok()) << ensemble.status().ToString();
    double out = 0;
    ensemble->Predict(c.test.values.data(), 1, &out);
    EXPECT_NEAR(out, 0.2, 1e-7);
  }
}

TEST(TreeEnsembleTest, LogitrawGivesXgboostsFloatMarginExactly) {
  Case c = MakeCase({.rows = 3000, .numeric = 10, .missing = 0.1}, 9);
  // Many trees and large leaves: margins far from zero, where the float sum's rounding shows.
  XgbBooster booster = Train(c.train, c.labels,
                             {{"objective", "binary:logitraw"},
                              {"base_score", "0.2"},
                              {"max_depth", "8"},
                              {"eta", "1"},
                              {"lambda", "0"}},
                             60);
  ExpectSameAsXgboost(booster, c.test);
  StatusOr<TreeEnsemble> ensemble = TreeEnsemble::FromXgboostJson(SaveJson(booster));
  ASSERT_TRUE(ensemble.ok()) << ensemble.status().ToString();
  std::vector<float> expected = XgbPredict(booster, c.test);
  std::vector<double> actual(c.test.rows);
  ensemble->Predict(c.test.values.data(), c.test.rows, actual.data());
  size_t exact = 0;
  for (size_t r = 0; r < c.test.rows; ++r) exact += static_cast<float>(actual[r]) == expected[r];
  EXPECT_EQ(exact, c.test.rows) << "margins should be bit-identical to XGBoost's";
}

TEST(TreeEnsembleTest, SingleRowMatchesBatchAndXgboost) {
  Case c = MakeCase({.rows = 2000, .numeric = 6, .category_levels = {7}, .missing = 0.1}, 10);
  XgbBooster booster = Train(c.train, c.labels,
                             {{"objective", "binary:logistic"},
                              {"tree_method", "hist"},
                              {"max_cat_to_onehot", "1"},
                              {"max_depth", "6"}},
                             20);
  StatusOr<TreeEnsemble> ensemble = TreeEnsemble::FromXgboostJson(SaveJson(booster));
  ASSERT_TRUE(ensemble.ok()) << ensemble.status().ToString();
  std::vector<double> batch(c.test.rows);
  ensemble->Predict(c.test.values.data(), c.test.rows, batch.data());
  for (size_t r = 0; r < 100; ++r) {
    Matrix one = c.test;
    one.rows = 1;
    one.values.assign(c.test.values.begin() + r * c.test.cols,
                      c.test.values.begin() + (r + 1) * c.test.cols);
    double single = -1;
    ensemble->Predict(one.values.data(), 1, &single);
    EXPECT_EQ(single, batch[r]);
    if (r < 5) ExpectSameAsXgboost(booster, one);
  }
  ensemble->Predict(nullptr, 0, nullptr);  // no rows: nothing read or written
}

TEST(TreeEnsembleTest, ConcurrentPredictionsAgree) {
  Case c = MakeCase({.rows = 1000}, 11);
  XgbBooster booster = Train(c.train, c.labels, {{"objective", "binary:logistic"}}, 10);
  StatusOr<TreeEnsemble> ensemble = TreeEnsemble::FromXgboostJson(SaveJson(booster));
  ASSERT_TRUE(ensemble.ok());
  std::vector<double> first(c.test.rows), second(c.test.rows);
  std::thread other([&] { ensemble->Predict(c.test.values.data(), c.test.rows, first.data()); });
  ensemble->Predict(c.test.values.data(), c.test.rows, second.data());
  other.join();
  EXPECT_EQ(first, second);
}

// --- Trees of chosen shapes, written as XGBoost writes them and scored by XGBoost too ---

struct CraftedNode {
  int left = -1;  // -1: a leaf
  int right = -1;
  int feature = 0;
  float value = 0;  // the threshold, or the leaf's value
  bool default_left = false;
  float cover = 1;
};

// As XGBoost's reader wants a float: with a point or an exponent (a bare 1 is an integer).
std::string Number(float value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", value);
  std::string out = text;
  if (out.find_first_of(".e") == std::string::npos) out += ".0";
  return out;
}

template <typename Fn>
std::string JsonArray(const std::vector<CraftedNode>& nodes, Fn&& element) {
  std::string out = "[";
  for (size_t i = 0; i < nodes.size(); ++i) out += (i ? "," : "") + element(i);
  return out + "]";
}

std::string TreeJson(const std::vector<CraftedNode>& nodes, int id, size_t num_feature) {
  std::vector<int> parents(nodes.size(), 2147483647);  // XGBoost's "no parent", for the root
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].left >= 0) parents[nodes[i].left] = parents[nodes[i].right] = int(i);
  }
  auto zero = [](size_t) { return std::string("0"); };
  auto zero_float = [](size_t) { return std::string("0.0"); };
  auto leaf_or = [&](size_t i, const std::string& split) {
    return nodes[i].left < 0 ? std::string("0") : split;
  };
  return R"({"base_weights":)" +
         JsonArray(nodes, [&](size_t i) { return Number(nodes[i].value); }) +
         R"(,"categories":[],"categories_nodes":[],"categories_segments":[],)"
         R"("categories_sizes":[],"default_left":)" +
         JsonArray(nodes, [&](size_t i) { return leaf_or(i, nodes[i].default_left ? "1" : "0"); }) +
         R"(,"id":)" + std::to_string(id) + R"(,"left_children":)" +
         JsonArray(nodes, [&](size_t i) { return std::to_string(nodes[i].left); }) +
         R"(,"loss_changes":)" + JsonArray(nodes, zero_float) + R"(,"parents":)" +
         JsonArray(nodes, [&](size_t i) { return std::to_string(parents[i]); }) +
         R"(,"right_children":)" +
         JsonArray(nodes, [&](size_t i) { return std::to_string(nodes[i].right); }) +
         R"(,"split_conditions":)" +
         JsonArray(nodes, [&](size_t i) { return Number(nodes[i].value); }) +
         R"(,"split_indices":)" +
         JsonArray(nodes, [&](size_t i) { return leaf_or(i, std::to_string(nodes[i].feature)); }) +
         R"(,"split_type":)" + JsonArray(nodes, zero) + R"(,"sum_hessian":)" +
         JsonArray(nodes, [&](size_t i) { return Number(nodes[i].cover); }) +
         R"(,"tree_param":{"num_deleted":"0","num_feature":")" + std::to_string(num_feature) +
         R"(","num_nodes":")" + std::to_string(nodes.size()) + R"(","size_leaf_vector":"0"}})";
}

// `real`, a model XGBoost saved, with its trees replaced by `trees`.
std::string WithTrees(const std::string& real, const std::vector<std::vector<CraftedNode>>& trees,
                      size_t num_feature) {
  const std::string opening = R"("model":{)";
  const size_t begin = real.find(opening);
  const size_t end = real.find(R"(},"name":"gbtree")");
  EXPECT_NE(begin, std::string::npos);
  EXPECT_NE(end, std::string::npos);
  std::string info, list;
  for (size_t t = 0; t < trees.size(); ++t) {
    info += (t ? ",0" : "0");
    list += (t ? "," : "") + TreeJson(trees[t], int(t), num_feature);
  }
  return real.substr(0, begin + opening.size()) +
         R"("gbtree_model_param":{"num_parallel_tree":"1","num_trees":")" +
         std::to_string(trees.size()) + R"(","size_leaf_vector":"0"},"tree_info":[)" + info +
         R"(],"trees":[)" + list + "]" + real.substr(end);
}

class TreeBuilder {
 public:
  TreeBuilder(size_t num_feature, uint32_t seed) : num_feature_(num_feature), rng_(seed) {}

  // A complete tree of `depth` levels of random splits.
  int Balanced(int depth, float cover) {
    const int me = Add();
    if (depth == 0) return Leaf(me, cover);
    const int left = Balanced(depth - 1, cover / 2);
    const int right = Balanced(depth - 1, cover / 2);
    return Split(me, left, right, std::normal_distribution<float>(0, 1)(rng_), cover);
  }
  // A chain of `length` splits, each sending values below an ever higher threshold to a leaf:
  // few rows reach its end, and their cover halves at each step.
  int Chain(int length, float threshold, float cover) {
    const int me = Add();
    if (length == 0) return Leaf(me, cover);
    const int left = Leaf(Add(), cover / 2);
    const int right = Chain(length - 1, threshold + 0.08f, cover / 2);
    return Split(me, left, right, threshold, cover);
  }
  int Join(int left, int right, float threshold, float cover) {
    return Split(Add(), left, right, threshold, cover);
  }
  // The tree under `root`, numbered as XGBoost numbers nodes: root 0, and the two children of
  // a node always adjacent (XGBoost's predictor relies on right == left + 1).
  std::vector<CraftedNode> Take(int root) {
    std::vector<CraftedNode> out(1, nodes_[root]);
    for (size_t head = 0; head < out.size(); ++head) {
      CraftedNode& node = out[head];
      if (node.left < 0) continue;
      const int left = node.left;
      const int right = node.right;
      node.left = int(out.size());
      node.right = node.left + 1;
      out.push_back(nodes_[left]);  // invalidates `node`
      out.push_back(nodes_[right]);
    }
    nodes_.clear();
    return out;
  }

 private:
  int Add() {
    nodes_.emplace_back();
    return int(nodes_.size()) - 1;
  }
  int Leaf(int me, float cover) {
    nodes_[me].value = std::uniform_real_distribution<float>(-0.5f, 0.5f)(rng_);
    nodes_[me].cover = cover;
    return me;
  }
  int Split(int me, int left, int right, float threshold, float cover) {
    CraftedNode& node = nodes_[me];
    node.left = left;
    node.right = right;
    node.feature = std::uniform_int_distribution<int>(0, int(num_feature_) - 1)(rng_);
    node.value = threshold;
    node.default_left = std::uniform_int_distribution<int>(0, 1)(rng_) == 1;
    node.cover = cover;
    return me;
  }

  size_t num_feature_;
  std::mt19937 rng_;
  std::vector<CraftedNode> nodes_;
};

TEST(TreeEnsembleTest, LopsidedAndSingleLeafTreesMatchXgboost) {
  const size_t nf = 6;
  Case c = MakeCase({.rows = 500, .numeric = nf, .missing = 0.1}, 14);
  const std::string real =
      SaveJson(Train(c.train, c.labels, {{"objective", "binary:logistic"}, {"max_depth", "2"}}, 1));

  std::vector<std::vector<CraftedNode>> trees;
  for (uint32_t seed = 0; seed < 12; ++seed) {
    TreeBuilder builder(nf, 100 + seed);
    int root = 0;
    switch (seed % 4) {
      case 0: {  // bulk of depth 3, a 40-step chain beside it: walked alone, not in lockstep
        const int bulk = builder.Balanced(3, 97);
        const int chain = builder.Chain(40, -1.5f, 3);
        root = builder.Join(bulk, chain, 1.5f, 100);
        break;
      }
      case 1:  // a balanced tree: walked in lockstep
        root = builder.Balanced(5, 100);
        break;
      case 2:  // a single leaf
        root = builder.Balanced(0, 100);
        break;
      default:  // a chain from the root: walked alone
        root = builder.Chain(25, -2.0f, 100);
        break;
    }
    trees.push_back(builder.Take(root));
  }
  const std::string json = WithTrees(real, trees, nf);
  StatusOr<XgbBooster> booster = XgbBooster::Load(json);
  ASSERT_TRUE(booster.ok()) << booster.status().ToString();

  // Rows of large values run down the chains to their ends; all-NaN rows take the defaults.
  Matrix rows = c.test;
  for (size_t r = 0; r < rows.rows; r += 10) {
    for (size_t col = 0; col < nf; ++col) rows.values[r * nf + col] = r % 20 == 0 ? 9.0f : kNaN;
  }
  ExpectSameAsXgboost(*booster, rows);
  Matrix complete = c.test;  // no missing value at all: the step without the NaN test
  for (float& value : complete.values) value = std::isnan(value) ? 0.3f : value;
  ExpectSameAsXgboost(*booster, complete);
  for (size_t r = 0; r < 30; ++r) {
    Matrix one = rows;
    one.rows = 1;
    one.values.assign(rows.values.begin() + r * nf, rows.values.begin() + (r + 1) * nf);
    ExpectSameAsXgboost(*booster, one);
  }
}

// --- Models Orchard must refuse ---

void ExpectRefused(const std::string& json, const std::string& needle) {
  StatusOr<TreeEnsemble> ensemble = TreeEnsemble::FromXgboostJson(json);
  ASSERT_FALSE(ensemble.ok()) << "accepted (expected an error with \"" << needle
                              << "\"): " << json.substr(0, 200);
  EXPECT_EQ(ensemble.status().code(), ErrorCode::kInvalidParameterValue);
  EXPECT_NE(ensemble.status().message().find(needle), std::string::npos)
      << ensemble.status().message();
}

TEST(TreeEnsembleTest, RefusesTextThatIsNotAnXgboostModel) {
  ExpectRefused("", "not an XGBoost JSON model");
  ExpectRefused("hello", "not an XGBoost JSON model");
  ExpectRefused("[1, 2]", "not an XGBoost JSON model");
  ExpectRefused("{}", "no 'learner'");
  ExpectRefused(R"({"learner": 3})", "not an object");
  ExpectRefused(R"({"learner": {"objective": {"name": "binary:logistic"}}})", "gradient_booster");
}

TEST(TreeEnsembleTest, RefusesOtherBoostersAndObjectives) {
  Case c = MakeCase({.rows = 500}, 12);
  XgbBooster linear = Train(c.train, c.labels, {{"booster", "gblinear"}}, 2);
  ExpectRefused(SaveJson(linear), "'gblinear': Orchard scores only gbtree");
  XgbBooster dart = Train(c.train, c.labels, {{"booster", "dart"}, {"rate_drop", "0.1"}}, 2);
  ExpectRefused(SaveJson(dart), "'dart': Orchard scores only gbtree");

  std::vector<float> classes(c.labels.size());
  for (size_t r = 0; r < classes.size(); ++r) classes[r] = static_cast<float>(r % 3);
  XgbBooster multi =
      Train(c.train, classes, {{"objective", "multi:softprob"}, {"num_class", "3"}}, 2);
  ExpectRefused(SaveJson(multi), "multi:softprob");
  // The same model claiming a binary objective is still refused for its three output groups.
  std::string multi_json = SaveJson(multi);
  const size_t at = multi_json.find("multi:softprob");
  ASSERT_NE(at, std::string::npos);
  multi_json.replace(at, std::string("multi:softprob").size(), "binary:logistic");
  ExpectRefused(multi_json, "more than one output group");

  XgbBooster regression = Train(c.train, c.labels, {{"objective", "reg:squarederror"}}, 2);
  ExpectRefused(SaveJson(regression), "reg:squarederror");
}

// Replaces `from` in `text`, searching from the first `anchor`.
std::string Edit(std::string text, const std::string& anchor, const std::string& from,
                 const std::string& to) {
  size_t at = text.find(anchor);
  EXPECT_NE(at, std::string::npos) << anchor;
  at = text.find(from, at);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// Replaces the first element of the array `key` found at or after `from` with `value`.
std::string EditFirstElement(std::string text, const std::string& key, const std::string& value,
                             size_t from = 0) {
  const std::string opening = "\"" + key + "\":[";
  size_t begin = text.find(opening, from);
  EXPECT_NE(begin, std::string::npos) << key;
  if (begin == std::string::npos) return text;
  begin += opening.size();
  const size_t end = text.find_first_of(",]", begin);
  text.replace(begin, end - begin, value);
  return text;
}

TEST(TreeEnsembleTest, RefusesCorruptTrees) {
  Case c = MakeCase({.rows = 1000, .numeric = 5, .category_levels = {6}}, 13);
  XgbBooster booster = Train(c.train, c.labels,
                             {{"objective", "binary:logistic"},
                              {"tree_method", "hist"},
                              {"max_depth", "4"},
                              {"max_cat_to_onehot", "1"}},
                             5);
  const std::string json = SaveJson(booster);
  ASSERT_TRUE(TreeEnsemble::FromXgboostJson(json).ok());
  // The first tree's root has children 1 and 2 (XGBoost numbers them so).
  ASSERT_NE(json.find(R"("left_children":[1,)"), std::string::npos);
  ASSERT_NE(json.find(R"("right_children":[2,)"), std::string::npos);

  ExpectRefused(EditFirstElement(json, "left_children", "1000000"), "outside the");
  ExpectRefused(EditFirstElement(json, "left_children", "-7"), "outside the");
  ExpectRefused(EditFirstElement(json, "left_children", "1.5"), "not a number");
  // A child pointing back to the root (a cycle), and one node as both children.
  ExpectRefused(EditFirstElement(json, "right_children", "0"), "outside the");
  ExpectRefused(EditFirstElement(json, "left_children", "2"), "reached twice");
  // XGBoost steps to left + 1 for "right"; a tree where that is not the right child is not one
  // XGBoost built, and XGBoost itself would score it inconsistently.
  ExpectRefused(EditFirstElement(json, "right_children", "3"), "not adjacent");
  ExpectRefused(EditFirstElement(json, "split_indices", "6"), "splits on feature 6");
  ExpectRefused(EditFirstElement(json, "split_type", "7"), "split_type 7");
  ExpectRefused(EditFirstElement(json, "split_conditions", R"("x")"), "not a number");
  ExpectRefused(Edit(json, R"("split_conditions")", "[", "[0.5,"), "split_conditions has");
  ExpectRefused(Edit(json, R"("num_nodes":")", R"(":")", R"(":"1)"), "entries for");
  ExpectRefused(EditFirstElement(json, "tree_info", "1"), "output group 1");
  ExpectRefused(Edit(json, R"("num_trees")", R"(":")", R"(":"9)"), "num_trees");
  ExpectRefused(Edit(json, R"("learner_model_param")", R"("num_feature":")", R"("num_feature":"-)"),
                "num_feature");
  ExpectRefused(Edit(json, R"("base_score")", R"(":")", R"(":"7)"), "base_score");
  ExpectRefused(json.substr(0, json.size() / 2), "not an XGBoost JSON model");

  // Category sets: a set running past the categories, a negative category.
  size_t first_set = json.find(R"("categories_nodes":[)");
  while (first_set != std::string::npos && json[first_set + 20] == ']') {
    first_set = json.find(R"("categories_nodes":[)", first_set + 1);
  }
  ASSERT_NE(first_set, std::string::npos) << "no categorical split";
  ExpectRefused(EditFirstElement(json, "categories_sizes", "1000", first_set), "outside");
  const size_t categories = json.rfind(R"("categories":[)", first_set);
  ExpectRefused(EditFirstElement(json, "categories", "-4", categories), "category -4");
}

TEST(TreeEnsembleTest, RandomlyCorruptedModelsLoadOrFailCleanly) {
  // Digits changed at random all over a categorical model: each variant is refused or loads,
  // and one that loads scores rows without reading out of bounds (run under ASan to see).
  const DataSpec spec{.rows = 800, .numeric = 4, .category_levels = {9}, .missing = 0.1};
  Case c = MakeCase(spec, 16);
  const std::string json = SaveJson(Train(c.train, c.labels,
                                          {{"objective", "binary:logistic"},
                                           {"tree_method", "hist"},
                                           {"max_cat_to_onehot", "1"},
                                           {"max_depth", "4"}},
                                          4));
  std::mt19937 rng(17);
  std::vector<size_t> digits;
  for (size_t i = 0; i < json.size(); ++i) {
    if (json[i] >= '0' && json[i] <= '9') digits.push_back(i);
  }
  std::mt19937 pick_rng(18);
  std::uniform_int_distribution<size_t> pick(0, digits.size() - 1);
  const std::string replacements = "0123456789-";
  std::uniform_int_distribution<size_t> replacement(0, replacements.size() - 1);
  Matrix rows = WithOddCategories(c.test, spec.numeric, rng);
  std::vector<double> out(rows.rows);
  int loaded = 0;
  for (int variant = 0; variant < 300; ++variant) {
    std::string text = json;
    for (int k = 0; k < 3; ++k) text[digits[pick(pick_rng)]] = replacements[replacement(pick_rng)];
    StatusOr<TreeEnsemble> ensemble = TreeEnsemble::FromXgboostJson(text);
    if (!ensemble.ok()) {
      EXPECT_EQ(ensemble.status().code(), ErrorCode::kInvalidParameterValue);
      continue;
    }
    ++loaded;
    if (ensemble->num_features() != rows.cols) continue;  // the rows would be too short
    ensemble->Predict(rows.values.data(), rows.rows, out.data());
    ensemble->Predict(rows.values.data(), 1, out.data());
  }
  EXPECT_GT(loaded, 0);  // most changes hit values (thresholds, leaves, stats) and still load
}

TEST(TreeEnsembleTest, NonFiniteThresholdsMatchXgboost) {
  // XGBoost writes NaN and infinities as bare words. Splits with such thresholds: a present
  // value is never below NaN or -inf (goes right), always below +inf unless it is +inf.
  Case c = MakeCase({.rows = 1000, .numeric = 6, .missing = 0.1}, 15);
  std::string json =
      SaveJson(Train(c.train, c.labels, {{"objective", "binary:logistic"}, {"max_depth", "3"}}, 3));
  size_t at = 0;
  for (const char* word : {"NaN", "-Infinity", "Infinity"}) {
    at = json.find(R"("split_conditions":[)", at + 1);
    ASSERT_NE(at, std::string::npos);
    json = EditFirstElement(json, "split_conditions", word, at);
  }
  StatusOr<XgbBooster> booster = XgbBooster::Load(json);
  ASSERT_TRUE(booster.ok()) << booster.status().ToString();
  ExpectSameAsXgboost(*booster, c.test);
}

}  // namespace
}  // namespace orchard
