// The registry's REST endpoints beyond the tutorial's replayed exchanges: editing, tags, version
// deletion, searches with LIKE and page tokens, and their errors. A real server on loopback over
// a real SQLite store.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <spdlog/spdlog.h>

#include "server/tracking_server.h"
#include "store/registry/sql_registry_store.h"
#include "store/tracking/sqlite_tracking_store.h"
#include "support/backing_stores.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

namespace orchard {
namespace {

using testing::Http;
using testing::HttpResult;

// The next_page_token of a search reply, percent-encoded for a query string, or "".
std::string TokenOf(const std::string& body) {
  const std::string key = R"("next_page_token":")";
  size_t at = body.find(key);
  if (at == std::string::npos) return "";
  at += key.size();
  std::string encoded;
  for (char c : body.substr(at, body.find('"', at) - at)) {
    encoded += std::isalnum(static_cast<unsigned char>(c))
                   ? std::string(1, c)
                   : fmt::format("%{:02X}", static_cast<unsigned char>(c));
  }
  return encoded;
}

class RegistryServerTest : public ::testing::TestWithParam<testing::Backend> {
 protected:
  void SetUp() override {
    ORCHARD_REQUIRE_BACKEND(GetParam());
    spdlog::set_level(spdlog::level::warn);
    auto stores = testing::OpenBacking(GetParam(), dir_ / "db", "mlflow-artifacts:");
    ASSERT_TRUE(stores.ok()) << stores.status().ToString();
    store_ = std::move(stores->tracking);
    registry_ = std::move(stores->registry);
    TrackingServerOptions options;
    options.http.port = 0;
    options.artifacts_destination = dir_ / "artifacts";
    options.registry = registry_.get();
    server_ = std::make_unique<TrackingServer>(options, *store_);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

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
  // A run of the Default experiment with a model folder (`model/`) in its artifacts, uploaded
  // through the proxy as MLflow's client logs one; returns the run's id.
  std::string RunWithModel() {
    StatusOr<orchard::Run> run = store_->CreateRun({});
    EXPECT_TRUE(run.ok());
    Upload(ProxyPath(*run) + "/model/MLmodel", "artifact_path: model\n");
    Upload(ProxyPath(*run) + "/model/data/model.json", "{}");
    return run->info.run_id;
  }
  // The run's artifact folder under the proxy ("0/<run_id>/artifacts").
  static std::string ProxyPath(const orchard::Run& run) {
    return run.info.artifact_uri.substr(std::string_view("mlflow-artifacts:/").size());
  }
  std::string ProxyPath(const std::string& run_id) { return ProxyPath(*store_->GetRun(run_id)); }

  testing::TempDir dir_;
  std::unique_ptr<TrackingStore> store_;
  std::unique_ptr<RegistryStore> registry_;
  std::unique_ptr<TrackingServer> server_;
};

ORCHARD_ON_EVERY_BACKEND(RegistryServerTest);

TEST_P(RegistryServerTest, EditTagDeleteSearch) {
  const std::string run = RunWithModel();
  const std::string source = "mlflow-artifacts:/" + ProxyPath(run) + "/model";
  for (const char* name : {"loan_model", "loan_model_b", "churn"}) {
    ASSERT_EQ(
        Call("POST", "registered-models/create", fmt::format(R"({{"name":"{}"}})", name)).status,
        200);
  }
  HttpResult created =
      Call("POST", "model-versions/create",
           fmt::format(R"({{"name":"loan_model","source":"{}","run_id":"{}"}})", source, run));
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
  HttpResult with_run = Call("POST", "model-versions/create",
                             R"({"name":"loan_model","source":")" + (dir_ / "private") +
                                 R"(","run_id":")" + run + R"("})");
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
  const std::string token = TokenOf(first.body);
  ASSERT_FALSE(token.empty()) << first.body;
  HttpResult second = Call("GET", "registered-models/search?max_results=2&page_token=" + token);
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
      Call("POST", "model-versions/create", R"({"name":"pd_model","source":")" + source + R"("})");
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
TEST_P(RegistryServerTest, SearchesHonourOrderBy) {
  const std::string source = "runs:/" + RunWithModel() + "/model";
  for (const char* name : {"b_model", "a_model", "c_model"}) {
    ASSERT_EQ(
        Call("POST", "registered-models/create", fmt::format(R"({{"name":"{}"}})", name)).status,
        200);
  }
  for (const char* name : {"a_model", "b_model", "a_model"}) {
    ASSERT_EQ(Call("POST", "model-versions/create",
                   fmt::format(R"({{"name":"{}","source":"{}"}})", name, source))
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

// The files under the registry's storage, to check that a refused request copied nothing.
size_t FilesUnder(const std::filesystem::path& folder) {
  size_t count = 0;
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it(folder, ec), end; !ec && it != end;
       it.increment(ec)) {
    count += it->is_regular_file() ? 1 : 0;
  }
  return count;
}

// A link in a run's model folder that leads outside it is never copied into the registry: the
// version is refused and nothing is stored.
TEST_P(RegistryServerTest, SourcesWithLinksLeadingOutsideAreRefused) {
  const std::string run = RunWithModel();
  const std::filesystem::path root = dir_.path();
  const std::filesystem::path model = root / "artifacts" / ProxyPath(run) / "model";
  const std::filesystem::path secret = root / "secret.txt";
  std::ofstream(secret) << "secret";
  std::filesystem::create_symlink(secret, model / "secret.txt");
  ASSERT_EQ(Call("POST", "registered-models/create", R"({"name":"m"})").status, 200);
  HttpResult refused = Call("POST", "model-versions/create",
                            R"({"name":"m","source":"runs:/)" + run + R"(/model"})");
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_NE(refused.body.find("PERMISSION_DENIED"), std::string::npos) << refused.body;
  EXPECT_EQ(Call("GET", "model-versions/get?name=m&version=1").status, 404);
  std::error_code ec;
  EXPECT_TRUE(!std::filesystem::exists(root / "artifacts/models/m", ec) ||
              std::filesystem::is_empty(root / "artifacts/models/m", ec));
}

// model-versions/create takes every source form MLflow's clients send, stores description and
// tags, and keeps the source's last part in the stored copy and its download URI; everything that
// would copy more than one run's folder, or anything the server does not serve, is refused.
TEST_P(RegistryServerTest, VersionSourcesAsMlflowAccepts) {
  const std::string run = RunWithModel();
  const std::string in_run = ProxyPath(run);  // 0/<run>/artifacts
  ASSERT_EQ(
      Call("POST", "registered-models/create",
           R"({"name":"m","description":"loan default","tags":[{"key":"team","value":"risk"}]})")
          .status,
      200);
  auto create = [&](const std::string& source, const std::string& extra = "") {
    return Call("POST", "model-versions/create",
                fmt::format(R"({{"name":"m","source":"{}"{}}})", source, extra));
  };
  HttpResult first =
      create("runs:/" + run + "/model", fmt::format(R"(,"run_id":"{}","description":"first",)"
                                                    R"("tags":[{{"key":"k","value":"v"}}])",
                                                    run));
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_NE(first.body.find(R"("source":"runs:/)" + run + R"(/model")"), std::string::npos);
  HttpResult got = Call("GET", "model-versions/get?name=m&version=1");
  EXPECT_NE(got.body.find(R"("description":"first")"), std::string::npos) << got.body;
  EXPECT_NE(got.body.find(R"("tags":[{"key":"k","value":"v"}])"), std::string::npos) << got.body;
  EXPECT_NE(
      Call("GET", "registered-models/get?name=m").body.find(R"("description":"loan default")"),
      std::string::npos);

  // The other forms: the proxy's URI (with the run or without), a local path or file:// URI in
  // the run's artifacts, another registered version, and a folder holding any files at all.
  const std::string local = (std::filesystem::path(dir_ / "artifacts") / in_run / "model").string();
  Upload(in_run + "/notes/readme.txt", "not a model, still a folder");
  for (const auto& [source, extra] : std::vector<std::pair<std::string, std::string>>{
           {"mlflow-artifacts:/" + in_run + "/model", R"(,"run_id":")" + run + R"(")"},
           {"mlflow-artifacts:/" + in_run + "/model/", ""},
           {local, R"(,"run_id":")" + run + R"(")"},
           {"file://" + local, R"(,"run_id":")" + run + R"(")"},
           {"models:/m/1", ""},
           {"runs:/" + run + "/notes", ""}}) {
    HttpResult accepted = create(source, extra);
    EXPECT_EQ(accepted.status, 200) << source << ": " << accepted.body;
  }
  // Every copy ends with the source's last part, and downloads through the proxy.
  for (const char* version : {"1", "2", "6"}) {
    HttpResult uri =
        Call("GET", std::string("model-versions/get-download-uri?name=m&version=") + version);
    ASSERT_TRUE(uri.body.starts_with(R"({"artifact_uri":"mlflow-artifacts:/models/m/)"))
        << uri.body;
    // {"artifact_uri":"mlflow-artifacts:/<path>"}
    const std::string path = uri.body.substr(35, uri.body.size() - 37);
    EXPECT_TRUE(path.ends_with("/model")) << path;
    HttpResult file =
        Http(server_->port(), "GET", "/api/2.0/mlflow-artifacts/artifacts/" + path + "/MLmodel");
    EXPECT_EQ(file.status, 200) << path;
    EXPECT_EQ(file.body, "artifact_path: model\n");
  }
  EXPECT_TRUE(Call("GET", "model-versions/get-download-uri?name=m&version=7")
                  .body.ends_with(R"(/notes"})"));

  // Refused, with MLflow's code, and nothing copied.
  const size_t stored = FilesUnder(dir_ / "artifacts/models");
  const std::string copy = Call("GET", "model-versions/get-download-uri?name=m&version=1").body;
  const std::string copy_uri = copy.substr(17, copy.size() - 19);  // mlflow-artifacts:/models/...
  for (const auto& [source, extra] : std::vector<std::pair<std::string, std::string>>{
           {"mlflow-artifacts:/", ""},
           {"mlflow-artifacts:/models", ""},
           {"mlflow-artifacts:/models/m", R"(,"run_id":")" + run + R"(")"},
           {copy_uri, ""},
           {"mlflow-artifacts:/0", ""},
           {"runs:/" + run + "/model/../../..", ""},
           {"runs:/" + run + "/%2e%2e/%2E%2E/..%2f", ""},
           {"mlflow-artifacts:/" + in_run + "/../../..", R"(,"run_id":")" + run + R"(")"},
           {dir_ / "artifacts", R"(,"run_id":")" + run + R"(")"},
           {local, ""},
           {"s3://bucket/model", ""},
           {"http://127.0.0.1:1/api/2.0/mlflow-artifacts/artifacts/" + in_run + "/model", ""},
           {"runs:/" + run + "/nothing-there", ""},
           {"runs:/" + run + "/model/MLmodel", ""}}) {
    HttpResult refused = create(source, extra);
    EXPECT_EQ(refused.status, 400) << source << ": " << refused.body;
    EXPECT_NE(refused.body.find(R"({"error_code":"INVALID_PARAMETER_VALUE","message":"Invalid )"
                                R"(model version source)"),
              std::string::npos)
        << source << ": " << refused.body;
  }
  HttpResult no_run = create("runs:/0123456789abcdef0123456789abcdef/model");
  EXPECT_EQ(no_run.status, 404) << no_run.body;
  EXPECT_EQ(FilesUnder(dir_ / "artifacts/models"), stored);
  EXPECT_EQ(Call("GET", "model-versions/get?name=m&version=8").status, 404);  // none made
  // MLflow's exact words for a bare root and for a local path outside the run's artifacts.
  EXPECT_NE(create("mlflow-artifacts:/")
                .body.find("an absolute path must be provided without relative path references"),
            std::string::npos);
  EXPECT_NE(create(local).body.find("the run_id request parameter has to be specified"),
            std::string::npos);
}

// MLflow's Content-Type rule for its JSON endpoints: a POST or PUT must be application/json, so
// a web page cannot drive the server with a "simple" text/plain request.
TEST_P(RegistryServerTest, JsonEndpointsRequireTheJsonContentType) {
  const std::string body = R"({"name":"from-a-web-page"})";
  HttpResult plain =
      Http(server_->port(), "POST", "/api/2.0/mlflow/experiments/create", body, "text/plain");
  EXPECT_EQ(plain.status, 400);
  EXPECT_EQ(plain.body,
            R"({"error_code":"INVALID_PARAMETER_VALUE","message":"Bad Request. Content-Type must )"
            R"(be one of ['application/json']."})");
  HttpResult form = Http(server_->port(), "POST", "/ajax-api/2.0/mlflow/registered-models/create",
                         body, "application/x-www-form-urlencoded");
  EXPECT_EQ(form.status, 400);
  std::string raw =
      "POST /api/2.0/mlflow/experiments/create HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  HttpResult missing = testing::ParseReply(testing::SendRaw(server_->port(), raw));
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("Bad Request. Content-Type header is missing."), std::string::npos)
      << missing.body;
  EXPECT_EQ(Call("GET", "experiments/get-by-name?experiment_name=from-a-web-page").status, 404);
  EXPECT_EQ(Call("GET", "registered-models/get?name=from-a-web-page").status, 404);
  // Parameters and case are allowed; GET needs no type.
  EXPECT_EQ(Http(server_->port(), "POST", "/api/2.0/mlflow/experiments/create", body,
                 "Application/JSON; charset=utf-8")
                .status,
            200);
  EXPECT_EQ(Call("GET", "experiments/get-by-name?experiment_name=from-a-web-page").status, 200);
  // The artifact proxy's uploads are files, not JSON: any type, or none.
  std::string upload =
      "PUT /api/2.0/mlflow-artifacts/artifacts/0/x/artifacts/a.bin HTTP/1.1\r\n"
      "Host: 127.0.0.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc";
  EXPECT_EQ(testing::ParseReply(testing::SendRaw(server_->port(), upload)).status, 200);
}

