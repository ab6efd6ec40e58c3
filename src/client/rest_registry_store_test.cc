// The registry contract suite through the REST store, against a real `orchard server`
// (in-process, port 0, over loopback) on SQLite: the same tests the SQLite registry passes.
// Two stores on one folder are two servers sharing one database.
#include "client/rest_registry_store.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "server/tracking_server.h"
#include "store/registry/registry_store_contract.h"
#include "store/registry/sqlite_registry_store.h"
#include "store/tracking/sqlite_tracking_store.h"

namespace orchard::testing {
namespace {

// A REST registry that owns the server it talks to (and that server's stores).
class RestRegistryUnderTest : public RestRegistryStore {
 public:
  static std::unique_ptr<RegistryStore> Make(const std::string& dir) {
    spdlog::set_level(spdlog::level::warn);
    std::filesystem::create_directories(dir);
    auto tracking = SqliteTrackingStore::Open(dir + "/orchard.db", "mlflow-artifacts:");
    if (!tracking.ok()) return nullptr;
    auto registry = SqliteRegistryStore::Open(dir + "/orchard.db");
    if (!registry.ok()) return nullptr;
    TrackingServerOptions options;
    options.http.port = 0;
    // The contract's model sources sit beside `dir`: the server serves that folder, as a
    // server holds the runs' artifacts its versions are made from.
    options.artifacts_destination = std::filesystem::path(dir).parent_path().string();
    options.registry = registry->get();
    auto server = std::make_unique<TrackingServer>(options, **tracking);
    if (!server->Start().ok()) return nullptr;
    auto client = HttpClient::Create("http://127.0.0.1:" + std::to_string(server->port()));
    if (!client.ok()) return nullptr;
    auto store =
        std::unique_ptr<RestRegistryUnderTest>(new RestRegistryUnderTest(std::move(*client)));
    store->tracking_ = std::move(tracking).value();
    store->registry_ = std::move(registry).value();
    store->server_ = std::move(server);
    return store;
  }
  ~RestRegistryUnderTest() override { server_->Stop(); }

 private:
  explicit RestRegistryUnderTest(std::unique_ptr<HttpClient> client)
      : RestRegistryStore(std::move(client)) {}
  std::unique_ptr<TrackingStore> tracking_;
  std::unique_ptr<RegistryStore> registry_;
  std::unique_ptr<TrackingServer> server_;
};

INSTANTIATE_TEST_SUITE_P(Rest, RegistryStoreContract,
                         ::testing::Values(RegistryStoreFactory{"rest",
                                                                RestRegistryUnderTest::Make}));

}  // namespace
}  // namespace orchard::testing
