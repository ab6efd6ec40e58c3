// Scoring: the fast path (request cells -> saved encoding -> flattened trees) against the
// reference predictor for every encoding and both learners; every input format and error over
// real HTTP; MLflow's recorded scoring exchanges replayed; a hot swap under concurrent load.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "base/json_writer.h"
#include "data/loan_generator.h"
#include "http/http_client.h"
#include "serve/scoring_server.h"
#include "support/temp_dir.h"
#include "support/test_certificates.h"
#include "train/model_package.h"
#include "train/trainer.h"

namespace orchard {
namespace {

namespace fs = std::filesystem;

const Frame& Loans() {
  static const Frame frame = [] {
    Frame loans = MakeLoanFrame(4000, 7);
    // Holes to score: a missing value in every numeric column now and then, and missing
    // categories.
    for (Column& column : loans.columns) {
      if (column.name == "Loan Status" || column.name == "ID") continue;
      for (size_t row = 3; row < loans.rows; row += 17) {
        if (column.type == ColumnType::kNumeric) {
          column.numbers[row] = std::nan("");
        } else {
          column.codes[row] = -1;
        }
      }
    }
    return loans;
  }();
  return frame;
}

// Rows to score that the model never saw: a copy of some rows with unseen categories put in.
Frame WithUnseenCategories(const Frame& frame, size_t rows) {
  Frame out;
  out.rows = rows;
  for (const Column& column : frame.columns) {
    Column copy = column;
    copy.numbers.resize(column.type == ColumnType::kNumeric ? rows : 0);
    copy.codes.resize(column.type == ColumnType::kCategorical ? rows : 0);
    if (column.type == ColumnType::kCategorical) {
      copy.levels.push_back("never seen " + column.name);
      for (size_t row = 0; row < rows; row += 3) {
        copy.codes[row] = static_cast<int32_t>(copy.levels.size() - 1);
      }
    }
    out.columns.push_back(std::move(copy));
  }
  return out;
}

struct PackageSpec {
  std::string name, model;
  CategoricalEncoding encoding;
};

// Trains and saves each kind of model once for the whole test program.
const std::string& Package(const PackageSpec& spec) {
  static testing::TempDir* dir = new testing::TempDir();
  static std::map<std::string, std::string> made;
  auto found = made.find(spec.name);
  if (found != made.end()) return found->second;
  TrainOptions options{.model = spec.model, .target = "Loan Status", .threads = 1};
  options.encoding = spec.encoding;
  if (spec.model == "rf") options.params["n_estimators"] = "60";
  StatusOr<TrainedModel> model = Train(Loans(), options);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  PackageInfo info{.run_id = "0123456789abcdef0123456789abcdef"};
  std::string path = *dir / spec.name;
  StatusOr<std::string> written = WriteModelPackage(*model, Loans(), path, info);
  EXPECT_TRUE(written.ok()) << written.status().ToString();
  return made[spec.name] = path;
}

const PackageSpec kHgbt{"hgbt", "hgbt", CategoricalEncoding::kOrdinal};

class ScoringModelTest : public ::testing::TestWithParam<PackageSpec> {};

TEST_P(ScoringModelTest, AgreesWithTheReferencePredictor) {
  const std::string& dir = Package(GetParam());
  StatusOr<ReferencePredictor> reference = ReferencePredictor::Load(dir);
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();
  StatusOr<std::shared_ptr<const ScoringModel>> model = ScoringModel::Load(dir);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  for (const Frame& frame : {Loans(), WithUnseenCategories(Loans(), 600)}) {
    StatusOr<std::vector<double>> expected = reference->PredictProba(frame);
    ASSERT_TRUE(expected.ok()) << expected.status().ToString();
    InputTable table;
    ASSERT_TRUE(TableFromFrame(frame, (*model)->schema(), table).ok());
    // The encoding is the saved preprocessing's, bit for bit.
    std::vector<float> encoded;
    ASSERT_TRUE((*model)->Encode(table, encoded).ok());
    StatusOr<std::vector<float>> transformed = reference->preprocessor().Transform(frame);
    ASSERT_TRUE(transformed.ok());
    ASSERT_EQ(encoded.size(), transformed->size());
    for (size_t i = 0; i < encoded.size(); ++i) {
      if (std::isnan((*transformed)[i])) {
        ASSERT_TRUE(std::isnan(encoded[i])) << "cell " << i;
      } else {
        ASSERT_EQ(encoded[i], (*transformed)[i]) << "cell " << i;
      }
    }
    std::vector<double> proba;
    ASSERT_TRUE((*model)->PredictProba(table, proba).ok());
    ASSERT_EQ(proba.size(), expected->size());
    for (size_t row = 0; row < proba.size(); ++row) {
      ASSERT_NEAR(proba[row], (*expected)[row], 1e-6) << "row " << row;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryEncoding, ScoringModelTest,
    ::testing::Values(kHgbt, PackageSpec{"hgbt_native", "hgbt", CategoricalEncoding::kNative},
                      PackageSpec{"hgbt_onehot", "hgbt", CategoricalEncoding::kOneHot},
                      PackageSpec{"rf_woe", "rf", CategoricalEncoding::kWoe},
                      PackageSpec{"rf_native", "rf", CategoricalEncoding::kNative}),
    [](const auto& info) { return info.param.name; });

TEST(ScoringModelTest, RefusesWhatIsNotAnOrchardPackage) {
  testing::TempDir dir;
  StatusOr<std::shared_ptr<const ScoringModel>> missing = ScoringModel::Load(dir / "nothing");
  EXPECT_EQ(missing.status().code(), ErrorCode::kInvalidParameterValue);
  fs::create_directories(dir / "m");
  std::ofstream(dir / "m/MLmodel") << "flavors:\n  sklearn: {}\n";
  StatusOr<std::shared_ptr<const ScoringModel>> foreign = ScoringModel::Load(dir / "m");
  EXPECT_EQ(foreign.status().code(), ErrorCode::kInvalidParameterValue);
  EXPECT_NE(foreign.status().message().find("orchard flavor"), std::string::npos);
  // Found by fuzzing (fuzz_yaml): a scalar where a mapping belongs threw from yaml-cpp.
  for (const char* mlmodel :
       {"flavors: orchard\n", "flavors:\n  orchard\xff y\n", "- a\n", "flavors: [1, 2]\n"}) {
    std::ofstream(dir / "m/MLmodel", std::ios::trunc) << mlmodel;
    EXPECT_EQ(ScoringModel::Load(dir / "m").status().code(), ErrorCode::kInvalidParameterValue)
        << mlmodel;
  }
  // A package names its own files, never others on the machine.
  std::ofstream(dir / "secret.json") << "{}";
  for (const char* file : {"../secret.json", "/etc/hostname", ".."}) {
    std::ofstream(dir / "m/MLmodel", std::ios::trunc)
        << "flavors:\n  orchard:\n    preprocessing: " << file << "\n    booster: model.json\n";
    StatusOr<std::shared_ptr<const ScoringModel>> outside = ScoringModel::Load(dir / "m");
    EXPECT_EQ(outside.status().code(), ErrorCode::kInvalidParameterValue) << file;
    EXPECT_NE(outside.status().message().find("must name a file of the package"), std::string::npos)
        << outside.status().ToString();
  }
}

// A JSON value for a frame cell, as a client would send it.
void WriteCell(JsonWriter& json, const Column& column, size_t row) {
  if (column.IsMissing(row)) {
    json.Null();
  } else if (column.type == ColumnType::kNumeric) {
    json.Double(column.numbers[row]);
  } else {
    json.String(column.levels[static_cast<size_t>(column.codes[row])]);
  }
}

// The first `rows` rows of the loans as CSV, header first.
std::string LoansCsv(size_t rows) {
  const Frame& frame = Loans();
  std::string csv;
  for (size_t i = 0; i < frame.columns.size(); ++i) csv += (i ? "," : "") + frame.columns[i].name;
  csv += "\n";
  for (size_t row = 0; row < rows; ++row) {
    for (size_t i = 0; i < frame.columns.size(); ++i) {
      csv += (i ? "," : "") + frame.columns[i].TextAt(row);
    }
    csv += "\n";
  }
  return csv;
}

class ScoringServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto model = ScoringModel::Load(Package(kHgbt));
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    auto live = std::make_shared<LiveModel>();
    live->model = *model;
    live->uri = "models:/loan_model/Production";
    live->name = "loan_model";
    live->version = "1";
    live_ = live;
    ScoringServerOptions options;
    options.http.port = 0;
    options.http.limits.max_body_bytes = 1 << 20;
    options.orchard_version = "test";
    server_ = std::make_unique<ScoringServer>(options, live_);
    ASSERT_TRUE(server_->Start().ok());
    auto client = HttpClient::Create(fmt::format("http://127.0.0.1:{}", server_->port()));
    ASSERT_TRUE(client.ok());
    client_ = std::move(client).value();
    auto reference = ReferencePredictor::Load(Package(kHgbt));
    ASSERT_TRUE(reference.ok());
    auto expected = reference->PredictProba(Loans());
    ASSERT_TRUE(expected.ok());
    expected_ = *expected;
  }
  void TearDown() override { server_->Stop(); }

  HttpResponse Post(const std::string& body, const std::string& type = "application/json") {
    StatusOr<HttpResponse> reply = client_->Send("POST", "/invocations", body, type);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    return reply.ok() ? *reply : HttpResponse{.status = 0};
  }

  // The [p0, p1] pairs of a 200 answer.
  std::vector<double> Positives(const HttpResponse& reply) {
    EXPECT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.content_type, "application/json");
    std::vector<double> out;
    simdjson::dom::parser parser;
    simdjson::dom::element root = parser.parse(reply.body);
    for (simdjson::dom::element pair : root["predictions"].get_array()) {
      simdjson::dom::array values = pair.get_array();
      EXPECT_EQ(values.size(), 2u);
      double p0 = values.at(0).get_double(), p1 = values.at(1).get_double();
      EXPECT_NEAR(p0 + p1, 1.0, 1e-12);
      out.push_back(p1);
    }
    return out;
  }

