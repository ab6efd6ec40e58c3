// The tracking server over real HTTP on loopback: every endpoint and its error paths, MLflow's
// recorded exchanges replayed, concurrent writers. The server runs in-process on port 0 over a
// real SQLite store; requests go through a plain socket client.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <list>
#include <map>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "http/http_client.h"
#include "server/tracking_server.h"
#include "store/tracking/sqlite_tracking_store.h"
#include "support/backing_stores.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

namespace orchard {
namespace {

using testing::Http;
using testing::HttpResult;
using testing::TempDir;

class ServerTest : public ::testing::TestWithParam<testing::Backend> {
 protected:
  void SetUp() override {
    ORCHARD_REQUIRE_BACKEND(GetParam());
    spdlog::set_level(spdlog::level::warn);  // no access log in test output
    StartServer(64ull << 20);
  }

  void StartServer(uint64_t max_body) {
    auto stores = testing::OpenBacking(GetParam(), dir_ / "db", "mlflow-artifacts:");
    ASSERT_TRUE(stores.ok()) << stores.status().ToString();
    store_ = std::move(stores->tracking);
    TrackingServerOptions options;
    options.http.port = 0;
    options.http.threads = 4;
    options.http.limits.max_body_bytes = max_body;
    options.artifacts_destination = dir_ / "artifacts";
    options.version = "test-version";
    server_ = std::make_unique<TrackingServer>(options, *store_);
    ASSERT_TRUE(server_->Start().ok());
    port_ = server_->port();
  }

  void TearDown() override {
    if (server_) server_->Stop();
    server_.reset();
    store_.reset();
  }

  HttpResult Post(const std::string& endpoint, const std::string& body) {
    return Http(port_, "POST", "/api/2.0/mlflow/" + endpoint, body);
  }
  HttpResult Get(const std::string& endpoint_and_query) {
    return Http(port_, "GET", "/api/2.0/mlflow/" + endpoint_and_query);
  }

  // Parses a reply body; the element lives as long as the test.
  simdjson::dom::element Json(const std::string& text) {
    parsers_.emplace_back();
    simdjson::dom::element element;
    EXPECT_EQ(parsers_.back().parse(text).get(element), simdjson::SUCCESS) << text;
    return element;
  }
  std::string Field(const std::string& text, const char* pointer) {
    std::string_view value;
    if (Json(text).at_pointer(pointer).get(value) != simdjson::SUCCESS) return "<missing>";
    return std::string(value);
  }
  std::string ErrorCodeOf(const HttpResult& reply) { return Field(reply.body, "/error_code"); }

  std::string NewRun(const std::string& experiment_id = "0") {
    HttpResult reply = Post("runs/create", R"({"experiment_id": ")" + experiment_id +
                                               R"(", "start_time": 1716000000000})");
    EXPECT_EQ(reply.status, 200) << reply.body;
    return Field(reply.body, "/run/info/run_id");
  }

  TempDir dir_;
  std::unique_ptr<TrackingStore> store_;
  std::unique_ptr<TrackingServer> server_;
  int port_ = 0;
  std::list<simdjson::dom::parser> parsers_;
};

ORCHARD_ON_EVERY_BACKEND(ServerTest);

