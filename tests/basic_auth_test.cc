// MLflow's basic-auth app on orchard server: sign-in, users, permissions per experiment and
// registered model, and one table-driven test over every route the server answers (a route
// added without an auth rule fails it). In-process server on loopback over real SQLite stores.
#include <gtest/gtest.h>

#include <fstream>

#include <spdlog/spdlog.h>

#include "auth/basic_auth.h"
#include "base/base64.h"
#include "client/rest_tracking_store.h"
#include "server/tracking_server.h"
#include "support/backing_stores.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

namespace orchard {
namespace {

using testing::HttpResult;

// On SQLite, and on PostgreSQL where the team store exists: the tracking store, the registry and
// the users' store each on that backend.
class BasicAuthTest : public ::testing::TestWithParam<testing::Backend> {
 protected:
  void SetUp() override { ORCHARD_REQUIRE_BACKEND(GetParam()); }

  void Start(const std::string& default_permission = "READ") {
    spdlog::set_level(spdlog::level::warn);
    auto stores = testing::OpenBacking(GetParam(), dir_ / "db", "mlflow-artifacts:");
    ASSERT_TRUE(stores.ok()) << stores.status().ToString();
    tracking_ = std::move(stores->tracking);
    registry_ = std::move(stores->registry);
    AuthConfig config;
    config.default_permission = default_permission;
    config.database_uri =
        GetParam() == testing::Backend::kSqlite
            ? "sqlite:///" + (dir_ / "basic_auth.db")
            : testing::TestPostgresSchemaUri(testing::SchemaNameFor(dir_ / "users"));
    config.admin_password = "admin-secret";
    auto auth = BasicAuth::Create(config, tracking_.get(), registry_.get());
    ASSERT_TRUE(auth.ok()) << auth.status().ToString();
    auth_ = std::move(*auth);
    TrackingServerOptions options;
    options.http.port = 0;
    options.http.threads = 2;
    options.artifacts_destination = dir_ / "artifacts";
    options.registry = registry_.get();
    options.auth = auth_.get();
    server_ = std::make_unique<TrackingServer>(options, *tracking_);
    ASSERT_TRUE(server_->Start().ok());
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  // A request as `user` (password "<user>-secret"; none for ""), JSON body or query string.
  HttpResult As(const std::string& user, const std::string& method, const std::string& target,
                const std::string& body = "") {
    std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!user.empty()) {
      request += "Authorization: Basic " + Base64Encode(user + ":" + user + "-secret") + "\r\n";
    }
    if (method != "GET") {
      request +=
          "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\n";
    }
    request += "Connection: close\r\n\r\n" + body;
    return testing::ParseReply(testing::SendRaw(server_->port(), request));
  }
  HttpResult Api(const std::string& user, const std::string& method, const std::string& endpoint,
                 const std::string& body = "") {
    return As(user, method, "/api/2.0/mlflow/" + endpoint, body);
  }

  void CreateUser(const std::string& name) {
    HttpResult created =
        Api("admin", "POST", "users/create",
            R"({"username": ")" + name + R"(", "password": ")" + name + R"(-secret"})");
    ASSERT_EQ(created.status, 200) << created.body;
  }

  std::string CreateExperiment(const std::string& user, const std::string& name) {
    HttpResult created = Api(user, "POST", "experiments/create", R"({"name": ")" + name + R"("})");
    EXPECT_EQ(created.status, 200) << created.body;
    size_t at = created.body.find("\"experiment_id\":\"");
    return at == std::string::npos
               ? ""
               : created.body.substr(at + 17, created.body.find('"', at + 17) - at - 17);
  }

