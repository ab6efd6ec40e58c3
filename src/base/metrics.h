// Metrics in Prometheus's text format (version 0.0.4): counters, gauges and histograms, each a
// family of series told apart by label values. Series are created on first use and updated with
// atomics; Render() writes every family, for GET /metrics. Thread-safe.
//
// No Prometheus client library is packaged for C++ in Debian; the format is a few lines of text.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace orchard {

using LabelValues = std::vector<std::string>;

class MetricFamily {
 public:
  MetricFamily(std::string name, std::string help, std::vector<std::string> label_names)
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}
  virtual ~MetricFamily() = default;
  virtual void Render(std::string& out) const = 0;
  const std::string& name() const { return name_; }

 protected:
  // `{a="x",b="y"}` (with `extra`, such as le="0.1", last), or "" with no labels at all.
  std::string Labels(const LabelValues& values, const std::string& extra = "") const;
  void RenderHeader(std::string& out, const char* type) const;

  std::string name_, help_;
  std::vector<std::string> label_names_;
};

class CounterFamily : public MetricFamily {
 public:
  using MetricFamily::MetricFamily;
  void Add(const LabelValues& labels, double amount = 1);
  void Render(std::string& out) const override;

 private:
  mutable std::mutex mutex_;
  std::map<LabelValues, double> values_;
};

// Gauges are set (or read through a function at render time).
class GaugeFamily : public MetricFamily {
 public:
  using MetricFamily::MetricFamily;
  void Set(const LabelValues& labels, double value);
  void Clear();  // forgets every series (say, the labels of a model that was swapped out)
  // A series whose value is read when rendered.
  void SetFunction(const LabelValues& labels, std::function<double()> read);
  void Render(std::string& out) const override;

 private:
  mutable std::mutex mutex_;
  std::map<LabelValues, double> values_;
  std::map<LabelValues, std::function<double()>> functions_;
};

class HistogramFamily : public MetricFamily {
 public:
  // `bounds`: the buckets' upper bounds, increasing (+Inf is added).
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> bounds);
  void Observe(const LabelValues& labels, double value);
  void Render(std::string& out) const override;

  static std::vector<double> LatencyBounds();  // seconds, 100 us to 10 s
  static std::vector<double> SizeBounds();     // counts, 1 to 1024 in powers of two

 private:
  struct Series {
    std::vector<uint64_t> counts;  // per bucket, not cumulative
    double sum = 0;
    uint64_t count = 0;
  };
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::map<LabelValues, Series> series_;
};

class MetricsRegistry {
 public:
  CounterFamily& Counter(const std::string& name, const std::string& help,
                         std::vector<std::string> label_names = {});
  GaugeFamily& Gauge(const std::string& name, const std::string& help,
                     std::vector<std::string> label_names = {});
  HistogramFamily& Histogram(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names, std::vector<double> bounds);
  // Every family, in the order they were added.
  void Render(std::string& out) const;

  // The process's own metrics: stores and other parts with no server at hand record here; each
  // server's /metrics renders them after its own.
  static MetricsRegistry& Process();

 private:
  template <typename Family, typename... Args>
  Family& Add(const std::string& name, Args&&... args);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<MetricFamily>> families_;
};

}  // namespace orchard