TEST_P(ServerTest, HealthAndVersion) {
  HttpResult health = Http(port_, "GET", "/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "OK");
  EXPECT_EQ(Http(port_, "GET", "/version").body, "test-version");
}

TEST_P(ServerTest, ExperimentEndpoints) {
  HttpResult created =
      Post("experiments/create", R"({"name": "loan", "tags": [{"key": "team", "value": "risk"}]})");
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(created.body, R"({"experiment_id":"1"})");
  HttpResult by_id = Get("experiments/get?experiment_id=1");
  EXPECT_EQ(Field(by_id.body, "/experiment/name"), "loan");
  EXPECT_EQ(Field(by_id.body, "/experiment/artifact_location"), "mlflow-artifacts:/1");
  EXPECT_EQ(Field(by_id.body, "/experiment/tags/0/value"), "risk");
  EXPECT_EQ(
      Field(Get("experiments/get-by-name?experiment_name=loan").body, "/experiment/experiment_id"),
      "1");
  EXPECT_EQ(Post("experiments/update", R"({"experiment_id": "1", "new_name": "loan2"})").status,
            200);
  EXPECT_EQ(Post("experiments/set-experiment-tag",
                 R"({"experiment_id": "1", "key": "owner", "value": "ana"})")
                .status,
            200);
  HttpResult search =
      Post("experiments/search", R"({"max_results": 10, "filter": "name LIKE 'loan%'"})");
  ASSERT_EQ(search.status, 200) << search.body;
  EXPECT_EQ(Field(search.body, "/experiments/0/name"), "loan2");
  HttpResult get_search = Get("experiments/search?max_results=1&view_type=ALL");
  EXPECT_EQ(get_search.status, 200) << get_search.body;
  EXPECT_NE(Field(get_search.body, "/next_page_token"), "<missing>");
  EXPECT_EQ(Post("experiments/delete", R"({"experiment_id": "1"})").status, 200);
  EXPECT_EQ(Field(Get("experiments/get?experiment_id=1").body, "/experiment/lifecycle_stage"),
            "deleted");
  EXPECT_EQ(Post("experiments/restore", R"({"experiment_id": "1"})").status, 200);

  HttpResult duplicate = Post("experiments/create", R"({"name": "loan2"})");
  EXPECT_EQ(duplicate.status, 400);
  EXPECT_EQ(ErrorCodeOf(duplicate), "RESOURCE_ALREADY_EXISTS");
  HttpResult missing = Get("experiments/get?experiment_id=99");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(ErrorCodeOf(missing), "RESOURCE_DOES_NOT_EXIST");
  HttpResult no_max = Post("experiments/search", "{}");
  EXPECT_EQ(no_max.status, 400);
  EXPECT_EQ(ErrorCodeOf(no_max), "INVALID_PARAMETER_VALUE");
}

TEST_P(ServerTest, RunEndpoints) {
  HttpResult created = Post(
      "runs/create",
      R"({"experiment_id": "0", "user_id": "root", "run_name": "parent", "start_time": "1716000000000",
          "tags": [{"key": "mlflow.user", "value": "root"}]})");
  ASSERT_EQ(created.status, 200) << created.body;
  std::string run_id = Field(created.body, "/run/info/run_id");
  EXPECT_EQ(Field(created.body, "/run/info/run_uuid"), run_id);
  EXPECT_EQ(Field(created.body, "/run/info/status"), "RUNNING");
  EXPECT_EQ(Field(created.body, "/run/info/artifact_uri"),
            "mlflow-artifacts:/0/" + run_id + "/artifacts");
  std::string child = NewRun();

  auto ok = [&](const std::string& endpoint, const std::string& body) {
    HttpResult reply = Post(endpoint, body);
    EXPECT_EQ(reply.status, 200) << endpoint << ": " << reply.body;
    EXPECT_EQ(reply.body, "{}") << endpoint;
  };
  ok("runs/log-metric",
     R"({"run_id": ")" + run_id + R"(", "key": "loss", "value": 0.5, "timestamp": 1, "step": 1})");
  ok("runs/log-metric", R"({"run_uuid": ")" + run_id +
                            R"(", "key": "loss", "value": "NaN", "timestamp": "2", "step": "2"})");
  ok("runs/log-parameter", R"({"run_id": ")" + run_id + R"(", "key": "lr", "value": "0.1"})");
  ok("runs/log-parameter", R"({"run_id": ")" + run_id + R"(", "key": "lr", "value": "0.1"})");
  ok("runs/set-tag", R"({"run_id": ")" + run_id + R"(", "key": "stage", "value": "a"})");
  ok("runs/set-tag", R"({"run_id": ")" + child + R"(", "key": "mlflow.parentRunId", "value": ")" +
                         run_id + R"("})");
  ok("runs/delete-tag", R"({"run_id": ")" + run_id + R"(", "key": "stage"})");
  ok("runs/log-batch", R"({"run_id": ")" + child +
                           R"(", "metrics": [{"key": "acc", "value": 0.9, "timestamp": 5}],
                           "params": [{"key": "depth", "value": "3"}],
                           "tags": [{"key": "t", "value": "v"}]})");
  HttpResult conflict =
      Post("runs/log-parameter", R"({"run_id": ")" + run_id + R"(", "key": "lr", "value": "0.2"})");
  EXPECT_EQ(conflict.status, 400);
  EXPECT_EQ(ErrorCodeOf(conflict), "INVALID_PARAMETER_VALUE");

  HttpResult run = Get("runs/get?run_uuid=" + run_id + "&run_id=" + run_id);
  ASSERT_EQ(run.status, 200) << run.body;
  EXPECT_EQ(Field(run.body, "/run/data/metrics/0/value"), "NaN");
  EXPECT_EQ(Field(run.body, "/run/data/params/0/key"), "lr");
  HttpResult history = Get("metrics/get-history?run_uuid=" + run_id + "&metric_key=loss");
  EXPECT_EQ(history.body, R"({"metrics":[{"key":"loss","value":0.5,"timestamp":1,"step":1},)"
                          R"({"key":"loss","value":"NaN","timestamp":2,"step":2}]})");

  HttpResult updated = Post(
      "runs/update", R"({"run_id": ")" + run_id + R"(", "status": "FINISHED", "end_time": 9})");
  EXPECT_EQ(Field(updated.body, "/run_info/status"), "FINISHED");
  HttpResult by_number = Post("runs/update", R"({"run_id": ")" + child + R"(", "status": 4})");
  EXPECT_EQ(Field(by_number.body, "/run_info/status"), "FAILED");

  HttpResult search = Post("runs/search", R"({"experiment_ids": ["0"],
      "filter": "tags.mlflow.parentRunId = ')" +
                                              run_id + R"('", "order_by": ["metrics.acc DESC"]})");
  ASSERT_EQ(search.status, 200) << search.body;
  EXPECT_EQ(Field(search.body, "/runs/0/info/run_id"), child);
  EXPECT_EQ(Field(search.body, "/runs/1/info/run_id"), "<missing>");
  HttpResult get_search = Get("runs/search?experiment_ids=0&max_results=1");
  EXPECT_EQ(get_search.status, 200);
  EXPECT_NE(Field(get_search.body, "/next_page_token"), "<missing>");
  HttpResult empty =
      Post("runs/search", R"({"experiment_ids": ["0"], "filter": "params.x = 'none'"})");
  EXPECT_EQ(empty.body, "{}");

  ok("runs/delete", R"({"run_id": ")" + child + R"("})");
  HttpResult deleted_write =
      Post("runs/log-metric",
           R"({"run_id": ")" + child + R"(", "key": "m", "value": 1, "timestamp": 1})");
  EXPECT_EQ(ErrorCodeOf(deleted_write), "INVALID_PARAMETER_VALUE");
  ok("runs/restore", R"({"run_id": ")" + child + R"("})");

  // The UI's prefix serves the same API.
  HttpResult ajax = Http(port_, "GET", "/ajax-api/2.0/mlflow/runs/get?run_id=" + run_id);
  EXPECT_EQ(ajax.status, 200);
}