  testing::TempDir dir_;
  std::unique_ptr<TrackingStore> tracking_;
  std::unique_ptr<RegistryStore> registry_;
  std::unique_ptr<BasicAuth> auth_;
  std::unique_ptr<TrackingServer> server_;
};

TEST_P(BasicAuthTest, CredentialsAreRequiredExceptForHealthAndTheUi) {
  Start();
  EXPECT_EQ(As("", "GET", "/health").status, 200);
  EXPECT_EQ(As("", "GET", "/").status, 200);
  for (const std::string target : {"/version", "/metrics", "/api/2.0/mlflow/experiments/search"}) {
    SCOPED_TRACE(target);
    HttpResult refused = As("", "GET", target);
    EXPECT_EQ(refused.status, 401);
    EXPECT_NE(refused.headers.find("WWW-Authenticate: Basic realm=\"mlflow\""), std::string::npos);
    EXPECT_NE(refused.body.find("UNAUTHENTICATED"), std::string::npos) << refused.body;
  }
  // A wrong password is the same as none.
  std::string wrong = "GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic " +
                      Base64Encode("admin:nope") + "\r\nConnection: close\r\n\r\n";
  EXPECT_EQ(testing::ParseReply(testing::SendRaw(server_->port(), wrong)).status, 401);
  EXPECT_EQ(As("admin", "GET", "/version").status, 200);
}

// users/current (Orchard's own, for the UI): who is signed in, what they were granted and the
// default for everything else.
TEST_P(BasicAuthTest, TheSignedInUserIsToldWhoTheyAreAndWhatTheyMayDo) {
  Start();
  CreateUser("alice");
  HttpResult created = Api("alice", "POST", "experiments/create", R"({"name": "alices"})");
  ASSERT_EQ(created.status, 200) << created.body;
  HttpResult current = Api("alice", "GET", "users/current");
  ASSERT_EQ(current.status, 200) << current.body;
  EXPECT_NE(current.body.find(R"("username":"alice","is_admin":false)"), std::string::npos)
      << current.body;
  EXPECT_NE(current.body.find(R"("permission":"MANAGE")"), std::string::npos) << current.body;
  EXPECT_NE(current.body.find(R"("default_permission":"READ")"), std::string::npos) << current.body;
  EXPECT_EQ(current.body.find("secret"), std::string::npos);
  EXPECT_NE(Api("admin", "GET", "users/current").body.find(R"("is_admin":true)"),
            std::string::npos);
  HttpResult anonymous = testing::ParseReply(testing::SendRaw(
      server_->port(),
      "GET /ajax-api/2.0/mlflow/users/current HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: "
      "close\r\n\r\n"));
  EXPECT_EQ(anonymous.status, 401);
}

TEST_P(BasicAuthTest, UsersAreManagedAsMlflowsAuthServiceClientDoes) {
  Start();
  CreateUser("alice");
  CreateUser("bob");
  HttpResult got = Api("alice", "GET", "users/get?username=alice");
  EXPECT_EQ(got.status, 200);
  EXPECT_NE(got.body.find(R"("username":"alice","is_admin":false,"experiment_permissions":[])"),
            std::string::npos)
      << got.body;
  EXPECT_EQ(got.body.find("secret"), std::string::npos);  // never the password or its hash
  EXPECT_EQ(Api("alice", "GET", "users/get?username=bob").status, 403);
  HttpResult not_admin =
      Api("alice", "POST", "users/create", R"({"username": "mallory", "password": "x"})");
  EXPECT_EQ(not_admin.status, 403);
  EXPECT_NE(not_admin.body.find(R"("error_code":"PERMISSION_DENIED")"), std::string::npos);
  EXPECT_EQ(
      Api("admin", "POST", "users/create", R"({"username": "alice", "password": "x"})").status,
      400);  // RESOURCE_ALREADY_EXISTS
  // A new password takes effect at once; the old one stops working.
  EXPECT_EQ(Api("alice", "PATCH", "users/update-password",
                R"({"username": "alice", "password": "alice-new"})")
                .status,
            200);
  EXPECT_EQ(Api("alice", "GET", "users/get?username=alice").status, 401);
  EXPECT_EQ(Api("admin", "PATCH", "users/update-admin", R"({"username": "bob", "is_admin": true})")
                .status,
            200);
  EXPECT_EQ(Api("bob", "GET", "users/get?username=alice").status, 200);  // bob is an admin now
  EXPECT_EQ(Api("admin", "DELETE", "users/delete", R"({"username": "bob"})").status, 200);
  EXPECT_EQ(Api("bob", "GET", "/version").status, 401);
}

TEST_P(BasicAuthTest, ExperimentPermissionsDecideWhatEachUserMayDo) {
  Start("READ");
  CreateUser("alice");
  CreateUser("bob");
  const std::string id = CreateExperiment("alice", "loan");
  ASSERT_FALSE(id.empty());
  // The creator manages it; others get the default, READ.
  HttpResult manage =
      Api("alice", "GET", "experiments/permissions/get?experiment_id=" + id + "&username=alice");
  EXPECT_NE(manage.body.find(R"("permission":"MANAGE")"), std::string::npos) << manage.body;
  EXPECT_EQ(Api("bob", "GET", "experiments/get?experiment_id=" + id).status, 200);
  const std::string tag = R"({"experiment_id": ")" + id + R"(", "key": "k", "value": "v"})";
  EXPECT_EQ(Api("bob", "POST", "experiments/set-experiment-tag", tag).status, 403);
  EXPECT_EQ(Api("bob", "POST", "runs/create", R"({"experiment_id": ")" + id + R"("})").status, 403);
  // Granted EDIT, bob logs runs; he still may not delete or grant.
  EXPECT_EQ(Api("alice", "POST", "experiments/permissions/create",
                R"({"experiment_id": ")" + id + R"(", "username": "bob", "permission": "EDIT"})")
                .status,
            200);
  EXPECT_EQ(Api("bob", "POST", "experiments/set-experiment-tag", tag).status, 200);
  HttpResult run = Api("bob", "POST", "runs/create", R"({"experiment_id": ")" + id + R"("})");
  EXPECT_EQ(run.status, 200) << run.body;
  EXPECT_EQ(
      Api("bob", "POST", "experiments/delete", R"({"experiment_id": ")" + id + R"("})").status,
      403);
  EXPECT_EQ(Api("bob", "POST", "experiments/permissions/create",
                R"({"experiment_id": ")" + id + R"(", "username": "bob", "permission": "MANAGE"})")
                .status,
            403);
  // NO_PERMISSIONS: nothing, and the experiment leaves bob's searches.
  EXPECT_EQ(Api("alice", "PATCH", "experiments/permissions/update",
                R"({"experiment_id": ")" + id +
                    R"(", "username": "bob", "permission": "NO_PERMISSIONS"})")
                .status,
            200);
  EXPECT_EQ(Api("bob", "GET", "experiments/get?experiment_id=" + id).status, 403);
  EXPECT_EQ(Api("bob", "POST", "runs/search", R"({"experiment_ids": [")" + id + R"("]})").status,
            403);
  HttpResult search = Api("bob", "POST", "experiments/search", R"({"max_results": 100})");
  EXPECT_EQ(search.status, 200);
  EXPECT_EQ(search.body.find("\"loan\""), std::string::npos) << search.body;
  EXPECT_NE(search.body.find("\"Default\""), std::string::npos) << search.body;
  EXPECT_NE(
      Api("alice", "POST", "experiments/search", R"({"max_results": 100})").body.find("\"loan\""),
      std::string::npos);
  EXPECT_EQ(Api("alice", "POST", "experiments/permissions/create",
                R"({"experiment_id": ")" + id + R"(", "username": "bob", "permission": "OWNER"})")
                .status,
            400);
}

