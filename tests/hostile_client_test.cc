// Both servers against hostile and careless clients, as real processes on loopback: large bodies
// sent and stalled, slow headers, idle and non-reading connections, the connection cap, and
// SIGTERM in the middle of a request. Memory is read from the server's /proc/PID/status (VmHWM
// for the peak), with generous bounds; every wait is bounded and none is a latency threshold.
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "support/http_client.h"
#include "support/orchard_process.h"
#include "support/temp_dir.h"

namespace orchard {
namespace {

using testing::Http;
using testing::HttpResult;
using testing::ParseReply;
using testing::ProcStatusKb;
using testing::ReadTextFile;
using testing::TempDir;
using testing::WaitForExit;
using testing::WaitForPort;

constexpr long kMiB = 1024;  // /proc reports kB

// Under AddressSanitizer (scripts/sanitize.sh) memory is the sanitizer's: shadow memory and the
// quarantine of freed blocks. The attacks still run there; their memory bounds are checked in the
// normal build.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kChecksMemory = false;
#else
constexpr bool kChecksMemory = true;
#endif

// A client connection to 127.0.0.1:port; -1 when refused. Reads wait at most 60 s.
int Connect(int port) {
  int fd = testing::ConnectLoopback(port);
  if (fd < 0) return -1;
  timeval timeout{.tv_sec = 60, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  return fd;
}

// Sends what the peer takes; false when it stopped taking (closed or reset).
bool SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads until the peer closes (or 60 s pass without a byte).
std::string ReadToEnd(int fd) { return testing::ReadUntilClosed(fd); }

// The headers of a POST (or `method`) whose body is to follow.
std::string PostHead(const std::string& target, uint64_t length,
                     const std::string& type = "application/json",
                     const std::string& method = "POST") {
  return fmt::format(
      "{} {} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: {}\r\n"
      "Content-Length: {}\r\n\r\n",
      method, target, type, length);
}

// Starts a POST of `length` body bytes and sends its first byte, once the server has read the
// headers (it answers "100 Continue" then): the request is in flight. The connection, or -1.
int StartPost(int port, const std::string& target, uint64_t length,
              const std::string& method = "POST", const std::string& type = "application/json") {
  int fd = Connect(port);
  if (fd < 0) return -1;
  std::string head = PostHead(target, length, type, method);
  head.insert(head.size() - 2, "Expect: 100-continue\r\n");
  std::string reply;
  char buffer[256];
  if (SendAll(fd, head)) {
    while (reply.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      reply.append(buffer, static_cast<size_t>(n));
    }
  }
  if (reply.find(" 100 ") == std::string::npos || !SendAll(fd, "{")) {
    close(fd);
    return -1;
  }
  return fd;
}

class HostileClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // A thousand client sockets need more than Debian's default soft limit of 1,024 files.
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }

  void TearDown() override {
    for (pid_t pid : pids_) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }

  // Starts `orchard ARGS` in the test folder; returns its port (0 on failure).
  int StartServer(const std::vector<std::string>& args, const std::string& name = "server") {
    out_ = dir_ / (name + ".out");
    err_ = dir_ / (name + ".err");
    pid_ = testing::SpawnProcess(ORCHARD_BINARY, args, {}, dir_.path(), out_, err_);
    if (pid_ <= 0) return 0;
    pids_.push_back(pid_);
    return WaitForPort(out_);
  }

  int StartTrackingServer(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"server",
                                     "-p",
                                     "0",
                                     "--backend-store-uri",
                                     "sqlite:///" + (dir_ / "mlruns.db"),
                                     "--artifacts-destination",
                                     dir_ / "artifacts"};
    args.insert(args.end(), extra.begin(), extra.end());
    return StartServer(args);
  }