TEST_P(ServerTest, BulkIntervalHistorySamplesStepsAcrossRuns) {
  std::string a = NewRun();
  std::string b = NewRun();
  std::string batch = R"({"run_id": ")" + a + R"(", "metrics": [)";
  for (int step = 0; step < 10; ++step) {
    batch += (step ? "," : "") + std::string(R"({"key": "loss", "value": )") +
             std::to_string(step) + R"(, "timestamp": 1, "step": )" + std::to_string(step) + "}";
  }
  ASSERT_EQ(Post("runs/log-batch", batch + "]}").status, 200);
  ASSERT_EQ(
      Post("runs/log-metric",
           R"({"run_id": ")" + b + R"(", "key": "loss", "value": 7, "timestamp": 1, "step": 20})")
          .status,
      200);
  std::string base =
      "metrics/get-history-bulk-interval?metric_key=loss&run_ids=" + a + "&run_ids=" + b;
  HttpResult all = Get(base);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(Field(all.body, "/metrics/10/run_id"), b);  // 10 points of a, then b's one
  EXPECT_EQ(Field(all.body, "/metrics/11/run_id"), "<missing>");
  // Sampled to 3 steps out of 11 (0-9 and 20): two evenly spaced (0, 5) and the last (20), plus
  // each run's first and last step (9 for a). MLflow cuts each run at max_results points and so
  // loses a's last step; Orchard keeps it, so a chart ends where the history does.
  HttpResult sampled = Get(base + "&max_results=3");
  ASSERT_EQ(sampled.status, 200) << sampled.body;
  simdjson::dom::array points;
  ASSERT_EQ(Json(sampled.body)["metrics"].get(points), simdjson::SUCCESS);
  std::vector<int64_t> steps;
  for (simdjson::dom::element point : points) steps.push_back(point["step"].get_int64().value());
  EXPECT_EQ(steps, (std::vector<int64_t>{0, 5, 9, 20}));
  HttpResult window = Get(base + "&start_step=2&end_step=4");
  ASSERT_EQ(Json(window.body)["metrics"].get(points), simdjson::SUCCESS);
  EXPECT_EQ(points.size(), 3u);
  EXPECT_EQ(ErrorCodeOf(Get(base + "&start_step=2")), "INVALID_PARAMETER_VALUE");
  EXPECT_EQ(ErrorCodeOf(Get(base + "&start_step=5&end_step=2")), "INVALID_PARAMETER_VALUE");
  EXPECT_EQ(ErrorCodeOf(Get(base + "&max_results=0")), "INVALID_PARAMETER_VALUE");
  EXPECT_EQ(ErrorCodeOf(Get("metrics/get-history-bulk-interval?metric_key=loss")),
            "INVALID_PARAMETER_VALUE");
}

