// XgbMatrix and XgbBooster: RAII handles over XGBoost's C API, the only code that includes
// <xgboost/c_api.h>. Every return code is checked; a failure becomes an INTERNAL_ERROR Status
// (INVALID_PARAMETER_VALUE for a bad parameter or model) carrying XGBGetLastError()'s text.
// Move-only. A booster is not safe for concurrent calls; use one per thread.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace orchard {

class XgbMatrix {
 public:
  // A dense row-major matrix of rows x cols floats; NaN is missing. `feature_types` holds "q"
  // (numeric) or "c" (categorical: codes 0, 1, ... as floats) per column; empty means all "q".
  static StatusOr<XgbMatrix> FromDense(std::span<const float> values, size_t rows, size_t cols,
                                       const std::vector<std::string>& feature_names,
                                       const std::vector<std::string>& feature_types);
  // The same rows as XGBoost's quantile matrix: binned once at construction into `max_bin`
  // bins per feature, with the bin edges sketched from these rows or, given `reference`
  // (another quantile matrix), taken from it, so a sample can set the edges for all rows. Hist
  // training on it skips the sketch XGBoost otherwise makes at the first round. `values` must
  // outlive only this call.
  static StatusOr<XgbMatrix> QuantileFromDense(std::span<const float> values, size_t rows,
                                               size_t cols,
                                               const std::vector<std::string>& feature_names,
                                               const std::vector<std::string>& feature_types,
                                               int max_bin, int threads,
                                               const XgbMatrix* reference = nullptr);
  XgbMatrix(XgbMatrix&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  XgbMatrix& operator=(XgbMatrix&& other) noexcept;
  XgbMatrix(const XgbMatrix&) = delete;
  XgbMatrix& operator=(const XgbMatrix&) = delete;
  ~XgbMatrix();

  Status SetLabels(std::span<const float> labels);
  Status SetWeights(std::span<const float> weights);
  void* handle() const { return handle_; }

 private:
  explicit XgbMatrix(void* handle) : handle_(handle) {}
  void* handle_ = nullptr;
};

class XgbBooster {
 public:
  // A new booster; XGBoost caches predictions for the matrices given (the training matrix and
  // any validation matrix predicted every round).
  static StatusOr<XgbBooster> Create(const std::vector<const XgbMatrix*>& cached);
  // A booster from a saved model (JSON or UBJSON bytes).
  static StatusOr<XgbBooster> Load(std::string_view model);
  XgbBooster() = default;  // empty: holds no model until one is moved in
  XgbBooster(XgbBooster&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  XgbBooster& operator=(XgbBooster&& other) noexcept;
  XgbBooster(const XgbBooster&) = delete;
  XgbBooster& operator=(const XgbBooster&) = delete;
  ~XgbBooster();

  Status SetParam(const std::string& name, const std::string& value);
  // One boosting round (one more tree, or num_parallel_tree trees in random-forest mode).
  Status UpdateOneIter(int iteration, const XgbMatrix& train);
  // The model's output per row (binary:logistic: the positive class's probability), from the
  // trees of rounds [0, rounds); rounds 0 means all.
  StatusOr<std::vector<float>> Predict(const XgbMatrix& data, int rounds = 0) const;
  // A new booster holding only the trees of rounds [0, rounds).
  StatusOr<XgbBooster> Slice(int rounds) const;
  // Names and types ("q"/"c") of the features, saved with the model and used to name feature
  // importances. (A booster does not take them from its training matrix.)
  Status SetFeatureInfo(const std::vector<std::string>& names,
                        const std::vector<std::string>& types);
  StatusOr<int> BoostedRounds() const;
  // "json" or "ubj".
  StatusOr<std::string> Save(std::string_view format) const;
  // Per-feature importance ("gain", "total_gain", "weight", "cover", "total_cover"); features
  // never used in a split are absent.
  StatusOr<std::vector<std::pair<std::string, double>>> FeatureImportance(
      std::string_view type) const;

 private:
  explicit XgbBooster(void* handle) : handle_(handle) {}
  void* handle_ = nullptr;
};

// XGBoost's version as "major.minor.patch" (for the MLmodel file).
std::string XgbVersion();

}  // namespace orchard
