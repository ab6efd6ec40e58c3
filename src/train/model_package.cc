#include "train/model_package.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "base/ids.h"
#include "base/json_writer.h"
#include "base/text.h"
#include "train/pyfunc_source.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

// What MLflow's tools expect to find (the versions the tutorial's environment pinned).
constexpr char kMlflowVersion[] = "2.12.2";
constexpr char kPythonVersion[] = "3.11.2";

Status WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) {
    return Status(ErrorCode::kInvalidState, fmt::format("cannot write '{}'", path.string()));
  }
  return Status::Ok();
}

StatusOr<std::string> ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::InvalidParameter(
        fmt::format("'{}' is missing; is this an Orchard model package?", path.string()));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string UtcNow() {
  auto now = std::chrono::system_clock::now();
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
      1000000;
  return fmt::format("{:%Y-%m-%d %H:%M:%S}.{:06d}",
                     fmt::gmtime(std::chrono::system_clock::to_time_t(now)), micros);
}

// Whether `text` is a number pandas reads into a float64 column ("1.5", "1e3", " inf").
bool IsNumberText(std::string_view text) {
  text = TrimSpace(text);
  if (text.starts_with('+')) text.remove_prefix(1);
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && error != std::errc::invalid_argument && end == text.data() + text.size();
}

// The MLflow column type of `column` as infer_signature gives it for the frame pandas' read_csv
// makes of the same file: int64 -> long, float64 -> double, bool -> boolean, object -> string.
// MLflow's schema enforcement refuses an int64 column declared double, so the training file
// itself must pass: whole numbers with no missing value are long. A long column still refuses
// a missing value at scoring (pandas then reads it as float64), as MLflow 2.12 does for any
// model (docs/model-format.md).
std::string_view MlflowColumnType(const Column& column) {
  if (column.type == ColumnType::kNumeric) return column.whole_numbers ? "long" : "double";
  // A categorical column (text, or numbers forced categorical): what pandas makes of its texts.
  const bool missing =
      std::find(column.codes.begin(), column.codes.end(), -1) != column.codes.end();
  auto all = [&](auto predicate) {
    return !column.levels.empty() &&
           std::all_of(column.levels.begin(), column.levels.end(), predicate);
  };
  if (all(IsWholeNumberText)) return missing ? "double" : "long";
  if (all(IsNumberText)) return "double";
  static const std::set<std::string_view> kBooleans = {"True",  "TRUE",  "true",
                                                       "False", "FALSE", "false"};
  if (!missing && all([](const std::string& level) { return kBooleans.contains(level); })) {
    return "boolean";
  }
  return "string";
}

// MLflow's column schema (mlflow.types.Schema as JSON): the raw input columns and types.
std::string SignatureInputs(const TrainedModel& model, const Frame& frame) {
  JsonWriter json;
  json.BeginArray();
  for (const FeatureSpec& spec : model.preprocessor.features()) {
    const Column& column = frame.columns[static_cast<size_t>(frame.ColumnIndex(spec.name))];
    json.BeginObject()
        .Field("type", MlflowColumnType(column))
        .Field("name", spec.name)
        .Key("required")
        .Bool(true)
        .EndObject();
  }
  return json.EndArray().Take();
}

std::string InputExample(const TrainedModel& model, const Frame& frame) {
  JsonWriter json;
  json.BeginObject().Key("columns").BeginArray();
  std::vector<const Column*> columns;
  for (const FeatureSpec& spec : model.preprocessor.features()) {
    json.String(spec.name);
    columns.push_back(&frame.columns[static_cast<size_t>(frame.ColumnIndex(spec.name))]);
  }
  json.EndArray().Key("data").BeginArray();
  for (size_t i = 0; i < std::min<size_t>(2, model.test_rows.size()); ++i) {
    size_t row = model.test_rows[i];
    json.BeginArray();
    for (const Column* column : columns) {
      if (column->IsMissing(row)) {
        json.Null();
      } else if (column->type == ColumnType::kNumeric) {
        json.Double(column->numbers[row]);
      } else {
        json.String(column->TextAt(row));
      }
    }
    json.EndArray();
  }
  return json.EndArray().EndObject().Take();
}

// A YAML node as JSON (for runs/log-model): maps, sequences, strings; null stays null.
void YamlToJson(const YAML::Node& node, JsonWriter& json) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      json.BeginObject();
      for (const auto& item : node) {
        json.Key(item.first.as<std::string>());
        YamlToJson(item.second, json);
      }
      json.EndObject();
      break;
    case YAML::NodeType::Sequence:
      json.BeginArray();
      for (const auto& item : node) YamlToJson(item, json);
      json.EndArray();
      break;
    case YAML::NodeType::Scalar:
      json.String(node.as<std::string>());
      break;
    default:
      json.Null();
  }
}

}  // namespace

