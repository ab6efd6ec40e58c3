// Preprocessor: turns a Frame's raw columns into the float matrix XGBoost trains on, fitted on
// the training rows only and saved with the model, so prediction encodes exactly as training
// did. Numeric columns pass through (missing stays NaN). Categorical columns are encoded one
// of three ways, chosen per model:
//   ordinal  codes of the training levels in sorted order (scikit-learn's OrdinalEncoder), as
//            numbers; unseen and missing values are NaN;
//   woe      weight of evidence of the level among training rows (category_encoders'
//            WOEEncoder, regularization 1): ln(((pos + 1) / (P + 2)) / ((neg + 1) / (N + 2)));
//            unseen levels 0 (no evidence), missing NaN;
//   native   the ordinal codes marked as categorical for XGBoost's own categorical splits;
//            unseen and missing NaN (another code would take a wrong branch);
//   onehot   one 0/1 column per level ("Grade=A"), for the most frequent training levels up to
//            a cap; the others, and unseen levels, share one "=__other__" column; missing is
//            NaN in every column of the feature.
// Thread-safe after construction (Transform is const).
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "data/frame.h"

namespace orchard {

enum class CategoricalEncoding { kOrdinal, kWoe, kNative, kOneHot };

// "ordinal", "woe", "native", "onehot"
std::string_view EncodingName(CategoricalEncoding encoding);
StatusOr<CategoricalEncoding> ParseEncoding(std::string_view name);

struct FeatureSpec {
  std::string name;  // the raw column's name
  ColumnType type = ColumnType::kNumeric;
  CategoricalEncoding encoding = CategoricalEncoding::kOrdinal;  // categorical columns only
  std::vector<std::string> levels;  // categorical: training levels, sorted; code = index
  std::vector<double> woe;          // kWoe: the value of each level

  // The number of model inputs this feature becomes (levels + 1 for onehot, else 1).
  size_t Width() const;
};

// A numeric value as the model takes it: a float, with infinities (and values beyond float's
// range) held at the largest float, since XGBoost refuses infinities. Every split threshold is a
// finite float, so the largest one takes the branch infinity would. NaN stays NaN (missing).
inline float ToModelInput(double value) {
  constexpr double kMax = std::numeric_limits<float>::max();
  return static_cast<float>(value > kMax ? kMax : value < -kMax ? -kMax : value);
}

// The name suffix of the one-hot column that pools the other levels.
inline constexpr char kOtherLevel[] = "__other__";

class Preprocessor {
 public:
  // Fits on `rows` of `frame` for the columns `feature_columns` (indexes into frame.columns);
  // `labels` (0/1) has one entry per frame row and is used by the woe encoding only.
  static Preprocessor Fit(const Frame& frame, const std::vector<int>& feature_columns,
                          std::span<const int> labels, std::span<const size_t> rows,
                          CategoricalEncoding encoding, size_t max_onehot_levels = 20);

  // The encoded rows, row-major (rows x features). Columns are found by name: a missing column
  // is INVALID_PARAMETER_VALUE naming it; a numeric feature given text that is not a number is
  // INVALID_PARAMETER_VALUE naming the column and value. Categorical features accept numeric
  // columns (their text is the level: "36" for 36).
  StatusOr<std::vector<float>> Transform(const Frame& frame, std::span<const size_t> rows) const;
  // All rows.
  StatusOr<std::vector<float>> Transform(const Frame& frame) const;

  // The raw columns the model reads, in order.
  const std::vector<FeatureSpec>& features() const { return features_; }
  // The model's inputs (what XGBoost sees): one per feature, or one per level for onehot.
  std::vector<std::string> FeatureNames() const;
  std::vector<std::string> FeatureTypes() const;  // XGBoost's "q" or "c" per input

  // The saved form (preprocessing.json in the model package) and back.
  std::string ToJson() const;
  static StatusOr<Preprocessor> FromJson(std::string_view json);

 private:
  std::vector<FeatureSpec> features_;
};

}  // namespace orchard