  void ExpectFirstRows(const std::vector<double>& got, size_t rows) {
    ASSERT_EQ(got.size(), rows);
    for (size_t row = 0; row < rows; ++row) EXPECT_NEAR(got[row], expected_[row], 1e-6);
  }

  std::shared_ptr<const LiveModel> live_;
  std::unique_ptr<ScoringServer> server_;
  std::unique_ptr<HttpClient> client_;
  std::vector<double> expected_;
};

constexpr size_t kRows = 6;

// JSON true/false in a categorical column is the level "True"/"False": the text a CSV column of
// booleans was trained on (pandas' to_json writes booleans as true/false).
TEST(ScoringModelTest, JsonBooleansAreTheLevelsTrueAndFalse) {
  Frame frame = Loans();
  Column verified{
      .name = "Verified", .type = ColumnType::kCategorical, .levels = {"True", "False"}};
  const Column& status = frame.columns[static_cast<size_t>(frame.ColumnIndex("Loan Status"))];
  for (size_t row = 0; row < frame.rows; ++row) {
    // Tied to the label, so the model uses the column.
    verified.codes.push_back(status.numbers[row] == 1 && row % 4 != 0 ? 0 : 1);
  }
  frame.columns.push_back(verified);
  TrainOptions options{.model = "hgbt", .target = "Loan Status", .threads = 1};
  StatusOr<TrainedModel> trained = Train(frame, options);
  ASSERT_TRUE(trained.ok()) << trained.status().ToString();
  testing::TempDir dir;
  PackageInfo info;
  ASSERT_TRUE(WriteModelPackage(*trained, frame, dir / "model", info).ok());
  StatusOr<std::shared_ptr<const ScoringModel>> model = ScoringModel::Load(dir / "model");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  // The first row, every column as its JSON value, but Verified as `value`.
  auto score = [&](const std::string& value) {
    JsonWriter json;
    json.BeginObject().Key("dataframe_records").BeginArray().BeginObject();
    for (const Column& column : frame.columns) {
      if (column.name == "Verified") continue;
      json.Key(column.name);
      WriteCell(json, column, 0);
    }
    std::string body = json.EndObject().EndArray().EndObject().Take();
    body.insert(body.find('{', 1) + 1, R"("Verified":)" + value + ",");
    InputTable table;
    Status parsed = ParseJsonInput(body, (*model)->schema(), table);
    EXPECT_TRUE(parsed.ok()) << parsed.ToString();
    std::vector<double> proba;
    EXPECT_TRUE((*model)->PredictProba(table, proba).ok());
    return proba.at(0);
  };
  EXPECT_EQ(score("true"), score(R"("True")"));
  EXPECT_EQ(score("false"), score(R"("False")"));
  EXPECT_NE(score("true"), score("false"));
  EXPECT_EQ(score("1"), score(R"("unseen")"));  // the number 1 is the level "1", unseen
}

TEST_F(ScoringServerTest, EveryInputFormatScoresTheSame) {
  const Frame& frame = Loans();
  // dataframe_split with every column of the data, the target and ID included (ignored).
  JsonWriter split;
  split.BeginObject().Key("dataframe_split").BeginObject().Key("columns").BeginArray();
  for (const Column& column : frame.columns) split.String(column.name);
  split.EndArray().Key("index").BeginArray();
  for (size_t row = 0; row < kRows; ++row) split.Int(static_cast<int64_t>(row));
  split.EndArray().Key("data").BeginArray();
  for (size_t row = 0; row < kRows; ++row) {
    split.BeginArray();
    for (const Column& column : frame.columns) WriteCell(split, column, row);
    split.EndArray();
  }
  split.EndArray().EndObject().EndObject();
  ExpectFirstRows(Positives(Post(split.str())), kRows);
  ExpectFirstRows(Positives(Post(split.str(), "application/json; charset=UTF-8")), kRows);

  // Records, under dataframe_records, instances and inputs.
  auto records = [&](const char* key) {
    JsonWriter json;
    json.BeginObject().Key(key).BeginArray();
    for (size_t row = 0; row < kRows; ++row) {
      json.BeginObject();
      for (const Column& column : frame.columns) {
        json.Key(column.name);
        WriteCell(json, column, row);
      }
      json.EndObject();
    }
    return json.EndArray().Key("params").BeginObject().EndObject().EndObject().Take();
  };
  for (const char* key : {"dataframe_records", "instances", "inputs"}) {
    ExpectFirstRows(Positives(Post(records(key))), kRows);
  }

  // inputs as an object of columns.
  JsonWriter columns;
  columns.BeginObject().Key("inputs").BeginObject();
  for (const Column& column : frame.columns) {
    columns.Key(column.name).BeginArray();
    for (size_t row = 0; row < kRows; ++row) WriteCell(columns, column, row);
    columns.EndArray();
  }
  columns.EndObject().EndObject();
  ExpectFirstRows(Positives(Post(columns.str())), kRows);

  // instances as bare rows, in the model's column order.
  JsonWriter bare;
  bare.BeginObject().Key("instances").BeginArray();
  for (size_t row = 0; row < kRows; ++row) {
    bare.BeginArray();
    for (const std::string& name : live_->model->schema().names()) {
      WriteCell(bare, frame.columns[static_cast<size_t>(frame.ColumnIndex(name))], row);
    }
    bare.EndArray();
  }
  bare.EndArray().EndObject();
  ExpectFirstRows(Positives(Post(bare.str())), kRows);

  // CSV with a header row.
  std::string csv;
  for (size_t i = 0; i < frame.columns.size(); ++i) {
    csv += (i ? "," : "") + frame.columns[i].name;
  }
  csv += "\n";
  for (size_t row = 0; row < kRows; ++row) {
    for (size_t i = 0; i < frame.columns.size(); ++i) {
      csv += (i ? "," : "") + frame.columns[i].TextAt(row);
    }
    csv += "\n";
  }
  ExpectFirstRows(Positives(Post(csv, "text/csv")), kRows);

  // An empty batch is an empty answer.
  EXPECT_EQ(Post(R"({"dataframe_records": []})").body, R"({"predictions":[]})");
}

// Names and text read where they lie in the body unless they hold an escape: escaped ones
// read the same. Fields the reader does not need are skipped however deep they nest.
TEST_F(ScoringServerTest, EscapesAndDeepIgnoredFieldsReadTheSame) {
  const Frame& frame = Loans();
  JsonWriter json;
  json.BeginObject().Key("inputs").BeginArray();
  for (size_t row = 0; row < kRows; ++row) {
    json.BeginObject();
    for (const Column& column : frame.columns) {
      json.Key(column.name);
      WriteCell(json, column, row);
    }
    json.EndObject();
  }
  json.EndArray().EndObject();
  const std::string plain = json.str();
  // Every name and every text value starts with a \u escape of its first character.
  std::string escaped;
  for (size_t i = 0; i < plain.size(); ++i) {
    escaped += plain[i];
    const bool opens = plain[i] == '"' && (plain[i - 1] == '{' || plain[i - 1] == ',' ||
                                           plain[i - 1] == ':' || plain[i - 1] == '[');
    if (opens && i + 1 < plain.size() && plain[i + 1] != '"') {
      escaped += fmt::format("\\u{:04x}", static_cast<unsigned char>(plain[++i]));
    }
  }
  ASSERT_NE(escaped, plain);
  ExpectFirstRows(Positives(Post(escaped)), kRows);
  // A params object nested 100,000 deep before the input, and one after it.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  ExpectFirstRows(Positives(Post("{\"params\": " + deep + ", " + plain.substr(1, plain.size() - 2) +
                                 ", \"more\": " + deep + "}")),
                  kRows);
}

