// The registry contract suite through the REST store, against a real `orchard server`
// (in-process, port 0, over loopback) on SQLite, then on PostgreSQL: the same tests the
// registries pass.
// Two stores on one folder are two servers sharing one database.
#include "client/rest_registry_store.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "server/artifact_handlers.h"
#include "server/tracking_server.h"
#include "store/artifact/local_artifact_repo.h"
#include "store/registry/registry_store_contract.h"
#include "support/backing_stores.h"

namespace orchard::testing {
namespace {

// A REST registry that owns the server it talks to (and that server's stores).
class RestRegistryUnderTest : public RestRegistryStore {
 public:
  template <Backend backend>
  static std::unique_ptr<RegistryStore> Make(const std::string& dir) {
    if (!BackendAvailable(backend)) return nullptr;  // the suite skips
    spdlog::set_level(spdlog::level::warn);
    auto stores = OpenBacking(backend, dir, "mlflow-artifacts:");
    EXPECT_TRUE(stores.ok()) << stores.status().ToString();
    if (!stores.ok()) return nullptr;
    TrackingServerOptions options;
    options.http.port = 0;
    // The contract's model sources sit beside `dir`: the server serves that folder, as a
    // server holds the runs' artifacts its versions are made from.
    options.artifacts_destination = std::filesystem::path(dir).parent_path().string();
    options.registry = stores->registry.get();
    auto server = std::make_unique<TrackingServer>(options, *stores->tracking);
    if (!server->Start().ok()) return nullptr;
    auto client = HttpClient::Create("http://127.0.0.1:" + std::to_string(server->port()));
    if (!client.ok()) return nullptr;
    auto store =
        std::unique_ptr<RestRegistryUnderTest>(new RestRegistryUnderTest(std::move(*client)));
    store->tracking_ = std::move(stores->tracking);
    store->registry_ = std::move(stores->registry);
    store->server_ = std::move(server);
    store->destination_ = options.artifacts_destination;
    return store;
  }
  ~RestRegistryUnderTest() override { server_->Stop(); }

  // A server registers what its runs hold: a new run with a copy of the model's files, named as
  // MLflow's client names it (runs:/<run_id>/model).
  static StatusOr<NewModelVersion> SourceOf(RegistryStore& store, const std::string& model) {
    auto& rest = dynamic_cast<RestRegistryUnderTest&>(store);
    ORCHARD_ASSIGN_OR_RETURN(Run run, rest.tracking_->CreateRun({}));
    const std::string root = LocalArtifactRoot(run.info.artifact_uri, rest.destination_);
    ORCHARD_RETURN_IF_ERROR(LocalArtifactRepo(root).LogDir(model, "model"));
    return NewModelVersion{.source = "runs:/" + run.info.run_id + "/model",
                           .run_id = run.info.run_id};
  }

 private:
  explicit RestRegistryUnderTest(std::unique_ptr<HttpClient> client)
      : RestRegistryStore(std::move(client)) {}
  std::unique_ptr<TrackingStore> tracking_;
  std::unique_ptr<RegistryStore> registry_;
  std::unique_ptr<TrackingServer> server_;
  std::string destination_;
};

INSTANTIATE_TEST_SUITE_P(
    Rest, RegistryStoreContract,
    ::testing::Values(RegistryStoreFactory{"rest", RestRegistryUnderTest::Make<Backend::kSqlite>,
                                           RestRegistryUnderTest::SourceOf},
                      RegistryStoreFactory{"rest_postgresql",
                                           RestRegistryUnderTest::Make<Backend::kPostgres>,
                                           RestRegistryUnderTest::SourceOf}));

}  // namespace
}  // namespace orchard::testing
