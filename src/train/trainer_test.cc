// The training engine end to end on the generated loan data and on small hand-made frames:
// both learners train and score, a saved package reloads and reproduces the test metric
// exactly, encoders are fitted on training rows only, targets of every shape, bad input.
#include "train/trainer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "data/csv_reader.h"
#include "data/loan_generator.h"
#include "support/temp_dir.h"
#include "train/binary_target.h"
#include "train/metrics.h"
#include "train/model_package.h"

namespace orchard {
namespace {

namespace fs = std::filesystem;

const Frame& Loans() {
  static const Frame frame = MakeLoanFrame(12000, 42);
  return frame;
}

Frame SubsetRows(const Frame& frame, const std::vector<size_t>& rows) {
  Frame out;
  out.rows = rows.size();
  for (const Column& column : frame.columns) {
    Column copy = column;
    copy.numbers.clear();
    copy.codes.clear();
    for (size_t row : rows) {
      if (column.type == ColumnType::kNumeric) {
        copy.numbers.push_back(column.numbers[row]);
      } else {
        copy.codes.push_back(column.codes[row]);
      }
    }
    out.columns.push_back(std::move(copy));
  }
  return out;
}

class TrainerTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TrainerTest, TrainsScoresAndReloadsExactly) {
  TrainOptions options{.model = GetParam(), .target = "Loan Status", .threads = 1};
  if (GetParam() == "hgbt") options.params["early_stopping"] = "true";
  std::vector<std::pair<int, double>> rounds;
  options.on_round = [&](int round, double loss) {
    rounds.emplace_back(round, loss);
    return true;
  };
  StatusOr<TrainedModel> model = Train(Loans(), options);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->dropped_ids, std::vector<std::string>{"ID"});
  EXPECT_EQ(model->positive_class, "1");
  EXPECT_EQ(model->test_rows.size(), 3000u);  // 25% of 12,000
  double pr_auc = AveragePrecision(model->test_labels, model->test_scores);
  // A weak but real signal: above the base rate (~9%), far from perfect.
  double base_rate = 0;
  for (int label : model->test_labels) base_rate += label;
  base_rate /= static_cast<double>(model->test_labels.size());
  EXPECT_GT(pr_auc, 1.1 * base_rate);
  EXPECT_LT(pr_auc, 0.30);
  if (GetParam() == "hgbt") {
    // Early stopping on: every round reported in order, the kept rounds before the stop.
    ASSERT_FALSE(rounds.empty());
    EXPECT_EQ(rounds.front().first, 0);
    EXPECT_EQ(rounds.back().first, static_cast<int>(rounds.size()) - 1);
    EXPECT_LE(model->rounds, static_cast<int>(rounds.size()));
    EXPECT_GT(model->validation_rows, 0u);
  } else {
    EXPECT_TRUE(rounds.empty());
    EXPECT_EQ(model->rounds, 1);
  }

  // The package, reloaded by the reference predictor, scores the test rows exactly as
  // evaluated.
  testing::TempDir dir;
  PackageInfo info{.run_id = "0123456789abcdef0123456789abcdef"};
  StatusOr<std::string> mlmodel = WriteModelPackage(*model, Loans(), dir / "model", info);
  ASSERT_TRUE(mlmodel.ok()) << mlmodel.status().ToString();
  EXPECT_NE(mlmodel->find("\"run_id\":\"0123456789abcdef0123456789abcdef\""), std::string::npos);
  EXPECT_NE(mlmodel->find("\"utc_time_created\""), std::string::npos);
  // What XGBoost was given travels with the model.
  EXPECT_NE(mlmodel->find("\"xgboost_params\":{"), std::string::npos) << *mlmodel;
  EXPECT_NE(mlmodel->find("\"tree_method\":\"hist\""), std::string::npos);
  for (const char* file : {"MLmodel", "model.json", "preprocessing.json", "input_example.json",
                           "python_env.yaml", "requirements.txt"}) {
    EXPECT_TRUE(fs::exists(dir.path() / "model" / file)) << file;
  }
  StatusOr<ReferencePredictor> predictor = ReferencePredictor::Load(dir / "model");
  ASSERT_TRUE(predictor.ok()) << predictor.status().ToString();
  Frame test = SubsetRows(Loans(), model->test_rows);
  StatusOr<std::vector<double>> scores = predictor->PredictProba(test);
  ASSERT_TRUE(scores.ok()) << scores.status().ToString();
  ASSERT_EQ(scores->size(), model->test_scores.size());
  for (size_t i = 0; i < scores->size(); ++i) ASSERT_EQ((*scores)[i], model->test_scores[i]) << i;
  EXPECT_EQ(AveragePrecision(model->test_labels, *scores), pr_auc);
}