TEST_F(ScoringServerTest, ProbesAndVersionNameTheLiveModel) {
  for (const char* path : {"/ping", "/health"}) {
    StatusOr<HttpResponse> reply = client_->Send("GET", path, "");
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->body, "\n");
  }
  StatusOr<HttpResponse> version = client_->Send("GET", "/version", "");
  ASSERT_TRUE(version.ok());
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(version->body);
  EXPECT_EQ(std::string_view(root["mlflow_version"]), "2.12.2");
  EXPECT_EQ(std::string_view(root["model_name"]), "loan_model");
  EXPECT_EQ(std::string_view(root["model_version"]), "1");
  EXPECT_EQ(std::string_view(root["model_uri"]), "models:/loan_model/Production");
  EXPECT_EQ(std::string_view(root["run_id"]), "0123456789abcdef0123456789abcdef");
}

TEST_F(ScoringServerTest, PredictAnswersLabels) {
  ScoringServerOptions options;
  options.predict_fn = PredictFn::kPredict;
  ScoringServer labels(options, live_);
  const std::string csv = LoansCsv(50);
  HttpResponse reply = labels.Handle(
      {.method = "POST", .path = "/invocations", .content_type = "text/csv", .body = csv});
  ASSERT_EQ(reply.status, 200) << reply.body;
  std::string expected = R"({"predictions":[)";
  for (size_t row = 0; row < 50; ++row) {
    expected += (row ? "," : "") + std::string(expected_[row] > 0.5 ? "1" : "0");
  }
  EXPECT_EQ(reply.body, expected + "]}");
  EXPECT_FALSE(ParsePredictFn("decision_function").ok());
}

