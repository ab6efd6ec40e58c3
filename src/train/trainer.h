// Train: from a Frame with a binary target to a fitted model and its test-set scores, the
// engine behind `orchard train` and the tuner's in-process trials.
//
// Two learners through XGBoost, driven round by round here (so every round's validation loss
// is reported while training, and early stopping is ours):
//   hgbt  gradient-boosted trees (tree_method hist), scikit-learn HistGradientBoostingClassifier's
//         knobs: learning_rate, max_iter, max_leaf_nodes, max_depth, min_samples_leaf,
//         l2_regularization, max_bins, class_weight, early_stopping, validation_fraction,
//         n_iter_no_change, tol;
//   rf    a random forest (XGBoost's random-forest mode: num_parallel_tree trees in one round),
//         RandomForestClassifier's knobs: n_estimators, max_depth, max_features,
//         min_samples_leaf, bootstrap, max_samples, class_weight.
// docs/models.md maps each knob to what XGBoost is given. Errors are INVALID_PARAMETER_VALUE
// with what to change. Thread-compatible; XGBoost itself uses `threads` threads.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "data/frame.h"
#include "train/preprocess.h"
#include "train/xgboost_booster.h"

namespace orchard {

struct TrainOptions {
  std::string model = "rf";  // "rf" or "hgbt"
  std::string target;
  std::map<std::string, std::string> params;  // scikit-learn names; unknown ones are errors
  std::vector<std::string> features;          // empty: every column but the target and ids
  std::vector<std::string> drop;              // columns left out
  std::string positive_label;                 // empty: see MakeBinaryTarget
  double test_size = 0.25;
  uint64_t seed = 42;
  bool stratify = true;
  std::optional<CategoricalEncoding> encoding;  // default: woe for rf, ordinal for hgbt
  size_t onehot_max_levels = 20;                // onehot: levels kept per column, rest pooled
  int threads = 0;                              // 0: every core
  // Called after each boosting round with its validation log loss (hgbt with early stopping).
  // Returning false stops training: Train then fails with RESOURCE_CONFLICT (a pruned trial).
  std::function<bool(int round, double validation_log_loss)> on_round;
};

struct TrainedModel {
  std::string model;   // "rf" or "hgbt"
  std::string target;  // the target column's name
  std::string positive_class, negative_class;
  Preprocessor preprocessor;
  XgbBooster booster;  // the trees kept (up to the best round with early stopping)
  // Every knob with the value used (scikit-learn names, defaults filled in), for logging.
  std::map<std::string, std::string> params;
  std::map<std::string, std::string> xgboost_params;  // what XGBoost was given
  std::vector<std::string> dropped_ids;               // identifier columns left out
  int rounds = 0;                                     // rounds kept
  size_t train_rows = 0, validation_rows = 0;
  std::vector<size_t> test_rows;  // rows of the frame held out for testing
  std::vector<int> test_labels;
  std::vector<double> test_scores;  // the positive class's probability per test row
};

StatusOr<TrainedModel> Train(const Frame& frame, const TrainOptions& options);

// The knobs a model accepts with their defaults, for help texts and docs.
std::map<std::string, std::string> DefaultParams(const std::string& model);

}  // namespace orchard
