// orchard gc's collector on SQLite and PostgreSQL: deleted runs and experiments go with every
// row they own; active ones, and the default experiment's row, stay; --older-than and explicit
// ids are honoured, and a refusal removes nothing.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "base/clock.h"
#include "db/pg_connection.h"
#include "db/pg_uri.h"
#include "db/sqlite_connection.h"
#include "store/tracking/garbage_collector.h"
#include "support/backing_stores.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace orchard {
namespace {

class GarbageCollectorTest : public ::testing::TestWithParam<testing::Backend> {
 protected:
  void SetUp() override {
    ORCHARD_REQUIRE_BACKEND(GetParam());
    key_ = dir_ / "db";
    auto stores = testing::OpenBacking(GetParam(), key_, dir_ / "artifacts");
    ASSERT_TRUE(stores.ok()) << stores.status().ToString();
    store_ = std::move(stores->tracking);
    if (GetParam() == testing::Backend::kSqlite) {
      auto db = SqliteConnection::Open(key_ + "/orchard.db");
      ASSERT_TRUE(db.ok());
      db_ = MakeSqliteDatabase(std::move(*db));
    } else {
      auto uri = ParsePostgresUri(testing::TestPostgresSchemaUri(testing::SchemaNameFor(key_)));
      ASSERT_TRUE(uri.ok());
      auto pool = PgPool::Open(*uri, 1);
      ASSERT_TRUE(pool.ok()) << pool.status().ToString();
      db_ = MakePgDatabase(std::move(*pool));
    }
  }

  std::string NewRun(const std::string& experiment_id) {
    StatusOr<orchard::Run> run = store_->CreateRun({.experiment_id = experiment_id});
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    const std::string id = run->info.run_id;
    EXPECT_OK(store_->LogBatch(id, {{"loss", 0.5, 1, 0}}, {{"p", "1"}}, {{"t", "v"}}));
    return id;
  }

  testing::TempDir dir_;
  std::string key_;
  std::unique_ptr<TrackingStore> store_;
  std::unique_ptr<SqlDatabase> db_;
};

TEST_P(GarbageCollectorTest, RemovesWhatIsDeletedAndNothingElse) {
  ASSERT_OK_AND_ASSIGN(std::string kept_experiment, store_->CreateExperiment({.name = "kept"}));
  ASSERT_OK_AND_ASSIGN(std::string gone_experiment, store_->CreateExperiment({.name = "gone"}));
  const std::string active = NewRun(kept_experiment);
  const std::string deleted = NewRun(kept_experiment);
  const std::string in_gone = NewRun(gone_experiment);
  const std::string in_default = NewRun("0");
  ASSERT_OK(store_->DeleteRun(deleted));
  ASSERT_OK(store_->DeleteRun(in_default));
  ASSERT_OK(store_->DeleteExperiment(gone_experiment));
  const int64_t now = NowMillis();

  // Named explicitly, an active run is refused, and nothing goes.
  StatusOr<GarbageCollected> refused =
      CollectGarbage(*db_, {.run_ids = {deleted, active}, .now_ms = now});
  EXPECT_FALSE(refused.ok());
  EXPECT_OK(store_->GetRun(deleted).status());
  // Too young for an hour's --older-than.
  ASSERT_OK_AND_ASSIGN(GarbageCollected young,
                       CollectGarbage(*db_, {.older_than_ms = 3'600'000, .now_ms = now}));
  EXPECT_TRUE(young.runs.empty());
  EXPECT_TRUE(young.experiments.empty());
  // Two hours later, everything deleted goes.
  ASSERT_OK_AND_ASSIGN(
      GarbageCollected collected,
      CollectGarbage(*db_, {.older_than_ms = 3'600'000, .now_ms = now + 7'200'000}));
  std::vector<std::string> runs;
  for (const RemovedRun& run : collected.runs) runs.push_back(run.run_id);
  std::sort(runs.begin(), runs.end());
  std::vector<std::string> expected = {deleted, in_gone, in_default};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(runs, expected);
  ASSERT_EQ(collected.experiments.size(), 1u);
  EXPECT_EQ(collected.experiments[0].experiment_id, gone_experiment);
  for (const std::string& run : expected) {
    EXPECT_EQ(store_->GetRun(run).status().code(), ErrorCode::kResourceDoesNotExist);
  }
  EXPECT_EQ(store_->GetExperiment(gone_experiment).status().code(),
            ErrorCode::kResourceDoesNotExist);
  ASSERT_OK_AND_ASSIGN(orchard::Run kept, store_->GetRun(active));
  EXPECT_EQ(kept.data.metrics.size(), 1u);
  EXPECT_OK(store_->GetExperiment("0").status());
  // No row of a removed run is left in any table.
  EXPECT_OK(db_->Read([&](SqlSession& session) -> Status {
    for (const char* table : {"metrics", "latest_metrics", "params", "tags"}) {
      ORCHARD_ASSIGN_OR_RETURN(
          SqlRows orphans,
          session.Query(fmt::format(
              "SELECT count(*) FROM {} WHERE run_pk NOT IN (SELECT run_pk FROM runs)", table)));
      EXPECT_EQ(orphans.Int(0, 0), 0) << table;
    }
    ORCHARD_ASSIGN_OR_RETURN(SqlRows metrics, session.Query("SELECT count(*) FROM metrics"));
    EXPECT_EQ(metrics.Int(0, 0), 1);  // the active run's only
    return Status::Ok();
  }));
  // A name taken by a removed experiment is free again.
  EXPECT_OK(store_->CreateExperiment({.name = "gone"}).status());
}

TEST_P(GarbageCollectorTest, ExplicitExperimentsMustBeDeleted) {
  ASSERT_OK_AND_ASSIGN(std::string experiment, store_->CreateExperiment({.name = "x"}));
  NewRun(experiment);
  EXPECT_FALSE(CollectGarbage(*db_, {.experiment_ids = {experiment}, .now_ms = NowMillis()}).ok());
  EXPECT_FALSE(CollectGarbage(*db_, {.experiment_ids = {"999"}, .now_ms = NowMillis()}).ok());
  ASSERT_OK(store_->DeleteExperiment(experiment));
  ASSERT_OK_AND_ASSIGN(
      GarbageCollected collected,
      CollectGarbage(*db_, {.experiment_ids = {experiment}, .now_ms = NowMillis()}));
  EXPECT_EQ(collected.runs.size(), 1u);
  EXPECT_EQ(store_->GetExperiment(experiment).status().code(), ErrorCode::kResourceDoesNotExist);
}

TEST(ParseAgeTest, MlflowsForm) {
  EXPECT_EQ(*ParseAge("30d"), 30LL * 86'400'000);
  EXPECT_EQ(*ParseAge("1d2h3m4s"), 86'400'000LL + 2 * 3'600'000 + 3 * 60'000 + 4'000);
  EXPECT_EQ(*ParseAge("45m"), 45LL * 60'000);
  for (const char* bad : {"", "d", "3", "1h2d", "1x", "1d1d", "-1d", "1.5h"}) {
    EXPECT_FALSE(ParseAge(bad).ok()) << bad;
  }
}

ORCHARD_ON_EVERY_BACKEND(GarbageCollectorTest);

}  // namespace
}  // namespace orchard
