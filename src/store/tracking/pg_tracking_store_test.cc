// The PostgreSQL tracking store passes the tracking contract suite, migrates safely when several
// servers start at once, stays correct when several servers write one run, and recovers from a
// lost connection. URIs keep their passwords out of every message.
#include "store/tracking/pg_tracking_store.h"

#include <set>
#include <thread>

#include <fmt/format.h>

#include "db/pg_migrations.h"
#include "store/tracking/pg_tracking_schema.h"
#include "store/tracking/tracking_store_contract.h"
#include "support/status_matchers.h"
#include "support/test_postgres.h"

namespace orchard::testing {
namespace {

std::unique_ptr<PgTrackingStore> OpenPg(const std::string& dir, int connections = 4) {
  if (TestPostgresUri().empty()) return nullptr;
  auto store = PgTrackingStore::Open(TestPostgresSchemaUri(SchemaNameFor(dir)), dir + "/artifacts",
                                     connections);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

std::unique_ptr<TrackingStore> MakePgStore(const std::string& dir) { return OpenPg(dir); }

INSTANTIATE_TEST_SUITE_P(Postgres, TrackingStoreContract,
                         ::testing::Values(TrackingStoreFactory{"postgresql", MakePgStore}));

TEST(PgUri, AcceptsTheSchemesMlflowUsersWrite) {
  for (const char* uri : {"postgresql://u@h:5432/db", "postgres://u@h/db",
                          "postgresql+psycopg2://u:secret@h:5432/db?sslmode=require"}) {
    ASSERT_OK_AND_ASSIGN(PgUri parsed, ParsePostgresUri(uri));
    EXPECT_TRUE(parsed.conninfo.starts_with("postgresql://")) << parsed.conninfo;
    EXPECT_EQ(parsed.display.find("secret"), std::string::npos) << parsed.display;
  }
  EXPECT_FALSE(ParsePostgresUri("mysql://u:secret@h/db").ok());
  EXPECT_EQ(ParsePostgresUri("mysql://u:secret@h/db").status().message().find("secret"),
            std::string::npos);
}

TEST(PgUri, RedactsPasswordsInTheUserPartAndTheQuery) {
  EXPECT_EQ(RedactUriPassword("postgresql://alice:s3cr@t@db.example:5432/orchard"),
            "postgresql://alice:***@db.example:5432/orchard");
  EXPECT_EQ(RedactUriPassword("postgresql://db/orchard?user=a&password=s3cret&sslmode=require"),
            "postgresql://db/orchard?user=a&password=***&sslmode=require");
  EXPECT_EQ(RedactUriPassword("postgresql://alice@db/orchard"), "postgresql://alice@db/orchard");
  EXPECT_EQ(RedactUriPassword("sqlite:///orchard.db"), "sqlite:///orchard.db");
}

// For pg_dump, which gets the password in its environment and the rest on its command line.
TEST(PgUri, SplitsThePasswordOut) {
  using Split = std::pair<std::string, std::string>;
  EXPECT_EQ(SplitUserInfoPassword("postgresql://alice:s3cr@t@db.example:5432/orchard"),
            Split("postgresql://alice@db.example:5432/orchard", "s3cr@t"));
  EXPECT_EQ(SplitUserInfoPassword("postgresql://alice:a%2Fb%zz@db/orchard"),
            Split("postgresql://alice@db/orchard", "a/b%zz"));
  EXPECT_EQ(SplitUserInfoPassword("postgresql://alice@db/orchard"),
            Split("postgresql://alice@db/orchard", ""));
}

// --durability sets each session's synchronous_commit; by default the server's own setting holds.
TEST(PgTrackingStore, DurabilitySetsSynchronousCommit) {
  ORCHARD_REQUIRE_POSTGRES();
  for (auto [durability, setting] :
       {std::pair{Durability::kProcess, "off"}, std::pair{Durability::kOs, "on"},
        std::pair{Durability::kDefault, "on"}}) {
    auto uri = ParsePostgresUri(TestPostgresUri());
    ASSERT_TRUE(uri.ok());
    uri->durability = durability;
    auto db = PgConnection::Open(*uri);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    auto shown = (*db)->Query("SELECT current_setting('synchronous_commit')");
    ASSERT_TRUE(shown.ok()) << shown.status().ToString();
    EXPECT_EQ(shown->Text(0, 0), setting);
  }
}

TEST(PgTrackingStore, AnUnreachableServerIsAClearErrorWithoutThePassword) {
  // Port 1 on loopback: nothing listens there.
  auto store =
      PgTrackingStore::Open("postgresql://alice:s3cret@127.0.0.1:1/orchard", "/tmp/artifacts", 1);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kTemporarilyUnavailable);
  EXPECT_EQ(store.status().message().find("s3cret"), std::string::npos) << store.status().message();
  EXPECT_NE(store.status().message().find("alice:***@127.0.0.1:1"), std::string::npos)
      << store.status().message();
}

TEST(PgTrackingStore, AValueWithANulCharacterIsRefusedNotCut) {
  ORCHARD_REQUIRE_POSTGRES();
  TempDir dir;
  auto store = OpenPg(dir.path().string(), 1);
  ASSERT_NE(store, nullptr);
  ASSERT_OK_AND_ASSIGN(orchard::Run run, store->CreateRun({}));
  const std::string with_nul("before\0after", 12);
  Status tagged = store->SetTag(run.info.run_id, {"note", with_nul});
  EXPECT_EQ(tagged.code(), ErrorCode::kInvalidParameterValue) << tagged.ToString();
  ASSERT_OK_AND_ASSIGN(orchard::Run read, store->GetRun(run.info.run_id));
  EXPECT_FALSE(read.TagValue("note").has_value()) << "nothing half-written";
}

TEST(PgTrackingStore, ServersStartingTogetherOnAnEmptyDatabaseEndWithOneSchema) {
  ORCHARD_REQUIRE_POSTGRES();
  TempDir dir;
  std::vector<std::thread> servers;
  std::atomic<int> opened{0};
  for (int i = 0; i < 6; ++i) {
    servers.emplace_back([&] {
      if (OpenPg(dir.path().string(), 1) != nullptr) ++opened;
    });
  }
  for (std::thread& t : servers) t.join();
  EXPECT_EQ(opened.load(), 6);
  ASSERT_OK_AND_ASSIGN(PgUri uri,
                       ParsePostgresUri(TestPostgresSchemaUri(SchemaNameFor(dir.path()))));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<PgConnection> db, PgConnection::Open(uri));
  ASSERT_OK_AND_ASSIGN(PgResult versions,
                       db->Query("SELECT count(*), max(version) FROM schema_version"));
  EXPECT_EQ(versions.Int(0, 0), static_cast<int64_t>(PgTrackingMigrations().size()));
  ASSERT_OK_AND_ASSIGN(PgResult defaults,
                       db->Query("SELECT count(*) FROM experiments WHERE experiment_id = 0"));
  EXPECT_EQ(defaults.Int(0, 0), 1);
}

TEST(PgTrackingStore, RefusesADatabaseFromANewerOrchard) {
  ORCHARD_REQUIRE_POSTGRES();
  TempDir dir;
  ASSERT_NE(OpenPg(dir.path().string()), nullptr);
  ASSERT_OK_AND_ASSIGN(PgUri uri,
                       ParsePostgresUri(TestPostgresSchemaUri(SchemaNameFor(dir.path()))));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<PgConnection> db, PgConnection::Open(uri));
  ASSERT_OK(db->Exec("INSERT INTO schema_version (version) VALUES (999)"));
  auto again =
      PgTrackingStore::Open(TestPostgresSchemaUri(SchemaNameFor(dir.path())), dir / "artifacts", 1);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), ErrorCode::kInvalidState);
  EXPECT_NE(again.status().message().find("newer than this orchard"), std::string::npos)
      << again.status().message();
}

