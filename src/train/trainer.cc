#include "train/trainer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "base/text.h"
#include "train/binary_target.h"
#include "train/metrics.h"
#include "train/split.h"

namespace orchard {
namespace {

// Orchard's defaults are the tutorial's (its train_rf and train_hgbt entry points); the other
// knobs keep scikit-learn's defaults.
const std::map<std::string, std::string> kRfDefaults = {
    {"n_estimators", "100"},    {"max_depth", "5"},           {"max_features", "0.1"},
    {"min_samples_leaf", "10"}, {"class_weight", "balanced"}, {"bootstrap", "true"},
    {"max_samples", "none"}};
const std::map<std::string, std::string> kHgbtDefaults = {
    {"learning_rate", "0.1"},   {"max_iter", "100"},
    {"max_leaf_nodes", "31"},   {"max_depth", "20"},
    {"min_samples_leaf", "20"}, {"l2_regularization", "1.0"},
    {"max_bins", "255"},        {"class_weight", "none"},
    {"early_stopping", "auto"}, {"validation_fraction", "0.1"},
    {"n_iter_no_change", "10"}, {"tol", "1e-7"}};

class Params {
 public:
  Params(std::string model, std::map<std::string, std::string> values)
      : model_(std::move(model)), values_(std::move(values)) {}

  std::string Text(const std::string& name) const { return values_.at(name); }
  bool IsNone(const std::string& name) const {
    std::string value = AsciiLower(Text(name));
    return value == "none" || value == "null" || value.empty();
  }
  StatusOr<double> Number(const std::string& name, double low, double high) const {
    const std::string text = Text(name);
    double value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || !(value >= low) ||
        !(value <= high)) {
      return Status::InvalidParameter(fmt::format(
          "{} parameter {}={} must be a number between {} and {}", model_, name, text, low, high));
    }
    return value;
  }
  StatusOr<int64_t> Integer(const std::string& name, int64_t low, int64_t high) const {
    const std::string text = Text(name);
    int64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < low || value > high) {
      return Status::InvalidParameter(
          fmt::format("{} parameter {}={} must be a whole number between {} and {}", model_, name,
                      text, low, high));
    }
    return value;
  }
  StatusOr<bool> Bool(const std::string& name) const {
    std::string value = AsciiLower(Text(name));
    if (value == "true" || value == "1" || value == "yes") return true;
    if (value == "false" || value == "0" || value == "no") return false;
    return Status::InvalidParameter(
        fmt::format("{} parameter {}={} must be true or false", model_, name, Text(name)));
  }
  // class_weight: "balanced" or none.
  StatusOr<bool> Balanced(const std::string& name) const {
    if (IsNone(name)) return false;
    if (AsciiLower(Text(name)) == "balanced") return true;
    return Status::InvalidParameter(
        fmt::format("{} parameter {}={} must be 'balanced' or 'none'", model_, name, Text(name)));
  }

 private:
  std::string model_;
  std::map<std::string, std::string> values_;
};

StatusOr<Params> ResolveParams(const std::string& model,
                               const std::map<std::string, std::string>& given) {
  const auto& defaults = model == "rf" ? kRfDefaults : kHgbtDefaults;
  std::map<std::string, std::string> values = defaults;
  for (const auto& [name, value] : given) {
    if (!defaults.contains(name)) {
      std::string known;
      for (const auto& [key, unused] : defaults) known += (known.empty() ? "" : ", ") + key;
      return Status::InvalidParameter(
          fmt::format("unknown {} parameter '{}'; known: {}", model, name, known));
    }
    values[name] = value;
  }
  return Params(model, std::move(values));
}

// An identifier column: a value per row that never repeats, text or whole numbers under an
// id-like name. It would only let trees memorise rows.
bool LooksLikeId(const Column& column, size_t rows) {
  if (rows < 2) return false;
  if (column.type == ColumnType::kCategorical) {
    if (column.levels.size() != rows) return false;
    return std::none_of(column.codes.begin(), column.codes.end(), [](int32_t c) { return c < 0; });
  }
  std::string name = AsciiLower(column.name);
  bool id_name = name == "id" || name.ends_with("_id") || name.ends_with(" id") ||
                 name.ends_with("-id") || name == "index";
  if (!id_name) return false;
  std::vector<double> values = column.numbers;
  for (double v : values) {
    if (std::isnan(v) || v != std::floor(v)) return false;
  }
  std::sort(values.begin(), values.end());
  return std::adjacent_find(values.begin(), values.end()) == values.end();
}

