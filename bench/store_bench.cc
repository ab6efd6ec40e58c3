// Tracking-store benchmarks (Google Benchmark). Not tests: they report figures for
// docs/benchmarks.md. Run: build/bench/store_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <random>

#include "base/clock.h"
#include "store/tracking/sqlite_tracking_store.h"

namespace orchard {
namespace {

// A fresh store in a temp folder, removed at exit.
class ScratchStore {
 public:
  ScratchStore() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "orchard-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    dir_ = pattern;
    auto store =
        SqliteTrackingStore::Open((dir_ / "bench.db").string(), (dir_ / "artifacts").string());
    if (!store.ok()) std::abort();
    store_ = std::move(store).value();
  }
  ~ScratchStore() {
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  TrackingStore& operator*() { return *store_; }
  TrackingStore* operator->() { return store_.get(); }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<TrackingStore> store_;
};

std::string NewRunOrDie(TrackingStore& store) {
  auto run = store.CreateRun({});
  if (!run.ok()) std::abort();
  return run->info.run_id;
}

// One log-batch of 1,000 metrics per iteration; keys = distinct metric names in the batch
// (1,000 keys x 1 step, or 10 keys x 100 steps, as a training loop logs them).
void BM_LogBatch1000Metrics(benchmark::State& state) {
  const int keys = static_cast<int>(state.range(0));
  ScratchStore store;
  std::string run_id = NewRunOrDie(*store);
  std::vector<Metric> batch(1000);
  int64_t step = 0;
  for (auto _ : state) {
    for (int i = 0; i < 1000; ++i) {
      batch[i] = {"metric_" + std::to_string(i % keys), 0.001 * i, NowMillis(), step + i / keys};
    }
    step += 1000 / keys;
    if (!store->LogBatch(run_id, batch, {}, {}).ok()) state.SkipWithError("log-batch failed");
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_LogBatch1000Metrics)->Arg(1000)->Arg(10)->Arg(1)->Unit(benchmark::kMicrosecond);

// One metric, one transaction: what a single REST log-metric costs the store.
void BM_LogMetricSingle(benchmark::State& state) {
  ScratchStore store;
  std::string run_id = NewRunOrDie(*store);
  int64_t step = 0;
  for (auto _ : state) {
    if (!store->LogMetric(run_id, {"loss", 0.5, NowMillis(), step++}).ok()) {
      state.SkipWithError("log-metric failed");
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LogMetricSingle)->Unit(benchmark::kMicrosecond);

// Creating a run (a transaction with the run row and its tags), as runs/create does.
void BM_CreateRun(benchmark::State& state) {
  ScratchStore store;
  for (auto _ : state) {
    auto run = store->CreateRun(
        {.user_id = "bench", .tags = {{"mlflow.user", "bench"}, {"mlflow.source.type", "LOCAL"}}});
    if (!run.ok()) state.SkipWithError("create failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CreateRun)->Unit(benchmark::kMicrosecond);

// Top 100 runs by a metric among N runs of one experiment, each run with the metric, two params
// and its tags, returned whole (info + data) as runs/search does.
void BM_SearchTop100ByMetric(benchmark::State& state) {
  const int runs = static_cast<int>(state.range(0));
  ScratchStore store;
  auto experiment = store->CreateExperiment({.name = "bench"});
  if (!experiment.ok()) std::abort();
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> uniform(0, 1);
  for (int i = 0; i < runs; ++i) {
    auto run = store->CreateRun({.experiment_id = *experiment, .start_time = i});
    if (!run.ok() || !store
                          ->LogBatch(run->info.run_id, {{"test_PR_AUC", uniform(rng), i, 0}},
                                     {{"max_depth", std::to_string(i % 20)}, {"model", "rf"}}, {})
                          .ok()) {
      std::abort();
    }
  }
  SearchRunsRequest request{.experiment_ids = {*experiment},
                            .max_results = 100,
                            .order_by = {{FilterEntity::kMetric, "test_PR_AUC", false}}};
  // state.range(1): 0 = no filter; 1 = also "metrics.test_PR_AUC > 0.5" (issue 4's shape).
  if (state.range(1) == 1) {
    request.filter.clauses.push_back({FilterEntity::kMetric, "test_PR_AUC", Comparator::kGt, 0.5});
  }
  for (auto _ : state) {
    auto page = store->SearchRuns(request);
    if (!page.ok() || page->runs.size() != 100) state.SkipWithError("search failed");
    benchmark::DoNotOptimize(page);
  }
}
BENCHMARK(BM_SearchTop100ByMetric)
    ->Args({100000, 0})
    ->Args({100000, 1})
    ->Args({10000, 1})
    ->Unit(benchmark::kMicrosecond)
    ->MinTime(2);

// The same search filtered to one parent's children (the tutorial's query shape).
void BM_SearchChildrenOfParent(benchmark::State& state) {
  const int runs = static_cast<int>(state.range(0));
  const int every = static_cast<int>(state.range(1));
  ScratchStore store;
  std::string parent = NewRunOrDie(*store);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> uniform(0, 1);
  for (int i = 0; i < runs; ++i) {
    // Every `every`-th run is a child of `parent`: 100 (1% children, the tutorial's case) makes
    // the filter selective; 1 makes every run a child, so the metric order decides.
    std::string owner = i % every == 0 ? parent : std::string(32, 'a');
    auto run = store->CreateRun({.start_time = i, .tags = {{"mlflow.parentRunId", owner}}});
    if (!run.ok() ||
        !store->LogMetric(run->info.run_id, {"test_PR_AUC", uniform(rng), i, 0}).ok()) {
      std::abort();
    }
  }
  SearchRunsRequest request{
      .experiment_ids = {"0"},
      .filter = {{{FilterEntity::kTag, "mlflow.parentRunId", Comparator::kEq, parent}}},
      .max_results = 100,
      .order_by = {{FilterEntity::kMetric, "test_PR_AUC", false}}};
  for (auto _ : state) {
    auto page = store->SearchRuns(request);
    if (!page.ok() || page->runs.size() != 100) state.SkipWithError("search failed");
    benchmark::DoNotOptimize(page);
  }
}
BENCHMARK(BM_SearchChildrenOfParent)
    ->Args({10000, 100})
    ->Args({10000, 1})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace orchard

BENCHMARK_MAIN();