// Several stores on one database stand for several servers behind a load balancer.
TEST(PgTrackingStore, ConcurrentWritesToOneRunFromSeveralServersLoseNothing) {
  ORCHARD_REQUIRE_POSTGRES();
  TempDir dir;
  std::vector<std::unique_ptr<PgTrackingStore>> servers;
  for (int i = 0; i < 3; ++i) servers.push_back(OpenPg(dir.path().string(), 2));
  for (auto& server : servers) ASSERT_NE(server, nullptr);
  ASSERT_OK_AND_ASSIGN(orchard::Run run, servers[0]->CreateRun({.run_name = "shared"}));
  const std::string run_id = run.info.run_id;
  constexpr int kWriters = 6, kBatches = 20, kPerBatch = 50;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      TrackingStore& store = *servers[w % servers.size()];
      for (int b = 0; b < kBatches; ++b) {
        std::vector<Metric> metrics;
        for (int i = 0; i < kPerBatch; ++i) {
          // Each writer has its own metric names too, created concurrently with the others'.
          metrics.push_back({fmt::format("m{}", (w + i) % 9), double(w * 1000 + b), b * 100 + i,
                             int64_t{w * kBatches * kPerBatch + b * kPerBatch + i}});
        }
        Status logged = store.LogBatch(run_id, metrics, {{fmt::format("p{}_{}", w, b), "v"}},
                                       {{fmt::format("t{}", w), std::to_string(b)}});
        EXPECT_TRUE(logged.ok()) << logged.ToString();
      }
    });
  }
  for (std::thread& t : writers) t.join();
  size_t points = 0;
  for (int k = 0; k < 9; ++k) {
    ASSERT_OK_AND_ASSIGN(std::vector<Metric> history,
                         servers[1]->GetMetricHistory(run_id, fmt::format("m{}", k)));
    points += history.size();
  }
  EXPECT_EQ(points, size_t{kWriters * kBatches * kPerBatch});
  ASSERT_OK_AND_ASSIGN(orchard::Run read, servers[2]->GetRun(run_id));
  EXPECT_EQ(read.data.params.size(), size_t{kWriters * kBatches});
  EXPECT_EQ(read.data.metrics.size(), 9u);
}