// `orchard models serve --tls-cert/--tls-key`: the same answers over HTTPS, to a client that
// trusts the CA; a client that does not is refused.
TEST_F(ScoringServerTest, ScoresOverTls) {
  testing::TempDir dir;
  testing::TestCertificates certs = testing::MakeTestCertificates(dir.path());
  ScoringServerOptions options;
  options.http.port = 0;
  options.http.tls = {.cert_file = certs.server_cert, .key_file = certs.server_key};
  ScoringServer secure(options, live_);
  ASSERT_TRUE(secure.Start().ok());
  const std::string url = fmt::format("https://127.0.0.1:{}", secure.port());
  auto client = HttpClient::Create(url, {.server_ca_path = certs.ca_cert});
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  client_ = std::move(client).value();
  const std::string csv = LoansCsv(3);
  ExpectFirstRows(Positives(Post(csv, "text/csv")), 3);
  auto untrusting = HttpClient::Create(url);
  ASSERT_TRUE(untrusting.ok());
  EXPECT_FALSE((*untrusting)->Send("POST", "/invocations", csv, "text/csv").ok());
  secure.Stop();
}

struct ErrorCase {
  std::string content_type, body;
  int status;
  std::string code;     // error_code of a JSON error ("" for plain text)
  std::string excerpt;  // in the message
};

