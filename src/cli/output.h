// Output helpers for the CLI: aligned text tables for people, JSON (MLflow's shapes) for scripts.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace orchard {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void AddRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  // Columns padded to their widest cell; a note when there are no rows.
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "2026-11-27 23:56:31" (UTC) for a time in ms; "-" when absent.
std::string FormatMillis(std::optional<int64_t> millis);
// Shortest round-trip text of a double ("0.93", "NaN").
std::string FormatDouble(double value);

}  // namespace orchard
