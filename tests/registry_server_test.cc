// The registry's REST endpoints beyond the tutorial's replayed exchanges: editing, tags, version
// deletion, searches with LIKE and page tokens, and their errors. A real server on loopback over
// a real SQLite store.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <spdlog/spdlog.h>

#include "server/tracking_server.h"
#include "store/registry/sqlite_registry_store.h"
#include "store/tracking/sqlite_tracking_store.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

namespace orchard {
namespace {

using testing::Http;
using testing::HttpResult;

class RegistryServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    auto store = SqliteTrackingStore::Open(dir_ / "orchard.db", "mlflow-artifacts:");
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    auto registry = SqliteRegistryStore::Open(dir_ / "orchard.db");
    ASSERT_TRUE(registry.ok());
    registry_ = std::move(registry).value();
    TrackingServerOptions options;
    options.http.port = 0;
    options.artifacts_destination = dir_ / "artifacts";
    options.registry = registry_.get();
    server_ = std::make_unique<TrackingServer>(options, *store_);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override { server_->Stop(); }

  HttpResult Call(const std::string& method, const std::string& endpoint,
                  const std::string& body = "") {
    return Http(server_->port(), method, "/api/2.0/mlflow/" + endpoint, body);
  }
  void Upload(const std::string& path, const std::string& text) {
    ASSERT_EQ(Http(server_->port(), "PUT", "/api/2.0/mlflow-artifacts/artifacts/" + path, text,
                   "text/plain")
                  .status,
              200);
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteTrackingStore> store_;
  std::unique_ptr<SqliteRegistryStore> registry_;
  std::unique_ptr<TrackingServer> server_;
};

TEST_F(RegistryServerTest, EditTagDeleteSearch) {
  Upload("1/r/artifacts/model/MLmodel", "artifact_path: model\n");
  for (const char* name : {"loan_model", "loan_model_b", "churn"}) {
    ASSERT_EQ(
        Call("POST", "registered-models/create", fmt::format(R"({{"name":"{}"}})", name)).status,
        200);
  }
  HttpResult created = Call(
      "POST", "model-versions/create",
      R"({"name":"loan_model","source":"mlflow-artifacts:/1/r/artifacts/model","run_id":"r"})");
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_NE(created.body.find(R"("version":"1")"), std::string::npos);
  HttpResult missing_source = Call("POST", "model-versions/create",
                                   R"({"name":"loan_model","source":"mlflow-artifacts:/nope"})");
  EXPECT_EQ(missing_source.status, 400) << missing_source.body;
  // A folder of the server's own, outside what it serves, is refused (and nothing is copied):
  // otherwise a client could register any readable folder and download it through the proxy.
  std::filesystem::create_directories(dir_ / "private");
  std::ofstream(dir_ / "private/MLmodel") << "secret\n";
  for (const std::string& source : std::vector<std::string>{
           dir_ / "private", "mlflow-artifacts:/../private", "file://" + (dir_ / "private")}) {
    HttpResult outside = Call("POST", "model-versions/create",
                              R"({"name":"loan_model","source":")" + source + R"("})");
    EXPECT_EQ(outside.status, 400) << source << ": " << outside.body;
    EXPECT_NE(outside.body.find("Invalid model version source"), std::string::npos) << outside.body;
  }
  // ...also when it names a run whose artifacts do not hold it.
  HttpResult with_run =
      Call("POST", "model-versions/create",
           R"({"name":"loan_model","source":")" + (dir_ / "private") + R"(","run_id":"r"})");
  EXPECT_EQ(with_run.status, 400) << with_run.body;
  EXPECT_FALSE(
      std::filesystem::exists(dir_ / "artifacts/models/loan_model") &&
      std::distance(std::filesystem::directory_iterator(dir_ / "artifacts/models/loan_model"),
                    std::filesystem::directory_iterator()) > 1);

  EXPECT_EQ(Call("POST", "model-versions/set-tag",
                 R"({"name":"loan_model","version":"1","key":"validated","value":"yes"})")
                .status,
            200);
  EXPECT_NE(Call("GET", "model-versions/get?name=loan_model&version=1")
                .body.find(R"("tags":[{"key":"validated","value":"yes"}])"),
            std::string::npos);
  EXPECT_EQ(Call("POST", "registered-models/set-tag",
                 R"({"name":"loan_model","key":"team","value":"risk"})")
                .status,
            200);
  HttpResult by_version = Call(
      "GET", "model-versions/search?filter=version_number%3D1%20AND%20tags.validated%3D%27yes%27");
  EXPECT_NE(by_version.body.find(R"("version":"1")"), std::string::npos) << by_version.body;
  EXPECT_EQ(Call("GET", "model-versions/search?filter=run_id%20IN%20(%27zz%27)").body, "{}");
  HttpResult updated =
      Call("PATCH", "registered-models/update", R"({"name":"loan_model","description":"PD"})");
  EXPECT_NE(updated.body.find(R"("description":"PD")"), std::string::npos) << updated.body;
  EXPECT_NE(Call("PATCH", "model-versions/update",
                 R"({"name":"loan_model","version":"1","description":"first"})")
                .body.find(R"("description":"first")"),
            std::string::npos);

  // Search: LIKE and ILIKE on the name, ordered by name, pages.
  HttpResult like = Call("GET", "registered-models/search?filter=name%20LIKE%20%27loan%25%27");
  EXPECT_NE(like.body.find(R"("name":"loan_model")"), std::string::npos) << like.body;
  EXPECT_NE(like.body.find(R"("name":"loan_model_b")"), std::string::npos);
  EXPECT_EQ(like.body.find(R"("name":"churn")"), std::string::npos);
  EXPECT_NE(
      Call("GET", "registered-models/search?filter=name%20ILIKE%20%27CHURN%27").body.find("churn"),
      std::string::npos);
  HttpResult first = Call("GET", "registered-models/search?max_results=2");
  EXPECT_NE(first.body.find(R"("next_page_token":"2")"), std::string::npos) << first.body;
  HttpResult second = Call("GET", "registered-models/search?max_results=2&page_token=2");
  EXPECT_NE(second.body.find("loan_model_b"), std::string::npos) << second.body;
  EXPECT_EQ(second.body.find("next_page_token"), std::string::npos);
  // Tags and OR through the shared search language; a key models do not have is an error.
  HttpResult tagged = Call("GET", "registered-models/search?filter=tags.team%3D%27risk%27");
  EXPECT_NE(tagged.body.find(R"("name":"loan_model")"), std::string::npos) << tagged.body;
  EXPECT_EQ(tagged.body.find("churn"), std::string::npos);
  HttpResult either = Call(
      "GET", "registered-models/search?filter=name%3D%27churn%27%20OR%20tags.team%3D%27risk%27");
  EXPECT_NE(either.body.find("churn"), std::string::npos) << either.body;
  EXPECT_NE(either.body.find(R"("name":"loan_model")"), std::string::npos);
  EXPECT_EQ(Call("GET", "registered-models/search?filter=run_id%3D%27x%27").status, 400);
  EXPECT_EQ(Call("GET", "registered-models/search?filter=name%20%3D%3D%20x").status, 400);
  EXPECT_EQ(Call("GET", "registered-models/search?max_results=5000").status, 400);

  // Rename keeps the versions; the old name is gone.
  HttpResult renamed =
      Call("POST", "registered-models/rename", R"({"name":"loan_model","new_name":"pd_model"})");
  EXPECT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(Call("GET", "model-versions/get?name=pd_model&version=1").status, 200);
  EXPECT_EQ(Call("GET", "registered-models/get?name=loan_model").status, 404);
  EXPECT_EQ(
      Call("POST", "registered-models/rename", R"({"name":"pd_model","new_name":"churn"})").status,
      400);  // taken

  // Deleting a version: gone, its number not reused.
  EXPECT_EQ(Call("DELETE", "model-versions/delete", R"({"name":"pd_model","version":"1"})").status,
            200);
  EXPECT_EQ(Call("GET", "model-versions/get?name=pd_model&version=1").status, 404);
  HttpResult again =
      Call("POST", "model-versions/create",
           R"({"name":"pd_model","source":"mlflow-artifacts:/1/r/artifacts/model"})");
  EXPECT_NE(again.body.find(R"("version":"2")"), std::string::npos) << again.body;
  EXPECT_EQ(
      Call("DELETE", "registered-models/delete-tag", R"({"name":"pd_model","key":"nope"})").status,
      404);
  EXPECT_EQ(
      Call("DELETE", "registered-models/delete-tag", R"({"name":"pd_model","key":"team"})").status,
      200);
}

// order_by on both searches: MLflow's keys with ASC/DESC, several keys in turn; other keys are
// INVALID_PARAMETER_VALUE.
TEST_F(RegistryServerTest, SearchesHonourOrderBy) {
  Upload("1/r/artifacts/model/MLmodel", "artifact_path: model\n");
  for (const char* name : {"b_model", "a_model", "c_model"}) {
    ASSERT_EQ(
        Call("POST", "registered-models/create", fmt::format(R"({{"name":"{}"}})", name)).status,
        200);
  }
  for (const char* name : {"a_model", "b_model", "a_model"}) {
    ASSERT_EQ(Call("POST", "model-versions/create",
                   fmt::format(
                       R"({{"name":"{}","source":"mlflow-artifacts:/1/r/artifacts/model"}})", name))
                  .status,
              200);
  }
  auto order_of = [](const std::string& body, const std::string& field) {
    std::string out;
    for (size_t at = body.find("\"" + field + "\":\""); at != std::string::npos;
         at = body.find("\"" + field + "\":\"", at + 1)) {
      size_t start = at + field.size() + 4;
      out += body.substr(start, body.find('"', start) - start) + " ";
    }
    return out;
  };
  HttpResult by_name = Call("POST", "registered-models/search", R"({"order_by":["name DESC"]})");
  ASSERT_EQ(by_name.status, 200) << by_name.body;
  EXPECT_EQ(order_of(by_name.body, "name").substr(0, 24), "c_model b_model b_model ");
  HttpResult default_order = Call("POST", "registered-models/search", "{}");
  EXPECT_TRUE(order_of(default_order.body, "name").starts_with("a_model")) << default_order.body;
  HttpResult versions = Http(server_->port(), "GET",
                             "/api/2.0/mlflow/model-versions/search?order_by=name%20ASC&"
                             "order_by=version_number%20ASC");
  ASSERT_EQ(versions.status, 200) << versions.body;
  EXPECT_EQ(order_of(versions.body, "name"), "a_model a_model b_model ");
  EXPECT_EQ(order_of(versions.body, "version"), "1 2 1 ");
  HttpResult newest = Http(server_->port(), "GET",
                           "/api/2.0/mlflow/model-versions/search?order_by=version_number%20DESC"
                           "&order_by=name%20DESC&max_results=2");
  EXPECT_EQ(order_of(newest.body, "version"), "2 1 ");
  EXPECT_EQ(order_of(newest.body, "name"), "a_model b_model ");
  HttpResult bad = Call("POST", "registered-models/search", R"({"order_by":["size DESC"]})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("INVALID_PARAMETER_VALUE"), std::string::npos);
}

}  // namespace
}  // namespace orchard
