// TreeEnsemble: an XGBoost binary classifier's trees, flattened into one array for fast scoring
// without XGBoost. Reads the JSON model XGBoost 1.7 writes (XgbBooster::Save("json")) and
// reproduces XGBoost's own prediction: the same tree walk (missing values, categorical splits,
// invalid categories), the margin summed in float in XGBoost's order, the same base margin.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace orchard {

// A binary classifier's trees, flattened for fast scoring. Immutable after load: thread-safe.
class TreeEnsemble {
 public:
  // Parses XGBoost's JSON model (simdjson's on-demand parser). INVALID_PARAMETER_VALUE for
  // text that is not an XGBoost JSON model, a booster other than gbtree (gblinear, dart), an
  // objective other than binary:logistic, reg:logistic or binary:logitraw, more than one output
  // group, or trees whose arrays disagree (a child out of range, reached twice, or not right
  // after its sibling as in every tree XGBoost builds; a split on a feature past num_feature;
  // a category set outside `categories`, ...): a corrupt file can never make Predict read out
  // of bounds or loop.
  static StatusOr<TreeEnsemble> FromXgboostJson(std::string_view json);

  size_t num_features() const { return num_features_; }  // learner_model_param.num_feature
  size_t num_trees() const { return trees_.size(); }

  // Output per row: the probability (sigmoid of the margin) for binary:logistic and
  // reg:logistic, the raw margin for binary:logitraw. `rows` is row-major, n_rows x
  // num_features(), NaN = missing. Writes n_rows doubles to `out`. The margin is bit-identical
  // to XGBoost's (a float sum in XGBoost's order); the sigmoid is taken in double.
  void Predict(const float* rows, size_t n_rows, double* out) const;

 private:
  // One node, 12 bytes. Nodes are renumbered at load so that siblings are adjacent: the right
  // child is always left + 1, and a step down the tree is `left + goes_right`, with no branch.
  // A leaf steps to itself (left = its own index - 1, threshold -inf: everything goes
  // "right"), so a walk may take more steps than a row's path needs: several walks can then go
  // in lockstep, a fixed number of steps, without a branch on where each one is.
  struct Node {
    int32_t left;      // index of the left child in nodes_
    uint32_t feature;  // the split's feature index | kDefaultLeft | kCategorical
    float value;       // the threshold; a categorical node's offset in cat_words_ (bit cast)
  };
  static constexpr uint32_t kDefaultLeft = 1u << 31;  // a missing value goes left
  static constexpr uint32_t kCategorical = 1u << 30;  // `value` holds a cat_words_ offset
  static constexpr uint32_t kFeatureMask = kCategorical - 1;

  struct Tree {
    uint32_t root;         // index in nodes_
    uint32_t depth;        // the longest root-to-leaf path, in steps
    bool has_categorical;  // needs the (slower) step that can test a category set
    bool lockstep;         // walked a fixed `depth` steps (see FromXgboostJson), else alone
  };

  TreeEnsemble() = default;

  static constexpr size_t kBlock = 64;  // rows scored together (see PredictBlock)

  // One step down from nodes_[index] for `row` (no branch on the data at a numerical split);
  // a leaf stays put. kMayBeMissing false: the caller knows the row has no NaN.
  template <bool kHasCategorical, bool kMayBeMissing>
  uint32_t Step(uint32_t index, const float* row) const;
  // Steps from `root` until a leaf: the leaf's index.
  template <bool kHasCategorical, bool kMayBeMissing>
  uint32_t Walk(uint32_t root, const float* row) const;
  bool GoesRightCategorical(const Node& node, float x) const;
  // Adds every tree's leaf value to margin[r] for each of `count` (<= kBlock) rows.
  template <bool kMayBeMissing>
  void PredictBlock(const float* rows, size_t count, float* margin) const;
  // The margin of one row.
  template <bool kMayBeMissing>
  float PredictRow(const float* row) const;

  size_t num_features_ = 0;
  float base_margin_ = 0;  // the margin every row starts from (XGBoost's base_score, as margin)
  bool sigmoid_ = true;    // false for binary:logitraw
  std::vector<Node> nodes_;
  std::vector<float> leaf_values_;  // per node; read once per tree and row, so kept apart
  std::vector<Tree> trees_;         // in XGBoost's order, which is the order of the sum
  // The categories that go right, per categorical node: at the node's offset, the number of
  // bits n, then ceil(n / 32) words of the bitset.
  std::vector<uint32_t> cat_words_;
};

}  // namespace orchard
