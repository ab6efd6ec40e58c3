#include "serve/scoring_model.h"

#include <algorithm>
#include <array>
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
    if (spec.type == ColumnType::kCategorical) feature.cache_index = categorical_features_++;
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
  if (cell.kind == InputCell::Kind::kBool) {
    auto found = feature.code_of.find(std::string_view(cell.number != 0 ? "True" : "False"));
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
  // Rows read from a file share one stored text per level (TableFromFrame), so a categorical
  // column's lookups repeat the same few offsets: a small direct-mapped cache by offset, per
  // categorical column, skips the hashing of the text, which otherwise dominates batch scoring.
  // (A request of a few rows has nothing to repeat: it goes straight to the hash table.)
  struct CachedCode {
    uint32_t offset = UINT32_MAX;
    int32_t code = -1;
  };
  constexpr size_t kSlots = 128;
  const bool use_cache = count >= 32;
  thread_local std::vector<CachedCode> cache;
  if (use_cache) cache.assign(categorical_features_ * kSlots, CachedCode{});
  // Row by row, each row's cells in order: the table is read once, front to back.
  for (size_t i = 0; i < count; ++i) {
    const size_t row = first + i;
    const InputCell* cells = &table.At(row, 0);
    float* encoded = &features[i * width_];
    for (size_t column = 0; column < features_.size(); ++column) {
      const InputCell& cell = cells[column];
      if (cell.kind == InputCell::Kind::kMissing) continue;
      const Feature& feature = features_[column];
      const FeatureSpec& spec = feature.spec;
      float* out = encoded + feature.offset;
      if (spec.type == ColumnType::kNumeric) {
        if (cell.kind == InputCell::Kind::kNumber || cell.kind == InputCell::Kind::kBool) {
          *out = ToModelInput(cell.number);
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
        *out = ToModelInput(value);
        continue;
      }
      // Empty text is missing, as an empty CSV field was at training; any other text is a level.
      if (cell.kind == InputCell::Kind::kText && cell.text_size == 0) continue;
      int32_t level;
      if (use_cache && cell.kind == InputCell::Kind::kText) {
        CachedCode& slot =
            cache[feature.cache_index * kSlots + ((cell.text_offset * 2654435761u) >> 25)];
        if (slot.offset != cell.text_offset) {
          slot = {cell.text_offset, LevelCode(feature, table, cell)};
        }
        level = slot.code;
      } else {
        level = LevelCode(feature, table, cell);
      }
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
  // In blocks, so the encoded features of a large request stay small (and in cache).
  constexpr size_t kBlockRows = 4096;
  for (size_t first = 0; first < table.rows; first += kBlockRows) {
    size_t count = std::min(kBlockRows, table.rows - first);
    ORCHARD_RETURN_IF_ERROR(PredictRows(table, first, count, proba.data() + first));
  }
  return Status::Ok();
}

}  // namespace orchard
