#include "store/tracking/garbage_collector.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace orchard {
namespace {

constexpr char kDeleted[] = "deleted";

bool IsOldEnough(const GarbageRequest& request, const std::optional<int64_t>& time) {
  if (!request.older_than_ms) return true;
  return time.has_value() && *time < request.now_ms - *request.older_than_ms;
}

std::optional<int64_t> OptionalInt(const SqlRows& rows, int row, int column) {
  if (rows.IsNull(row, column)) return std::nullopt;
  return rows.Int(row, column);
}

// A run chosen for removal, with its key.
struct Chosen {
  int64_t run_pk;
  RemovedRun run;
};

Status RemoveRunRows(SqlSession& session, int64_t run_pk) {
  for (const char* table :
       {"metrics", "latest_metrics", "params", "tags", "input_tags", "inputs", "runs"}) {
    ORCHARD_RETURN_IF_ERROR(
        session.Query(fmt::format("DELETE FROM {} WHERE run_pk = ?", table), {run_pk}).status());
  }
  return Status::Ok();
}

StatusOr<int64_t> ExperimentNumber(const std::string& id) {
  int64_t number = 0;
  if (id.empty() || !std::all_of(id.begin(), id.end(), [](char c) { return std::isdigit(c); }) ||
      id.size() > 18) {
    return Status::NotFound(fmt::format("No Experiment with id={} exists", id));
  }
  number = std::stoll(id);
  return number;
}

}  // namespace

StatusOr<int64_t> ParseAge(const std::string& text) {
  // MLflow's form: ^(\d+d)?(\d+h)?(\d+m)?(\d+s)?$, at least one part.
  static constexpr std::string_view kUnits = "dhms";
  static constexpr int64_t kMillis[] = {86'400'000, 3'600'000, 60'000, 1'000};
  const Status invalid = Status::InvalidParameter(fmt::format(
      "Could not parse --older-than '{}': use days, hours, minutes and seconds in that order, "
      "e.g. 30d, 1d2h3m4s or 45m",
      text));
  int64_t total = 0;
  size_t at = 0, next_unit = 0;
  while (at < text.size()) {
    size_t end = at;
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    if (end == at || end - at > 9 || end == text.size()) return invalid;
    const size_t unit = kUnits.find(text[end]);
    if (unit == std::string_view::npos || unit < next_unit) return invalid;
    total += std::stoll(text.substr(at, end - at)) * kMillis[unit];
    next_unit = unit + 1;
    at = end + 1;
  }
  if (text.empty()) return invalid;
  return total;
}

