// The model package's JSON: XGBoost's model (read by the flattened tree evaluator, which then
// scores a few rows) and preprocessing.json.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "serve/tree_ensemble.h"
#include "train/preprocess.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  (void)orchard::Preprocessor::FromJson(json);
  auto ensemble = orchard::TreeEnsemble::FromXgboostJson(json);
  if (!ensemble.ok()) return 0;
  // Rows of every kind of value, as wide as the model says it reads.
  const size_t width = ensemble->num_features();
  std::vector<float> rows;
  for (float value : {0.0f, -1.0f, 1e30f, NAN, 3.5f}) rows.insert(rows.end(), width, value);
  std::vector<double> margins(5);
  ensemble->Predict(rows.data(), 5, margins.data());
  return 0;
}