// Headers over the limit (64 KiB) get 431 and MLflow's JSON error, not a silent close.
// SQL injection through every text that reaches a query (filters, order_by, page tokens,
// names) finds nothing: each is parsed into bound parameters or refused, never spliced into SQL.
// Afterwards every row is still there.
TEST_P(ServerTest, InjectionThroughFiltersOrderByTokensAndNamesFindsNothing) {
  HttpResult created = Post("experiments/create", R"({"name": "victim"})");
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string id = Field(created.body, "/experiment_id");
  HttpResult run = Post("runs/create", R"({"experiment_id": ")" + id + R"("})");
  const std::string run_id = Field(run.body, "/run/info/run_id");
  ASSERT_EQ(Post("runs/log-metric", R"({"run_id": ")" + run_id +
                                        R"(", "key": "m", "value": 1, "timestamp": 1, "step": 0})")
                .status,
            200);
  const std::vector<std::string> hostile = {
      "' OR '1'='1",
      "x'; DROP TABLE runs; --",
      "metrics.m > 0 OR 1=1",
      "params.p = 'a' UNION SELECT run_uuid FROM runs --",
      "attributes.run_id IN ('a'); DELETE FROM runs",
      "tags.\"t\" = 'x' --",
      "name = 'a'/**/OR/**/1=1",
      "metrics.m > 0; DROP TABLE metrics",
  };
  auto json_string = [](const std::string& text) {
    std::string quoted = "\"";
    for (char c : text)
      quoted += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    return quoted + "\"";
  };
  for (const std::string& text : hostile) {
    SCOPED_TRACE(text);
    const std::string q = json_string(text);
    for (const HttpResult& reply :
         {Post("runs/search", R"({"experiment_ids": [")" + id + R"("], "filter": )" + q + "}"),
          Post("runs/search", R"({"experiment_ids": [")" + id + R"("], "order_by": [)" + q + "]}"),
          Post("runs/search", R"({"experiment_ids": [")" + id + R"("], "page_token": )" + q + "}"),
          Post("experiments/search", R"({"filter": )" + q + "}"),
          Post("experiments/search", R"({"order_by": [)" + q + "]}"),
          Get("registered-models/search?filter=" + UrlEncode(text)),
          Get("model-versions/search?filter=" + UrlEncode(text)),
          Get("experiments/get-by-name?experiment_name=" + UrlEncode(text)),
          Get("registered-models/get?name=" + UrlEncode(text))}) {
      EXPECT_LT(reply.status, 500) << reply.body;
      if (reply.status == 200) {
        EXPECT_EQ(reply.body.find("victim"), std::string::npos) << reply.body;  // no extra rows
      }
    }
  }
  // Everything is still there.
  EXPECT_EQ(Get("runs/get?run_id=" + run_id).status, 200);
  EXPECT_NE(Get("metrics/get-history?run_id=" + run_id + "&metric_key=m").body.find("\"value\":1"),
            std::string::npos);
  EXPECT_EQ(Get("experiments/get?experiment_id=" + id).status, 200);
}

