#include "train/xgboost_booster.h"

#include <xgboost/c_api.h>

#include <cmath>

#include <fmt/format.h>

namespace orchard {
namespace {

// Wraps one C API call: its return code turned into a Status with XGBoost's own message.
Status Check(int rc, std::string_view what) {
  if (rc == 0) return Status::Ok();
  return Status::Internal(fmt::format("XGBoost {} failed: {}", what, XGBGetLastError()));
}

// Sets a string feature field ("feature_name", "feature_type") of a matrix; nothing when empty.
Status SetStrings(DMatrixHandle handle, const char* field, const std::vector<std::string>& texts) {
  if (texts.empty()) return Status::Ok();
  std::vector<const char*> pointers;
  for (const std::string& text : texts) pointers.push_back(text.c_str());
  return Check(XGDMatrixSetStrFeatureInfo(handle, field, pointers.data(), pointers.size()), field);
}

}  // namespace

StatusOr<XgbMatrix> XgbMatrix::FromDense(std::span<const float> values, size_t rows, size_t cols,
                                         const std::vector<std::string>& feature_names,
                                         const std::vector<std::string>& feature_types) {
  if (values.size() != rows * cols) {
    return Status::Internal(
        fmt::format("matrix of {} values is not {} x {}", values.size(), rows, cols));
  }
  DMatrixHandle handle = nullptr;
  ORCHARD_RETURN_IF_ERROR(
      Check(XGDMatrixCreateFromMat(values.data(), rows, cols, std::nanf(""), &handle), "DMatrix"));
  XgbMatrix matrix(handle);
  ORCHARD_RETURN_IF_ERROR(SetStrings(handle, "feature_name", feature_names));
  ORCHARD_RETURN_IF_ERROR(SetStrings(handle, "feature_type", feature_types));
  return matrix;
}

namespace {

// The one batch a quantile matrix is built from, handed to XGBoost through its data-iterator
// callbacks: the first `next` sets the dense rows (and feature names and types) on the proxy,
// the second says there is no more.
struct SingleBatch {
  DMatrixHandle proxy = nullptr;
  std::string array_interface;  // numpy's __array_interface__ of the rows, as JSON
  const std::vector<std::string>* names = nullptr;
  const std::vector<std::string>* types = nullptr;
  bool given = false;
  Status failure;
};

extern "C" int NextBatch(DataIterHandle iter) {
  auto* batch = static_cast<SingleBatch*>(iter);
  if (batch->given) return 0;
  batch->given = true;
  batch->failure = Check(XGProxyDMatrixSetDataDense(batch->proxy, batch->array_interface.c_str()),
                         "quantile matrix data");
  if (batch->failure.ok()) batch->failure = SetStrings(batch->proxy, "feature_name", *batch->names);
  if (batch->failure.ok()) batch->failure = SetStrings(batch->proxy, "feature_type", *batch->types);
  return batch->failure.ok() ? 1 : 0;
}

extern "C" void ResetBatch(DataIterHandle iter) { static_cast<SingleBatch*>(iter)->given = false; }

}  // namespace

StatusOr<XgbMatrix> XgbMatrix::QuantileFromDense(std::span<const float> values, size_t rows,
                                                 size_t cols,
                                                 const std::vector<std::string>& feature_names,
                                                 const std::vector<std::string>& feature_types,
                                                 int max_bin, int threads,
                                                 const XgbMatrix* reference) {
  if (values.size() != rows * cols) {
    return Status::Internal(
        fmt::format("matrix of {} values is not {} x {}", values.size(), rows, cols));
  }
  SingleBatch batch;
  ORCHARD_RETURN_IF_ERROR(Check(XGProxyDMatrixCreate(&batch.proxy), "proxy DMatrix"));
  XgbMatrix proxy(batch.proxy);  // freed on every path
  batch.array_interface =
      fmt::format(R"({{"data": [{}, true], "shape": [{}, {}], "typestr": "<f4", "version": 3}})",
                  reinterpret_cast<uintptr_t>(values.data()), rows, cols);
  batch.names = &feature_names;
  batch.types = &feature_types;
  const std::string config =
      fmt::format(R"({{"missing": NaN, "nthread": {}, "max_bin": {}}})", threads, max_bin);
  DMatrixHandle handle = nullptr;
  Status created = Check(XGQuantileDMatrixCreateFromCallback(
                             &batch, batch.proxy, reference ? reference->handle() : nullptr,
                             ResetBatch, NextBatch, config.c_str(), &handle),
                         "quantile DMatrix");
  ORCHARD_RETURN_IF_ERROR(batch.failure);
  ORCHARD_RETURN_IF_ERROR(created);
  XgbMatrix matrix(handle);
  ORCHARD_RETURN_IF_ERROR(SetStrings(handle, "feature_name", feature_names));
  ORCHARD_RETURN_IF_ERROR(SetStrings(handle, "feature_type", feature_types));
  return matrix;
}

XgbMatrix& XgbMatrix::operator=(XgbMatrix&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) XGDMatrixFree(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

XgbMatrix::~XgbMatrix() {
  if (handle_ != nullptr) XGDMatrixFree(handle_);
}

Status XgbMatrix::SetLabels(std::span<const float> labels) {
  return Check(XGDMatrixSetFloatInfo(handle_, "label", labels.data(), labels.size()), "labels");
}

Status XgbMatrix::SetWeights(std::span<const float> weights) {
  return Check(XGDMatrixSetFloatInfo(handle_, "weight", weights.data(), weights.size()), "weights");
}

StatusOr<XgbBooster> XgbBooster::Create(const std::vector<const XgbMatrix*>& cached) {
  BoosterHandle handle = nullptr;
  std::vector<DMatrixHandle> cache;
  for (const XgbMatrix* matrix : cached) cache.push_back(matrix->handle());
  ORCHARD_RETURN_IF_ERROR(
      Check(XGBoosterCreate(cache.data(), cache.size(), &handle), "booster creation"));
  return XgbBooster(handle);
}

StatusOr<XgbBooster> XgbBooster::Load(std::string_view model) {
  BoosterHandle handle = nullptr;
  ORCHARD_RETURN_IF_ERROR(Check(XGBoosterCreate(nullptr, 0, &handle), "booster creation"));
  XgbBooster booster(handle);
  if (XGBoosterLoadModelFromBuffer(handle, model.data(), model.size()) != 0) {
    return Status::InvalidParameter(
        fmt::format("not an XGBoost model XGBoost can read: {}", XGBGetLastError()));
  }
  return booster;
}

XgbBooster& XgbBooster::operator=(XgbBooster&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) XGBoosterFree(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

XgbBooster::~XgbBooster() {
  if (handle_ != nullptr) XGBoosterFree(handle_);
}

Status XgbBooster::SetParam(const std::string& name, const std::string& value) {
  if (XGBoosterSetParam(handle_, name.c_str(), value.c_str()) != 0) {
    return Status::InvalidParameter(
        fmt::format("XGBoost refused {}={}: {}", name, value, XGBGetLastError()));
  }
  return Status::Ok();
}

Status XgbBooster::UpdateOneIter(int iteration, const XgbMatrix& train) {
  return Check(XGBoosterUpdateOneIter(handle_, iteration, train.handle()), "boosting round");
}

StatusOr<std::vector<float>> XgbBooster::Predict(const XgbMatrix& data, int rounds) const {
  // type 0: the transformed output (probabilities for binary:logistic).
  std::string config =
      fmt::format(R"({{"type": 0, "training": false, "iteration_begin": 0, "iteration_end": {}, )"
                  R"("strict_shape": false, "cache_id": 0}})",
                  rounds);
  const bst_ulong* shape = nullptr;
  bst_ulong dimensions = 0;
  const float* result = nullptr;
  ORCHARD_RETURN_IF_ERROR(Check(XGBoosterPredictFromDMatrix(handle_, data.handle(), config.c_str(),
                                                            &shape, &dimensions, &result),
                                "prediction"));
  size_t count = 1;
  for (bst_ulong d = 0; d < dimensions; ++d) count *= shape[d];
  return std::vector<float>(result, result + count);
}

StatusOr<XgbBooster> XgbBooster::Slice(int rounds) const {
  BoosterHandle sliced = nullptr;
  ORCHARD_RETURN_IF_ERROR(Check(XGBoosterSlice(handle_, 0, rounds, 1, &sliced), "slice"));
  return XgbBooster(sliced);
}

Status XgbBooster::SetFeatureInfo(const std::vector<std::string>& names,
                                  const std::vector<std::string>& types) {
  for (const auto& [field, texts] : {std::pair{"feature_name", &names}, {"feature_type", &types}}) {
    std::vector<const char*> pointers;
    for (const std::string& text : *texts) pointers.push_back(text.c_str());
    ORCHARD_RETURN_IF_ERROR(
        Check(XGBoosterSetStrFeatureInfo(handle_, field, pointers.data(), pointers.size()), field));
  }
  return Status::Ok();
}

StatusOr<int> XgbBooster::BoostedRounds() const {
  int rounds = 0;
  ORCHARD_RETURN_IF_ERROR(Check(XGBoosterBoostedRounds(handle_, &rounds), "round count"));
  return rounds;
}

StatusOr<std::string> XgbBooster::Save(std::string_view format) const {
  std::string config = fmt::format(R"({{"format": "{}"}})", format);
  bst_ulong length = 0;
  const char* bytes = nullptr;
  ORCHARD_RETURN_IF_ERROR(
      Check(XGBoosterSaveModelToBuffer(handle_, config.c_str(), &length, &bytes), "save"));
  return std::string(bytes, length);
}

StatusOr<std::vector<std::pair<std::string, double>>> XgbBooster::FeatureImportance(
    std::string_view type) const {
  std::string config = fmt::format(R"({{"importance_type": "{}"}})", type);
  bst_ulong count = 0, dimensions = 0;
  const char** names = nullptr;
  const bst_ulong* shape = nullptr;
  const float* scores = nullptr;
  ORCHARD_RETURN_IF_ERROR(Check(
      XGBoosterFeatureScore(handle_, config.c_str(), &count, &names, &dimensions, &shape, &scores),
      "feature importance"));
  std::vector<std::pair<std::string, double>> importance;
  for (bst_ulong i = 0; i < count; ++i) importance.emplace_back(names[i], scores[i]);
  return importance;
}

std::string XgbVersion() {
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  return fmt::format("{}.{}.{}", major, minor, patch);
}

}  // namespace orchard