TEST(PgTrackingStore, AParamLoggedTwiceWithDifferentValuesFailsOnWhicheverServer) {
  ORCHARD_REQUIRE_POSTGRES();
  TempDir dir;
  auto first = OpenPg(dir.path().string(), 1);
  auto second = OpenPg(dir.path().string(), 1);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  for (int round = 0; round < 10; ++round) {
    ASSERT_OK_AND_ASSIGN(orchard::Run run, first->CreateRun({}));
    Status a, b;
    std::thread one([&] { a = first->LogParam(run.info.run_id, {"lr", "0.1"}); });
    std::thread two([&] { b = second->LogParam(run.info.run_id, {"lr", "0.2"}); });
    one.join();
    two.join();
    EXPECT_NE(a.ok(), b.ok()) << a.ToString() << " / " << b.ToString();
    const Status& refused = a.ok() ? b : a;
    EXPECT_EQ(refused.code(), ErrorCode::kInvalidParameterValue);
    EXPECT_NE(refused.message().find("Changing param values is not allowed"), std::string::npos);
  }
}

TEST(PgTrackingStore, ALostConnectionFailsOneRequestWithUnavailableAndTheNextReconnects) {
  ORCHARD_REQUIRE_POSTGRES();
  TempDir dir;
  // Its connections carry a name of their own, so that only they are ended below (other tests
  // run beside this one on the same server).
  const std::string name = SchemaNameFor(dir.path());
  auto opened = PgTrackingStore::Open(TestPostgresSchemaUri(name) + "&application_name=" + name,
                                      dir / "artifacts", 1);
  ASSERT_OK(opened.status());
  std::unique_ptr<PgTrackingStore> store = std::move(opened).value();
  ASSERT_OK_AND_ASSIGN(orchard::Run run, store->CreateRun({}));
  // What a database restart does to a server's connections: they end (waiting until they have).
  ASSERT_OK_AND_ASSIGN(PgUri admin_uri, ParsePostgresUri(TestPostgresUri()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<PgConnection> admin, PgConnection::Open(admin_uri));
  ASSERT_OK_AND_ASSIGN(PgResult ended,
                       admin->Query("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, "
                                    "10000)) FROM pg_stat_activity WHERE application_name = ?",
                                    {name}));
  ASSERT_EQ(ended.Int(0, 0), 1);
  auto lost = store->GetRun(run.info.run_id);
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.status().code(), ErrorCode::kTemporarilyUnavailable) << lost.status().ToString();
  ASSERT_OK_AND_ASSIGN(orchard::Run again, store->GetRun(run.info.run_id));
  EXPECT_EQ(again.info.run_id, run.info.run_id);
}

}  // namespace
}  // namespace orchard::testing