INSTANTIATE_TEST_SUITE_P(Models, TrainerTest, ::testing::Values("rf", "hgbt"));

TEST(TrainerOptions, TheCallerCanStopTraining) {
  TrainOptions options{.model = "hgbt",
                       .target = "Loan Status",
                       .params = {{"early_stopping", "true"}},
                       .threads = 1};
  int calls = 0;
  options.on_round = [&](int round, double) {
    ++calls;
    return round < 2;
  };
  StatusOr<TrainedModel> model = Train(Loans(), options);
  EXPECT_EQ(model.status().code(), ErrorCode::kResourceConflict);
  EXPECT_EQ(calls, 3);
}

// Infinities in the data (a CSV may hold "inf") train and score: XGBoost refuses them, so they
// reach it as the largest float, which takes the same branch of every split.
TEST(TrainerOptions, InfinitiesTrainAndScore) {
  Frame frame = SubsetRows(Loans(), [] {
    std::vector<size_t> rows(3000);
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
    return rows;
  }());
  Column& amount = frame.columns[static_cast<size_t>(frame.ColumnIndex("Loan Amount"))];
  for (size_t row = 0; row < frame.rows; row += 50) amount.numbers[row] = HUGE_VAL;
  amount.numbers[7] = -HUGE_VAL;
  StatusOr<TrainedModel> model =
      Train(frame, {.model = "hgbt", .target = "Loan Status", .threads = 1});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  StatusOr<std::vector<float>> encoded = model->preprocessor.Transform(frame);
  ASSERT_TRUE(encoded.ok());
  const size_t width = model->preprocessor.FeatureNames().size();
  size_t column = 0;
  while (model->preprocessor.FeatureNames()[column] != "Loan Amount") ++column;
  EXPECT_EQ((*encoded)[0 * width + column], std::numeric_limits<float>::max());
  EXPECT_EQ((*encoded)[7 * width + column], -std::numeric_limits<float>::max());
}

TEST(TrainerOptions, SameSeedSameModelOtherSeedOtherSplit) {
  TrainOptions options{.model = "hgbt", .target = "Loan Status", .seed = 7, .threads = 1};
  auto first = Train(Loans(), options);
  auto second = Train(Loans(), options);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->test_scores, second->test_scores);
  options.seed = 8;
  auto third = Train(Loans(), options);
  ASSERT_TRUE(third.ok());
  EXPECT_NE(first->test_rows, third->test_rows);
}

// One thread trains on XGBoost's plain matrix, several on its quantile matrix (binned on every
// thread): the same boosted model either way. (Random-forest mode is left out: XGBoost's row
// sampling itself depends on the thread count.)
TEST(TrainerOptions, SameModelWhateverTheThreadCount) {
  for (CategoricalEncoding encoding : {CategoricalEncoding::kOrdinal, CategoricalEncoding::kNative,
                                       CategoricalEncoding::kWoe, CategoricalEncoding::kOneHot}) {
    SCOPED_TRACE(std::string(EncodingName(encoding)));
    TrainOptions options{.model = "hgbt", .target = "Loan Status", .threads = 1};
    options.encoding = encoding;
    auto one = Train(Loans(), options);
    options.threads = 2;
    auto two = Train(Loans(), options);
    ASSERT_TRUE(one.ok() && two.ok());
    EXPECT_EQ(one->rounds, two->rounds);
    EXPECT_EQ(one->test_scores, two->test_scores);
  }
}

// A small frame: a categorical column whose level "rare" appears only in rows that end up in
// the test part cannot be known to the encoder.
Frame SmallFrame(const std::string& csv) {
  StatusOr<Frame> frame = ParseCsv(csv);
  EXPECT_TRUE(frame.ok()) << frame.status().ToString();
  return frame.ok() ? *frame : Frame{};
}