TEST_F(ScoringServerTest, BadRequestsGetMlflowErrors) {
  const std::vector<ErrorCase> cases = {
      {"text/plain", "a,b\n1,2\n", 415, "", "Got 'text/plain'"},
      {"application/json; charset=latin-1", "{}", 415, "", "only supports UTF-8"},
      {"application/json; format=pandas-split", "{}", 415, "", "Unrecognized content type"},
      {"", "{}", 415, "", "only supports the following content types"},
      {"application/json", R"({"dataframe_split": {"columns": ["Grade")", 400, "BAD_REQUEST",
       "valid JSON"},
      {"application/json", "[1, 2]", 400, "BAD_REQUEST", "JSON dictionary"},
      {"application/json", R"({"dataframe_records": []} {"inputs": []})", 400, "BAD_REQUEST",
       "valid JSON"},
      {"application/json", R"({"dataframe_records": [{"Grade": "A"]})", 400, "BAD_REQUEST",
       "valid JSON"},
      {"application/json", R"({"dataframe_split": {"columns": ["Grade"], "data": [[01]]}})", 400,
       "BAD_REQUEST", "valid JSON"},
      {"application/json", R"({"dataframe_records": [{"Grade": tru}]})", 400, "BAD_REQUEST",
       "valid JSON"},
      // Found by fuzz_invocations: simdjson's find_field_unordered assumed well-formed JSON.
      {"application/json", R"({"dataframe_split": {"columns": ["income", "#ati": ["in"]024]]}})",
       400, "BAD_REQUEST", "Invalid input"},
      {"application/json", R"({"dataframe_split": {"data": [[1]], "columns": ["Grade"]} ])", 400,
       "BAD_REQUEST", "valid JSON"},
      {"application/json", R"({"data": [[1]]})", 400, "BAD_REQUEST", "exactly one"},
      {"application/json", R"({"instances": [], "inputs": []})", 400, "BAD_REQUEST",
       "['instances', 'inputs']"},
      {"application/json", R"({"dataframe_split": {"data": [[1]]}})", 400, "BAD_REQUEST",
       "'columns'"},
      {"application/json", R"({"dataframe_split": {"columns": ["Grade"], "data": [[1, 2]]}})", 400,
       "BAD_REQUEST", "row 0 has 2 values for 1 columns"},
      {"application/json", R"({"dataframe_records": [{"Grade": "A"}]})", 400,
       "INVALID_PARAMETER_VALUE", "Model is missing inputs ['Loan Amount', "},
      {"application/json", R"({"inputs": {"Grade": ["A", "B"], "Term": [36]}})", 400, "BAD_REQUEST",
       "same number of values"},
      {"text/csv", "Grade\n", 400, "BAD_REQUEST", "CSV"},
      // A column given twice: which one to score would be a guess.
      {"application/json",
       R"({"dataframe_split": {"columns": ["Grade", "Term", "Grade"], "data": [["A", 36, "B"]]}})",
       400, "INVALID_PARAMETER_VALUE", "column 'Grade' is given more than once"},
      {"application/json", R"({"dataframe_records": [{"Term": 36, "Term": 60}]})", 400,
       "INVALID_PARAMETER_VALUE", "column 'Term' is given more than once"},
      {"application/json", R"({"inputs": {"Grade": ["A"], "Grade": ["B"]}})", 400,
       "INVALID_PARAMETER_VALUE", "column 'Grade' is given more than once"},
      {"text/csv", "Grade,Term,Grade\nA,36,B\n", 400, "BAD_REQUEST", "Grade"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.content_type + " " + c.body);
    HttpResponse reply = Post(c.body, c.content_type);
    EXPECT_EQ(reply.status, c.status) << reply.body;
    if (c.code.empty()) {
      EXPECT_EQ(reply.content_type, "text/plain; charset=utf-8");
      EXPECT_NE(reply.body.find(c.excerpt), std::string::npos) << reply.body;
      continue;
    }
    simdjson::dom::parser parser;
    simdjson::dom::element root = parser.parse(reply.body);
    EXPECT_EQ(std::string_view(root["error_code"]), c.code);
    EXPECT_NE(std::string_view(root["message"]).find(c.excerpt), std::string_view::npos)
        << reply.body;
  }
}