StatusOr<GarbageCollected> CollectGarbage(SqlDatabase& db, const GarbageRequest& request) {
  GarbageCollected collected;
  const bool everything = request.run_ids.empty() && request.experiment_ids.empty();
  ORCHARD_RETURN_IF_ERROR(db.Write([&](SqlSession& session) -> Status {
    collected = {};
    std::vector<Chosen> runs;
    auto add_run = [&runs](int64_t run_pk, std::string run_id, std::string uri) {
      for (const Chosen& chosen : runs) {
        if (chosen.run_pk == run_pk) return;
      }
      runs.push_back({run_pk, {std::move(run_id), std::move(uri)}});
    };
    // Experiments: those named, each checked, or every deleted one old enough.
    std::vector<int64_t> experiments;
    if (everything) {
      ORCHARD_ASSIGN_OR_RETURN(
          SqlRows rows,
          session.Query("SELECT experiment_id, last_update_time, artifact_location FROM "
                        "experiments WHERE lifecycle_stage = ? ORDER BY experiment_id",
                        {std::string(kDeleted)}));
      for (int r = 0; r < rows.rows(); ++r) {
        if (!IsOldEnough(request, OptionalInt(rows, r, 1))) continue;
        experiments.push_back(rows.Int(r, 0));
        collected.experiments.push_back({rows.Text(r, 0), rows.Text(r, 2)});
      }
    }
    for (const std::string& id : request.experiment_ids) {
      ORCHARD_ASSIGN_OR_RETURN(int64_t number, ExperimentNumber(id));
      ORCHARD_ASSIGN_OR_RETURN(
          SqlRows rows, session.Query("SELECT lifecycle_stage, last_update_time, "
                                      "artifact_location FROM experiments WHERE experiment_id = ?",
                                      {number}));
      if (rows.rows() == 0)
        return Status::NotFound(fmt::format("No Experiment with id={} exists", id));
      if (rows.Text(0, 0) != kDeleted) {
        return Status::InvalidParameter(fmt::format(
            "Experiment {} is not in deleted lifecycle stage. Only experiments in deleted "
            "lifecycle stage can be deleted.",
            id));
      }
      if (!IsOldEnough(request, OptionalInt(rows, 0, 1))) {
        return Status::InvalidParameter(fmt::format(
            "Experiment {} is not older than the required age. Only experiments older than the "
            "--older-than age can be deleted.",
            id));
      }
      experiments.push_back(number);
      collected.experiments.push_back({id, rows.Text(0, 2)});
    }
    // Runs: every run of those experiments, those named (each checked), or every deleted one.
    for (int64_t experiment : experiments) {
      ORCHARD_ASSIGN_OR_RETURN(
          SqlRows rows,
          session.Query("SELECT run_pk, run_uuid, artifact_uri FROM runs WHERE experiment_id = ? "
                        "AND lifecycle_stage = ?",
                        {experiment, std::string(kDeleted)}));
      for (int r = 0; r < rows.rows(); ++r)
        add_run(rows.Int(r, 0), rows.Text(r, 1), rows.Text(r, 2));
    }
    if (everything) {
      ORCHARD_ASSIGN_OR_RETURN(
          SqlRows rows, session.Query("SELECT run_pk, run_uuid, artifact_uri, deleted_time FROM "
                                      "runs WHERE lifecycle_stage = ? ORDER BY run_pk",
                                      {std::string(kDeleted)}));
      for (int r = 0; r < rows.rows(); ++r) {
        if (IsOldEnough(request, OptionalInt(rows, r, 3))) {
          add_run(rows.Int(r, 0), rows.Text(r, 1), rows.Text(r, 2));
        }
      }
    }
    for (const std::string& run_id : request.run_ids) {
      ORCHARD_ASSIGN_OR_RETURN(
          SqlRows rows, session.Query("SELECT run_pk, lifecycle_stage, deleted_time, artifact_uri "
                                      "FROM runs WHERE run_uuid = ?",
                                      {run_id}));
      if (rows.rows() == 0) {
        return Status::NotFound(fmt::format("Run with id={} not found", run_id));
      }
      if (rows.Text(0, 1) != kDeleted) {
        return Status::InvalidParameter(fmt::format(
            "Run {} is not in `deleted` lifecycle stage. Only runs in `deleted` lifecycle stage "
            "can be deleted.",
            run_id));
      }
      if (!IsOldEnough(request, OptionalInt(rows, 0, 2))) {
        return Status::InvalidParameter(fmt::format(
            "Run {} is not older than the required age. Only runs older than the --older-than "
            "age can be deleted.",
            run_id));
      }
      add_run(rows.Int(0, 0), run_id, rows.Text(0, 3));
    }
    for (const Chosen& chosen : runs) {
      ORCHARD_RETURN_IF_ERROR(RemoveRunRows(session, chosen.run_pk));
      collected.runs.push_back(chosen.run);
    }
    // The experiments' own rows, but the default experiment's, and but one whose runs were
    // restored meanwhile (it keeps its tags and datasets).
    for (int64_t experiment : experiments) {
      if (experiment == 0) continue;
      ORCHARD_ASSIGN_OR_RETURN(
          SqlRows left,
          session.Query("SELECT count(*) FROM runs WHERE experiment_id = ?", {experiment}));
      if (left.Int(0, 0) > 0) continue;
      for (const char* table : {"experiment_tags", "datasets"}) {
        ORCHARD_RETURN_IF_ERROR(
            session
                .Query(fmt::format("DELETE FROM {} WHERE experiment_id = ?", table), {experiment})
                .status());
      }
      ORCHARD_RETURN_IF_ERROR(
          session
              .Query("DELETE FROM experiments WHERE experiment_id = ? AND lifecycle_stage = ?",
                     {experiment, std::string(kDeleted)})
              .status());
    }
    return Status::Ok();
  }));
  return collected;
}

}  // namespace orchard
