// What the SQL tracking stores (SQLite, PostgreSQL) answer when a request cannot be done: one
// place for MLflow's error codes and wording, and for the SQL both stores write alike.
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

#include "base/status.h"
#include "entities/lifecycle.h"
#include "store/tracking/tracking_store.h"

namespace orchard::store_messages {

inline Status ExperimentNotFound(const std::string& experiment_id) {
  return Status::NotFound(fmt::format("No Experiment with id={} exists", experiment_id));
}
inline Status ExperimentNameNotFound(const std::string& name) {
  return Status::NotFound(fmt::format("Could not find experiment with name '{}'", name));
}
inline Status ExperimentExists(const std::string& name) {
  return Status::AlreadyExists(fmt::format("Experiment(name={}) already exists.", name));
}
inline Status ExperimentNotActive(const std::string& experiment_id) {
  return Status::InvalidParameter(fmt::format(
      "The experiment {} must be in the 'active' state. Current state is deleted.", experiment_id));
}
inline Status RenameNotActive() {
  return Status::InvalidParameter("Cannot rename a non-active experiment.");
}
// Deleting a deleted experiment, or restoring an active one.
inline Status ExperimentAlready(const std::string& experiment_id, LifecycleStage stage) {
  return Status::InvalidParameter(
      fmt::format("Cannot {} experiment {}: it is already {}.",
                  stage == LifecycleStage::kDeleted ? "delete" : "restore", experiment_id,
                  LifecycleStageName(stage)));
}
inline Status RunNotFound(const std::string& run_id) {
  return Status::NotFound(fmt::format("Run with id={} not found", run_id));
}
inline Status RunNotActive(const std::string& run_id) {
  return Status::InvalidParameter(
      fmt::format("The run {} must be in the 'active' state. Current state is deleted.", run_id));
}
inline Status RunInDeletedExperiment(const std::string& run_id, const std::string& experiment_id) {
  return Status::InvalidParameter(
      fmt::format("Cannot restore run {}: its experiment {} is deleted; restore the experiment.",
                  run_id, experiment_id));
}
inline Status ParamChanged(const std::string& key, const std::string& old_value,
                           const std::string& run_id, const std::string& new_value) {
  return Status::InvalidParameter(fmt::format(
      "Changing param values is not allowed. Param with key='{}' was already logged with "
      "value='{}' for run ID='{}'. Attempted logging new value '{}'.",
      key, old_value, run_id, new_value));
}
inline Status TagNotFound(const std::string& key, const std::string& run_id) {
  return Status::NotFound(fmt::format("No tag with name: {} in run with id {}", key, run_id));
}

// " AND <column> = 'active'" (or 'deleted', or nothing) for a search's view type.
inline std::string LifecycleCondition(ViewType view, std::string_view column) {
  switch (view) {
    case ViewType::kActiveOnly:
      return fmt::format(" AND {} = 'active'", column);
    case ViewType::kDeletedOnly:
      return fmt::format(" AND {} = 'deleted'", column);
    case ViewType::kAll:
      return "";
  }
  return "";
}

}  // namespace orchard::store_messages