  // Trains a small model in the test folder's store and serves it.
  int StartScoringServer(std::vector<std::string> extra = {}) {
    Run({"datasets", "make-loan", "--rows", "600", "-o", "loan.csv"});
    std::string trained = Run({"train", "--model", "rf", "--data", "loan.csv", "--target",
                               "Loan Status", "--param", "n_estimators=5"});
    size_t at = trained.find("run_id");
    if (at == std::string::npos) return 0;
    at = trained.find_first_of("0123456789abcdef", at + 6);
    std::string run_id = trained.substr(at, 32);
    std::vector<std::string> args = {"models", "serve", "-m", "runs:/" + run_id + "/model",
                                     "-p",     "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    return StartServer(args, "serve");
  }

  // Runs `orchard ARGS` to completion; its stdout.
  std::string Run(const std::vector<std::string>& args) {
    std::string out = dir_ / "run.out", err = dir_ / "run.err";
    pid_t pid = testing::SpawnProcess(ORCHARD_BINARY, args, {}, dir_.path(), out, err);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_EQ(status, 0) << ReadTextFile(err);
    return ReadTextFile(out);
  }

  // A /health answer on a fresh connection (the server is still serving).
  void ExpectHealthy(int port) {
    HttpResult health = Http(port, "GET", "/health");
    EXPECT_EQ(health.status, 200) << health.headers;
  }

  long RssKb() { return ProcStatusKb(pid_, "VmRSS"); }
  long PeakKb() { return ProcStatusKb(pid_, "VmHWM"); }

  // Waits (bounded: 30 s) for the resident size to drop under `kb`; the last reading.
  long SettledRssKb(long kb) {
    long rss = RssKb();
    for (int i = 0; i < 300 && rss >= kb; ++i) {
      usleep(100000);
      rss = RssKb();
    }
    return rss;
  }

  TempDir dir_;
  std::vector<pid_t> pids_;
  pid_t pid_ = -1;
  std::string out_, err_;
};

// 20 clients each send 59 MiB of a declared 60 MiB /invocations body, then stall. Bodies held in
// memory are capped in total (--max-buffered-size, 256 MiB by default): the clients beyond the
// cap get 503 with Retry-After before their body is read, and the server stays far below what 20
// held bodies would take (1.2 GB).
TEST_F(HostileClientTest, StalledLargeBodiesStayWithinTheBufferedCap) {
  int port = StartScoringServer();
  ASSERT_GT(port, 0) << ReadTextFile(err_);
  const std::string chunk(1 << 20, 'x');
  std::vector<int> fds(20, -1);
  std::vector<std::thread> clients;
  for (int i = 0; i < 20; ++i) {
    clients.emplace_back([&, i] {
      int fd = Connect(port);
      fds[static_cast<size_t>(i)] = fd;
      if (fd < 0 || !SendAll(fd, PostHead("/invocations", 60ull << 20))) return;
      for (int mb = 0; mb < 59; ++mb) {
        if (!SendAll(fd, chunk)) break;
      }
    });
  }
  for (auto& client : clients) client.join();
  // The server's own count of the refusals (a refused client may see a reset instead, once the
  // server stops draining what it sends).
  std::string metrics = Http(port, "GET", "/metrics").body;
  size_t at = metrics.find(
      "orchard_http_requests_total{route=\"/invocations\",method=\"POST\",status=\"503\"} ");
  ASSERT_NE(at, std::string::npos) << metrics;
  EXPECT_GE(std::stoi(metrics.substr(metrics.find('}', at) + 2)), 10) << "most are over the cap";
  if (kChecksMemory) {
    EXPECT_LT(PeakKb(), 512 * kMiB);
    EXPECT_LT(RssKb(), 512 * kMiB);
  }
  ExpectHealthy(port);
  for (int fd : fds) {
    if (fd >= 0) close(fd);
  }
}

// A 50 MB /invocations body in the `inputs` form (row objects) is answered 200; the server peaks
// under 400 MiB, within 3 times the body above its idle size, and settles under 200 MiB (the
// parser, the cells and the allocator's free memory are given back).
TEST_F(HostileClientTest, LargeInputsBodyPeaksAndSettlesWithinBounds) {
  int port = StartScoringServer();
  ASSERT_GT(port, 0) << ReadTextFile(err_);
  // One row object per line of the training data, repeated to 50 MB.
  std::ifstream csv(dir_ / "loan.csv");
  std::string header, line;
  std::getline(csv, header);
  std::getline(csv, line);
  auto split = [](const std::string& text) {
    std::vector<std::string> cells;
    std::stringstream in(text);
    std::string cell;
    while (std::getline(in, cell, ',')) cells.push_back(cell);
    return cells;
  };
  std::vector<std::string> names = split(header), values = split(line);
  ASSERT_EQ(names.size(), values.size());
  std::string row = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    bool number =
        !values[i].empty() && values[i].find_first_not_of("0123456789.-e") == std::string::npos;
    row += fmt::format("{}\"{}\":{}", i ? "," : "", names[i],
                       number ? values[i] : "\"" + values[i] + "\"");
  }
  row += "}";
  std::string body = "{\"inputs\":[";
  while (body.size() < 50'000'000) body += row + ",";
  body.back() = ']';
  body += "}";
  const long idle = RssKb();
  HttpResult reply = Http(port, "POST", "/invocations", body);
  ASSERT_EQ(reply.status, 200) << reply.body.substr(0, 300);
  EXPECT_TRUE(reply.body.starts_with("{\"predictions\":[[")) << reply.body.substr(0, 100);
  if (kChecksMemory) {
    const long peak = PeakKb();
    std::printf("50 MB inputs body: idle %ld kB, peak %ld kB\n", idle, peak);
    EXPECT_LT(peak, 400 * kMiB);
    // The body, its index and the cells: about 3 times the body at most.
    EXPECT_LT(peak - idle, static_cast<long>(3 * body.size() / 1024));
    EXPECT_LT(SettledRssKb(200 * kMiB), 200 * kMiB) << "idle: " << idle << " kB";
  }
}

