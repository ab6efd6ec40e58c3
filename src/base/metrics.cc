#include "base/metrics.h"

#include <cmath>

#include <fmt/format.h>

namespace orchard {
namespace {

// A label value with \, " and newlines escaped, as the text format asks.
std::string Escape(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

}  // namespace

std::string MetricFamily::Labels(const LabelValues& values, const std::string& extra) const {
  std::string out;
  for (size_t i = 0; i < label_names_.size() && i < values.size(); ++i) {
    out += fmt::format("{}{}=\"{}\"", out.empty() ? "" : ",", label_names_[i], Escape(values[i]));
  }
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out.empty() ? "" : "{" + out + "}";
}

void MetricFamily::RenderHeader(std::string& out, const char* type) const {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name_, help_, name_, type);
}

void CounterFamily::Add(const LabelValues& labels, double amount) {
  std::lock_guard lock(mutex_);
  values_[labels] += amount;
}

void CounterFamily::Render(std::string& out) const {
  RenderHeader(out, "counter");
  std::lock_guard lock(mutex_);
  for (const auto& [labels, value] : values_) {
    out += fmt::format("{}{} {}\n", name_, Labels(labels), Number(value));
  }
}

void GaugeFamily::Set(const LabelValues& labels, double value) {
  std::lock_guard lock(mutex_);
  values_[labels] = value;
}

void GaugeFamily::Clear() {
  std::lock_guard lock(mutex_);
  values_.clear();
  functions_.clear();
}

void GaugeFamily::SetFunction(const LabelValues& labels, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  functions_[labels] = std::move(read);
}

void GaugeFamily::Render(std::string& out) const {
  RenderHeader(out, "gauge");
  std::lock_guard lock(mutex_);
  for (const auto& [labels, value] : values_) {
    out += fmt::format("{}{} {}\n", name_, Labels(labels), Number(value));
  }
  for (const auto& [labels, read] : functions_) {
    out += fmt::format("{}{} {}\n", name_, Labels(labels), Number(read()));
  }
}

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names, std::vector<double> bounds)
    : MetricFamily(std::move(name), std::move(help), std::move(label_names)),
      bounds_(std::move(bounds)) {}

void HistogramFamily::Observe(const LabelValues& labels, double value) {
  size_t bucket = 0;
  while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
  std::lock_guard lock(mutex_);
  Series& series = series_[labels];
  if (series.counts.empty()) series.counts.assign(bounds_.size() + 1, 0);
  ++series.counts[bucket];
  series.sum += value;
  ++series.count;
}

void HistogramFamily::Render(std::string& out) const {
  RenderHeader(out, "histogram");
  std::lock_guard lock(mutex_);
  for (const auto& [labels, series] : series_) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= bounds_.size(); ++i) {
      cumulative += series.counts[i];
      std::string le = i < bounds_.size() ? Number(bounds_[i]) : "+Inf";
      out +=
          fmt::format("{}_bucket{} {}\n", name_, Labels(labels, "le=\"" + le + "\""), cumulative);
    }
    out += fmt::format("{}_sum{} {}\n", name_, Labels(labels), Number(series.sum));
    out += fmt::format("{}_count{} {}\n", name_, Labels(labels), series.count);
  }
}

std::vector<double> HistogramFamily::LatencyBounds() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

std::vector<double> HistogramFamily::SizeBounds() {
  return {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
}

template <typename Family, typename... Args>
Family& MetricsRegistry::Add(const std::string& name, Args&&... args) {
  std::lock_guard lock(mutex_);
  for (const auto& family : families_) {
    if (family->name() == name) return dynamic_cast<Family&>(*family);
  }
  families_.push_back(std::make_unique<Family>(name, std::forward<Args>(args)...));
  return static_cast<Family&>(*families_.back());
}

CounterFamily& MetricsRegistry::Counter(const std::string& name, const std::string& help,
                                        std::vector<std::string> label_names) {
  return Add<CounterFamily>(name, help, std::move(label_names));
}

GaugeFamily& MetricsRegistry::Gauge(const std::string& name, const std::string& help,
                                    std::vector<std::string> label_names) {
  return Add<GaugeFamily>(name, help, std::move(label_names));
}

HistogramFamily& MetricsRegistry::Histogram(const std::string& name, const std::string& help,
                                            std::vector<std::string> label_names,
                                            std::vector<double> bounds) {
  return Add<HistogramFamily>(name, help, std::move(label_names), std::move(bounds));
}

void MetricsRegistry::Render(std::string& out) const {
  std::lock_guard lock(mutex_);
  for (const auto& family : families_) family->Render(out);
}

MetricsRegistry& MetricsRegistry::Process() {
  static MetricsRegistry* registry = new MetricsRegistry();  // never destroyed: used at exit
  return *registry;
}

}  // namespace orchard
