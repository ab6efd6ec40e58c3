// The tracking-store contract suite through the REST store, against a real `orchard server`
// (in-process, port 0, over loopback) backed by SQLite, then by PostgreSQL: the same tests the
// stores pass.
#include "client/rest_tracking_store.h"

#include <filesystem>

#include <spdlog/spdlog.h>

#include "server/tracking_server.h"
#include "store/tracking/tracking_store_contract.h"
#include "support/backing_stores.h"

namespace orchard::testing {
namespace {

// A REST store that owns the server it talks to (and that server's SQLite store).
class RestStoreUnderTest : public RestTrackingStore {
 public:
  template <Backend backend>
  static std::unique_ptr<TrackingStore> Make(const std::string& dir) {
    if (!BackendAvailable(backend)) return nullptr;  // the suite skips
    spdlog::set_level(spdlog::level::warn);
    auto backing = OpenBacking(backend, dir + "/db", dir + "/artifacts");
    EXPECT_TRUE(backing.ok()) << backing.status().ToString();
    if (!backing.ok()) return nullptr;
    TrackingServerOptions options;
    options.http.port = 0;
    options.artifacts_destination = dir + "/artifacts";
    // The contract names local artifact locations of its own (/data/x, and a relative one the
    // client makes absolute): the server is told they are its storage, as --default-artifact-root
    // would.
    options.local_artifact_roots = {"/data", std::filesystem::current_path().string()};
    auto server = std::make_unique<TrackingServer>(options, *backing->tracking);
    if (!server->Start().ok()) return nullptr;
    auto client = HttpClient::Create("http://127.0.0.1:" + std::to_string(server->port()));
    if (!client.ok()) return nullptr;
    auto store = std::unique_ptr<RestStoreUnderTest>(new RestStoreUnderTest(std::move(*client)));
    store->backing_ = std::move(backing->tracking);
    store->server_ = std::move(server);
    return store;
  }
  ~RestStoreUnderTest() override { server_->Stop(); }

 private:
  explicit RestStoreUnderTest(std::unique_ptr<HttpClient> client)
      : RestTrackingStore(std::move(client)) {}
  std::unique_ptr<TrackingStore> backing_;
  std::unique_ptr<TrackingServer> server_;
};

INSTANTIATE_TEST_SUITE_P(
    Rest, TrackingStoreContract,
    ::testing::Values(TrackingStoreFactory{"rest", RestStoreUnderTest::Make<Backend::kSqlite>},
                      TrackingStoreFactory{"rest_postgresql",
                                           RestStoreUnderTest::Make<Backend::kPostgres>}));

}  // namespace
}  // namespace orchard::testing
