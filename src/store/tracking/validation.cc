#include "store/tracking/validation.h"

#include <unordered_set>

#include <fmt/format.h>

namespace orchard {
namespace {

bool IsKeyChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == ' ' || c == '/' || c >= 0x80;
}

// Python's posixpath.normpath(key) == key, for keys already made of key characters.
bool IsNormalizedPath(std::string_view key) {
  if (key.empty() || key.front() == '/' || key.back() == '/') return false;
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view part = key.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

Status ValidateKey(std::string_view kind, std::string_view key) {
  if (key.size() > kMaxEntityKeyLength) {
    return Status::InvalidParameter(fmt::format(
        "{} name '{}...' is {} characters long; the limit is {}.", kind, key.substr(0, 40),
        key.size(), kMaxEntityKeyLength));
  }
  for (unsigned char c : key) {
    if (!IsKeyChar(c)) {
      return Status::InvalidParameter(fmt::format(
          "Invalid {} name: '{}'. Names may only contain alphanumerics, underscores (_), dashes "
          "(-), periods (.), spaces ( ), and slashes (/).",
          kind, key));
    }
  }
  if (!IsNormalizedPath(key)) {
    return Status::InvalidParameter(fmt::format(
        "Invalid {} name: '{}'. Names may be treated as files in certain cases, and must not "
        "resolve to other names when treated as such (no empty name, '..', '//', './', or a "
        "leading or trailing '/').",
        kind, key));
  }
  return Status::Ok();
}

Status ValidateExperimentName(std::string_view name) {
  if (name.empty()) return Status::InvalidParameter("Invalid experiment name: ''");
  if (name.size() > 500) {
    return Status::InvalidParameter("Experiment name is longer than 500 characters");
  }
  return Status::Ok();
}

Status ValidateRunId(std::string_view run_id) {
  if (run_id.empty()) return Status::InvalidParameter("Missing value for required parameter 'run_id'.");
  if (run_id.size() > 256) {
    return Status::InvalidParameter(fmt::format("Invalid run ID: '{}...'", run_id.substr(0, 40)));
  }
  for (unsigned char c : run_id) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '-')) {
      return Status::InvalidParameter(fmt::format("Invalid run ID: '{}'", run_id));
    }
  }
  return Status::Ok();
}

Status ValidateExperimentId(std::string_view experiment_id) {
  if (experiment_id.empty() || experiment_id.size() > 18) {
    return Status::InvalidParameter(fmt::format("Invalid experiment ID: '{}'", experiment_id));
  }
  for (char c : experiment_id) {
    if (c < '0' || c > '9') {
      return Status::InvalidParameter(fmt::format("Invalid experiment ID: '{}'", experiment_id));
    }
  }
  return Status::Ok();
}

Status ValidateExperimentTag(const Tag& tag) {
  ORCHARD_RETURN_IF_ERROR(ValidateKey("tag", tag.key));
  if (tag.value.size() > kMaxExperimentTagValueLength) {
    return Status::InvalidParameter(
        fmt::format("Tag value for key '{}' is {} characters long; the limit is {}.", tag.key,
                    tag.value.size(), kMaxExperimentTagValueLength));
  }
  return Status::Ok();
}

Status ValidateMaxResults(int max_results, int limit) {
  if (max_results < 1 || max_results > limit) {
    return Status::InvalidParameter(fmt::format(
        "Invalid value {} for parameter 'max_results' supplied. It must be between 1 and {}.",
        max_results, limit));
  }
  return Status::Ok();
}

Status ValidateBatchLimits(const std::vector<Metric>& metrics, const std::vector<Param>& params,
                           const std::vector<Tag>& tags) {
  auto over = [](size_t count, size_t limit, std::string_view what) {
    return Status::InvalidParameter(fmt::format(
        "A batch logging request can contain at most {} {}. Got {} {}. Please split up {} across "
        "multiple requests and try again.",
        limit, what, count, what, what));
  };
  if (metrics.size() > kMaxBatchMetrics) return over(metrics.size(), kMaxBatchMetrics, "metrics");
  if (params.size() > kMaxBatchParams) return over(params.size(), kMaxBatchParams, "params");
  if (tags.size() > kMaxBatchTags) return over(tags.size(), kMaxBatchTags, "tags");
  size_t total = metrics.size() + params.size() + tags.size();
  if (total > kMaxBatchItems) {
    return Status::InvalidParameter(fmt::format(
        "A batch logging request can contain at most {} total metrics, params, and tags. Got {} "
        "items. Please split up the request across multiple requests and try again.",
        kMaxBatchItems, total));
  }
  std::unordered_set<std::string_view> seen;
  for (const Param& param : params) {
    if (!seen.insert(param.key).second) {
      return Status::InvalidParameter(fmt::format(
          "Duplicate parameter keys have been submitted: ['{}']. Please ensure the request "
          "contains only one param value per param key.",
          param.key));
    }
  }
  return Status::Ok();
}

void TruncateUtf8(std::string& value, size_t limit) {
  if (value.size() <= limit) return;
  size_t cut = limit;
  // Step back over continuation bytes (10xxxxxx) so a multi-byte character is not split.
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
  value.resize(cut);
}

}  // namespace orchard
