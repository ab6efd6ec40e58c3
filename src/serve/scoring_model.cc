#include "serve/scoring_model.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "train/model_package.h"

namespace orchard {
namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

std::vector<std::string> FeatureColumns(const Preprocessor& preprocessor) {
  std::vector<std::string> names;
  for (const FeatureSpec& spec : preprocessor.features()) names.push_back(spec.name);
  return names;
}

}  // namespace

ScoringModel::ScoringModel(const Preprocessor& preprocessor, TreeEnsemble trees)
    : schema_(FeatureColumns(preprocessor)), trees_(std::move(trees)) {
  for (const FeatureSpec& spec : preprocessor.features()) {
    Feature feature;
    feature.spec = spec;
    feature.offset = width_;
    width_ += spec.Width();
    for (size_t i = 0; i < spec.levels.size(); ++i) {
      feature.code_of.emplace(spec.levels[i], static_cast<int32_t>(i));
    }
    features_.push_back(std::move(feature));
  }
}

StatusOr<std::shared_ptr<const ScoringModel>> ScoringModel::Load(const std::string& dir) {
  ORCHARD_ASSIGN_OR_RETURN(OrchardPackage package, ReadOrchardPackage(dir));
  StatusOr<TreeEnsemble> trees = TreeEnsemble::FromXgboostJson(package.booster);
  if (!trees.ok()) return trees.status().WithContext(fmt::format("model '{}'", dir));
  std::shared_ptr<ScoringModel> model(
      new ScoringModel(package.preprocessor, std::move(trees).value()));
  if (model->trees_.num_features() != model->width_) {
    return Status::InvalidParameter(
        fmt::format("model '{}': the booster reads {} features but the preprocessing makes {}", dir,
                    model->trees_.num_features(), model->width_));
  }
  model->positive_class_ = package.positive_class;
  model->negative_class_ = package.negative_class;
  model->model_type_ = package.model_type;
  model->run_id_ = package.run_id;
  model->model_uuid_ = package.model_uuid;
  return std::shared_ptr<const ScoringModel>(std::move(model));
}

int32_t ScoringModel::LevelCode(const Feature& feature, const InputTable& table,
                                const InputCell& cell) const {
  if (cell.kind == InputCell::Kind::kText) {
    auto found = feature.code_of.find(table.Text(cell));
    return found == feature.code_of.end() ? -1 : found->second;
  }
  // A number's level is its shortest text (36 -> "36"), as the training frame's was.
  char buffer[40];
  auto end = fmt::format_to_n(buffer, sizeof buffer, "{}", cell.number).out;
  auto found = feature.code_of.find(std::string_view(buffer, static_cast<size_t>(end - buffer)));
  return found == feature.code_of.end() ? -1 : found->second;
}

Status ScoringModel::Encode(const InputTable& table, size_t first, size_t count,
                            float* features) const {
  std::fill(features, features + count * width_, kMissing);
  for (size_t column = 0; column < features_.size(); ++column) {
    const Feature& feature = features_[column];
    const FeatureSpec& spec = feature.spec;
    for (size_t i = 0; i < count; ++i) {
      const size_t row = first + i;
      const InputCell& cell = table.At(row, column);
      if (cell.kind == InputCell::Kind::kMissing) continue;
      float* out = &features[i * width_ + feature.offset];
      if (spec.type == ColumnType::kNumeric) {
        if (cell.kind == InputCell::Kind::kNumber) {
          *out = static_cast<float>(cell.number);
          continue;
        }
        std::string_view text = table.Text(cell);
        if (IsMissingText(text)) continue;
        double value = 0;
        auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error != std::errc() || end != text.data() + text.size()) {
          return Status::InvalidParameter(fmt::format(
              "Failed to enforce schema of the input: column '{}' must hold numbers; row {} "
              "has '{}'",
              spec.name, row, text));
        }
        *out = static_cast<float>(value);
        continue;
      }
      // Empty text is missing, as an empty CSV field was at training; any other text is a level.
      if (cell.kind == InputCell::Kind::kText && cell.text_size == 0) continue;
      const int32_t level = LevelCode(feature, table, cell);
      switch (spec.encoding) {
        case CategoricalEncoding::kOrdinal:
        case CategoricalEncoding::kNative:
          *out = level < 0 ? kMissing : static_cast<float>(level);
          break;
        case CategoricalEncoding::kWoe:
          *out = level < 0 ? 0.0f : static_cast<float>(spec.woe[static_cast<size_t>(level)]);
          break;
        case CategoricalEncoding::kOneHot:
          std::fill(out, out + spec.Width(), 0.0f);
          out[level < 0 ? spec.levels.size() : static_cast<size_t>(level)] = 1.0f;
          break;
      }
    }
  }
  return Status::Ok();
}

Status ScoringModel::Encode(const InputTable& table, std::vector<float>& features) const {
  features.resize(table.rows * width_);
  return Encode(table, 0, table.rows, features.data());
}

Status ScoringModel::PredictRows(const InputTable& table, size_t first, size_t count,
                                 double* proba) const {
  // The encoded rows of this thread's last call; reused, so steady traffic allocates none.
  thread_local std::vector<float> features;
  features.resize(count * width_);
  ORCHARD_RETURN_IF_ERROR(Encode(table, first, count, features.data()));
  if (count > 0) trees_.Predict(features.data(), count, proba);
  return Status::Ok();
}

Status ScoringModel::PredictProba(const InputTable& table, std::vector<double>& proba) const {
  proba.resize(table.rows);
  return PredictRows(table, 0, table.rows, proba.data());
}

}  // namespace orchard