TEST(Preprocessor, FittedOnTrainingRowsOnly) {
  Frame frame = SmallFrame("color,size,y\nred,1,1\nblue,2,0\nred,3,1\ngreen,4,0\nblue,,0\n");
  std::vector<int> labels = {1, 0, 1, 0, 0};
  std::vector<size_t> train_rows = {0, 1, 2, 4};  // "green" only in row 3
  for (CategoricalEncoding encoding :
       {CategoricalEncoding::kOrdinal, CategoricalEncoding::kWoe, CategoricalEncoding::kNative}) {
    SCOPED_TRACE(EncodingName(encoding));
    Preprocessor pre = Preprocessor::Fit(frame, {0, 1}, labels, train_rows, encoding);
    EXPECT_EQ(pre.features()[0].levels, (std::vector<std::string>{"blue", "red"}));
    StatusOr<std::vector<float>> values = pre.Transform(frame);
    ASSERT_TRUE(values.ok());
    const std::vector<float>& v = *values;  // rows x 2
    EXPECT_TRUE(std::isnan(v[9]));          // size missing stays missing
    EXPECT_EQ(v[7], 4.0f);                  // numbers pass through
    if (encoding == CategoricalEncoding::kWoe) {
      // red: 2 positives, 0 negatives of P=2, N=2: ln(((2+1)/4) / ((0+1)/4)) = ln 3.
      EXPECT_FLOAT_EQ(v[0], static_cast<float>(std::log(3.0)));
      EXPECT_FLOAT_EQ(v[2], static_cast<float>(std::log(1.0 / 3.0)));  // blue
      EXPECT_EQ(v[6], 0.0f);                                           // unseen green: no evidence
      EXPECT_EQ(pre.FeatureTypes()[0], "q");
    } else {
      EXPECT_EQ(v[0], 1.0f);          // red
      EXPECT_EQ(v[2], 0.0f);          // blue
      EXPECT_TRUE(std::isnan(v[6]));  // unseen green
      EXPECT_EQ(pre.FeatureTypes()[0], encoding == CategoricalEncoding::kNative ? "c" : "q");
    }
    // The saved form reads back to the same encoding.
    StatusOr<Preprocessor> again = Preprocessor::FromJson(pre.ToJson());
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    StatusOr<std::vector<float>> values_again = again->Transform(frame);
    ASSERT_TRUE(values_again.ok());
    for (size_t i = 0; i < v.size(); ++i) {
      if (std::isnan(v[i])) {
        EXPECT_TRUE(std::isnan((*values_again)[i]));
      } else {
        EXPECT_EQ(v[i], (*values_again)[i]);
      }
    }
  }
  Preprocessor pre =
      Preprocessor::Fit(frame, {0, 1}, labels, train_rows, CategoricalEncoding::kOrdinal);
  Frame missing_column = SmallFrame("color,y\nred,1\n");
  EXPECT_EQ(pre.Transform(missing_column).status().code(), ErrorCode::kInvalidParameterValue);
  Frame text_size = SmallFrame("color,size\nred,big\n");
  EXPECT_EQ(pre.Transform(text_size).status().code(), ErrorCode::kInvalidParameterValue);
  EXPECT_FALSE(Preprocessor::FromJson("{}").ok());
}

TEST(Preprocessor, OneHotKeepsTheFrequentLevelsAndPoolsTheRest) {
  Frame frame = SmallFrame("city,y\nOslo,1\nOslo,0\nRome,1\nRome,0\nRome,1\nPisa,0\n,1\nLima,0\n");
  std::vector<int> labels = {1, 0, 1, 0, 1, 0, 1, 0};
  std::vector<size_t> train_rows = {0, 1, 2, 3, 4, 5, 6};  // Lima unseen
  Preprocessor pre = Preprocessor::Fit(frame, {0}, labels, train_rows, CategoricalEncoding::kOneHot,
                                       /*max_onehot_levels=*/2);
  EXPECT_EQ(pre.FeatureNames(),
            (std::vector<std::string>{"city=Oslo", "city=Rome", "city=__other__"}));
  StatusOr<std::vector<float>> values = pre.Transform(frame);
  ASSERT_TRUE(values.ok());
  const std::vector<float>& v = *values;  // 8 rows x 3
  EXPECT_EQ(std::vector<float>(v.begin(), v.begin() + 3), (std::vector<float>{1, 0, 0}));
  EXPECT_EQ(std::vector<float>(v.begin() + 6, v.begin() + 9), (std::vector<float>{0, 1, 0}));
  EXPECT_EQ(std::vector<float>(v.begin() + 15, v.begin() + 18), (std::vector<float>{0, 0, 1}));
  EXPECT_TRUE(std::isnan(v[18]) && std::isnan(v[19]) && std::isnan(v[20]));               // missing
  EXPECT_EQ(std::vector<float>(v.begin() + 21, v.end()), (std::vector<float>{0, 0, 1}));  // Lima
  StatusOr<Preprocessor> again = Preprocessor::FromJson(pre.ToJson());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->FeatureNames(), pre.FeatureNames());
}

