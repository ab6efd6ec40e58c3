// attack_bench: /health latency on fresh connections while hostile clients hold the server.
//
//   attack_bench --port P [--requests 200] [--download PATH]
//
// For each attack in turn, sets it up, then times --requests /health exchanges, each on a new
// connection, and prints p50, p99 and the worst:
//   none             a baseline;
//   slowloris x50    50 connections that trickle header bytes and never finish;
//   idle x1000       1,000 connections that send nothing;
//   stalled download a client that asks for PATH (an artifact of the server) and reads nothing;
//   all at once.
// Loopback only.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "loopback_client.h"

namespace {

using loopback::Arg;

using Clock = std::chrono::steady_clock;

void SendText(int fd, const std::string& text) {
  if (fd >= 0) (void)!send(fd, text.data(), text.size(), MSG_NOSIGNAL);
}

// Times `requests` /health exchanges on fresh connections; prints the percentiles.
bool Measure(int port, int requests, const char* label) {
  std::vector<double> millis;
  std::string reply;
  int failed = 0;
  const std::string health = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  for (int i = 0; i < requests; ++i) {
    auto start = Clock::now();
    int fd = loopback::Connect(port);
    int status = fd >= 0 ? loopback::Exchange(fd, health, reply) : -1;
    if (fd >= 0) close(fd);
    millis.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    failed += status != 200;
  }
  std::sort(millis.begin(), millis.end());
  std::printf(
      "%-22s /health on a fresh connection: p50 %.2f ms  p99 %.2f ms  max %.2f ms  "
      "failed %d of %d\n",
      label, millis[millis.size() / 2], millis[millis.size() * 99 / 100], millis.back(), failed,
      requests);
  return failed == 0;
}

}  // namespace

int main(int argc, char** argv) {
  const int port = std::stoi(Arg(argc, argv, "--port", "0"));
  const int requests = std::stoi(Arg(argc, argv, "--requests", "200"));
  const std::string download = Arg(argc, argv, "--download", "");
  if (port <= 0) {
    std::fprintf(stderr, "usage: attack_bench --port P [--requests N] [--download PATH]\n");
    return 2;
  }
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  bool ok = Measure(port, requests, "none");

  std::vector<int> slow;
  for (int i = 0; i < 50; ++i) {
    slow.push_back(loopback::Connect(port));
    SendText(slow.back(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a");
  }
  ok &= Measure(port, requests, "slowloris x50");

  std::vector<int> idle;
  for (int i = 0; i < 1000; ++i) idle.push_back(loopback::Connect(port));
  for (int fd : slow) SendText(fd, "b");
  ok &= Measure(port, requests, "slowloris+idle x1000");

  int stalled = -1;
  if (!download.empty()) {
    stalled = loopback::Connect(port);
    int small = 4096;
    setsockopt(stalled, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    SendText(stalled, "GET " + download + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    ok &= Measure(port, requests, "all + stalled download");
  }
  for (int fd : slow) close(fd);
  for (int fd : idle) close(fd);
  if (stalled >= 0) close(stalled);
  return ok ? 0 : 1;
}
