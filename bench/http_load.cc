// http_load: a bounded HTTP load generator for loopback benchmarks of `orchard server`.
// Keeps N keep-alive connections busy for S seconds (or sends a fixed number of requests) and
// reports requests/s and latency percentiles. Only ever connects to 127.0.0.1.
//
//   http_load --port P --scenario log-metric --connections 32 --seconds 5 --run-id ID
//   http_load --port P --scenario log-batch  --connections 4  --seconds 5 --run-id ID
//   http_load --port P --scenario create-runs --count 1000
//   http_load --port P --scenario wait-health       (cold start: polls until /health answers)
//   http_load --port P --scenario new-run           (creates a run, prints its id)
//   http_load --port P --scenario populate --count N (N runs in experiment 0, each with a
//                                                     test_PR_AUC metric in [0, 1))
//             [--group-size G]                        (each G runs share a parent: their tag
//                                                     mlflow.parentRunId is "parent-<n>")
//   http_load --port P --scenario search --seconds 5 (runs/search: metric filter, metric
//                                                     order, top 100, as the tutorial's search)
//   http_load --port P --scenario search-children --parent parent-500 --seconds 5
//                                                    (the children of one parent, ordered by
//                                                     test_PR_AUC, top 100)
//   http_load --port P --scenario invocations --body-file F --connections 32 --seconds 5
//                                                    (a scoring server: POST F to /invocations)
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "loopback_client.h"

