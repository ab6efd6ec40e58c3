// soak: hours of mixed load against a server on loopback, recording errors, latency and the
// server's memory every 10 seconds, then drawing them as PNG charts.
//
//   soak --port P --pid PID --minutes M --out DIR [--connections 8]
//        [--kind tracking]                       log-metric, log-batch, search, get-history,
//                                                artifact upload and download, registry reads
//        [--kind scoring --body-file F]          /invocations with F (and /health, /metrics)
//
// Writes DIR/soak.csv (seconds, requests, errors, p50_us, p99_us, rss_mb, anon_mb per 10 s) and
// DIR/soak-latency.png, DIR/soak-rss.png; prints a summary: total requests and errors, p99 and RSS
// after the warm-up (the first minute) against the end.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "charts/charts.h"
#include "loopback_client.h"

namespace {

using loopback::Arg;

using Clock = std::chrono::steady_clock;

std::string Request(const std::string& method, const std::string& path, const std::string& body,
                    const std::string& type = "application/json") {
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (method != "GET") {
    request +=
        "Content-Type: " + type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return request + "\r\n" + body;
}

// The JSON value of `key` in `text` ("run_id": "..."), or "".
std::string JsonString(const std::string& text, const std::string& key) {
  size_t at = text.find("\"" + key + "\":\"");
  if (at == std::string::npos) return "";
  at += key.size() + 4;
  return text.substr(at, text.find('"', at) - at);
}

// A field of /proc/PID/status ("VmRSS", "RssAnon"), in MB.
double StatusMb(int pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(field + ":")) return std::stod(line.substr(field.size() + 1)) / 1024.0;
  }
  return 0;
}

struct Interval {
  // rss_mb counts the database file the SQLite store maps (it grows with the file and is given
  // back under memory pressure); anon_mb is the process's own memory, where a leak would show.
  double seconds = 0, p50_us = 0, p99_us = 0, rss_mb = 0, anon_mb = 0;
  long requests = 0, errors = 0;
};

// What the connections record, taken and reset by the sampler every 10 s.
class Recorder {
 public:
  void Add(double micros, bool ok) {
    std::lock_guard lock(mutex_);
    latencies_.push_back(micros);
    errors_ += !ok;
  }
  Interval Take() {
    std::vector<double> latencies;
    Interval interval;
    {
      std::lock_guard lock(mutex_);
      latencies.swap(latencies_);
      interval.errors = errors_;
      errors_ = 0;
    }
    std::sort(latencies.begin(), latencies.end());
    interval.requests = static_cast<long>(latencies.size());
    auto percentile = [&](double p) {
      return latencies.empty() ? 0.0 : latencies[static_cast<size_t>(p * (latencies.size() - 1))];
    };
    interval.p50_us = percentile(0.50);
    interval.p99_us = percentile(0.99);
    return interval;
  }

 private:
  std::mutex mutex_;
  std::vector<double> latencies_;
  long errors_ = 0;
};

// The tracking server's mix, one request per iteration of a connection.
class TrackingMix {
 public:
  TrackingMix(int port, int connection) : connection_(connection) {
    int fd = loopback::Connect(port);
    std::string reply;
    loopback::Exchange(fd,
                       Request("POST", "/api/2.0/mlflow/runs/create",
                               R"({"experiment_id": "0", "run_name": "soak"})"),
                       reply);
    run_id_ = JsonString(reply, "run_id");
    // A second run with a fixed history of 1,000 points, for get-history: MLflow answers every
    // point of a history, so reading the growing one would make the load itself grow.
    loopback::Exchange(fd,
                       Request("POST", "/api/2.0/mlflow/runs/create",
                               R"({"experiment_id": "0", "run_name": "soak-history"})"),
                       reply);
    history_run_id_ = JsonString(reply, "run_id");
    std::string points;
    for (int step = 0; step < 1000; ++step) {
      points += (step ? "," : "") + std::string("{\"key\":\"history\",\"value\":") +
                std::to_string(step % 13) + ",\"timestamp\":1,\"step\":" + std::to_string(step) +
                "}";
    }
    loopback::Exchange(
        fd,
        Request("POST", "/api/2.0/mlflow/runs/log-batch",
                "{\"run_id\":\"" + history_run_id_ + "\",\"metrics\":[" + points + "]}"),
        reply);
    loopback::Exchange(fd,
                       Request("POST", "/api/2.0/mlflow/registered-models/create",
                               "{\"name\": \"soak-" + std::to_string(connection) + "\"}"),
                       reply);
    close(fd);
    artifact_ = std::string(16 * 1024, 'a');
  }

