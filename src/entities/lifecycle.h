// The small enums shared by entities: lifecycle stage, run status, search view type. Each has
// its MLflow wire name and a parser that accepts names case-insensitively.
#pragma once

#include <optional>
#include <string_view>

namespace orchard {

enum class LifecycleStage { kActive, kDeleted };
enum class RunStatus { kRunning, kScheduled, kFinished, kFailed, kKilled };
// Which entities a search sees: MLflow's ViewType.
enum class ViewType { kActiveOnly, kDeletedOnly, kAll };

std::string_view LifecycleStageName(LifecycleStage stage);  // "active", "deleted"
std::optional<LifecycleStage> ParseLifecycleStage(std::string_view text);
std::string_view RunStatusName(RunStatus status);  // "RUNNING", ...
std::optional<RunStatus> ParseRunStatus(std::string_view text);
// True for FINISHED, FAILED and KILLED.
bool IsTerminal(RunStatus status);
std::string_view ViewTypeName(ViewType view);  // "ACTIVE_ONLY", "DELETED_ONLY", "ALL"
// Accepts "ACTIVE_ONLY"/"active_only"/"active", "DELETED_ONLY"/"deleted", "ALL".
std::optional<ViewType> ParseViewType(std::string_view text);

}  // namespace orchard