namespace {

using loopback::Arg;

using loopback::Connect;
using loopback::Exchange;

using Clock = std::chrono::steady_clock;

std::string Post(const std::string& path, const std::string& body) {
  return "POST " + path +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// --body-file's contents, for the invocations scenario.
std::string invocation_body;
// --parent, for the search-children scenario.
std::string parent_id;

// The request for iteration `i` of a connection.
std::string MakeRequest(const std::string& scenario, const std::string& run_id, int connection,
                        long i) {
  if (scenario == "log-metric") {
    return Post("/api/2.0/mlflow/runs/log-metric",
                "{\"run_id\":\"" + run_id + "\",\"key\":\"m" + std::to_string(connection) +
                    "\",\"value\":0.5,\"timestamp\":1716000000000,\"step\":" + std::to_string(i) +
                    "}");
  }
  if (scenario == "log-batch") {
    std::string body = "{\"run_id\":\"" + run_id + "\",\"metrics\":[";
    for (int k = 0; k < 1000; ++k) {
      body += (k ? "," : "") + std::string("{\"key\":\"m") + std::to_string(k % 10) +
              "\",\"value\":0.25,\"timestamp\":1716000000000,\"step\":" +
              std::to_string(i * 100 + k / 10) + "}";
    }
    return Post("/api/2.0/mlflow/runs/log-batch", body + "]}");
  }
  if (scenario == "search") {
    return Post("/api/2.0/mlflow/runs/search",
                R"({"experiment_ids":["0"],"filter":"metrics.test_PR_AUC > 0.5",)"
                R"("order_by":["metrics.test_PR_AUC DESC"],"max_results":100})");
  }
  if (scenario == "search-children") {
    return Post("/api/2.0/mlflow/runs/search",
                R"({"experiment_ids":["0"],"filter":"tags.mlflow.parentRunId = ')" + parent_id +
                    R"('","order_by":["metrics.test_PR_AUC DESC"],"max_results":100})");
  }
  if (scenario == "invocations") return Post("/invocations", invocation_body);
  if (scenario == "create-runs") {
    return Post("/api/2.0/mlflow/runs/create", "{\"experiment_id\":\"0\",\"user_id\":\"bench\"}");
  }
  return "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

}  // namespace

int main(int argc, char** argv) {
  const int port = std::atoi(Arg(argc, argv, "--port", "0").c_str());
  const std::string scenario = Arg(argc, argv, "--scenario", "health");
  const std::string run_id = Arg(argc, argv, "--run-id", "");
  const int connections = std::max(1, std::atoi(Arg(argc, argv, "--connections", "1").c_str()));
  const double seconds = std::atof(Arg(argc, argv, "--seconds", "5").c_str());
  const long count = std::atol(Arg(argc, argv, "--count", "0").c_str());
  const long group_size = std::atol(Arg(argc, argv, "--group-size", "0").c_str());
  parent_id = Arg(argc, argv, "--parent", "parent-0");
  if (port <= 0) {
    std::fprintf(stderr, "usage: http_load --port P --scenario NAME [...]\n");
    return 2;
  }

  if (scenario == "invocations") {
    std::ifstream in(Arg(argc, argv, "--body-file", ""), std::ios::binary);
    std::stringstream body;
    body << in.rdbuf();
    invocation_body = body.str();
    if (!in || invocation_body.empty()) {
      std::fprintf(stderr, "the invocations scenario needs --body-file with a request body\n");
      return 2;
    }
  }
  if (scenario == "new-run") {
    // Creates one run and prints its id (for the other scenarios).
    int fd = Connect(port);
    std::string buffer;
    if (fd < 0 || Exchange(fd, MakeRequest("create-runs", "", 0, 0), buffer) != 200) return 1;
    close(fd);
    size_t at = buffer.find("\"run_id\":\"");
    if (at == std::string::npos) return 1;
    std::printf("%s\n", buffer.substr(at + 10, 32).c_str());
    return 0;
  }
  if (scenario == "populate") {
    int fd = Connect(port);
    std::string buffer;
    uint64_t state = 42;
    for (long i = 0; i < count; ++i) {
      std::string create = MakeRequest("create-runs", "", 0, 0);
      if (group_size > 0) {
        create = Post("/api/2.0/mlflow/runs/create",
                      "{\"experiment_id\":\"0\",\"user_id\":\"bench\",\"tags\":[{\"key\":"
                      "\"mlflow.parentRunId\",\"value\":\"parent-" +
                          std::to_string(i / group_size) + "\"}]}");
      }
      if (fd < 0 || Exchange(fd, create, buffer) != 200) return 1;
      size_t at = buffer.find("\"run_id\":\"");
      if (at == std::string::npos) return 1;
      state = state * 6364136223846793005ull + 1442695040888963407ull;  // a fixed LCG
      std::string value = std::to_string(static_cast<double>(state >> 11) / 9007199254740992.0);
      std::string log = Post("/api/2.0/mlflow/runs/log-metric",
                             "{\"run_id\":\"" + buffer.substr(at + 10, 32) +
                                 "\",\"key\":\"test_PR_AUC\",\"value\":" + value +
                                 ",\"timestamp\":1716000000000}");
      if (Exchange(fd, log, buffer) != 200) return 1;
    }
    close(fd);
    return 0;
  }
  if (scenario == "wait-health") {
    // Cold start: from now until /health answers 200 (bounded to 30 s).
    auto start = Clock::now();
    std::string buffer;
    while (Clock::now() - start < std::chrono::seconds(30)) {
      int fd = Connect(port);
      if (fd >= 0) {
        int status = Exchange(fd, MakeRequest("health", "", 0, 0), buffer);
        close(fd);
        if (status == 200) {
          std::printf("health after %.1f ms\n",
                      std::chrono::duration<double, std::milli>(Clock::now() - start).count());
          return 0;
        }
      }
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    std::fprintf(stderr, "no answer from /health\n");
    return 1;
  }

  std::atomic<long> errors{0};
  std::vector<std::vector<double>> latencies(connections);
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      int fd = Connect(port);
      if (fd < 0) {
        ++errors;
        return;
      }
      std::string buffer;
      const long per_connection = count > 0 ? (count + connections - 1) / connections : 0;
      for (long i = 0;; ++i) {
        if (count > 0 ? i >= per_connection : Clock::now() >= deadline) break;
        std::string request = MakeRequest(scenario, run_id, c, i);
        auto sent = Clock::now();
        int status = Exchange(fd, request, buffer);
        latencies[c].push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - sent).count());
        if (status != 200) {
          ++errors;
          if (status < 0) break;
        }
      }
      close(fd);
    });
  }
  for (auto& thread : threads) thread.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto percentile = [&](double p) {
    return all.empty() ? 0.0 : all[static_cast<size_t>(p * (all.size() - 1))];
  };
  double rate = all.size() / elapsed;
  std::printf(
      "scenario=%s connections=%d requests=%zu errors=%ld seconds=%.2f req/s=%.0f p50_us=%.0f "
      "p99_us=%.0f",
      scenario.c_str(), connections, all.size(), errors.load(), elapsed, rate, percentile(0.50),
      percentile(0.99));
  if (scenario == "log-batch") std::printf(" metrics/s=%.0f", rate * 1000);
  std::printf("\n");
  return errors.load() == 0 ? 0 : 1;
}