// Renaming a model keeps its permissions with it (MLflow's app leaves them under the old name,
// and the owner can no longer delete the model).
TEST_P(BasicAuthTest, ModelPermissionsFollowARename) {
  Start("READ");
  CreateUser("alice");
  CreateUser("bob");
  ASSERT_EQ(Api("alice", "POST", "registered-models/create", R"({"name": "loan"})").status, 200);
  EXPECT_EQ(
      Api("bob", "PATCH", "registered-models/update", R"({"name": "loan", "description": "x"})")
          .status,
      403);
  EXPECT_EQ(
      Api("alice", "POST", "registered-models/rename", R"({"name": "loan", "new_name": "loan-v2"})")
          .status,
      200);
  HttpResult moved =
      Api("alice", "GET", "registered-models/permissions/get?name=loan-v2&username=alice");
  EXPECT_NE(moved.body.find(R"("permission":"MANAGE")"), std::string::npos) << moved.body;
  EXPECT_EQ(Api("alice", "DELETE", "registered-models/delete", R"({"name": "loan-v2"})").status,
            200);
  // Its permissions went with it: a new model of the old or new name starts clean.
  EXPECT_EQ(
      Api("admin", "GET", "registered-models/permissions/get?name=loan-v2&username=alice").status,
      404);
}

