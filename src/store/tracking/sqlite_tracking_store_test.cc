#include "store/tracking/sqlite_tracking_store.h"

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <set>
#include <thread>

#include "db/sqlite_connection.h"
#include "store/tracking/tracking_store_contract.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace orchard::testing {
namespace {

std::unique_ptr<TrackingStore> MakeSqliteStore(const std::string& dir) {
  auto store = SqliteTrackingStore::Open(dir + "/orchard.db", dir + "/artifacts");
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, TrackingStoreContract,
                         ::testing::Values(TrackingStoreFactory{"sqlite", MakeSqliteStore}));

// Runs `body` in `count` forked processes at once; returns how many exited 0.
int RunInProcesses(int count, const std::function<int(int)>& body) {
  std::vector<pid_t> children;
  for (int i = 0; i < count; ++i) {
    pid_t pid = fork();
    if (pid == 0) _exit(body(i));
    children.push_back(pid);
  }
  int succeeded = 0;
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) ++succeeded;
  }
  return succeeded;
}

TEST(SqliteTrackingStore, DataSurvivesReopen) {
  TempDir dir;
  std::string run_id;
  {
    auto store = MakeSqliteStore(dir.path());
    ASSERT_OK_AND_ASSIGN(orchard::Run run, store->CreateRun({.run_name = "kept"}));
    run_id = run.info.run_id;
    ASSERT_OK(store->LogMetric(run_id, {"m", 1.5, 1, 0}));
  }
  auto reopened = MakeSqliteStore(dir.path());
  ASSERT_OK_AND_ASSIGN(orchard::Run run, reopened->GetRun(run_id));
  EXPECT_EQ(run.info.run_name, "kept");
  ASSERT_EQ(run.data.metrics.size(), 1u);
}

// --durability: process keeps SQLite's WAL at synchronous=NORMAL (a commit survives the
// process), os makes it FULL (a commit is on disk before it is acknowledged).
TEST(SqliteTrackingStore, DurabilityChoosesTheSynchronousLevel) {
  TempDir dir;
  for (auto [durability, level] :
       {std::pair{Durability::kDefault, 1}, std::pair{Durability::kProcess, 1},
        std::pair{Durability::kOs, 2}}) {
    auto db = SqliteConnection::Open(dir / "durable.db", durability);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    auto pragma = (*db)->Prepare("PRAGMA synchronous");
    ASSERT_TRUE(pragma.ok());
    ASSERT_TRUE(*pragma->Step());
    EXPECT_EQ(pragma->ColumnInt(0), level);
  }
}

TEST(SqliteTrackingStore, CorruptFileIsAClearError) {
  TempDir dir;
  std::ofstream(dir / "orchard.db") << "this is not a database, just some text that is long enough "
                                       "to fill a header page of a SQLite file, more or less.";
  auto store = SqliteTrackingStore::Open(dir / "orchard.db", dir / "artifacts");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kInvalidState);
  EXPECT_NE(store.status().message().find("orchard.db"), std::string::npos)
      << store.status().message();
  EXPECT_NE(store.status().message().find("not a database"), std::string::npos)
      << store.status().message();
}

TEST(SqliteTrackingStore, UnreadablePathIsAClearError) {
  TempDir dir;
  auto store = SqliteTrackingStore::Open(dir / "missing-folder/orchard.db", dir / "artifacts");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kInvalidState);
}

