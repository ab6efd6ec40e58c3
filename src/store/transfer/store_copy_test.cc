// orchard db copy: MLflow 2.12.2's own databases (SQLite and PostgreSQL, tests/fixtures/mlflow)
// arrive whole, as their summaries list them; an Orchard store moves from SQLite to PostgreSQL
// keeping every identity, NaN and infinities included; a rerun copies nothing twice.
#include "store/transfer/store_copy.h"

#include <simdjson.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "store/registry/sql_registry_store.h"
#include "store/tracking/pg_tracking_store.h"
#include "store/tracking/sqlite_tracking_store.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"
#include "support/test_postgres.h"

namespace orchard::testing {
namespace {

const std::string kFixtures = ORCHARD_MLFLOW_FIXTURES;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void Quiet(std::string_view) {}

// What a fixture's summary lists, checked through Orchard's own stores on the copy.
void ExpectMatchesSummary(const std::string& summary_path, TrackingStore& tracking,
                          RegistryStore& registry) {
  simdjson::dom::parser parser;
  simdjson::dom::element summary = parser.parse(simdjson::padded_string(ReadFile(summary_path)));
  // Experiments, deleted ones included.
  SearchExperimentsRequest all_experiments;
  all_experiments.view_type = ViewType::kAll;
  ASSERT_OK_AND_ASSIGN(ExperimentPage experiments, tracking.SearchExperiments(all_experiments));
  std::map<std::string, LifecycleStage> stages;
  std::vector<std::string> ids;
  for (const Experiment& e : experiments.experiments) {
    stages[e.name] = e.lifecycle_stage;
    ids.push_back(e.experiment_id);
  }
  for (simdjson::dom::element e : summary["experiments"].get_array()) {
    std::string name(e["name"].get_string().value());
    ASSERT_TRUE(stages.contains(name)) << name;
    EXPECT_EQ(LifecycleStageName(stages[name]), e["lifecycle_stage"].get_string().value()) << name;
  }
  // Runs, params and metric points.
  SearchRunsRequest runs_request;
  runs_request.experiment_ids = ids;
  runs_request.view_type = ViewType::kAll;
  ASSERT_OK_AND_ASSIGN(RunPage runs, tracking.SearchRuns(runs_request));
  EXPECT_EQ(static_cast<int64_t>(runs.runs.size()), summary["runs"].get_int64().value());
  int64_t params = 0, points = 0;
  for (const orchard::Run& run : runs.runs) {
    params += static_cast<int64_t>(run.data.params.size());
    for (const Metric& latest : run.data.metrics) {
      ASSERT_OK_AND_ASSIGN(std::vector<Metric> history,
                           tracking.GetMetricHistory(run.info.run_id, latest.key));
      points += static_cast<int64_t>(history.size());
    }
  }
  EXPECT_EQ(params, summary["params"].get_int64().value());
  EXPECT_EQ(points, summary["metric_points"].get_int64().value());
  // The tutorial's search: the parent's trials by test_PR_AUC, the best first.
  const std::string parent(summary["parent_run_id"].get_string().value());
  SearchRunsRequest search;
  ASSERT_OK_AND_ASSIGN(Experiment loan, tracking.GetExperimentByName("loan"));
  search.experiment_ids = {loan.experiment_id};
  search.filter.clauses.push_back(
      {FilterEntity::kTag, "mlflow.parentRunId", Comparator::kEq, parent});
  search.order_by = {{FilterEntity::kMetric, "test_PR_AUC", false}};
  ASSERT_OK_AND_ASSIGN(RunPage trials, tracking.SearchRuns(search));
  ASSERT_EQ(trials.runs.size(), 10u);
  EXPECT_EQ(trials.runs[0].info.run_id, summary["best_trial_run_id"].get_string().value());
  for (const Metric& m : trials.runs[0].data.metrics) {
    if (m.key == "test_PR_AUC") {
      EXPECT_EQ(m.value, summary["best_test_PR_AUC"].get_double().value());
    }
  }
  // NaN at step 0 and +inf at step 1 of the failed run; the deleted run stays deleted.
  const std::string failed(summary["failed_run_id"].get_string().value());
  ASSERT_OK_AND_ASSIGN(std::vector<Metric> loss, tracking.GetMetricHistory(failed, "loss"));
  ASSERT_EQ(loss.size(), 2u);
  EXPECT_TRUE(std::isnan(loss[0].value));
  EXPECT_EQ(loss[1].value, std::numeric_limits<double>::infinity());
  ASSERT_OK_AND_ASSIGN(orchard::Run failed_run, tracking.GetRun(failed));
  EXPECT_EQ(failed_run.info.status, RunStatus::kFailed);
  ASSERT_OK_AND_ASSIGN(
      orchard::Run deleted,
      tracking.GetRun(std::string(summary["deleted_run_id"].get_string().value())));
  EXPECT_EQ(deleted.info.lifecycle_stage, LifecycleStage::kDeleted);
  // The registry: versions, stages and aliases.
  for (simdjson::dom::element m : summary["registered_models"].get_array()) {
    std::string name(m["name"].get_string().value());
    ASSERT_OK_AND_ASSIGN(std::vector<ModelVersion> versions, registry.ListModelVersions(name));
    std::map<std::string, std::string> stage_of;
    for (const ModelVersion& v : versions) stage_of[v.version] = v.current_stage;
    std::map<std::string, std::string> expected;
    for (auto [version, stage] : m["versions"].get_object()) {
      expected[std::string(version)] = std::string(stage.get_string().value());
    }
    EXPECT_EQ(stage_of, expected) << name;
    simdjson::dom::object aliases;
    if (m["aliases"].get(aliases) == simdjson::SUCCESS) {
      for (auto [alias, version] : aliases) {
        ASSERT_OK_AND_ASSIGN(ModelVersion target, registry.GetByAlias(name, std::string(alias)));
        EXPECT_EQ(target.version, version.get_string().value());
      }
    }
  }
  // A new version after the import takes the next number.
  ASSERT_OK_AND_ASSIGN(ModelVersion next,
                       registry.CreateModelVersion("loan_model", {.source = "runs:/x/model"}));
  EXPECT_EQ(next.version, "3");
}

TEST(StoreCopy, AnMlflowSqliteDatabaseArrivesWholeInPostgres) {
  ORCHARD_REQUIRE_POSTGRES();
  TempDir dir;
  const std::string to = TestPostgresSchemaUri(SchemaNameFor(dir.path()));
  const std::string from = "sqlite:///" + kFixtures + "/mlflow-2.12.2.sqlite.db";
  ASSERT_OK_AND_ASSIGN(CopyReport report, CopyStore(from, to, dir / "artifacts", Quiet));
  EXPECT_NE(report.source.find("MLflow"), std::string::npos) << report.source;
  EXPECT_EQ(report.runs, 13);
  EXPECT_EQ(report.runs_already_there, 0);
  // Safe to rerun: nothing is copied twice.
  ASSERT_OK_AND_ASSIGN(CopyReport again, CopyStore(from, to, dir / "artifacts", Quiet));
  EXPECT_EQ(again.runs_already_there, 13);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<PgTrackingStore> tracking,
                       PgTrackingStore::Open(to, dir / "artifacts", 2));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqlRegistryStore> registry,
                       SqlRegistryStore::OpenPostgres(to, 2));
  ExpectMatchesSummary(kFixtures + "/mlflow-2.12.2.sqlite.summary.json", *tracking, *registry);
  // A new experiment takes a fresh id, not one of those copied in.
  ASSERT_OK_AND_ASSIGN(std::string id, tracking->CreateExperiment({.name = "after-the-move"}));
  EXPECT_EQ(id, "4");
}

