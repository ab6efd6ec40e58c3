// ScoringModel: an Orchard model package made ready for fast scoring. The saved preprocessing
// becomes per-feature lookup tables built once, and the booster a flattened TreeEnsemble, so a
// request's cells are encoded and scored with no XGBoost call and little allocation. It gives
// what ReferencePredictor gives (same encoding, probabilities within 1e-6), which the tests
// check. Immutable after Load: thread-safe; share it through a shared_ptr so a hot swap can
// replace it while requests still score on the old one.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "serve/scoring_input.h"
#include "serve/tree_ensemble.h"
#include "train/preprocess.h"

namespace orchard {

class ScoringModel {
 public:
  // Loads the package in folder `dir`. INVALID_PARAMETER_VALUE when it is not an Orchard
  // package or its booster cannot be scored.
  static StatusOr<std::shared_ptr<const ScoringModel>> Load(const std::string& dir);

  // The raw input columns the model reads, in order.
  const InputSchema& schema() const { return schema_; }
  // The encoded width (the booster's features).
  size_t width() const { return width_; }

  // Encodes the rows of `table` (built with schema()) into `features`, rows x width().
  // INVALID_PARAMETER_VALUE naming the column and row for a numeric column given text that is
  // not a number.
  Status Encode(const InputTable& table, std::vector<float>& features) const;
  // Rows [first, first + count) into `features` (count x width()).
  Status Encode(const InputTable& table, size_t first, size_t count, float* features) const;
  // The positive class's probability for every row of `table`.
  Status PredictProba(const InputTable& table, std::vector<double>& proba) const;
  // For rows [first, first + count), into proba[0, count): one call per thread's share of a
  // batch.
  Status PredictRows(const InputTable& table, size_t first, size_t count, double* proba) const;

  const std::string& positive_class() const { return positive_class_; }
  const std::string& negative_class() const { return negative_class_; }
  const std::string& model_type() const { return model_type_; }
  const std::string& run_id() const { return run_id_; }
  const std::string& model_uuid() const { return model_uuid_; }
  const TreeEnsemble& trees() const { return trees_; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
  };
  struct Feature {
    FeatureSpec spec;
    size_t offset = 0;       // its first encoded column
    size_t cache_index = 0;  // categorical: its ordinal among the categorical features
    std::unordered_map<std::string, int32_t, Hash, std::equal_to<>> code_of;  // level -> code
  };

  ScoringModel(const Preprocessor& preprocessor, TreeEnsemble trees);
  // The code of the categorical cell among the feature's levels, or -1 (unseen).
  int32_t LevelCode(const Feature& feature, const InputTable& table, const InputCell& cell) const;

  InputSchema schema_;
  std::vector<Feature> features_;
  size_t width_ = 0;
  size_t categorical_features_ = 0;
  TreeEnsemble trees_;
  std::string positive_class_, negative_class_, model_type_, run_id_, model_uuid_;
};

}  // namespace orchard