TEST_P(ServerTest, OversizedHeadersGet431) {
  std::string request =
      "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(70 * 1024, 'a') +
      "\r\nConnection: close\r\n\r\n";
  HttpResult reply = testing::ParseReply(testing::SendRaw(port_, request));
  EXPECT_EQ(reply.status, 431);
  EXPECT_NE(reply.body.find(R"("error_code":"REQUEST_LIMIT_EXCEEDED")"), std::string::npos)
      << reply.body;
  EXPECT_EQ(Http(port_, "GET", "/health").body, "OK");  // the server goes on
}

TEST_P(ServerTest, LogModelAppendsToHistory) {
  std::string run_id = NewRun();
  std::string model =
      R"({\"run_id\": \")" + run_id +
      R"(\", \"artifact_path\": \"model\", \"utc_time_created\": \"2026-01-01 00:00:00.000000\", \"flavors\": {}})";
  for (int i = 0; i < 2; ++i) {
    HttpResult reply = Post("runs/log-model",
                            R"({"run_id": ")" + run_id + R"(", "model_json": ")" + model + "\"}");
    ASSERT_EQ(reply.status, 200) << reply.body;
  }
  std::string history = Field(Get("runs/get?run_id=" + run_id).body, "/run/data/tags/0/value");
  simdjson::dom::element list = Json(history);
  simdjson::dom::array entries;
  ASSERT_EQ(list.get(entries), simdjson::SUCCESS) << history;
  EXPECT_EQ(entries.size(), 2u);
  // A history that would not fit in the tag (5,000 characters) is refused, not cut into bad JSON.
  std::string wide = R"({\"run_id\": \")" + run_id +
                     R"(\", \"artifact_path\": \"model\", \"utc_time_created\": \"x\", )"
                     R"(\"flavors\": {\"f\": \")" +
                     std::string(6000, 'w') + R"(\"}})";
  HttpResult too_long =
      Post("runs/log-model", R"({"run_id": ")" + run_id + R"(", "model_json": ")" + wide + "\"}");
  EXPECT_EQ(too_long.status, 400) << too_long.body.substr(0, 300);
  EXPECT_EQ(ErrorCodeOf(too_long), "INVALID_PARAMETER_VALUE");
  HttpResult incomplete = Post(
      "runs/log-model", R"({"run_id": ")" + run_id + R"(", "model_json": "{\"run_id\": \"x\"}"})");
  EXPECT_EQ(incomplete.status, 400);
  EXPECT_EQ(ErrorCodeOf(incomplete), "INVALID_PARAMETER_VALUE");
}