StatusOr<std::vector<int>> ChooseFeatures(const Frame& frame, const TrainOptions& options,
                                          int target_index, std::vector<std::string>& ids) {
  std::set<std::string> dropped(options.drop.begin(), options.drop.end());
  for (const std::string& name : options.drop) {
    if (frame.ColumnIndex(name) < 0) {
      return Status::InvalidParameter(fmt::format("--drop names no column '{}'", name));
    }
  }
  std::vector<int> features;
  if (!options.features.empty()) {
    for (const std::string& name : options.features) {
      int index = frame.ColumnIndex(name);
      if (index < 0) {
        return Status::InvalidParameter(fmt::format("--features names no column '{}'", name));
      }
      if (index == target_index) {
        return Status::InvalidParameter(
            fmt::format("'{}' is the target; it cannot be a feature too", name));
      }
      if (!dropped.contains(name)) features.push_back(index);
    }
  } else {
    for (int i = 0; i < static_cast<int>(frame.columns.size()); ++i) {
      const Column& column = frame.columns[static_cast<size_t>(i)];
      if (i == target_index || dropped.contains(column.name)) continue;
      if (LooksLikeId(column, frame.rows)) {
        ids.push_back(column.name);
        continue;
      }
      features.push_back(i);
    }
  }
  if (features.empty()) {
    return Status::InvalidParameter("no feature columns are left to train on");
  }
  return features;
}

double WeightedLogLoss(std::span<const int> labels, std::span<const float> scores,
                       double positive_weight) {
  double total = 0, weight_sum = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    double p = std::clamp(static_cast<double>(scores[i]), 1e-15, 1 - 1e-15);
    double w = labels[i] == 1 ? positive_weight : 1.0;
    total += -w * (labels[i] == 1 ? std::log(p) : std::log(1 - p));
    weight_sum += w;
  }
  return weight_sum > 0 ? total / weight_sum : 0;
}

struct Matrices {
  XgbMatrix matrix;
  std::vector<int> labels;
};

// The matrix with the rows' labels, and positives weighted by `positive_weight`.
StatusOr<Matrices> WithLabels(XgbMatrix matrix, std::span<const size_t> rows,
                              std::span<const int> all_labels, double positive_weight) {
  std::vector<int> labels;
  std::vector<float> float_labels, weights;
  for (size_t row : rows) {
    labels.push_back(all_labels[row]);
    float_labels.push_back(static_cast<float>(all_labels[row]));
    weights.push_back(all_labels[row] == 1 ? static_cast<float>(positive_weight) : 1.0f);
  }
  ORCHARD_RETURN_IF_ERROR(matrix.SetLabels(float_labels));
  if (positive_weight != 1.0) ORCHARD_RETURN_IF_ERROR(matrix.SetWeights(weights));
  return Matrices{std::move(matrix), std::move(labels)};
}

StatusOr<Matrices> BuildMatrix(const Frame& frame, const Preprocessor& preprocessor,
                               std::span<const size_t> rows, std::span<const int> all_labels,
                               double positive_weight) {
  ORCHARD_ASSIGN_OR_RETURN(std::vector<float> values, preprocessor.Transform(frame, rows));
  ORCHARD_ASSIGN_OR_RETURN(
      XgbMatrix matrix,
      XgbMatrix::FromDense(values, rows.size(), preprocessor.FeatureNames().size(),
                           preprocessor.FeatureNames(), preprocessor.FeatureTypes()));
  return WithLabels(std::move(matrix), rows, all_labels, positive_weight);
}