StatusOr<std::string> WriteModelPackage(const TrainedModel& model, const Frame& frame,
                                        const std::string& dir, PackageInfo& info) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return Status(ErrorCode::kInvalidState,
                  fmt::format("cannot create the model folder '{}': {}", dir, ec.message()));
  }
  ORCHARD_ASSIGN_OR_RETURN(std::string booster, model.booster.Save("json"));
  ORCHARD_RETURN_IF_ERROR(WriteText(fs::path(dir) / "model.json", booster));
  ORCHARD_RETURN_IF_ERROR(
      WriteText(fs::path(dir) / "preprocessing.json", model.preprocessor.ToJson()));
  ORCHARD_RETURN_IF_ERROR(
      WriteText(fs::path(dir) / "input_example.json", InputExample(model, frame)));
  fs::create_directories(fs::path(dir) / "code", ec);
  ORCHARD_RETURN_IF_ERROR(
      WriteText(fs::path(dir) / "code" / "orchard_pyfunc.py", std::string(PyfuncModuleSource())));
  const std::string xgb_version = XgbVersion();
  // What code/orchard_pyfunc.py imports, beside MLflow itself.
  ORCHARD_RETURN_IF_ERROR(WriteText(
      fs::path(dir) / "requirements.txt",
      fmt::format("mlflow=={}\nxgboost=={}\nnumpy\npandas\n", kMlflowVersion, xgb_version)));
  ORCHARD_RETURN_IF_ERROR(WriteText(
      fs::path(dir) / "python_env.yaml",
      fmt::format("python: {}\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n",
                  kPythonVersion)));

  info.model_uuid = NewRunId();
  info.utc_time_created = UtcNow();
  YAML::Node root;
  root["artifact_path"] = info.artifact_path;
  YAML::Node orchard;
  orchard["orchard_version"] = ORCHARD_VERSION;
  orchard["model_type"] = model.model;
  orchard["booster"] = "model.json";
  orchard["preprocessing"] = "preprocessing.json";
  orchard["target"] = model.target;
  orchard["positive_class"] = model.positive_class;
  orchard["negative_class"] = model.negative_class;
  for (const FeatureSpec& spec : model.preprocessor.features())
    orchard["features"].push_back(spec.name);
  // What XGBoost was given (the run's params hold the scikit-learn names), for reproducing the
  // training with XGBoost directly.
  for (const auto& [name, value] : model.xgboost_params) orchard["xgboost_params"][name] = value;
  root["flavors"]["orchard"] = orchard;
  YAML::Node xgboost;
  xgboost["code"] = YAML::Node(YAML::NodeType::Null);
  xgboost["data"] = "model.json";
  xgboost["model_class"] = "xgboost.core.Booster";
  xgboost["model_format"] = "json";
  xgboost["xgb_version"] = xgb_version;
  root["flavors"]["xgboost"] = xgboost;
  // MLflow's loader puts `code` on sys.path, imports loader_module and calls its
  // _load_pyfunc("<model>/<data>"): raw rows in, the preprocessing applied, [p0, p1] out.
  YAML::Node pyfunc;
  pyfunc["code"] = "code";
  pyfunc["data"] = "model.json";
  pyfunc["env"]["virtualenv"] = "python_env.yaml";
  pyfunc["loader_module"] = "orchard_pyfunc";
  pyfunc["python_version"] = kPythonVersion;
  root["flavors"]["python_function"] = pyfunc;
  root["mlflow_version"] = kMlflowVersion;
  uintmax_t size = 0;
  for (const char* file : {"model.json", "preprocessing.json"}) {
    size += fs::file_size(fs::path(dir) / file, ec);
  }
  root["model_size_bytes"] = size;
  root["model_uuid"] = info.model_uuid;
  if (!info.run_id.empty()) root["run_id"] = info.run_id;
  root["saved_input_example_info"]["artifact_path"] = "input_example.json";
  root["saved_input_example_info"]["pandas_orient"] = "split";
  root["saved_input_example_info"]["type"] = "dataframe";
  root["signature"]["inputs"] = SignatureInputs(model, frame);
  // The two columns the python_function loader returns, named as `models predict` names them.
  JsonWriter outputs;
  outputs.BeginArray();
  for (const std::string& label : {model.negative_class, model.positive_class}) {
    outputs.BeginObject()
        .Field("type", "double")
        .Field("name", "probability_" + label)
        .Key("required")
        .Bool(true)
        .EndObject();
  }
  root["signature"]["outputs"] = outputs.EndArray().Take();
  root["signature"]["params"] = YAML::Node(YAML::NodeType::Null);
  root["utc_time_created"] = info.utc_time_created;
  YAML::Emitter out;
  out << root;
  ORCHARD_RETURN_IF_ERROR(WriteText(fs::path(dir) / "MLmodel", std::string(out.c_str()) + "\n"));
  JsonWriter json;
  YamlToJson(root, json);
  return json.Take();
}