TEST_P(ServerTest, CallerMistakesAre4xxWithMlflowBodies) {
  std::string run_id = NewRun();
  struct Case {
    std::string method, endpoint, body;
    int status;
    std::string code;
  };
  std::vector<Case> cases = {
      {"POST", "experiments/create", "{bad json", 400, "BAD_REQUEST"},
      {"POST", "experiments/create", "[1, 2]", 400, "BAD_REQUEST"},
      {"POST", "experiments/create", R"({"name": 5})", 400, "INVALID_PARAMETER_VALUE"},
      {"POST", "experiments/create", "{}", 400, "INVALID_PARAMETER_VALUE"},
      {"POST", "runs/log-metric",
       R"({"run_id": ")" + run_id + R"(", "key": "m", "value": "abc", "timestamp": 1})", 400,
       "INVALID_PARAMETER_VALUE"},
      {"POST", "runs/log-metric", R"({"run_id": ")" + run_id + R"(", "key": "m", "value": 1})", 400,
       "INVALID_PARAMETER_VALUE"},
      {"POST", "runs/log-metric",
       R"({"run_id": ")" + run_id + R"(", "key": "m", "value": 1, "timestamp": 1.5})", 400,
       "INVALID_PARAMETER_VALUE"},
      {"POST", "runs/log-batch", R"({"run_id": ")" + run_id + R"(", "metrics": {"not": "a list"}})",
       400, "INVALID_PARAMETER_VALUE"},
      {"POST", "runs/update", R"({"run_id": ")" + run_id + R"(", "status": "DONE"})", 400,
       "INVALID_PARAMETER_VALUE"},
      {"POST", "runs/search", R"({"experiment_ids": ["0"], "max_results": 50001})", 400,
       "INVALID_PARAMETER_VALUE"},
      {"POST", "runs/search", R"({"experiment_ids": ["0"], "run_view_type": "SOME"})", 400,
       "INVALID_PARAMETER_VALUE"},
      {"POST", "runs/search", R"({"experiment_ids": ["0"], "page_token": "garbage"})", 400,
       "INVALID_PARAMETER_VALUE"},
      {"GET", "runs/get?run_id=" + std::string(32, '0'), "", 404, "RESOURCE_DOES_NOT_EXIST"},
      {"GET", "runs/get", "", 400, "INVALID_PARAMETER_VALUE"},
      {"GET", "runs/search?experiment_ids=0&max_results=ten", "", 400, "INVALID_PARAMETER_VALUE"},
      {"GET", "runs/no-such-endpoint", "", 404, "ENDPOINT_NOT_FOUND"},
      {"POST", "no-such/endpoint", "{}", 404, "ENDPOINT_NOT_FOUND"},
      {"GET", "runs/create", "", 405, "BAD_REQUEST"},
      {"POST", "experiments/search",
       R"({"max_results": 10, "filter": "name LIKE '%)" + std::string(50000, 'a') + "'\"}", 400,
       "INVALID_PARAMETER_VALUE"},
      {"POST", "runs/search",
       [] {
         std::string list = "(";
         for (int i = 0; i < 4000; ++i) list += (i ? ",'" : "'") + std::to_string(i) + "'";
         list += ")";
         return R"({"experiment_ids": ["0"], "filter": "run_id IN )" + list + " AND run_id IN " +
                list + " AND run_id IN " + list + "\"}";
       }(),
       400, "INVALID_PARAMETER_VALUE"},
  };
  for (const Case& c : cases) {
    HttpResult reply = Http(port_, c.method, "/api/2.0/mlflow/" + c.endpoint, c.body);
    EXPECT_EQ(reply.status, c.status) << c.endpoint << " " << c.body << " -> " << reply.body;
    EXPECT_EQ(ErrorCodeOf(reply), c.code) << c.endpoint << " " << c.body << " -> " << reply.body;
    EXPECT_EQ(reply.content_type, "application/json");
    EXPECT_NE(Field(reply.body, "/message"), "<missing>");
  }
  // Garbage on the wire gets an answer (or a closed connection), and the server keeps serving.
  testing::SendRaw(port_, "THIS IS NOT HTTP\r\n\r\n");
  testing::SendRaw(port_, "GET /%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(Http(port_, "GET", "/health").status, 200);
}

