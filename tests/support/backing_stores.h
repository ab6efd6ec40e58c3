// The databases a server under test stands on: every REST suite runs on SQLite and on
// PostgreSQL (a fresh schema of the test server per folder), one suite parameterised by this.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <ostream>
#include <string>

#include "store/registry/sql_registry_store.h"
#include "store/tracking/pg_tracking_store.h"
#include "store/tracking/sqlite_tracking_store.h"
#include "support/test_postgres.h"

namespace orchard::testing {

enum class Backend { kSqlite, kPostgres };

inline std::ostream& operator<<(std::ostream& out, Backend backend) {
  return out << (backend == Backend::kSqlite ? "sqlite" : "postgresql");
}
inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

struct BackingStores {
  std::unique_ptr<TrackingStore> tracking;
  std::unique_ptr<RegistryStore> registry;
};

// Whether `backend` can run here (PostgreSQL needs the test server).
inline bool BackendAvailable(Backend backend) {
  return backend == Backend::kSqlite || !TestPostgresUri().empty();
}

// The tracking store and registry of the database kept for `dir` (made on first use; opening
// twice for one folder reaches the same data, as a restarted server would).
inline StatusOr<BackingStores> OpenBacking(Backend backend, const std::string& dir,
                                           const std::string& artifact_root, int connections = 4) {
  std::filesystem::create_directories(dir);
  BackingStores stores;
  if (backend == Backend::kSqlite) {
    ORCHARD_ASSIGN_OR_RETURN(stores.tracking,
                             SqliteTrackingStore::Open(dir + "/orchard.db", artifact_root));
    ORCHARD_ASSIGN_OR_RETURN(stores.registry, SqlRegistryStore::OpenSqlite(dir + "/orchard.db"));
    return stores;
  }
  const std::string uri = TestPostgresSchemaUri(SchemaNameFor(dir));
  ORCHARD_ASSIGN_OR_RETURN(stores.tracking, PgTrackingStore::Open(uri, artifact_root, connections));
  ORCHARD_ASSIGN_OR_RETURN(stores.registry, SqlRegistryStore::OpenPostgres(uri, connections));
  return stores;
}

// For a parameterised fixture's SetUp: skips, loudly, when the backend cannot run here.
#define ORCHARD_REQUIRE_BACKEND(backend)                                                    \
  do {                                                                                      \
    if (!::orchard::testing::BackendAvailable(backend)) {                                   \
      GTEST_SKIP() << "!!! no PostgreSQL for the tests (scripts/test-postgres.sh found no " \
                      "server): SKIPPED";                                                   \
    }                                                                                       \
  } while (false)

// Both backends, for INSTANTIATE_TEST_SUITE_P.
#define ORCHARD_ON_EVERY_BACKEND(suite)                                               \
  INSTANTIATE_TEST_SUITE_P(Stores, suite,                                             \
                           ::testing::Values(::orchard::testing::Backend::kSqlite,    \
                                             ::orchard::testing::Backend::kPostgres), \
                           ::orchard::testing::BackendName)

}  // namespace orchard::testing
