// In-memory scoring benchmarks for one model package, side by side with XGBoost's own
// prediction (the reference predictor: preprocessing, a DMatrix and XGBoost's predictor):
//   scoring_bench MODEL_DIR DATA_CSV [google benchmark flags]
// Run by bench/serve_bench.sh on the default hgbt and rf loan models.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "base/json_writer.h"
#include "data/csv_reader.h"
#include "serve/scoring_server.h"
#include "train/model_package.h"

namespace orchard {
namespace {

constexpr size_t kRows = 10000;

struct Fixture {
  std::string dir;
  Frame frame;  // the first kRows rows of the data
  std::shared_ptr<const ScoringModel> model;
  InputTable table;
  std::string one_row_request;  // dataframe_split of the first row, every column but the target
  std::string records_request;  // inputs as row objects: the kRows rows
};

Fixture* fixture = nullptr;

Frame FirstRows(const Frame& frame, size_t rows) {
  Frame out;
  out.rows = std::min(rows, frame.rows);
  for (const Column& column : frame.columns) {
    Column copy = column;
    copy.numbers.resize(column.type == ColumnType::kNumeric ? out.rows : 0);
    copy.codes.resize(column.type == ColumnType::kCategorical ? out.rows : 0);
    out.columns.push_back(std::move(copy));
  }
  return out;
}

void LoadModel(benchmark::State& state) {
  for (auto _ : state) {
    auto model = ScoringModel::Load(fixture->dir);
    benchmark::DoNotOptimize(model);
  }
}

// Encode + trees for a parsed 10k-row table; with 2 threads each scores the whole table.
void ScoreTable(benchmark::State& state) {
  std::vector<double> proba(fixture->table.rows);
  for (auto _ : state) {
    Status status =
        fixture->model->PredictRows(fixture->table, 0, fixture->table.rows, proba.data());
    benchmark::DoNotOptimize(status);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * fixture->table.rows));
}

// The trees alone on already-encoded rows.
void TreesOnly(benchmark::State& state) {
  std::vector<float> features;
  (void)fixture->model->Encode(fixture->table, features);
  std::vector<double> proba(fixture->table.rows);
  for (auto _ : state) {
    fixture->model->trees().Predict(features.data(), fixture->table.rows, proba.data());
    benchmark::DoNotOptimize(proba.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * fixture->table.rows));
}

// XGBoost's own prediction of the same rows through its C API (all cores).
void XgboostReference(benchmark::State& state) {
  auto reference = ReferencePredictor::Load(fixture->dir);
  if (!reference.ok()) {
    state.SkipWithError(reference.status().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    auto proba = reference->PredictProba(fixture->frame);
    benchmark::DoNotOptimize(proba);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * fixture->frame.rows));
}

// What one /invocations request costs without the network: parse, encode, score, answer.
void OneRowRequest(benchmark::State& state) {
  InputTable table;
  std::vector<double> proba;
  for (auto _ : state) {
    Status parsed = ParseJsonInput(fixture->one_row_request, fixture->model->schema(), table);
    Status scored = fixture->model->PredictProba(table, proba);
    std::string answer = PredictionsJson(proba, *fixture->model, PredictFn::kPredictProba);
    benchmark::DoNotOptimize(answer);
    benchmark::DoNotOptimize(parsed);
    benchmark::DoNotOptimize(scored);
  }
}

// Reading the one-row request into cells.
void ParseOneRow(benchmark::State& state) {
  InputTable table;
  for (auto _ : state) {
    Status parsed = ParseJsonInput(fixture->one_row_request, fixture->model->schema(), table);
    benchmark::DoNotOptimize(parsed);
  }
}

// Reading a large body into cells: kRows rows as `inputs` row objects (bytes per second).
void ParseRecordsBody(benchmark::State& state) {
  InputTable table;
  for (auto _ : state) {
    Status parsed = ParseJsonInput(fixture->records_request, fixture->model->schema(), table);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * fixture->records_request.size()));
}

void WriteCell(JsonWriter& json, const Column& column, size_t row) {
  if (column.IsMissing(row)) {
    json.Null();
  } else if (column.type == ColumnType::kNumeric) {
    json.Double(column.numbers[row]);
  } else {
    json.String(column.levels[static_cast<size_t>(column.codes[row])]);
  }
}

std::string RecordsRequest(const Frame& frame, const std::string& target) {
  JsonWriter json;
  json.BeginObject().Key("inputs").BeginArray();
  for (size_t row = 0; row < frame.rows; ++row) {
    json.BeginObject();
    for (const Column& column : frame.columns) {
      if (column.name == target) continue;
      json.Key(column.name);
      WriteCell(json, column, row);
    }
    json.EndObject();
  }
  return json.EndArray().EndObject().Take();
}

std::string OneRowRequest(const Frame& frame, const std::string& target) {
  JsonWriter json;
  json.BeginObject().Key("dataframe_split").BeginObject().Key("columns").BeginArray();
  for (const Column& column : frame.columns) {
    if (column.name != target) json.String(column.name);
  }
  json.EndArray().Key("data").BeginArray().BeginArray();
  for (const Column& column : frame.columns) {
    if (column.name != target) WriteCell(json, column, 0);
  }
  return json.EndArray().EndArray().EndObject().EndObject().Take();
}

}  // namespace
}  // namespace orchard

int main(int argc, char** argv) {
  using namespace orchard;
  benchmark::Initialize(&argc, argv);
  if (argc < 3) {
    std::fprintf(stderr, "usage: scoring_bench MODEL_DIR DATA_CSV [benchmark flags]\n");
    return 2;
  }
  static Fixture data;
  data.dir = argv[1];
  StatusOr<Frame> frame = ReadCsv(argv[2]);
  StatusOr<OrchardPackage> package = ReadOrchardPackage(data.dir);
  StatusOr<std::shared_ptr<const ScoringModel>> model = ScoringModel::Load(data.dir);
  if (!frame.ok() || !package.ok() || !model.ok()) {
    std::fprintf(stderr, "cannot load the model or the data\n");
    return 1;
  }
  data.frame = FirstRows(*frame, kRows);
  data.model = *model;
  if (!TableFromFrame(data.frame, data.model->schema(), data.table).ok()) return 1;
  data.one_row_request = OneRowRequest(data.frame, package->target);
  data.records_request = RecordsRequest(data.frame, package->target);
  fixture = &data;
  benchmark::RegisterBenchmark("load_model", LoadModel)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("score_10k_rows", ScoreTable)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime()
      ->Threads(1)
      ->Threads(2);
  benchmark::RegisterBenchmark("trees_only_10k_rows", TreesOnly)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("xgboost_c_api_10k_rows", XgboostReference)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("one_row_request_in_process", OneRowRequest)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("parse_one_row_request", ParseOneRow)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("parse_10k_row_objects", ParseRecordsBody)
      ->Unit(benchmark::kMillisecond);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
