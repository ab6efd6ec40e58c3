// The SQL model registry passes the registry contract suite (registry_store_contract.cc) on
// SQLite and on PostgreSQL, and stays correct when several stores (as several servers would)
// write one PostgreSQL registry at once.
#include "store/registry/sql_registry_store.h"

#include <filesystem>
#include <set>
#include <thread>

#include "store/registry/registry_store_contract.h"
#include "store/tracking/pg_tracking_store.h"
#include "store/tracking/sqlite_tracking_store.h"
#include "support/status_matchers.h"
#include "support/test_postgres.h"

namespace orchard::testing {
namespace {

std::unique_ptr<RegistryStore> MakeSqliteRegistry(const std::string& dir) {
  std::filesystem::create_directories(dir);
  // The tracking store creates the file and its tables (the registry's among them).
  auto tracking = SqliteTrackingStore::Open(dir + "/orchard.db", dir + "/artifacts");
  EXPECT_TRUE(tracking.ok()) << tracking.status().ToString();
  if (!tracking.ok()) return nullptr;
  auto registry = SqlRegistryStore::OpenSqlite(dir + "/orchard.db");
  EXPECT_TRUE(registry.ok()) << registry.status().ToString();
  return registry.ok() ? std::move(registry).value() : nullptr;
}

// One schema per folder: opening twice on one folder reaches the same registry.
std::unique_ptr<RegistryStore> MakePgRegistry(const std::string& dir) {
  if (TestPostgresUri().empty()) return nullptr;
  std::filesystem::create_directories(dir);
  std::string uri = TestPostgresSchemaUri(SchemaNameFor(dir));
  auto tracking = PgTrackingStore::Open(uri, dir + "/artifacts", 2);
  EXPECT_TRUE(tracking.ok()) << tracking.status().ToString();
  if (!tracking.ok()) return nullptr;
  auto registry = SqlRegistryStore::OpenPostgres(uri, 4);
  EXPECT_TRUE(registry.ok()) << registry.status().ToString();
  return registry.ok() ? std::move(registry).value() : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, RegistryStoreContract,
                         ::testing::Values(RegistryStoreFactory{"sqlite", MakeSqliteRegistry}));
INSTANTIATE_TEST_SUITE_P(Postgres, RegistryStoreContract,
                         ::testing::Values(RegistryStoreFactory{"postgresql", MakePgRegistry}));

// Several registries on one database, as several servers: each has its own connections.
class PgRegistryConcurrency : public ::testing::Test {
 protected:
  void SetUp() override {
    ORCHARD_REQUIRE_POSTGRES();
    for (int i = 0; i < 4; ++i) {
      servers_.push_back(MakePgRegistry(dir_ / "registry"));
      ASSERT_NE(servers_.back(), nullptr);
    }
    ASSERT_OK(servers_[0]->CreateRegisteredModel("loan_model", "", {}).status());
  }
  TempDir dir_;
  std::vector<std::unique_ptr<RegistryStore>> servers_;
};

TEST_F(PgRegistryConcurrency, ConcurrentRegistrationsNumberVersionsWithoutGapOrDuplicate) {
  constexpr int kPerServer = 10;
  std::vector<std::thread> threads;
  std::vector<std::vector<std::string>> numbers(servers_.size());
  for (size_t s = 0; s < servers_.size(); ++s) {
    threads.emplace_back([&, s] {
      for (int i = 0; i < kPerServer; ++i) {
        auto version = servers_[s]->CreateModelVersion(
            "loan_model", {.source = "runs:/0123456789abcdef0123456789abcdef/model"});
        EXPECT_TRUE(version.ok()) << version.status().ToString();
        if (version.ok()) numbers[s].push_back(version->version);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<int> seen;
  for (const auto& list : numbers) {
    for (const std::string& n : list) EXPECT_TRUE(seen.insert(std::stoi(n)).second) << n;
  }
  ASSERT_EQ(seen.size(), servers_.size() * kPerServer);
  EXPECT_EQ(*seen.begin(), 1);
  EXPECT_EQ(*seen.rbegin(), static_cast<int>(servers_.size() * kPerServer));
}

TEST_F(PgRegistryConcurrency, ArchiveExistingLeavesExactlyOneVersionInTheStage) {
  constexpr int kVersions = 8;
  for (int i = 0; i < kVersions; ++i) {
    ASSERT_OK(servers_[0]->CreateModelVersion("loan_model", {.source = "runs:/x/model"}).status());
  }
  for (int round = 0; round < 3; ++round) {
    std::vector<std::thread> threads;
    for (int v = 1; v <= kVersions; ++v) {
      threads.emplace_back([&, v] {
        auto moved = servers_[v % servers_.size()]->TransitionStage(
            "loan_model", std::to_string(v), "Production", /*archive_existing=*/true);
        EXPECT_TRUE(moved.ok()) << moved.status().ToString();
      });
    }
    for (std::thread& t : threads) t.join();
    ASSERT_OK_AND_ASSIGN(std::vector<ModelVersion> versions,
                         servers_[1]->ListModelVersions("loan_model"));
    int in_production = 0;
    for (const ModelVersion& v : versions) in_production += v.current_stage == "Production";
    EXPECT_EQ(in_production, 1) << "round " << round;
  }
}

}  // namespace
}  // namespace orchard::testing