// Slow headers (slowloris), a thousand idle connections and a client that stops reading a large
// download: none keeps /health from answering a fresh connection.
TEST_F(HostileClientTest, SlowAndIdleClientsDoNotStarveOthers) {
  int port = StartTrackingServer({"--header-timeout", "60"});
  ASSERT_GT(port, 0) << ReadTextFile(err_);
  // A 64 MiB artifact, then a download of it that is never read.
  std::string big(64 << 20, 'a');
  HttpResult put = Http(port, "PUT", "/api/2.0/mlflow-artifacts/artifacts/0/big.bin", big,
                        "application/octet-stream");
  ASSERT_EQ(put.status, 200) << put.body;
  int stalled_download = Connect(port);
  ASSERT_TRUE(SendAll(stalled_download,
                      "GET /api/2.0/mlflow-artifacts/artifacts/0/big.bin HTTP/1.1\r\nHost: "
                      "127.0.0.1\r\n\r\n"));
  // 50 clients trickle their headers and never finish them.
  std::vector<int> fds;
  for (int i = 0; i < 50; ++i) {
    int fd = Connect(port);
    ASSERT_GE(fd, 0);
    SendAll(fd, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a");
    fds.push_back(fd);
  }
  // 1,000 clients connect and send nothing.
  for (int i = 0; i < 1000; ++i) {
    int fd = Connect(port);
    ASSERT_GE(fd, 0) << "connection " << i;
    fds.push_back(fd);
  }
  ExpectHealthy(port);
  for (int fd : fds) SendAll(fd, "b");  // the slow ones go on trickling
  ExpectHealthy(port);
  for (int fd : fds) close(fd);
  close(stalled_download);
}

// At --max-connections, a new client is served by closing the connection idle longest; when no
// connection is idle, it gets 503 and the others keep their requests.
TEST_F(HostileClientTest, ConnectionCapEvictsIdleThenRefuses) {
  int port = StartTrackingServer({"--max-connections", "8"});
  ASSERT_GT(port, 0) << ReadTextFile(err_);
  std::vector<int> idle;
  for (int i = 0; i < 8; ++i) idle.push_back(Connect(port));
  ExpectHealthy(port);  // one idle connection made room
  for (int fd : idle) close(fd);
  // Eight requests whose bodies are still coming: none is idle.
  std::vector<int> busy;
  const std::string body = R"({"name": "cap"})";
  for (int i = 0; i < 8; ++i) {
    int fd = StartPost(port, "/api/2.0/mlflow/experiments/create", body.size());
    ASSERT_GE(fd, 0);
    busy.push_back(fd);
  }
  // The idle connections closed above leave as the server notices: wait until the busy ones
  // are all that is left.
  HttpResult refused;
  for (int attempt = 0; attempt < 500; ++attempt) {
    refused = Http(port, "GET", "/health");
    if (refused.status == 503) break;
    usleep(20000);
  }
  EXPECT_EQ(refused.status, 503) << refused.headers;
  EXPECT_NE(refused.headers.find("Retry-After: 1"), std::string::npos) << refused.headers;
  EXPECT_NE(refused.body.find("TEMPORARILY_UNAVAILABLE"), std::string::npos) << refused.body;
  // The busy requests finish unharmed; one creates the experiment, the rest find it exists.
  int created = 0;
  for (int fd : busy) {
    SendAll(fd, body.substr(1));
    HttpResult reply = ParseReply(ReadToEnd(fd));
    created += reply.status == 200;
    close(fd);
  }
  EXPECT_EQ(created, 1);
}

// Limits on one request: header count (431), a JSON body over --max-body-size (413, before it is
// read), and a chunked body with no declared length that passes it (413).
TEST_F(HostileClientTest, RequestLimitsAnswerWithMlflowErrors) {
  int port = StartTrackingServer({"--max-body-size", "1MiB", "--max-header-count", "20"});
  ASSERT_GT(port, 0) << ReadTextFile(err_);
  std::string many = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (int i = 0; i < 30; ++i) many += fmt::format("X-Header-{}: {}\r\n", i, i);
  HttpResult headers = ParseReply(testing::SendRaw(port, many + "\r\n"));
  EXPECT_EQ(headers.status, 431);
  EXPECT_NE(headers.body.find("at most 20 header fields"), std::string::npos) << headers.body;

  std::string big = "{\"name\": \"" + std::string(2 << 20, 'n') + "\"}";
  HttpResult declared = Http(port, "POST", "/api/2.0/mlflow/experiments/create", big);
  EXPECT_EQ(declared.status, 413);
  EXPECT_NE(declared.body.find("REQUEST_LIMIT_EXCEEDED"), std::string::npos) << declared.body;

  int fd = Connect(port);
  SendAll(fd,
          "POST /api/2.0/mlflow/experiments/create HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
          "application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
  std::string chunk = fmt::format("{:x}\r\n{}\r\n", 64 << 10, std::string(64 << 10, ' '));
  for (int i = 0; i < 40; ++i) {
    if (!SendAll(fd, chunk)) break;
  }
  HttpResult chunked = ParseReply(ReadToEnd(fd));
  close(fd);
  EXPECT_EQ(chunked.status, 413) << chunked.headers;
  // An upload streams to disk: it is not held to the JSON limit.
  std::string file(3 << 20, 'f');
  HttpResult upload = Http(port, "PUT", "/api/2.0/mlflow-artifacts/artifacts/0/file.bin", file,
                           "application/octet-stream");
  EXPECT_EQ(upload.status, 200) << upload.body;
}

// A JSON body reserves the worst case of its parse with it: two stalled 1 MiB bodies need 26 MiB
// of a 20 MiB budget, so the second is refused before it is read while small requests go on.
// Nesting deeper than --max-json-depth is refused.
TEST_F(HostileClientTest, JsonBodiesReserveTheirParseAndNestingIsBounded) {
  int port = StartTrackingServer(
      {"--max-body-size", "1MiB", "--max-buffered-size", "20MiB", "--max-json-depth", "16"});
  ASSERT_GT(port, 0) << ReadTextFile(err_);
  const std::string target = "/api/2.0/mlflow/experiments/create";
  // Once the server answers "100 Continue", it has read the head and reserved for the body.
  int first = StartPost(port, target, 1 << 20);
  ASSERT_GE(first, 0);
  int fd = Connect(port);
  std::string head = PostHead(target, 1 << 20);
  head.insert(head.size() - 2, "Expect: 100-continue\r\n");
  ASSERT_TRUE(SendAll(fd, head));
  HttpResult second = ParseReply(ReadToEnd(fd));  // refused before any body byte is sent
  close(fd);
  EXPECT_EQ(second.status, 503) << second.headers;
  HttpResult small =
      Http(port, "POST", "/api/2.0/mlflow/experiments/create", R"({"name": "small"})");
  EXPECT_EQ(small.status, 200) << small.body;
  close(first);

  auto nested = [](int depth) {
    return R"({"name": "deep-)" + std::to_string(depth) + R"(", "extra": )" +
           std::string(static_cast<size_t>(depth - 1), '[') +
           std::string(static_cast<size_t>(depth - 1), ']') + "}";
  };
  HttpResult deep = Http(port, "POST", "/api/2.0/mlflow/experiments/create", nested(17));
  EXPECT_EQ(deep.status, 400);
  EXPECT_NE(deep.body.find("deeper than 16 levels"), std::string::npos) << deep.body;
  HttpResult within = Http(port, "POST", "/api/2.0/mlflow/experiments/create", nested(16));
  EXPECT_EQ(within.status, 200) << within.body;
}

// SIGTERM drains: the listening socket closes at once, a request in flight finishes and is
// answered, and the process exits 0.
TEST_F(HostileClientTest, SigtermFinishesRequestsInFlight) {
  int port = StartTrackingServer({"--shutdown-timeout", "120"});
  ASSERT_GT(port, 0) << ReadTextFile(err_);
  const std::string body = R"({"name": "drained"})";
  int fd = StartPost(port, "/api/2.0/mlflow/experiments/create", body.size());
  ASSERT_GE(fd, 0);
  kill(pid_, SIGTERM);
  // New connections are refused once the server has seen the signal.
  bool refused = false;
  for (int attempt = 0; attempt < 1000 && !refused; ++attempt) {
    int probe = Connect(port);
    refused = probe < 0;
    if (probe >= 0) close(probe);
    if (!refused) usleep(10000);
  }
  EXPECT_TRUE(refused);
  ASSERT_TRUE(SendAll(fd, body.substr(1)));
  HttpResult reply = ParseReply(ReadToEnd(fd));
  close(fd);
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(reply.body.find("experiment_id"), std::string::npos);
  int status = WaitForExit(pid_, std::chrono::seconds(60));
  pids_.clear();
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_NE(ReadTextFile(out_).find("stopped"), std::string::npos);
}

// A request that does not finish within --shutdown-timeout is cut off, and the scoring server
// exits all the same.
TEST_F(HostileClientTest, ShutdownTimeoutCutsOffStalledRequests) {
  int port = StartScoringServer({"--shutdown-timeout", "1"});
  ASSERT_GT(port, 0) << ReadTextFile(err_);
  int fd = StartPost(port, "/invocations", 1000);
  ASSERT_GE(fd, 0);
  kill(pid_, SIGTERM);
  int status = WaitForExit(pid_, std::chrono::seconds(60));
  pids_.clear();
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(ReadToEnd(fd), "");  // closed without an answer
  close(fd);
}

// /metrics counts requests per route and status in Prometheus's text format, and the access log
// has one JSON line per request, without the query string.
TEST_F(HostileClientTest, MetricsAndAccessLog) {
  std::string log = dir_ / "access.log";
  int port = StartTrackingServer({"--access-log", log});
  ASSERT_GT(port, 0) << ReadTextFile(err_);
  ASSERT_EQ(Http(port, "POST", "/api/2.0/mlflow/experiments/create", R"({"name": "m"})").status,
            200);
  ASSERT_EQ(
      Http(port, "GET", "/api/2.0/mlflow/experiments/get?experiment_id=1&token=secret").status,
      200);
  EXPECT_EQ(Http(port, "GET", "/api/2.0/mlflow/runs/get?run_id=nope").status, 404);
  HttpResult metrics = Http(port, "GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_TRUE(metrics.content_type.starts_with("text/plain; version=0.0.4"))
      << metrics.content_type;
  for (const char* series :
       {"orchard_http_requests_total{route=\"/api/2.0/mlflow/experiments/create\",method=\"POST\","
        "status=\"200\"} 1",
        "orchard_http_requests_total{route=\"/api/2.0/mlflow/runs/get\",method=\"GET\","
        "status=\"404\"} 1",
        "orchard_http_request_duration_seconds_count{route=\"/api/2.0/mlflow/experiments/get\"} 1",
        "orchard_http_open_connections ", "orchard_http_buffered_body_bytes 0"}) {
    EXPECT_NE(metrics.body.find(series), std::string::npos) << series << "\n" << metrics.body;
  }
  std::string lines = ReadTextFile(log);
  EXPECT_NE(lines.find(R"("method":"GET","path":"/api/2.0/mlflow/experiments/get","status":200)"),
            std::string::npos)
      << lines;
  EXPECT_EQ(lines.find("secret"), std::string::npos) << lines;

  // The scoring server counts rows scored and shows the model it serves.
  int serving = StartScoringServer();
  ASSERT_GT(serving, 0) << ReadTextFile(err_);
  std::string rows = ReadTextFile(dir_ / "loan.csv");
  rows = rows.substr(0, rows.find('\n', rows.find('\n', rows.find('\n') + 1) + 1) + 1);  // 2 rows
  ASSERT_EQ(Http(serving, "POST", "/invocations", rows, "text/csv").status, 200);
  HttpResult scored = Http(serving, "GET", "/metrics");
  EXPECT_NE(scored.body.find("orchard_scoring_rows_total 2"), std::string::npos) << scored.body;
  EXPECT_NE(scored.body.find("orchard_scoring_model_info{model_uri=\"runs:/"), std::string::npos)
      << scored.body;
}

// An upload cut short by kill -9 leaves its partial file only in the staging folder beside the
// artifact root, never among the artifacts, and the next start removes it. A user's own file
// named like a temporary file is an artifact like any other.
TEST_F(HostileClientTest, UploadCutByACrashLeavesNothingBehind) {
  int port = StartTrackingServer();
  ASSERT_GT(port, 0) << ReadTextFile(err_);
  const std::string prefix = "/api/2.0/mlflow-artifacts/artifacts/0/";
  ASSERT_EQ(Http(port, "PUT", prefix + ".data.csv.tmp-1", "a,b\n", "text/csv").status, 200);
  int fd = StartPost(port, prefix + "big.bin", 4 << 20, "PUT", "application/octet-stream");
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, std::string(1 << 20, 'b')));
  // Wait (bounded) until the partial upload is on disk, then crash the server.
  const std::filesystem::path staging = dir_ / ".artifacts.staging";
  auto staged_bytes = [&] {
    uint64_t bytes = 0;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(staging, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec)) bytes += it->file_size(ec);
    }
    return bytes;
  };
  for (int i = 0; i < 3000 && staged_bytes() < (1u << 20); ++i) usleep(10000);
  ASSERT_GE(staged_bytes(), 1u << 20);
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pids_.clear();
  close(fd);
  std::vector<std::string> artifacts;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_ / "artifacts")) {
    artifacts.push_back(entry.path().lexically_relative(dir_ / "artifacts").string());
  }
  EXPECT_EQ(artifacts, (std::vector<std::string>{"0", "0/.data.csv.tmp-1"}));

  port = StartTrackingServer();
  ASSERT_GT(port, 0) << ReadTextFile(err_);
  EXPECT_EQ(staged_bytes(), 0u) << "the crashed server's partial upload is removed at start";
  HttpResult listed = Http(port, "GET", "/api/2.0/mlflow-artifacts/artifacts?path=0");
  EXPECT_EQ(listed.body, R"({"files":[{"path":".data.csv.tmp-1","is_dir":false,"file_size":4}]})");
}

}  // namespace
}  // namespace orchard