// The training matrix as XGBoost's quantile matrix: its bin edges sketched and every value
// binned while the matrix is built, on every thread, where the plain matrix is sketched by
// XGBoost's first round on one. The model is the same either way (tested); with one thread the
// plain matrix is the cheaper (measured in docs/benchmarks.md).
StatusOr<Matrices> BuildQuantileMatrix(const Frame& frame, const Preprocessor& preprocessor,
                                       std::span<const size_t> rows,
                                       std::span<const int> all_labels, double positive_weight,
                                       int max_bin, int threads) {
  ORCHARD_ASSIGN_OR_RETURN(std::vector<float> values, preprocessor.Transform(frame, rows));
  ORCHARD_ASSIGN_OR_RETURN(
      XgbMatrix matrix,
      XgbMatrix::QuantileFromDense(values, rows.size(), preprocessor.FeatureNames().size(),
                                   preprocessor.FeatureNames(), preprocessor.FeatureTypes(),
                                   max_bin, threads));
  return WithLabels(std::move(matrix), rows, all_labels, positive_weight);
}

}  // namespace

std::map<std::string, std::string> DefaultParams(const std::string& model) {
  return model == "rf" ? kRfDefaults : kHgbtDefaults;
}

StatusOr<TrainedModel> Train(const Frame& frame, const TrainOptions& options) {
  if (options.model != "rf" && options.model != "hgbt") {
    return Status::InvalidParameter(
        fmt::format("unknown model '{}'; choose rf (random forest) or hgbt (gradient-boosted "
                    "trees)",
                    options.model));
  }
  ORCHARD_ASSIGN_OR_RETURN(Params params, ResolveParams(options.model, options.params));
  const int target_index = frame.ColumnIndex(options.target);
  if (target_index < 0) {
    std::string names;
    for (const Column& column : frame.columns) {
      names += (names.empty() ? "'" : ", '") + column.name + "'";
    }
    return Status::InvalidParameter(fmt::format(
        "the data has no target column '{}'; its columns are {}", options.target, names));
  }
  ORCHARD_ASSIGN_OR_RETURN(
      BinaryTarget target,
      MakeBinaryTarget(frame.columns[static_cast<size_t>(target_index)], options.positive_label));
  if (!(options.test_size > 0 && options.test_size < 1)) {
    return Status::InvalidParameter("--test-size must be between 0 and 1");
  }
  TrainedModel result;
  result.model = options.model;
  result.target = options.target;
  result.positive_class = target.positive;
  result.negative_class = target.negative;
  ORCHARD_ASSIGN_OR_RETURN(std::vector<int> features,
                           ChooseFeatures(frame, options, target_index, result.dropped_ids));

  Split split = SplitRows(target.labels, options.test_size, options.seed, options.stratify);
  std::vector<size_t> fit_rows = split.train, validation_rows;
  const bool hgbt = options.model == "hgbt";
  bool early_stopping = false;
  if (hgbt) {
    std::string mode = AsciiLower(params.Text("early_stopping"));
    if (mode == "auto") {
      early_stopping = split.train.size() > 10000;  // scikit-learn's 'auto'
    } else {
      ORCHARD_ASSIGN_OR_RETURN(early_stopping, params.Bool("early_stopping"));
    }
    if (early_stopping) {
      ORCHARD_ASSIGN_OR_RETURN(double fraction, params.Number("validation_fraction", 0.01, 0.9));
      Split inner =
          SplitSubset(split.train, target.labels, fraction, options.seed + 1, options.stratify);
      fit_rows = inner.train;
      validation_rows = inner.test;
    }
  }
  size_t positives = 0;
  for (size_t row : fit_rows) positives += static_cast<size_t>(target.labels[row]);
  if (positives == 0 || positives == fit_rows.size()) {
    return Status::InvalidParameter("the training part holds only one class; use more data");
  }
  const std::string balanced_key = "class_weight";
  ORCHARD_ASSIGN_OR_RETURN(bool balanced, params.Balanced(balanced_key));
  // class_weight=balanced as a positive-row weight: negatives / positives.
  const double positive_weight =
      balanced ? static_cast<double>(fit_rows.size() - positives) / static_cast<double>(positives)
               : 1.0;

  CategoricalEncoding encoding =
      options.encoding.value_or(hgbt ? CategoricalEncoding::kOrdinal : CategoricalEncoding::kWoe);
  result.preprocessor = Preprocessor::Fit(frame, features, target.labels, fit_rows, encoding,
                                          options.onehot_max_levels);
  std::optional<Matrices> validation;
  if (!validation_rows.empty()) {
    ORCHARD_ASSIGN_OR_RETURN(validation, BuildMatrix(frame, result.preprocessor, validation_rows,
                                                     target.labels, positive_weight));
  }

  std::map<std::string, std::string>& xgb = result.xgboost_params;
  const int threads = options.threads > 0
                          ? options.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  xgb["objective"] = "binary:logistic";
  xgb["tree_method"] = "hist";
  xgb["nthread"] = std::to_string(threads);
  xgb["seed"] = std::to_string(options.seed);
  xgb["verbosity"] = "0";
  int rounds = 1;
  int patience = 0;
  double tolerance = 0;
  const double feature_count = static_cast<double>(features.size());
  if (hgbt) {
    ORCHARD_ASSIGN_OR_RETURN(double learning_rate, params.Number("learning_rate", 1e-6, 10));
    ORCHARD_ASSIGN_OR_RETURN(int64_t max_iter, params.Integer("max_iter", 1, 100000));
    ORCHARD_ASSIGN_OR_RETURN(double l2, params.Number("l2_regularization", 0, 1e9));
    ORCHARD_ASSIGN_OR_RETURN(int64_t min_leaf, params.Integer("min_samples_leaf", 1, 1000000));
    ORCHARD_ASSIGN_OR_RETURN(int64_t max_bins, params.Integer("max_bins", 2, 65535));
    ORCHARD_ASSIGN_OR_RETURN(int64_t no_change, params.Integer("n_iter_no_change", 1, 100000));
    ORCHARD_ASSIGN_OR_RETURN(tolerance, params.Number("tol", 0, 1e9));
    xgb["eta"] = fmt::format("{}", learning_rate);
    xgb["lambda"] = fmt::format("{}", l2);
    // A leaf's hessian sum is at most 0.25 per row under log loss.
    xgb["min_child_weight"] = fmt::format("{}", 0.25 * static_cast<double>(min_leaf));
    xgb["max_bin"] = std::to_string(max_bins);
    xgb["grow_policy"] = "lossguide";
    if (params.IsNone("max_leaf_nodes")) {
      xgb["max_leaves"] = "0";
    } else {
      ORCHARD_ASSIGN_OR_RETURN(int64_t leaves, params.Integer("max_leaf_nodes", 2, 1 << 20));
      xgb["max_leaves"] = std::to_string(leaves);
    }
    if (params.IsNone("max_depth")) {
      xgb["max_depth"] = "0";
    } else {
      ORCHARD_ASSIGN_OR_RETURN(int64_t depth, params.Integer("max_depth", 1, 64));
      xgb["max_depth"] = std::to_string(depth);
    }
    rounds = static_cast<int>(max_iter);
    patience = static_cast<int>(no_change);
    // Start from the (weighted) prior, as scikit-learn's HGBT does, not from 0.5.
    double prior = positive_weight * static_cast<double>(positives) /
                   (positive_weight * static_cast<double>(positives) +
                    static_cast<double>(fit_rows.size() - positives));
    xgb["base_score"] = fmt::format("{}", prior);
  } else {
    ORCHARD_ASSIGN_OR_RETURN(int64_t trees, params.Integer("n_estimators", 1, 100000));
    ORCHARD_ASSIGN_OR_RETURN(int64_t min_leaf, params.Integer("min_samples_leaf", 1, 1000000));
    ORCHARD_ASSIGN_OR_RETURN(bool bootstrap, params.Bool("bootstrap"));
    xgb["num_parallel_tree"] = std::to_string(trees);
    xgb["eta"] = "1";
    // In the single round every row's hessian is exactly 0.25 (base score 0.5), so this is
    // min_samples_leaf rows.
    xgb["min_child_weight"] = fmt::format("{}", 0.25 * static_cast<double>(min_leaf));
    xgb["base_score"] = "0.5";
    double subsample = 1.0;
    if (bootstrap) {
      // XGBoost samples rows without replacement; a bootstrap sample holds ~63.2% distinct rows.
      subsample = 0.632;
      if (!params.IsNone("max_samples")) {
        ORCHARD_ASSIGN_OR_RETURN(double share, params.Number("max_samples", 1e-6, 1));
        subsample = std::min(subsample, share);
      }
    }
    xgb["subsample"] = fmt::format("{}", subsample);
    std::string max_features = AsciiLower(params.Text("max_features"));
    double per_node = 1.0;
    if (max_features == "sqrt" || max_features == "auto") {
      per_node = std::sqrt(feature_count) / feature_count;
    } else if (max_features == "log2") {
      per_node = std::log2(feature_count) / feature_count;
    } else if (!params.IsNone("max_features")) {
      ORCHARD_ASSIGN_OR_RETURN(double value, params.Number("max_features", 1e-9, 1e9));
      // scikit-learn: a float is a fraction of the features, an int a count.
      per_node =
          max_features.find('.') != std::string::npos || value < 1 ? value : value / feature_count;
    }
    xgb["colsample_bynode"] = fmt::format("{}", std::clamp(per_node, 1.0 / feature_count, 1.0));
    if (params.IsNone("max_depth")) {
      xgb["grow_policy"] = "lossguide";
      xgb["max_depth"] = "0";
    } else {
      ORCHARD_ASSIGN_OR_RETURN(int64_t depth, params.Integer("max_depth", 1, 64));
      xgb["max_depth"] = std::to_string(depth);
    }
  }

  const char* kXgboostDefaultMaxBin = "256";
  const int max_bin = std::stoi(xgb.count("max_bin") ? xgb["max_bin"] : kXgboostDefaultMaxBin);
  ORCHARD_ASSIGN_OR_RETURN(
      Matrices train,
      threads > 1
          ? BuildQuantileMatrix(frame, result.preprocessor, fit_rows, target.labels,
                                positive_weight, max_bin, threads)
          : BuildMatrix(frame, result.preprocessor, fit_rows, target.labels, positive_weight));
  std::vector<const XgbMatrix*> cached = {&train.matrix};
  if (validation) cached.push_back(&validation->matrix);
  ORCHARD_ASSIGN_OR_RETURN(XgbBooster booster, XgbBooster::Create(cached));
  for (const auto& [name, value] : xgb) ORCHARD_RETURN_IF_ERROR(booster.SetParam(name, value));

  // The boosting loop, with scikit-learn's early stopping on the weighted validation loss:
  // stop when the loss has not improved by more than tol for n_iter_no_change rounds.
  double best_loss = INFINITY;
  int best_round = 0;
  int round = 0;
  for (; round < rounds; ++round) {
    ORCHARD_RETURN_IF_ERROR(booster.UpdateOneIter(round, train.matrix));
    if (!validation) continue;
    ORCHARD_ASSIGN_OR_RETURN(std::vector<float> scores, booster.Predict(validation->matrix));
    double loss = WeightedLogLoss(validation->labels, scores, positive_weight);
    if (options.on_round && !options.on_round(round, loss)) {
      return Status(ErrorCode::kResourceConflict,
                    fmt::format("training stopped by the caller at round {}", round));
    }
    if (loss < best_loss - tolerance) {
      best_loss = loss;
      best_round = round;
    } else if (round - best_round >= patience) {
      break;
    }
  }
  result.rounds = validation ? best_round + 1 : rounds;
  if (validation) {
    ORCHARD_ASSIGN_OR_RETURN(result.booster, booster.Slice(result.rounds));
  } else {
    result.booster = std::move(booster);
  }
  ORCHARD_RETURN_IF_ERROR(result.booster.SetFeatureInfo(result.preprocessor.FeatureNames(),
                                                        result.preprocessor.FeatureTypes()));
  result.train_rows = fit_rows.size();
  result.validation_rows = validation_rows.size();

  // Test-set scores through the same preprocessing.
  result.test_rows = split.test;
  ORCHARD_ASSIGN_OR_RETURN(Matrices test,
                           BuildMatrix(frame, result.preprocessor, split.test, target.labels, 1.0));
  ORCHARD_ASSIGN_OR_RETURN(std::vector<float> test_scores, result.booster.Predict(test.matrix));
  result.test_labels = test.labels;
  result.test_scores.assign(test_scores.begin(), test_scores.end());
  for (const auto& [name, value] : (hgbt ? kHgbtDefaults : kRfDefaults)) {
    result.params[name] = params.Text(name);
  }
  result.params["categorical_encoding"] = std::string(EncodingName(encoding));
  if (encoding == CategoricalEncoding::kOneHot) {
    result.params["onehot_max_levels"] = std::to_string(options.onehot_max_levels);
  }
  return result;
}

}  // namespace orchard
