// The contract suite for RegistryStore: every implementation (SQLite, PostgreSQL, and REST
// against a real `orchard server`) instantiates it with a factory and must pass it unchanged:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, RegistryStoreContract,
//                            ::testing::Values(RegistryStoreFactory{"sqlite",
//                            MakeSqliteRegistry}));
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "store/registry/registry_store.h"
#include "support/temp_dir.h"

namespace orchard::testing {

struct RegistryStoreFactory {
  std::string name;
  // Opens a store on the registry kept under `dir` (made empty on first use). Opening twice on
  // one folder gives two stores over the same registry, as two processes or servers would.
  // nullptr when the database it needs is not available here (the tests then skip).
  std::function<std::unique_ptr<RegistryStore>(const std::string& dir)> make;
  // The source and run id under which `store` registers the model files in `model_folder`: for a
  // server, a run's artifacts holding a copy of them. None: the folder itself.
  std::function<StatusOr<NewModelVersion>(RegistryStore& store, const std::string& model_folder)>
      source_of = nullptr;
};

inline std::ostream& operator<<(std::ostream& out, const RegistryStoreFactory& factory) {
  return out << factory.name;
}

class RegistryStoreContract : public ::testing::TestWithParam<RegistryStoreFactory> {
 protected:
  void SetUp() override;
  // A new version of `name` from a model folder (a source every store can read), with the
  // description and tags of `version`.
  StatusOr<ModelVersion> NewVersion(const std::string& name, RegistryStore* store = nullptr,
                                    NewModelVersion version = {});

  TempDir dir_;
  std::unique_ptr<RegistryStore> store_;
};

}  // namespace orchard::testing