// A missing alias answers as MLflow's; model versions page with max_results and page_token in
// every order.
TEST_P(RegistryServerTest, AliasesAndVersionPagesAsMlflow) {
  const std::string source = "runs:/" + RunWithModel() + "/model";
  ASSERT_EQ(Call("POST", "registered-models/create", R"({"name":"m"})").status, 200);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(Call("POST", "model-versions/create",
                   fmt::format(R"({{"name":"m","source":"{}"}})", source))
                  .status,
              200);
  }
  ASSERT_EQ(
      Call("POST", "registered-models/alias", R"({"name":"m","alias":"champion","version":"2"})")
          .status,
      200);
  ASSERT_EQ(Call("DELETE", "registered-models/alias", R"({"name":"m","alias":"champion"})").status,
            200);
  HttpResult gone = Call("GET", "registered-models/alias?name=m&alias=champion");
  EXPECT_EQ(gone.status, 400);
  EXPECT_EQ(gone.body, R"({"error_code":"INVALID_PARAMETER_VALUE","message":"Registered model )"
                       R"(alias champion not found."})");
  EXPECT_EQ(Call("DELETE", "registered-models/alias", R"({"name":"m","alias":"champion"})").status,
            200);

  for (const auto& [order, expected] : std::vector<std::pair<std::string, std::string>>{
           {"&order_by=version_number%20DESC", "5 4 3 2 1 "},
           {"&order_by=version_number%20ASC", "1 2 3 4 5 "},
           {"&order_by=creation_timestamp%20ASC&order_by=version_number%20ASC", "1 2 3 4 5 "},
           {"", "5 4 3 2 1 "}}) {
    std::string seen, token;
    int pages = 0;
    do {
      HttpResult page = Call("GET", "model-versions/search?filter=name%3D%27m%27&max_results=2" +
                                        order + (token.empty() ? "" : "&page_token=" + token));
      ASSERT_EQ(page.status, 200) << page.body;
      for (size_t at = page.body.find(R"("version":")"); at != std::string::npos;
           at = page.body.find(R"("version":")", at + 1)) {
        seen += page.body.substr(at + 11, page.body.find('"', at + 11) - at - 11) + " ";
      }
      token = TokenOf(page.body);
      ++pages;
    } while (!token.empty() && pages < 10);
    EXPECT_EQ(seen, expected) << order;
    EXPECT_EQ(pages, 3) << order;
  }
  EXPECT_EQ(Call("GET", "model-versions/search?max_results=200001").status, 400);
  HttpResult bad_key = Call("GET", "model-versions/search?order_by=nope%20DESC");
  EXPECT_NE(bad_key.body.find("Invalid attribute key 'nope' specified."), std::string::npos)
      << bad_key.body;
  EXPECT_EQ(Call("GET", "model-versions/search?page_token=bad").status, 400);
}

}  // namespace
}  // namespace orchard