// Every route the server answers has a rule: without credentials it is refused (but for
// /health and the UI's files), and a user with no permission anywhere gets 403 from every route
// that needs one. A route added without a rule fails here.
TEST_P(BasicAuthTest, EveryRouteHasARuleAndEnforcesIt) {
  Start("NO_PERMISSIONS");
  CreateUser("eve");
  const std::string id = CreateExperiment("admin", "guarded");
  HttpResult run = Api("admin", "POST", "runs/create", R"({"experiment_id": ")" + id + R"("})");
  const size_t at = run.body.find("\"run_id\":\"");
  ASSERT_NE(at, std::string::npos) << run.body;
  const std::string run_id = run.body.substr(at + 10, 32);
  ASSERT_EQ(Api("admin", "POST", "registered-models/create", R"({"name": "guarded"})").status, 200);
  const std::string fields = "experiment_id=" + id + "&experiment_ids=" + id + "&run_id=" + run_id +
                             "&run_ids=" + run_id + "&experiment_name=guarded&name=guarded" +
                             "&username=admin&path=" + id;
  const std::string body = R"({"experiment_id": ")" + id + R"(", "experiment_ids": [")" + id +
                           R"("], "run_id": ")" + run_id + R"(", "run_ids": [")" + run_id +
                           R"("], "experiment_name": "guarded", "name": "guarded", )" +
                           R"("username": "admin", "key": "k", "value": "v"})";
  const auto routes = server_->Routes();
  ASSERT_GT(routes.size(), 60u);
  for (const auto& [method, route] : routes) {
    SCOPED_TRACE(method + " " + route);
    std::optional<AuthRule> rule = AuthRuleFor(method, route);
    ASSERT_TRUE(rule.has_value()) << "no auth rule: add one in auth/basic_auth.cc";
    std::string target = route;
    if (target.ends_with('*')) {
      target.pop_back();
      if (target.ends_with("/static-files/")) {
        target += "missing.js";
      } else {
        target += id + "/" + run_id + "/artifacts/f.txt";
      }
    }
    target += (target.find('?') == std::string::npos ? "?" : "&") + fields;
    const std::string payload = method == "GET" ? "" : body;
    HttpResult anonymous = As("", method, target, payload);
    if (rule->need == AuthRule::Need::kOpen) {
      EXPECT_NE(anonymous.status, 401);
      continue;
    }
    EXPECT_EQ(anonymous.status, 401) << anonymous.body;
    HttpResult eve = As("eve", method, target, payload);
    if (rule->need == AuthRule::Need::kSignedIn) {
      EXPECT_NE(eve.status, 403) << eve.body;
    } else {
      EXPECT_EQ(eve.status, 403) << eve.body;
    }
  }
}

// Orchard's own client sends MLflow's credential variables, to the tracking server only.
TEST_P(BasicAuthTest, ClientsSendTheTrackingCredentialsOfTheEnvironment) {
  Start();
  CreateUser("alice");
  const std::string url = "http://127.0.0.1:" + std::to_string(server_->port());
  unsetenv("MLFLOW_TRACKING_TOKEN");
  unsetenv("MLFLOW_TRACKING_USERNAME");
  unsetenv("MLFLOW_TRACKING_PASSWORD");
  auto anonymous = RestTrackingStore::Open(url);
  ASSERT_TRUE(anonymous.ok());
  StatusOr<std::string> refused = (*anonymous)->CreateExperiment({.name = "nope"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kUnauthenticated) << refused.status().ToString();
  setenv("MLFLOW_TRACKING_USERNAME", "alice", 1);
  setenv("MLFLOW_TRACKING_PASSWORD", "alice-secret", 1);
  auto alice = RestTrackingStore::Open(url);
  ASSERT_TRUE(alice.ok());
  StatusOr<std::string> created = (*alice)->CreateExperiment({.name = "from-the-client"});
  EXPECT_TRUE(created.ok()) << created.status().ToString();
  setenv("MLFLOW_TRACKING_TOKEN", "not-a-user", 1);  // a token wins, and is no basic credential
  auto token = RestTrackingStore::Open(url);
  ASSERT_TRUE(token.ok());
  EXPECT_FALSE((*token)->CreateExperiment({.name = "with-token"}).ok());
  unsetenv("MLFLOW_TRACKING_TOKEN");
  unsetenv("MLFLOW_TRACKING_USERNAME");
  unsetenv("MLFLOW_TRACKING_PASSWORD");
}

ORCHARD_ON_EVERY_BACKEND(BasicAuthTest);

TEST(AuthConfigTest, ReadsMlflowsIniAndRefusesWhatItCannotHonour) {
  testing::TempDir dir;
  const std::string path = dir / "basic_auth.ini";
  std::ofstream(path) << "[mlflow]\ndefault_permission = EDIT\ndatabase_uri = sqlite:///users.db\n"
                         "admin_username = root\nadmin_password = s3cret\n"
                         "authorization_function = "
                         "mlflow.server.auth:authenticate_request_basic_auth\n";
  StatusOr<AuthConfig> config = ReadAuthConfig(path);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->default_permission, "EDIT");
  EXPECT_EQ(config->admin_username, "root");
  EXPECT_EQ(config->database_uri, "sqlite:///users.db");
  std::ofstream(path) << "[mlflow]\nauthorization_function = my_module:authenticate\n";
  EXPECT_FALSE(ReadAuthConfig(path).ok());
  std::ofstream(path) << "[mlflow]\ndefault_permission = OWNER\n";
  EXPECT_FALSE(ReadAuthConfig(path).ok());
  EXPECT_TRUE(ReadAuthConfig("").ok());  // MLflow's defaults
}

}  // namespace
}  // namespace orchard
