// kill -9 in the middle of writes. `orchard server` is driven by concurrent log-batch and
// log-metric writers and artifact uploaders, killed once a seeded number of writes has been
// acknowledged, and restarted on the same store. Every acknowledged write must be there; nothing
// unacknowledged may be half there (a batch is all or nothing, an artifact is whole or absent);
// SQLite's integrity check must pass. ORCHARD_CRASH_ROUNDS sets the rounds (20 by default;
// scripts/crash-test.sh runs any number).
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <iostream>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "support/http_client.h"
#include "support/orchard_process.h"
#include "support/temp_dir.h"

namespace orchard {
namespace {

using testing::Http;
using testing::HttpResult;
using testing::ReadTextFile;
using testing::TempDir;

constexpr int kBatchWriters = 2, kMetricWriters = 2, kUploaders = 1;
constexpr int kStepsPerBatch = 10;

// A request that never reached the server, or whose answer was lost, is simply unacknowledged.
HttpResult TryHttp(int port, const std::string& method, const std::string& target,
                   const std::string& body, const std::string& type = "application/json") {
  try {
    return Http(port, method, target, body, type);
  } catch (const std::exception&) {
    return {};
  }
}

// The bytes of upload `index` of a round: its size and content follow from the index alone.
std::string UploadContent(int round, int index) {
  size_t size = 1 + static_cast<size_t>((index * 7919 + round * 104729) % (512 * 1024));
  std::string content(size, '\0');
  for (size_t i = 0; i < size; ++i) content[i] = static_cast<char>('a' + (i + index) % 26);
  return content;
}

// What the writers of one round had acknowledged when the server died.
struct Acknowledged {
  std::mutex mutex;
  std::map<std::string, std::set<int>> batches;  // metric key -> batch numbers
  std::map<std::string, std::set<int>> metrics;  // metric key -> steps
  std::set<int> uploads;
  std::atomic<int> count{0};
};

class CrashTest : public ::testing::Test {
 protected:
  int Start() {
    std::string out = dir_ / "server.out", err = dir_ / "server.err";
    pid_ = testing::SpawnProcess(
        ORCHARD_BINARY,
        {"server", "-p", "0", "--backend-store-uri", "sqlite:///" + (dir_ / "mlruns.db"),
         "--artifacts-destination", dir_ / "artifacts"},
        {}, dir_.path(), out, err);
    int port = pid_ > 0 ? testing::WaitForPort(out) : 0;
    EXPECT_GT(port, 0) << ReadTextFile(err);
    return port;
  }

  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  void TearDown() override { Kill(); }

  // The steps stored for `key` (through the restarted server).
  std::vector<int64_t> Steps(int port, const std::string& key) {
    HttpResult reply =
        Http(port, "GET",
             fmt::format("/api/2.0/mlflow/metrics/get-history?run_id={}&metric_key={}"
                         "&max_results=100000",
                         run_id_, key));
    EXPECT_EQ(reply.status, 200) << reply.body;
    std::vector<int64_t> steps;
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(reply.body).get(root) != simdjson::SUCCESS) return steps;
    simdjson::dom::array metrics;
    if (root["metrics"].get(metrics) != simdjson::SUCCESS) return steps;
    for (auto metric : metrics) {
      int64_t step = 0;
      if (metric["step"].get(step) == simdjson::SUCCESS) steps.push_back(step);
    }
    return steps;
  }