TEST(StoreCopy, AnMlflowPostgresDatabaseArrivesWholeInSqlite) {
  ORCHARD_REQUIRE_POSTGRES();
  TempDir dir;
  // The dump loads into a database of its own (it writes to schema public).
  const std::string database = "mlflow_" + SchemaNameFor(dir.path());
  ASSERT_OK_AND_ASSIGN(PgUri admin_uri, ParsePostgresUri(TestPostgresUri()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<PgConnection> admin, PgConnection::Open(admin_uri));
  ASSERT_OK(admin->Exec(fmt::format("CREATE DATABASE {}", database)));
  std::string base = TestPostgresUri();
  std::string from = base.substr(0, base.rfind('/') + 1) + database;
  std::string load = fmt::format("psql -q -v ON_ERROR_STOP=1 -d '{}' -f '{}' >'{}' 2>&1", from,
                                 kFixtures + "/mlflow-2.12.2.postgresql.sql", dir / "psql.log");
  ASSERT_EQ(std::system(load.c_str()), 0) << ReadFile(dir / "psql.log");
  const std::string to = "sqlite:///" + (dir / "orchard.db");
  ASSERT_OK_AND_ASSIGN(CopyReport report, CopyStore(from, to, dir / "artifacts", Quiet));
  EXPECT_EQ(report.runs, 13);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteTrackingStore> tracking,
                       SqliteTrackingStore::Open(dir / "orchard.db", dir / "artifacts"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqlRegistryStore> registry,
                       SqlRegistryStore::OpenSqlite(dir / "orchard.db"));
  ExpectMatchesSummary(kFixtures + "/mlflow-2.12.2.postgresql.summary.json", *tracking, *registry);
  ASSERT_OK(admin->Exec(fmt::format("DROP DATABASE {}", database)));
}

TEST(StoreCopy, AnOrchardStoreMovesFromSqliteToPostgresKeepingEveryIdentity) {
  ORCHARD_REQUIRE_POSTGRES();
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteTrackingStore> sqlite,
                       SqliteTrackingStore::Open(dir / "orchard.db", dir / "artifacts"));
  ASSERT_OK_AND_ASSIGN(std::string experiment,
                       sqlite->CreateExperiment({.name = "loan", .tags = {{"team", "risk"}}}));
  std::vector<std::string> run_ids;
  for (int r = 0; r < 3; ++r) {
    ASSERT_OK_AND_ASSIGN(orchard::Run run,
                         sqlite->CreateRun({.experiment_id = experiment,
                                            .run_name = fmt::format("trial-{}", r),
                                            .start_time = 1700000000000 + r}));
    std::vector<Metric> metrics = {{"loss", std::nan(""), 1, 0},
                                   {"loss", std::numeric_limits<double>::infinity(), 2, 1},
                                   {"loss", -std::numeric_limits<double>::infinity(), 3, 2},
                                   {"loss", 0.1 + r, 4, 3},
                                   {"auc", 1.0 / 3.0, 5, 0}};
    ASSERT_OK(sqlite->LogBatch(run.info.run_id, metrics, {{"max_depth", std::to_string(r)}},
                               {{"note", "ü ' \" \\ {}"}}));
    ASSERT_OK(sqlite->LogInputs(
        run.info.run_id, {{{{"mlflow.data.context", "training"}},
                           {"loan", "abc123", "local", "{\"uri\": \"loan.csv\"}", "", ""}}}));
    ASSERT_OK(sqlite->UpdateRun(
        {.run_id = run.info.run_id, .status = RunStatus::kFinished, .end_time = 1700000009999}));
    run_ids.push_back(run.info.run_id);
  }
  ASSERT_OK(sqlite->DeleteRun(run_ids[2]));
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqlRegistryStore> registry,
                         SqlRegistryStore::OpenSqlite(dir / "orchard.db"));
    ASSERT_OK(
        registry->CreateRegisteredModel("loan_model", "the model", {{"owner", "risk"}}).status());
    for (int v = 0; v < 3; ++v) {
      ASSERT_OK(registry->CreateModelVersion("loan_model", {.source = "runs:/a/model"}).status());
    }
    ASSERT_OK(registry->DeleteModelVersion("loan_model", "3"));
    ASSERT_OK(registry->TransitionStage("loan_model", "2", "Production", false).status());
    ASSERT_OK(registry->SetAlias("loan_model", "champion", "2"));
  }
  const std::string to = TestPostgresSchemaUri(SchemaNameFor(dir.path()));
  ASSERT_OK_AND_ASSIGN(CopyReport report, CopyStore("sqlite:///" + (dir / "orchard.db"), to,
                                                    dir / "artifacts", Quiet));
  EXPECT_NE(report.source.find("Orchard"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<PgTrackingStore> pg,
                       PgTrackingStore::Open(to, dir / "artifacts", 2));
  for (const std::string& run_id : run_ids) {
    ASSERT_OK_AND_ASSIGN(orchard::Run before, sqlite->GetRun(run_id));
    ASSERT_OK_AND_ASSIGN(orchard::Run after, pg->GetRun(run_id));
    EXPECT_EQ(after.info.experiment_id, before.info.experiment_id);
    EXPECT_EQ(after.info.run_name, before.info.run_name);
    EXPECT_EQ(after.info.start_time, before.info.start_time);
    EXPECT_EQ(after.info.end_time, before.info.end_time);
    EXPECT_EQ(after.info.status, before.info.status);
    EXPECT_EQ(after.info.lifecycle_stage, before.info.lifecycle_stage);
    EXPECT_EQ(after.info.artifact_uri, before.info.artifact_uri);
    EXPECT_EQ(after.data.params, before.data.params);
    EXPECT_EQ(after.data.tags, before.data.tags);
    ASSERT_EQ(after.inputs.size(), 1u);
    EXPECT_EQ(after.inputs[0].tags, before.inputs[0].tags);
    for (const char* key : {"loss", "auc"}) {
      ASSERT_OK_AND_ASSIGN(std::vector<Metric> want, sqlite->GetMetricHistory(run_id, key));
      ASSERT_OK_AND_ASSIGN(std::vector<Metric> got, pg->GetMetricHistory(run_id, key));
      ASSERT_EQ(got.size(), want.size()) << key;
      for (size_t i = 0; i < got.size(); ++i) {
        // Bit for bit: NaN, both infinities, 1/3.
        EXPECT_EQ(std::isnan(got[i].value), std::isnan(want[i].value));
        if (!std::isnan(want[i].value)) {
          EXPECT_EQ(got[i].value, want[i].value);
        }
        EXPECT_EQ(got[i].step, want[i].step);
        EXPECT_EQ(got[i].timestamp, want[i].timestamp);
      }
    }
  }
  ASSERT_OK_AND_ASSIGN(Experiment copied, pg->GetExperiment(experiment));
  EXPECT_EQ(copied.name, "loan");
  EXPECT_EQ(copied.tags, (std::vector<Tag>{{"team", "risk"}}));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqlRegistryStore> registry,
                       SqlRegistryStore::OpenPostgres(to, 1));
  ASSERT_OK_AND_ASSIGN(ModelVersion champion, registry->GetByAlias("loan_model", "champion"));
  EXPECT_EQ(champion.version, "2");
  EXPECT_EQ(champion.current_stage, "Production");
  // Version 3 was deleted before the move: its number is not reused after it.
  ASSERT_OK_AND_ASSIGN(ModelVersion next,
                       registry->CreateModelVersion("loan_model", {.source = "runs:/b/model"}));
  EXPECT_EQ(next.version, "4");
}

TEST(StoreCopy, RefusesWhatIsNotATrackingDatabase) {
  TempDir dir;
  std::ofstream(dir / "notes.db") << "";
  auto missing = CopyStore("sqlite:///" + (dir / "absent.db"), "sqlite:///" + (dir / "to.db"),
                           dir / "artifacts", Quiet);
  EXPECT_EQ(missing.status().code(), ErrorCode::kInvalidParameterValue);
  auto empty = CopyStore("sqlite:///" + (dir / "notes.db"), "sqlite:///" + (dir / "to.db"),
                         dir / "artifacts", Quiet);
  EXPECT_EQ(empty.status().code(), ErrorCode::kInvalidParameterValue);
  EXPECT_NE(empty.status().message().find("neither an Orchard nor an MLflow"), std::string::npos);
}

}  // namespace
}  // namespace orchard::testing