  std::string Next(long i) {
    const std::string run = run_id_;
    switch (i % 10) {
      case 0:
      case 1:
      case 2:
      case 3:
        return Request(
            "POST", "/api/2.0/mlflow/runs/log-metric",
            "{\"run_id\":\"" + run + "\",\"key\":\"loss\",\"value\":" + std::to_string(i % 97) +
                ",\"timestamp\":" + std::to_string(i) + ",\"step\":" + std::to_string(i) + "}");
      case 4: {
        std::string metrics;
        for (int m = 0; m < 100; ++m) {
          metrics += (m ? "," : "") + std::string("{\"key\":\"batch") + std::to_string(m % 10) +
                     "\",\"value\":" + std::to_string(m) + ",\"timestamp\":" + std::to_string(i) +
                     ",\"step\":" + std::to_string(i * 10 + m / 10) + "}";
        }
        return Request("POST", "/api/2.0/mlflow/runs/log-batch",
                       "{\"run_id\":\"" + run + "\",\"metrics\":[" + metrics + "]}");
      }
      case 5:
        return Request("POST", "/api/2.0/mlflow/runs/search",
                       R"({"experiment_ids":["0"],"filter":"metrics.loss >= 0",)"
                       R"("order_by":["metrics.loss DESC"],"max_results":50})");
      case 6:
        return Request("GET",
                       "/api/2.0/mlflow/metrics/get-history?run_id=" + history_run_id_ +
                           "&metric_key=history&max_results=1000",
                       "");
      case 7:
        return Request("PUT", ArtifactPath(i), artifact_, "application/octet-stream");
      case 8:
        return Request("GET", ArtifactPath(i - 1), "");
      default:
        return Request("GET", "/api/2.0/mlflow/registered-models/search?max_results=20", "");
    }
  }

 private:
  // Uploads cycle over 100 names per connection: the disk use stays bounded.
  std::string ArtifactPath(long i) const {
    return "/api/2.0/mlflow-artifacts/artifacts/soak/c" + std::to_string(connection_) + "/f" +
           std::to_string((i / 10) % 100) + ".bin";
  }

  int connection_;
  std::string run_id_, history_run_id_, artifact_;
};

// The scoring server's mix: /invocations, with /health and /metrics now and then.
std::string ScoringNext(long i, const std::string& body) {
  if (i % 50 == 49) return Request("GET", "/metrics", "");
  if (i % 10 == 9) return Request("GET", "/health", "");
  return Request("POST", "/invocations", body);
}