TEST_F(ScoringServerTest, AValueOfTheWrongTypeNamesItsColumn) {
  // Every column present, with text in a numeric one.
  const Frame& frame = Loans();
  JsonWriter json;
  json.BeginObject().Key("dataframe_records").BeginArray().BeginObject();
  for (const Column& column : frame.columns) {
    json.Key(column.name);
    if (column.name == "Interest Rate") {
      json.String("high");
    } else {
      WriteCell(json, column, 0);
    }
  }
  json.EndObject().EndArray().EndObject();
  HttpResponse reply = Post(json.str());
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.body.find("INVALID_PARAMETER_VALUE"), std::string::npos);
  EXPECT_NE(reply.body.find("'Interest Rate'"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find("'high'"), std::string::npos) << reply.body;
  // A list where a value belongs.
  std::string nested = json.str();
  nested.replace(nested.find("\"high\""), 6, "[1]");
  reply = Post(nested);
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.body.find("'Interest Rate'"), std::string::npos) << reply.body;
}

TEST_F(ScoringServerTest, OtherPathsMethodsAndSizes) {
  StatusOr<HttpResponse> missing = client_->Send("GET", "/predict", "");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(missing->body.find("ENDPOINT_NOT_FOUND"), std::string::npos);
  StatusOr<HttpResponse> wrong = client_->Send("GET", "/invocations", "");
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->status, 405);
  // Beyond the request-size limit (1 MiB here): 413, and the server keeps serving.
  HttpResponse big = Post(R"({"inputs": [")" + std::string(2 << 20, 'x') + R"("]})");
  EXPECT_EQ(big.status, 413);
  auto client = HttpClient::Create(fmt::format("http://127.0.0.1:{}", server_->port()));
  ASSERT_TRUE(client.ok());
  StatusOr<HttpResponse> ping = (*client)->Send("GET", "/ping", "");
  ASSERT_TRUE(ping.ok());
  EXPECT_EQ(ping->status, 200);
}

