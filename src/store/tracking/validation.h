// MLflow's input rules for tracking entities (mlflow/utils/validation.py), shared by every store.
// Each check returns INVALID_PARAMETER_VALUE with MLflow's wording when the input breaks a rule.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "entities/metric.h"
#include "entities/tag.h"
#include "store/tracking/filter.h"

namespace orchard {

inline constexpr size_t kMaxEntityKeyLength = 250;
inline constexpr size_t kMaxParamValueLength = 6000;
inline constexpr size_t kMaxTagValueLength = 5000;
inline constexpr size_t kMaxExperimentTagValueLength = 5000;
inline constexpr size_t kMaxBatchMetrics = 1000;
inline constexpr size_t kMaxBatchParams = 100;
inline constexpr size_t kMaxBatchTags = 100;
inline constexpr size_t kMaxBatchItems = 1000;
// Bounds on a search's shape, beyond MLflow (which has none): they keep every search inside
// SQLite's limits on joins, bound values and expression depth.
inline constexpr size_t kMaxFilterClauses = 100;
inline constexpr size_t kMaxFilterListValues = 10000;
inline constexpr size_t kMaxOrderByKeys = 16;
inline constexpr size_t kMaxFilterValueLength = 5000;

// The number of characters (code points) in UTF-8 text; MLflow's limits count characters.
size_t Utf8Length(std::string_view text);

// `kind` is "metric", "param" or "tag". Keys are 1-250 characters of letters, digits, '_', '-',
// '.', ' ', '/' (bytes >= 0x80 count as letters, approximating Python's Unicode \w) and must be
// a normalized relative path: no "..", "//", "./", leading or trailing '/'.
Status ValidateKey(std::string_view kind, std::string_view key);
Status ValidateExperimentName(std::string_view name);
Status ValidateRunId(std::string_view run_id);
Status ValidateExperimentId(std::string_view experiment_id);
// Experiment tags are refused, not truncated, when the value is over 5,000 characters.
Status ValidateExperimentTag(const Tag& tag);
Status ValidateMaxResults(int max_results, int limit);

// Counts and duplicate param keys of a log-batch request.
Status ValidateBatchLimits(const std::vector<Metric>& metrics, const std::vector<Param>& params,
                           const std::vector<Tag>& tags);

// Cuts `value` to at most `limit` characters (never splitting a UTF-8 sequence). MLflow
// truncates over-long param and run tag values rather than refusing them.
void TruncateUtf8(std::string& value, size_t limit);

// Clause, IN-list and order_by counts of a search.
Status ValidateSearchShape(const Filter& filter, size_t order_by_keys);

}  // namespace orchard