  // One round: write until the kill, then check everything after a restart.
  void Round(int round, std::mt19937& random) {
    int port = Start();
    ASSERT_GT(port, 0);
    if (run_id_.empty()) {
      HttpResult run = Http(port, "POST", "/api/2.0/mlflow/runs/create",
                            R"({"experiment_id": "0", "run_name": "crash"})");
      ASSERT_EQ(run.status, 200) << run.body;
      run_id_ = run.body.substr(run.body.find("\"run_id\":\"") + 10, 32);
    }
    const int kill_after = std::uniform_int_distribution<int>(50, 1500)(random);
    Acknowledged acked;
    std::atomic<bool> dead{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < kBatchWriters; ++w) {
      writers.emplace_back([&, w] {
        std::string key = fmt::format("batch{}_round{}", w, round);
        for (int batch = 0; !dead; ++batch) {
          std::string metrics;
          for (int i = 0; i < kStepsPerBatch; ++i) {
            metrics += fmt::format(R"({}{{"key":"{}","value":{},"timestamp":1,"step":{}}})",
                                   i ? "," : "", key, batch + i, batch * kStepsPerBatch + i);
          }
          HttpResult reply =
              TryHttp(port, "POST", "/api/2.0/mlflow/runs/log-batch",
                      fmt::format(R"({{"run_id":"{}","metrics":[{}]}})", run_id_, metrics));
          if (reply.status != 200) break;
          std::lock_guard lock(acked.mutex);
          acked.batches[key].insert(batch);
          ++acked.count;
        }
      });
    }
    for (int w = 0; w < kMetricWriters; ++w) {
      writers.emplace_back([&, w] {
        std::string key = fmt::format("metric{}_round{}", w, round);
        for (int step = 0; !dead; ++step) {
          HttpResult reply = TryHttp(
              port, "POST", "/api/2.0/mlflow/runs/log-metric",
              fmt::format(R"({{"run_id":"{}","key":"{}","value":{},"timestamp":1,"step":{}}})",
                          run_id_, key, step, step));
          if (reply.status != 200) break;
          std::lock_guard lock(acked.mutex);
          acked.metrics[key].insert(step);
          ++acked.count;
        }
      });
    }
    for (int u = 0; u < kUploaders; ++u) {
      writers.emplace_back([&] {
        for (int index = 0; !dead; ++index) {
          HttpResult reply =
              TryHttp(port, "PUT",
                      fmt::format("/api/2.0/mlflow-artifacts/artifacts/crash/round{}/file{}.bin",
                                  round, index),
                      UploadContent(round, index), "application/octet-stream");
          if (reply.status != 200) break;
          std::lock_guard lock(acked.mutex);
          acked.uploads.insert(index);
          ++acked.count;
        }
      });
    }
    while (acked.count < kill_after) std::this_thread::yield();
    total_acknowledged_ += acked.count;
    Kill();
    dead = true;
    for (auto& writer : writers) writer.join();

    port = Start();
    ASSERT_GT(port, 0);
    for (const auto& [key, batches] : acked.batches) {
      std::map<int64_t, int> per_batch;
      for (int64_t step : Steps(port, key)) ++per_batch[step / kStepsPerBatch];
      for (const auto& [batch, count] : per_batch) {
        EXPECT_EQ(count, kStepsPerBatch) << "a partial batch: " << key << " #" << batch;
      }
      for (int batch : batches) {
        EXPECT_TRUE(per_batch.contains(batch)) << "an acknowledged batch is lost: " << key;
      }
    }
    for (const auto& [key, steps] : acked.metrics) {
      std::vector<int64_t> stored = Steps(port, key);
      std::set<int64_t> present(stored.begin(), stored.end());
      for (int step : steps) {
        EXPECT_TRUE(present.contains(step)) << "an acknowledged metric is lost: " << key << step;
      }
    }
    std::filesystem::path folder =
        std::filesystem::path(dir_ / "artifacts") / "crash" / fmt::format("round{}", round);
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
      std::string name = entry.path().filename().string();
      ASSERT_TRUE(name.starts_with("file") && name.ends_with(".bin")) << "a stray file: " << name;
      int index = std::stoi(name.substr(4));
      EXPECT_EQ(ReadTextFile(entry.path()), UploadContent(round, index))
          << "a partial artifact: " << name;
    }
    for (int index : acked.uploads) {
      EXPECT_TRUE(std::filesystem::exists(folder / fmt::format("file{}.bin", index)))
          << "an acknowledged upload is lost: " << index;
    }
    Kill();
    ExpectIntegrity();
  }

  void ExpectIntegrity() {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2((dir_ / "mlruns.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
              SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &statement, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)), "ok");
    sqlite3_finalize(statement);
    sqlite3_close(db);
  }

  TempDir dir_;
  pid_t pid_ = -1;
  std::string run_id_;
  long total_acknowledged_ = 0;
};

TEST_F(CrashTest, AcknowledgedWritesSurviveKillNine) {
  int rounds = 20;
  if (const char* env = std::getenv("ORCHARD_CRASH_ROUNDS")) rounds = std::atoi(env);
  std::mt19937 random(20261204);
  for (int round = 0; round < rounds && !HasFatalFailure() && !HasFailure(); ++round) {
    Round(round, random);
  }
  std::cout << fmt::format("{} rounds of kill -9; {} acknowledged writes, all found\n", rounds,
                           total_acknowledged_);
}

}  // namespace
}  // namespace orchard