StatusOr<OrchardPackage> ReadOrchardPackage(const std::string& dir) {
  ORCHARD_ASSIGN_OR_RETURN(std::string mlmodel, ReadText(fs::path(dir) / "MLmodel"));
  YAML::Node root;
  try {
    root = YAML::Load(mlmodel);
  } catch (const YAML::Exception& e) {
    return Status::InvalidParameter(
        fmt::format("'{}/MLmodel' is not valid YAML: {}", dir, e.what()));
  }
  // Each level is checked to be a mapping before it is indexed: yaml-cpp throws when a scalar
  // is (found by fuzzing).
  YAML::Node flavors = root.IsMap() ? root["flavors"] : YAML::Node();
  YAML::Node flavor = flavors.IsMap() ? flavors["orchard"] : YAML::Node();
  if (!flavor.IsMap()) {
    return Status::InvalidParameter(fmt::format(
        "'{}' is a model package without the orchard flavor; Orchard cannot score it", dir));
  }
  auto text = [](const YAML::Node& node, const char* key) {
    return node[key] && node[key].IsScalar() ? node[key].as<std::string>() : std::string();
  };
  // The files the flavor names must be files of the package itself, never a path elsewhere on
  // the machine (a registered package comes from a client).
  auto package_file = [&](const char* key) -> StatusOr<fs::path> {
    const std::string name = text(flavor, key);
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
      return Status::InvalidParameter(fmt::format(
          "'{}/MLmodel': the orchard flavor's '{}' must name a file of the package, such as {}",
          dir, key, std::string_view(key) == "booster" ? "model.json" : "preprocessing.json"));
    }
    return fs::path(dir) / name;
  };
  OrchardPackage package;
  ORCHARD_ASSIGN_OR_RETURN(fs::path preprocessing_path, package_file("preprocessing"));
  ORCHARD_ASSIGN_OR_RETURN(fs::path booster_path, package_file("booster"));
  ORCHARD_ASSIGN_OR_RETURN(std::string preprocessing, ReadText(preprocessing_path));
  ORCHARD_ASSIGN_OR_RETURN(package.preprocessor, Preprocessor::FromJson(preprocessing));
  ORCHARD_ASSIGN_OR_RETURN(package.booster, ReadText(booster_path));
  package.model_type = text(flavor, "model_type");
  package.positive_class = text(flavor, "positive_class");
  package.negative_class = text(flavor, "negative_class");
  package.target = text(flavor, "target");
  package.run_id = text(root, "run_id");
  package.model_uuid = text(root, "model_uuid");
  return package;
}

StatusOr<ReferencePredictor> ReferencePredictor::Load(const std::string& dir) {
  ORCHARD_ASSIGN_OR_RETURN(OrchardPackage package, ReadOrchardPackage(dir));
  ORCHARD_ASSIGN_OR_RETURN(XgbBooster booster, XgbBooster::Load(package.booster));
  ReferencePredictor predictor(std::move(package.preprocessor), std::move(booster));
  predictor.positive_class_ = package.positive_class;
  predictor.negative_class_ = package.negative_class;
  predictor.target_ = package.target;
  return predictor;
}

StatusOr<std::vector<double>> ReferencePredictor::PredictProba(const Frame& frame) const {
  ORCHARD_ASSIGN_OR_RETURN(std::vector<float> values, preprocessor_.Transform(frame));
  ORCHARD_ASSIGN_OR_RETURN(
      XgbMatrix matrix,
      XgbMatrix::FromDense(values, frame.rows, preprocessor_.FeatureNames().size(),
                           preprocessor_.FeatureNames(), preprocessor_.FeatureTypes()));
  ORCHARD_ASSIGN_OR_RETURN(std::vector<float> scores, booster_.Predict(matrix));
  return std::vector<double>(scores.begin(), scores.end());
}

}  // namespace orchard