// Random damage to valid bodies (fixed seed): every answer is a scored 200 or a clean 4xx with
// MLflow's error shape, never a crash or a 500.
TEST_F(ScoringServerTest, DamagedBodiesGetCleanAnswers) {
  const Frame& frame = Loans();
  JsonWriter records;
  records.BeginObject().Key("dataframe_records").BeginArray();
  for (size_t row = 0; row < 3; ++row) {
    records.BeginObject();
    for (const Column& column : frame.columns) {
      records.Key(column.name);
      WriteCell(records, column, row);
    }
    records.EndObject();
  }
  records.EndArray().EndObject();
  std::string csv;
  for (size_t i = 0; i < frame.columns.size(); ++i) csv += (i ? "," : "") + frame.columns[i].name;
  csv += "\n";
  for (size_t i = 0; i < frame.columns.size(); ++i)
    csv += (i ? "," : "") + frame.columns[i].TextAt(0);
  csv += "\n";
  const std::string alphabet = "{}[],:\"0123456789.-eE nulltruefalseNaN\n\\";
  std::mt19937 random(11);
  int scored = 0, refused = 0;
  for (int i = 0; i < 3000; ++i) {
    const bool json = i % 2 == 0;
    std::string body = json ? records.str() : csv;
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits && !body.empty(); ++e) {
      size_t at = random() % body.size();
      switch (random() % 3) {
        case 0:
          body[at] = alphabet[random() % alphabet.size()];
          break;
        case 1:
          body.erase(at, 1 + random() % 8);
          break;
        default:
          body.insert(at, 1, alphabet[random() % alphabet.size()]);
      }
    }
    HttpResponse reply = server_->Handle({.method = "POST",
                                          .path = "/invocations",
                                          .content_type = json ? "application/json" : "text/csv",
                                          .body = body});
    if (reply.status == 200) {
      ++scored;
      EXPECT_TRUE(reply.body.starts_with(R"({"predictions":[)")) << reply.body;
    } else {
      ++refused;
      ASSERT_EQ(reply.status, 400) << body << "\n" << reply.body;
      EXPECT_NE(reply.body.find("\"error_code\""), std::string::npos) << reply.body;
    }
  }
  EXPECT_GT(scored, 0);
  EXPECT_GT(refused, 0);
}

// MLflow's recorded scoring exchanges (tests/golden/scoring.jsonl, a scikit-learn model of four
// numeric columns served with predict) against an Orchard model of the same columns.
TEST(ScoringGoldenTest, MlflowExchangesReplay) {
  Frame frame;
  frame.rows = 400;
  std::mt19937 random(5);
  std::normal_distribution<double> normal;
  for (const char* name : {"income", "debt", "age", "score", "label"}) {
    frame.columns.push_back(Column{.name = name});
  }
  for (size_t row = 0; row < frame.rows; ++row) {
    double sum = 0;
    for (size_t i = 0; i < 4; ++i) {
      double value = normal(random);
      frame.columns[i].numbers.push_back(value);
      sum += value;
    }
    frame.columns[4].numbers.push_back(sum + 0.5 * normal(random) > 0 ? 1 : 0);
  }
  StatusOr<TrainedModel> model = Train(frame, {.model = "hgbt", .target = "label", .threads = 1});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  testing::TempDir dir;
  PackageInfo info;
  ASSERT_TRUE(WriteModelPackage(*model, frame, dir / "model", info).ok());
  auto loaded = ScoringModel::Load(dir / "model");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  auto live = std::make_shared<LiveModel>();
  live->model = *loaded;
  ScoringServerOptions options;
  options.http.port = 0;
  options.predict_fn = PredictFn::kPredict;
  ScoringServer server(options, live);
  ASSERT_TRUE(server.Start().ok());
  auto client = HttpClient::Create(fmt::format("http://127.0.0.1:{}", server.port()));
  ASSERT_TRUE(client.ok());

  std::ifstream in(std::string(ORCHARD_GOLDEN_DIR) + "/scoring.jsonl");
  ASSERT_TRUE(in.good());
  std::string line;
  int replayed = 0;
  simdjson::dom::parser parser;
  while (std::getline(in, line)) {
    simdjson::dom::element exchange = parser.parse(line);
    std::string step{std::string_view(exchange["step"])};
    SCOPED_TRACE(step);
    std::string method{std::string_view(exchange["method"])};
    std::string path{std::string_view(exchange["path"])};
    std::string content_type;
    if (exchange["request_content_type"].is_string()) {
      content_type = std::string(std::string_view(exchange["request_content_type"]));
    }
    simdjson::dom::element request_body = exchange["request_body"];
    std::string body = request_body.is_null()     ? ""
                       : request_body.is_string() ? std::string(request_body.get_string().value())
                                                  : simdjson::minify(request_body);
    StatusOr<HttpResponse> reply = (*client)->Send(method, path, body, content_type);
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    EXPECT_EQ(reply->status, int64_t(exchange["status"])) << reply->body;
    EXPECT_EQ(reply->content_type, std::string_view(exchange["response_content_type"]));
    simdjson::dom::element expected = exchange["response_body"];
    if (path == "/version") {
      // Orchard's /version is an object naming the live model (docs/mlflow-differences.md).
      EXPECT_NE(reply->body.find("\"mlflow_version\":\"2.12.2\""), std::string::npos);
    } else if (reply->status == 200 && path == "/invocations") {
      simdjson::dom::parser answer_parser;
      simdjson::dom::array got = answer_parser.parse(reply->body)["predictions"].get_array();
      EXPECT_EQ(got.size(), expected["predictions"].get_array().size());
      for (simdjson::dom::element label : got) {
        int64_t value = label.get_int64();
        EXPECT_TRUE(value == 0 || value == 1);
      }
    } else if (expected.is_string()) {
      EXPECT_EQ(reply->body, std::string_view(expected.get_string()));
    } else {
      simdjson::dom::parser answer_parser;
      simdjson::dom::element got = answer_parser.parse(reply->body);
      EXPECT_EQ(std::string_view(got["error_code"]), std::string_view(expected["error_code"]));
      std::string_view message = expected["message"];
      if (step.find("two input keys") != std::string::npos) {
        EXPECT_EQ(std::string_view(got["message"]), message);
      } else if (step.find("missing column") != std::string::npos) {
        EXPECT_NE(std::string_view(got["message"]).find("Model is missing inputs ['score']"),
                  std::string_view::npos);
      }
    }
    ++replayed;
  }
  EXPECT_GE(replayed, 12);
  server.Stop();
}