TEST(SqliteTrackingStore, NewerSchemaIsRefused) {
  TempDir dir;
  { MakeSqliteStore(dir.path()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "orchard.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "INSERT INTO schema_version VALUES (999)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto store = SqliteTrackingStore::Open(dir / "orchard.db", dir / "artifacts");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kInvalidState);
  EXPECT_NE(store.status().message().find("upgrade orchard"), std::string::npos);
}

TEST(SqliteTrackingStore, ProcessesCreatingOneNewFileAtOnce) {
  TempDir dir;
  std::string path = dir / "shared.db";
  int ok = RunInProcesses(6, [&](int) {
    auto store = SqliteTrackingStore::Open(path, dir / "artifacts");
    return store.ok() ? 0 : 1;
  });
  EXPECT_EQ(ok, 6);
  auto store = MakeSqliteStore(dir.path());
  ASSERT_OK_AND_ASSIGN(ExperimentPage page,
                       store->SearchExperiments({.view_type = ViewType::kAll}));
  EXPECT_EQ(page.experiments.size(), 1u);  // one Default, whoever created the file
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  // Each migration applied exactly once, whoever won the race.
  sqlite3_prepare_v2(
      db, "SELECT count(*) = count(DISTINCT version) AND count(*) > 0 FROM schema_version", -1,
      &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 1);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

// Several processes (like parallel tuning trials) write one file at once: every write lands and
// none reports SQLITE_BUSY.
TEST(SqliteTrackingStore, ConcurrentWritersLoseNothing) {
  TempDir dir;
  std::string run_id;
  {
    auto store = MakeSqliteStore(dir.path());
    ASSERT_OK_AND_ASSIGN(orchard::Run shared, store->CreateRun({.run_name = "shared"}));
    run_id = shared.info.run_id;
  }
  constexpr int kProcesses = 4;
  constexpr int kWrites = 150;
  int ok = RunInProcesses(kProcesses, [&](int worker) {
    auto store = SqliteTrackingStore::Open(dir / "orchard.db", dir / "artifacts");
    if (!store.ok()) return 1;
    auto own = (*store)->CreateRun({.run_name = "worker-" + std::to_string(worker)});
    if (!own.ok()) return 2;
    for (int i = 0; i < kWrites; ++i) {
      std::string key = "w" + std::to_string(worker);
      if (!(*store)->LogMetric(run_id, {key, double(i), i, i}).ok()) return 3;
      if (!(*store)
               ->LogBatch(own->info.run_id, {{"m", double(i), i, i}},
                          {{"p" + std::to_string(i), "v"}}, {})
               .ok()) {
        return 4;
      }
    }
    return 0;
  });
  ASSERT_EQ(ok, kProcesses);
  auto store = MakeSqliteStore(dir.path());
  for (int worker = 0; worker < kProcesses; ++worker) {
    ASSERT_OK_AND_ASSIGN(std::vector<Metric> history,
                         store->GetMetricHistory(run_id, "w" + std::to_string(worker)));
    EXPECT_EQ(history.size(), static_cast<size_t>(kWrites));
  }
  ASSERT_OK_AND_ASSIGN(RunPage page, store->SearchRuns({.experiment_ids = {"0"}}));
  ASSERT_EQ(page.runs.size(), kProcesses + 1u);
  for (const orchard::Run& run : page.runs) {
    if (run.info.run_id == run_id) continue;
    EXPECT_EQ(run.data.params.size(), static_cast<size_t>(kWrites));
  }
}

// The planner gets table statistics once the store is big enough to need them, so a filtered
// search starts from the filter's index rather than walking every run in metric order.
TEST(SqliteTrackingStore, GathersPlannerStatisticsAsRunsGrow) {
  TempDir dir;
  auto count_stats = [&] {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open((dir / "orchard.db").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    int rows = -1;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_stat1", -1, &stmt, nullptr) ==
            SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      rows = sqlite3_column_int(stmt, 0);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return rows;
  };
  auto store = MakeSqliteStore(dir.path());
  for (int i = 0; i < 999; ++i) ASSERT_OK(store->CreateRun({.start_time = i}).status());
  EXPECT_EQ(count_stats(), -1);  // no statistics table yet
  ASSERT_OK(store->CreateRun({}).status());
  EXPECT_GT(count_stats(), 0);
}

// A metric-ordered search while another thread moves runs between "has a number", NaN and
// back: every page lists each run exactly once.
TEST(SqliteTrackingStore, SearchIsOneSnapshotWhileWritersChangeRuns) {
  TempDir dir;
  auto store = MakeSqliteStore(dir.path());
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) {
    ASSERT_OK_AND_ASSIGN(orchard::Run run, store->CreateRun({.start_time = i}));
    ids.push_back(run.info.run_id);
    if (i % 2 == 0) ASSERT_OK(store->LogMetric(run.info.run_id, {"acc", 0.01 * i, 0, 0}));
  }
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int step = 1; step <= 300; ++step) {
      const std::string& id = ids[step % ids.size()];
      double value = step % 3 == 0 ? std::nan("") : 0.001 * step;
      EXPECT_TRUE(store->LogMetric(id, {"acc", value, 0, step}).ok());
    }
    done = true;
  });
  SearchRunsRequest request{.experiment_ids = {"0"},
                            .order_by = {{FilterEntity::kMetric, "acc", false}}};
  int searches = 0;
  while (!done || searches < 5) {
    ASSERT_OK_AND_ASSIGN(RunPage page, store->SearchRuns(request));
    std::set<std::string> seen;
    for (const orchard::Run& run : page.runs) seen.insert(run.info.run_id);
    ASSERT_EQ(page.runs.size(), ids.size());
    ASSERT_EQ(seen.size(), ids.size());
    ++searches;
  }
  writer.join();
}