// Random bodies and query strings (fixed seed) against every endpoint: a caller's mistake is
// always a 4xx with an MLflow error body, never a 5xx (MLflow's client would retry it) or a crash.
TEST_P(ServerTest, RandomInputNeverCausesA5xx) {
  std::string run_id = NewRun();
  const std::vector<std::string> post_endpoints = {
      "experiments/create", "experiments/search",  "experiments/update",
      "experiments/delete", "experiments/restore", "experiments/set-experiment-tag",
      "runs/create",        "runs/update",         "runs/delete",
      "runs/restore",       "runs/log-metric",     "runs/log-parameter",
      "runs/set-tag",       "runs/delete-tag",     "runs/log-batch",
      "runs/log-model",     "runs/log-inputs",     "runs/search"};
  const std::vector<std::string> get_endpoints = {"experiments/get",
                                                  "experiments/get-by-name",
                                                  "experiments/search",
                                                  "runs/get",
                                                  "runs/search",
                                                  "metrics/get-history",
                                                  "metrics/get-history-bulk-interval",
                                                  "artifacts/list"};
  const std::vector<std::string> keys = {
      "name",          "experiment_id", "run_id",         "run_uuid",
      "key",           "value",         "timestamp",      "step",
      "metrics",       "params",        "tags",           "filter",
      "order_by",      "max_results",   "page_token",     "view_type",
      "run_view_type", "status",        "end_time",       "model_json",
      "datasets",      "new_name",      "experiment_ids", "metric_key",
      "run_ids",       "start_step",    "end_step",       "path"};
  const std::vector<std::string> values = {"\"" + run_id + "\"",
                                           "\"0\"",
                                           "0",
                                           "-1",
                                           "1e308",
                                           "\"NaN\"",
                                           "true",
                                           "null",
                                           "[]",
                                           "{}",
                                           "[{}]",
                                           "[{\"key\": 1}]",
                                           "\"\"",
                                           "\"metrics.x > 1 OR (\"",
                                           "9223372036854775807",
                                           "\"../../etc\"",
                                           "[\"a\", 2]",
                                           "{\"dataset\": {}}",
                                           "\"" + std::string(300, 'k') + "\""};
  std::mt19937 rng(99);
  int requests = 0;
  for (int i = 0; i < 1500; ++i) {
    bool get = rng() % 3 == 0;
    std::string endpoint = get ? get_endpoints[rng() % get_endpoints.size()]
                               : post_endpoints[rng() % post_endpoints.size()];
    HttpResult reply;
    if (get) {
      std::string query;
      int fields = static_cast<int>(rng() % 4);
      for (int f = 0; f < fields; ++f) {
        query += (f ? "&" : "?") + keys[rng() % keys.size()] + "=" +
                 std::to_string(static_cast<int>(rng() % 1000) - 10);
      }
      reply = Get(endpoint + query);
    } else {
      std::string body = "{";
      int fields = static_cast<int>(rng() % 5);
      for (int f = 0; f < fields; ++f) {
        body += (f ? ", \"" : "\"") + keys[rng() % keys.size()] +
                "\": " + values[rng() % values.size()];
      }
      body += rng() % 10 == 0 ? "" : "}";  // sometimes malformed
      reply = Post(endpoint, body);
    }
    ++requests;
    ASSERT_GT(reply.status, 0) << endpoint;
    EXPECT_LT(reply.status, 500) << endpoint << " -> " << reply.body;
    if (reply.status != 200) {
      EXPECT_NE(ErrorCodeOf(reply), "<missing>") << reply.body;
    }
  }
  EXPECT_EQ(requests, 1500);
  EXPECT_EQ(Http(port_, "GET", "/health").status, 200);
}

TEST_P(ServerTest, OversizedBodyIs413) {
  TearDown();
  StartServer(1024);
  HttpResult reply = Post("experiments/create", R"({"name": ")" + std::string(4096, 'x') + "\"}");
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(ErrorCodeOf(reply), "REQUEST_LIMIT_EXCEEDED");
  EXPECT_EQ(Http(port_, "GET", "/health").status, 200);
}

TEST_P(ServerTest, ConcurrentWritersToOneRunLoseNothing) {
  std::string run_id = NewRun();
  constexpr int kThreads = 8;
  constexpr int kEach = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        HttpResult reply =
            Http(port_, "POST", "/api/2.0/mlflow/runs/log-metric",
                 R"({"run_id": ")" + run_id + R"(", "key": "m", "value": )" + std::to_string(t) +
                     R"(, "timestamp": 1, "step": )" + std::to_string(t * kEach + i) + "}");
        if (reply.status != 200) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
  auto history = store_->GetMetricHistory(run_id, "m");
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->size(), static_cast<size_t>(kThreads * kEach));
}

TEST_P(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  std::string request = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string pipelined;
  for (int i = 0; i < 3; ++i) pipelined += request;
  pipelined += "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::string replies = testing::SendRaw(port_, pipelined);
  size_t count = 0;
  for (size_t at = replies.find("HTTP/1.1 200"); at != std::string::npos;
       at = replies.find("HTTP/1.1 200", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 4u);
}

}  // namespace
}  // namespace orchard
