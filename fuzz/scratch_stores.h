// The stores a fuzz target writes to: tracking and registry on one SQLite file in a scratch
// folder of its own (named after the target and the process), made on first use and kept for the
// whole run. Aborts when they cannot be opened: the fuzzer cannot run without them.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "store/registry/sql_registry_store.h"
#include "store/tracking/sqlite_tracking_store.h"

namespace orchard::fuzzing {

struct ScratchStores {
  std::filesystem::path dir;  // holds o.db; artifacts go under dir/artifacts
  std::unique_ptr<SqliteTrackingStore> tracking;
  std::unique_ptr<SqlRegistryStore> registry;
};

inline ScratchStores OpenScratchStores(const std::string& target) {
  ScratchStores stores;
  stores.dir = std::filesystem::temp_directory_path() /
               ("orchard-" + target + "-" + std::to_string(getpid()));
  std::filesystem::create_directories(stores.dir);
  auto tracking = SqliteTrackingStore::Open((stores.dir / "o.db").string(), "mlflow-artifacts:");
  auto registry = SqlRegistryStore::OpenSqlite((stores.dir / "o.db").string());
  if (!tracking.ok() || !registry.ok()) std::abort();
  stores.tracking = std::move(tracking).value();
  stores.registry = std::move(registry).value();
  return stores;
}

}  // namespace orchard::fuzzing