// Concurrent log-batches share transactions (group commit); a request that fails inside a
// shared transaction must take only its own writes with it.
TEST(SqliteTrackingStore, GroupCommitIsolatesFailingRequests) {
  TempDir dir;
  auto store = MakeSqliteStore(dir.path());
  ASSERT_OK_AND_ASSIGN(orchard::Run run, store->CreateRun({}));
  const std::string run_id = run.info.run_id;
  ASSERT_OK(store->LogParam(run_id, {"fixed", "1"}));
  constexpr int kThreads = 8;
  constexpr int kEach = 60;
  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string key = "t" + std::to_string(t) + "_" + std::to_string(i);  // new names
        std::vector<Param> params;
        // Odd threads send a param conflict with each metric: the whole request must fail.
        if (t % 2 == 1) params.push_back({"fixed", "2"});
        Status status = store->LogBatch(run_id, {{key, 1.0 * i, i, i}}, params, {});
        bool should_fail = t % 2 == 1;
        if (status.ok() == should_fail) ++unexpected;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(unexpected, 0);
  ASSERT_OK_AND_ASSIGN(orchard::Run after, store->GetRun(run_id));
  EXPECT_EQ(after.data.metrics.size(), static_cast<size_t>(kThreads / 2 * kEach));
  for (const Metric& metric : after.data.metrics) {
    int thread = std::stoi(metric.key.substr(1, metric.key.find('_') - 1));
    EXPECT_EQ(thread % 2, 0) << metric.key;
  }
  // Names created by failed requests were rolled back and must not linger in the name cache:
  // logging them now creates them afresh.
  ASSERT_OK(store->LogMetric(run_id, {"t1_0", 5.0, 1, 0}));
  ASSERT_OK_AND_ASSIGN(std::vector<Metric> history, store->GetMetricHistory(run_id, "t1_0"));
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].value, 5.0);
}

TEST(SqliteTrackingStore, ThreadsShareOneStore) {
  TempDir dir;
  auto store = MakeSqliteStore(dir.path());
  ASSERT_OK_AND_ASSIGN(orchard::Run run, store->CreateRun({}));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        EXPECT_TRUE(
            store->LogMetric(run.info.run_id, {"t" + std::to_string(t), 1.0 * i, i, i}).ok());
        EXPECT_TRUE(store->GetRun(run.info.run_id).ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) {
    ASSERT_OK_AND_ASSIGN(std::vector<Metric> history,
                         store->GetMetricHistory(run.info.run_id, "t" + std::to_string(t)));
    EXPECT_EQ(history.size(), 100u);
  }
}

}  // namespace
}  // namespace orchard::testing
