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

size_t Utf8Length(std::string_view text) {
  size_t count = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++count;  // continuation bytes (10xxxxxx) do not start a character
  }
  return count;
}

Status ValidateKey(std::string_view kind, std::string_view key) {
  if (size_t length = Utf8Length(key); length > kMaxEntityKeyLength) {
    return Status::InvalidParameter(
        fmt::format("{} name '{}...' is {} characters long; the limit is {}.", kind,
                    key.substr(0, 40), length, kMaxEntityKeyLength));
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
  if (Utf8Length(name) > 500) {
    return Status::InvalidParameter("Experiment name is longer than 500 characters");
  }
  return Status::Ok();
}

Status ValidateRunId(std::string_view run_id) {
  if (run_id.empty())
    return Status::InvalidParameter("Missing value for required parameter 'run_id'.");
  if (run_id.size() > 256) {
    return Status::InvalidParameter(fmt::format("Invalid run ID: '{}...'", run_id.substr(0, 40)));
  }
  for (unsigned char c : run_id) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-')) {
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
  if (size_t length = Utf8Length(tag.value); length > kMaxExperimentTagValueLength) {
    return Status::InvalidParameter(
        fmt::format("Tag value for key '{}' is {} characters long; the limit is {}.", tag.key,
                    length, kMaxExperimentTagValueLength));
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
  if (value.size() <= limit) return;  // fewer bytes than the limit: fewer characters too
  size_t characters = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    if ((static_cast<unsigned char>(value[i]) & 0xC0) == 0x80) continue;
    if (characters == limit) {
      value.resize(i);
      return;
    }
    ++characters;
  }
}

Status ValidateSearchShape(const Filter& filter, size_t order_by_keys) {
  if (size_t count = filter.CountComparisons(); count > kMaxFilterClauses) {
    return Status::InvalidParameter(fmt::format(
        "The filter has {} clauses; at most {} are allowed.", count, kMaxFilterClauses));
  }
  for (const FilterClause& clause : filter.clauses) {
    for (const Filter& alternative : clause.any_of) {
      ORCHARD_RETURN_IF_ERROR(ValidateSearchShape(alternative, 0));
    }
    // Long LIKE patterns and very many bound values exceed SQLite's limits: refuse them here,
    // as the caller's mistake they are.
    if (const auto* text = std::get_if<std::string>(&clause.value);
        text != nullptr && Utf8Length(*text) > kMaxFilterValueLength) {
      return Status::InvalidParameter(
          fmt::format("The value compared with '{}' is longer than {} characters.", clause.key,
                      kMaxFilterValueLength));
    }
    if (const auto* values = std::get_if<std::vector<std::string>>(&clause.value)) {
      for (const std::string& value : *values) {
        if (Utf8Length(value) > kMaxFilterValueLength) {
          return Status::InvalidParameter(
              fmt::format("A value in the list for '{}' is longer than {} characters.", clause.key,
                          kMaxFilterValueLength));
        }
      }
    }
    const auto* list = std::get_if<std::vector<std::string>>(&clause.value);
    if (list != nullptr && list->size() > kMaxFilterListValues) {
      return Status::InvalidParameter(
          fmt::format("The IN list on '{}' has {} values; at most {} are allowed.", clause.key,
                      list->size(), kMaxFilterListValues));
    }
  }
  if (size_t list_values = filter.CountListValues(); list_values > kMaxFilterListValues) {
    return Status::InvalidParameter(
        fmt::format("The filter's IN lists hold {} values in all; at most {} are allowed.",
                    list_values, kMaxFilterListValues));
  }
  if (order_by_keys > kMaxOrderByKeys) {
    return Status::InvalidParameter(fmt::format("order_by has {} keys; at most {} are allowed.",
                                                order_by_keys, kMaxOrderByKeys));
  }
  return Status::Ok();
}

}  // namespace orchard
