// The SQLite model registry passes the registry contract suite (registry_store_contract.cc).
#include "store/registry/sqlite_registry_store.h"

#include <filesystem>

#include "store/registry/registry_store_contract.h"
#include "store/tracking/sqlite_tracking_store.h"

namespace orchard::testing {
namespace {

std::unique_ptr<RegistryStore> MakeSqliteRegistry(const std::string& dir) {
  std::filesystem::create_directories(dir);
  // The tracking store creates the file and its tables (the registry's among them).
  if (!SqliteTrackingStore::Open(dir + "/orchard.db", dir + "/artifacts").ok()) return nullptr;
  auto registry = SqliteRegistryStore::Open(dir + "/orchard.db");
  if (!registry.ok()) return nullptr;
  return std::move(registry).value();
}

INSTANTIATE_TEST_SUITE_P(Sqlite, RegistryStoreContract,
                         ::testing::Values(RegistryStoreFactory{"sqlite", MakeSqliteRegistry}));

}  // namespace
}  // namespace orchard::testing