// Swaps between two models while clients score without pause: no request fails, and every
// answer is one model's or the other's, never a mix.
TEST_F(ScoringServerTest, HotSwapUnderLoadFailsNoRequest) {
  auto other_model = ScoringModel::Load(Package({"rf_woe", "rf", CategoricalEncoding::kWoe}));
  ASSERT_TRUE(other_model.ok());
  auto other = std::make_shared<LiveModel>(*live_);
  other->model = *other_model;
  other->version = "2";
  auto reference = ReferencePredictor::Load(Package({"rf_woe", "rf", CategoricalEncoding::kWoe}));
  ASSERT_TRUE(reference.ok());
  std::vector<double> other_expected = *reference->PredictProba(Loans());

  const Frame& frame = Loans();
  JsonWriter json;
  json.BeginObject().Key("dataframe_records").BeginArray().BeginObject();
  for (const Column& column : frame.columns) {
    json.Key(column.name);
    WriteCell(json, column, 0);
  }
  json.EndObject().EndArray().EndObject();
  const std::string body = json.Take();

  std::atomic<int> failures{0}, answers{0}, first_model{0}, second_model{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      auto client = HttpClient::Create(fmt::format("http://127.0.0.1:{}", server_->port()));
      if (!client.ok()) {
        ++failures;
        return;
      }
      while (!stop) {
        StatusOr<HttpResponse> reply = (*client)->Send("POST", "/invocations", body);
        if (!reply.ok() || reply->status != 200) {
          ++failures;
          continue;
        }
        simdjson::dom::parser parser;
        double p1 = parser.parse(reply->body)["predictions"].at(0).at(1).get_double();
        if (std::abs(p1 - expected_[0]) <= 1e-6) {
          ++first_model;
        } else if (std::abs(p1 - other_expected[0]) <= 1e-6) {
          ++second_model;
        } else {
          ++failures;
        }
        ++answers;
      }
    });
  }
  // Swap back and forth, each time once the clients have been answered by the live model.
  for (int swap = 0; swap < 20; ++swap) {
    int seen = answers.load();
    server_->Swap(swap % 2 == 0 ? std::shared_ptr<const LiveModel>(other) : live_);
    while (answers.load() < seen + 20 && failures.load() == 0) std::this_thread::yield();
  }
  stop = true;
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(first_model.load(), 0);
  EXPECT_GT(second_model.load(), 0);
}

}  // namespace
}  // namespace orchard
