#include "entities/lifecycle.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace orchard {
namespace {
std::string Upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}
}  // namespace

std::string_view LifecycleStageName(LifecycleStage stage) {
  return stage == LifecycleStage::kActive ? "active" : "deleted";
}

std::optional<LifecycleStage> ParseLifecycleStage(std::string_view text) {
  std::string upper = Upper(text);
  if (upper == "ACTIVE") return LifecycleStage::kActive;
  if (upper == "DELETED") return LifecycleStage::kDeleted;
  return std::nullopt;
}

std::string_view RunStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::kRunning:
      return "RUNNING";
    case RunStatus::kScheduled:
      return "SCHEDULED";
    case RunStatus::kFinished:
      return "FINISHED";
    case RunStatus::kFailed:
      return "FAILED";
    case RunStatus::kKilled:
      return "KILLED";
  }
  return "RUNNING";
}

std::optional<RunStatus> ParseRunStatus(std::string_view text) {
  std::string upper = Upper(text);
  for (RunStatus s : {RunStatus::kRunning, RunStatus::kScheduled, RunStatus::kFinished,
                      RunStatus::kFailed, RunStatus::kKilled}) {
    if (upper == RunStatusName(s)) return s;
  }
  return std::nullopt;
}

bool IsTerminal(RunStatus status) {
  return status == RunStatus::kFinished || status == RunStatus::kFailed ||
         status == RunStatus::kKilled;
}

std::string_view ViewTypeName(ViewType view) {
  switch (view) {
    case ViewType::kActiveOnly:
      return "ACTIVE_ONLY";
    case ViewType::kDeletedOnly:
      return "DELETED_ONLY";
    case ViewType::kAll:
      return "ALL";
  }
  return "ACTIVE_ONLY";
}

std::optional<ViewType> ParseViewType(std::string_view text) {
  std::string upper = Upper(text);
  if (upper == "ACTIVE_ONLY" || upper == "ACTIVE") return ViewType::kActiveOnly;
  if (upper == "DELETED_ONLY" || upper == "DELETED") return ViewType::kDeletedOnly;
  if (upper == "ALL") return ViewType::kAll;
  return std::nullopt;
}

}  // namespace orchard