TEST(TrainerOptions, OneHotModelRoundTripsThroughThePackage) {
  TrainOptions options{.model = "rf",
                       .target = "Loan Status",
                       .params = {{"n_estimators", "30"}},
                       .encoding = CategoricalEncoding::kOneHot,
                       .onehot_max_levels = 5,
                       .threads = 1};
  StatusOr<TrainedModel> model = Train(Loans(), options);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  std::vector<std::string> names = model->preprocessor.FeatureNames();
  EXPECT_NE(std::find(names.begin(), names.end(), "Grade=A"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "Loan Title=__other__"), names.end());
  EXPECT_EQ(model->params.at("onehot_max_levels"), "5");
  testing::TempDir dir;
  PackageInfo info;
  ASSERT_TRUE(WriteModelPackage(*model, Loans(), dir / "model", info).ok());
  StatusOr<ReferencePredictor> predictor = ReferencePredictor::Load(dir / "model");
  ASSERT_TRUE(predictor.ok()) << predictor.status().ToString();
  StatusOr<std::vector<double>> scores =
      predictor->PredictProba(SubsetRows(Loans(), model->test_rows));
  ASSERT_TRUE(scores.ok());
  EXPECT_EQ(*scores, model->test_scores);
}

TEST(BinaryTargetTest, PositiveClassRules) {
  auto target_of = [](const std::string& csv, const std::string& positive = "") {
    Frame frame = SmallFrame(csv);
    return MakeBinaryTarget(frame.columns[0], positive);
  };
  EXPECT_EQ(target_of("y\n0\n1\n1\n").value().positive, "1");
  EXPECT_EQ(target_of("y\ntrue\nfalse\nfalse\n").value().positive, "true");
  auto strings = target_of("y\ngood\ngood\nbad\n");
  ASSERT_TRUE(strings.ok());
  EXPECT_EQ(strings->positive, "bad");  // the rarer
  EXPECT_EQ(strings->labels, (std::vector<int>{0, 0, 1}));
  EXPECT_EQ(target_of("y\ngood\ngood\nbad\n", "good").value().positive, "good");
  EXPECT_EQ(target_of("y\ngood\nbad\n", "ugly").status().code(), ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(target_of("y\n1\n1\n").status().code(), ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(target_of("y\n1\n2\n3\n").status().code(), ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(target_of("y\n1\n\n0\n").status().code(), ErrorCode::kInvalidParameterValue);
}

TEST(TrainerErrors, BadInputIsAClearError) {
  auto code_of = [](TrainOptions options) { return Train(Loans(), options).status(); };
  Status unknown_target = code_of({.model = "rf", .target = "Nope"});
  EXPECT_EQ(unknown_target.code(), ErrorCode::kInvalidParameterValue);
  EXPECT_NE(unknown_target.message().find("'Loan Status'"), std::string::npos);
  EXPECT_EQ(code_of({.model = "svm", .target = "Loan Status"}).code(),
            ErrorCode::kInvalidParameterValue);
  Status unknown_param =
      code_of({.model = "rf", .target = "Loan Status", .params = {{"max_dept", "3"}}});
  EXPECT_NE(unknown_param.message().find("max_depth"), std::string::npos);
  EXPECT_EQ(
      code_of({.model = "rf", .target = "Loan Status", .params = {{"max_depth", "abc"}}}).code(),
      ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(code_of({.model = "hgbt", .target = "Loan Status", .params = {{"learning_rate", "-1"}}})
                .code(),
            ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(code_of({.model = "rf", .target = "Loan Status", .features = {"Nope"}}).code(),
            ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(code_of({.model = "rf", .target = "Grade"}).code(),
            ErrorCode::kInvalidParameterValue);  // seven classes
}

TEST(TrainerTargets, StringLabelsAndChosenFeatures) {
  // good/bad labels, the rarer (bad) positive; only two features chosen.
  std::string csv = "income,city,outcome\n";
  for (int i = 0; i < 400; ++i) {
    bool bad = (i * 37 % 100) < 20 + (i % 7 == 0 ? 40 : 0);
    csv += std::to_string(1000 + (i * 7919) % 5000 + (bad ? -800 : 0)) + "," +
           (i % 3 == 0 ? "Oslo" : "Rome") + "," + (bad ? "bad" : "good") + "\n";
  }
  Frame frame = SmallFrame(csv);
  TrainOptions options{
      .model = "hgbt", .target = "outcome", .features = {"income", "city"}, .threads = 1};
  StatusOr<TrainedModel> model = Train(frame, options);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->positive_class, "bad");
  EXPECT_EQ(model->negative_class, "good");
  EXPECT_EQ(model->preprocessor.FeatureNames(), (std::vector<std::string>{"income", "city"}));
  EXPECT_EQ(model->validation_rows, 0u);  // early stopping 'auto' is off below 10,000 rows
}

// The saved booster loads in XGBoost's own Python package and predicts the same on the
// encoded rows (MLflow's xgboost flavor takes encoded features).
TEST(ModelPackage, BoosterLoadsInPythonXgboost) {
  if (std::system("/usr/bin/python3 -c 'import xgboost' 2>/dev/null") != 0) {
    GTEST_SKIP() << "python3-xgboost is not installed";
  }
  StatusOr<TrainedModel> model =
      Train(Loans(), {.model = "hgbt", .target = "Loan Status", .threads = 1});
  ASSERT_TRUE(model.ok());
  testing::TempDir dir;
  PackageInfo info;
  ASSERT_TRUE(WriteModelPackage(*model, Loans(), dir / "model", info).ok());
  Frame test = SubsetRows(Loans(), model->test_rows);
  StatusOr<std::vector<float>> encoded = model->preprocessor.Transform(test);
  ASSERT_TRUE(encoded.ok());
  const size_t width = model->preprocessor.FeatureNames().size();
  {
    std::ofstream out(dir / "encoded.csv");
    for (size_t f = 0; f < width; ++f) out << (f ? ",f" : "f") << f;
    out << "\n";
    for (size_t r = 0; r < 200; ++r) {
      for (size_t f = 0; f < width; ++f) {
        float value = (*encoded)[r * width + f];
        out << (f ? "," : "") << (std::isnan(value) ? std::string("nan") : std::to_string(value));
      }
      out << "\n";
    }
  }
  std::string script =
      "import numpy, xgboost\n"
      "b = xgboost.Booster(model_file='" +
      dir / "model/model.json" +
      "')\n"
      "x = numpy.loadtxt('" +
      dir / "encoded.csv" +
      "', delimiter=',', skiprows=1, dtype=numpy.float32)\n"
      "p = b.predict(xgboost.DMatrix(x, missing=numpy.nan, feature_names=b.feature_names))\n"
      "numpy.savetxt('" +
      dir / "python.txt" + "', p, fmt='%.9g')\n";
  std::ofstream(dir / "check.py") << script;
  ASSERT_EQ(std::system(("/usr/bin/python3 " + dir / "check.py").c_str()), 0);
  // The C++ side from the same text-rounded rows, so both read identical inputs.
  std::ifstream python(dir / "python.txt");
  StatusOr<Frame> rounded = ReadCsv(dir / "encoded.csv");
  ASSERT_TRUE(rounded.ok());
  std::vector<float> values;
  for (size_t r = 0; r < rounded->rows; ++r) {
    for (const Column& column : rounded->columns)
      values.push_back(static_cast<float>(column.numbers[r]));
  }
  auto matrix =
      XgbMatrix::FromDense(values, rounded->rows, width, model->preprocessor.FeatureNames(), {});
  ASSERT_TRUE(matrix.ok());
  auto ours = model->booster.Predict(*matrix);
  ASSERT_TRUE(ours.ok());
  for (size_t r = 0; r < ours->size(); ++r) {
    double theirs = 0;
    python >> theirs;
    EXPECT_NEAR((*ours)[r], theirs, 1e-6) << r;
  }
}

}  // namespace
}  // namespace orchard