void Chart(const std::vector<Interval>& intervals, const std::string& path,
           const std::string& title, const std::string& y_label,
           const std::vector<std::pair<std::string, double Interval::*>>& series) {
  orchard::LineChart chart{.title = title, .x_label = "minutes", .y_label = y_label};
  for (const auto& [name, field] : series) {
    orchard::LineSeries line{.name = name};
    for (const Interval& interval : intervals) {
      line.points.emplace_back(interval.seconds / 60.0, interval.*field);
    }
    chart.series.push_back(std::move(line));
  }
  orchard::Status drawn = orchard::RenderLineChart(chart, path);
  if (!drawn.ok()) std::fprintf(stderr, "soak: %s\n", drawn.message().c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const int port = std::stoi(Arg(argc, argv, "--port", "0"));
  const int pid = std::stoi(Arg(argc, argv, "--pid", "0"));
  const double minutes = std::stod(Arg(argc, argv, "--minutes", "1"));
  const int connections = std::stoi(Arg(argc, argv, "--connections", "8"));
  const std::string out = Arg(argc, argv, "--out", ".");
  const std::string kind = Arg(argc, argv, "--kind", "tracking");
  std::string body;
  if (kind == "scoring") {
    std::ifstream file(Arg(argc, argv, "--body-file", ""));
    std::stringstream text;
    text << file.rdbuf();
    body = text.str();
  }
  if (port <= 0 || pid <= 0 || (kind == "scoring" && body.empty())) {
    std::fprintf(stderr,
                 "usage: soak --port P --pid PID --minutes M --out DIR [--connections N] "
                 "[--kind tracking | --kind scoring --body-file F]\n");
    return 2;
  }
  Recorder recorder;
  std::atomic<bool> done{false};
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(minutes * 60);
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      std::unique_ptr<TrackingMix> mix;
      if (kind == "tracking") mix = std::make_unique<TrackingMix>(port, c);
      int fd = loopback::Connect(port);
      std::string reply;
      for (long i = 0; !done; ++i) {
        std::string request = mix ? mix->Next(i) : ScoringNext(i, body);
        auto sent = Clock::now();
        int status = fd >= 0 ? loopback::Exchange(fd, request, reply) : -1;
        recorder.Add(std::chrono::duration<double, std::micro>(Clock::now() - sent).count(),
                     status == 200);
        if (status < 0) {  // reconnect: a broken connection is an error, not the end
          if (fd >= 0) close(fd);
          fd = loopback::Connect(port);
        }
      }
      if (fd >= 0) close(fd);
    });
  }
  std::vector<Interval> intervals;
  std::ofstream csv(out + "/soak.csv");
  csv << "seconds,requests,errors,p50_us,p99_us,rss_mb,anon_mb\n";
  for (auto next = start + std::chrono::seconds(10); next <= end;
       next += std::chrono::seconds(10)) {
    std::this_thread::sleep_until(next);
    Interval interval = recorder.Take();
    interval.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    interval.rss_mb = StatusMb(pid, "VmRSS");
    interval.anon_mb = StatusMb(pid, "RssAnon");
    intervals.push_back(interval);
    csv << interval.seconds << ',' << interval.requests << ',' << interval.errors << ','
        << interval.p50_us << ',' << interval.p99_us << ',' << interval.rss_mb << ','
        << interval.anon_mb << '\n';
    csv.flush();
    std::printf(
        "%6.0f s  %7ld requests  %ld errors  p50 %6.0f us  p99 %7.0f us  rss %6.1f MB  anon "
        "%6.1f MB\n",
        interval.seconds, interval.requests, interval.errors, interval.p50_us, interval.p99_us,
        interval.rss_mb, interval.anon_mb);
    std::fflush(stdout);
  }
  done = true;
  for (auto& thread : threads) thread.join();
  if (intervals.empty()) return 1;
  Chart(intervals, out + "/soak-latency.png", "Latency under mixed load (" + kind + " server)",
        "microseconds", {{"p99", &Interval::p99_us}, {"p50", &Interval::p50_us}});
  Chart(intervals, out + "/soak-rss.png", "Resident memory (" + kind + " server)", "MB",
        {{"RSS", &Interval::rss_mb}, {"anonymous (heap)", &Interval::anon_mb}});
  long requests = 0, errors = 0;
  for (const Interval& interval : intervals) {
    requests += interval.requests;
    errors += interval.errors;
  }
  // After the warm-up: the first minute (or the first interval of a shorter run).
  const size_t warm = std::min<size_t>(6, intervals.size() - 1);
  const Interval& first = intervals[warm];
  const Interval& last = intervals.back();
  double peak_p99 = 0;
  for (size_t i = warm; i < intervals.size(); ++i)
    peak_p99 = std::max(peak_p99, intervals[i].p99_us);
  std::printf(
      "soak %s: %.1f minutes, %ld requests, %ld errors; p99 %.0f us after warm-up, %.0f us at "
      "the end (highest %.0f us); RSS %.1f MB after warm-up, %.1f MB at the end (%+.1f%%); "
      "anonymous %.1f MB, %.1f MB (%+.1f%%)\n",
      kind.c_str(), minutes, requests, errors, first.p99_us, last.p99_us, peak_p99, first.rss_mb,
      last.rss_mb, 100.0 * (last.rss_mb - first.rss_mb) / first.rss_mb, first.anon_mb, last.anon_mb,
      100.0 * (last.anon_mb - first.anon_mb) / std::max(first.anon_mb, 0.1));
  return errors == 0 ? 0 : 1;
}
