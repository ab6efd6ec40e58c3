// The model package: a folder that holds a trained model so that Orchard, and MLflow's own
// tools, can load it again. Laid out as MLflow's (docs/model-format.md, file by file):
//   MLmodel             YAML: flavors, signature, run id, creation time, model uuid
//   model.json          the XGBoost booster (JSON; read by the orchard and xgboost flavors)
//   preprocessing.json  the fitted Preprocessor (columns, encodings, category codes)
//   input_example.json  the first test rows, pandas "split" orient
//   code/orchard_pyfunc.py  the python_function loader (pyfunc_source.h)
//   python_env.yaml, requirements.txt  for MLflow's python_function loader
// Flavors: `orchard` (raw rows in: preprocessing + booster), `xgboost` (MLflow's layout;
// takes the *encoded* features), `python_function` through code/orchard_pyfunc.py (raw rows in,
// as `orchard models serve` takes them).
//
// ReferencePredictor loads a package and scores raw rows with the saved preprocessing and
// XGBoost's own prediction: the reference any faster evaluator is checked against.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "data/frame.h"
#include "train/trainer.h"

namespace orchard {

struct PackageInfo {
  std::string run_id;
  std::string artifact_path = "model";
  std::string model_uuid;        // set by WriteModelPackage
  std::string utc_time_created;  // set by WriteModelPackage ("YYYY-MM-DD HH:MM:SS.ffffff")
};

// Writes the package of `model` (trained on `frame`) into the folder `dir` (created), and
// fills info's uuid and time. Returns the MLmodel as a JSON object, what runs/log-model takes.
StatusOr<std::string> WriteModelPackage(const TrainedModel& model, const Frame& frame,
                                        const std::string& dir, PackageInfo& info);

// What an Orchard package holds, read from its folder without XGBoost: the fitted
// preprocessing, the booster's saved bytes (XGBoost JSON) and the classes.
struct OrchardPackage {
  Preprocessor preprocessor;
  std::string booster;
  std::string model_type, target, positive_class, negative_class;
  std::string run_id, model_uuid;
};

// INVALID_PARAMETER_VALUE naming the folder when it is not an Orchard model package.
StatusOr<OrchardPackage> ReadOrchardPackage(const std::string& dir);

class ReferencePredictor {
 public:
  // Loads a package folder. INVALID_PARAMETER_VALUE when it is not an Orchard model package.
  static StatusOr<ReferencePredictor> Load(const std::string& dir);

  // The positive class's probability for every row of `frame` (columns by name; extra
  // columns ignored; unseen categories treated as missing, or as no evidence under woe).
  StatusOr<std::vector<double>> PredictProba(const Frame& frame) const;

  const Preprocessor& preprocessor() const { return preprocessor_; }
  const std::string& positive_class() const { return positive_class_; }
  const std::string& negative_class() const { return negative_class_; }
  const std::string& target() const { return target_; }

 private:
  ReferencePredictor(Preprocessor preprocessor, XgbBooster booster)
      : preprocessor_(std::move(preprocessor)), booster_(std::move(booster)) {}

  Preprocessor preprocessor_;
  XgbBooster booster_;
  std::string positive_class_, negative_class_, target_;
};

}  // namespace orchard
