// The tracking server against a web page that should not reach it: DNS rebinding (a foreign
// Host header), cross-site writes (a foreign Origin), CORS for allowed origins, and the
// security headers on every answer. In-process server on loopback, raw requests.
#include <gtest/gtest.h>

#include <spdlog/spdlog.h>

#include "base/text.h"
#include "server/browser_guard.h"
#include "server/tracking_server.h"
#include "store/tracking/sqlite_tracking_store.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

namespace orchard {
namespace {

using testing::HttpResult;

class BrowserGuardTest : public ::testing::Test {
 protected:
  void Start(BrowserGuardOptions browser = {}) {
    spdlog::set_level(spdlog::level::warn);
    auto store = SqliteTrackingStore::Open(dir_ / "mlruns.db", "mlflow-artifacts:");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    TrackingServerOptions options;
    options.http.port = 0;
    options.http.threads = 2;
    options.artifacts_destination = dir_ / "artifacts";
    options.browser = std::move(browser);
    server_ = std::make_unique<TrackingServer>(options, *store_);
    ASSERT_TRUE(server_->Start().ok());
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  // A request with these extra header lines ("Name: value\r\n" each).
  HttpResult Send(const std::string& method, const std::string& target, const std::string& host,
                  const std::string& extra = "", const std::string& body = "") {
    std::string request = method + " " + target + " HTTP/1.1\r\n";
    if (!host.empty()) request += "Host: " + host + "\r\n";
    request += extra;
    if (method != "GET" && method != "OPTIONS") {
      request +=
          "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\n";
    }
    request += "Connection: close\r\n\r\n" + body;
    return testing::ParseReply(testing::SendRaw(server_->port(), request));
  }

  HttpResult Create(const std::string& name, const std::string& host, const std::string& extra) {
    return Send("POST", "/api/2.0/mlflow/experiments/create", host, extra,
                R"({"name": ")" + name + R"("})");
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteTrackingStore> store_;
  std::unique_ptr<TrackingServer> server_;
};

TEST_F(BrowserGuardTest, ForeignHostHeadersAreRefused) {
  Start();
  const std::string port = std::to_string(server_->port());
  for (const std::string& host :
       std::vector<std::string>{"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST", "[::1]:1"}) {
    SCOPED_TRACE(host);
    EXPECT_EQ(Send("GET", "/api/2.0/mlflow/experiments/search?max_results=1", host).status, 200);
  }
  // A rebound name, an empty Host and none at all.
  for (const std::string& host :
       std::vector<std::string>{"attacker.example:" + port, "attacker.example", "127.0.0.1.evil"}) {
    SCOPED_TRACE(host);
    HttpResult refused = Send("GET", "/api/2.0/mlflow/experiments/search?max_results=1", host);
    EXPECT_EQ(refused.status, 403);
    EXPECT_NE(refused.body.find("PERMISSION_DENIED"), std::string::npos) << refused.body;
    EXPECT_NE(refused.body.find("DNS rebinding"), std::string::npos) << refused.body;
    EXPECT_EQ(Send("GET", "/", host).status, 403);  // the UI too
  }
  // No Host at all (HTTP/1.1 requires one): refused the same way.
  EXPECT_EQ(Send("GET", "/api/2.0/mlflow/experiments/search", "").status, 403);
  // Probes stay open, as in MLflow.
  EXPECT_EQ(Send("GET", "/health", "attacker.example").status, 200);
  EXPECT_EQ(Send("GET", "/version", "attacker.example").status, 200);
}

TEST_F(BrowserGuardTest, AllowedHostPatterns) {
  Start({.allowed_hosts = {"mlflow.internal", "*.corp.example"}});
  auto status = [&](const std::string& host) {
    return Send("GET", "/api/2.0/mlflow/experiments/search?max_results=1", host).status;
  };
  EXPECT_EQ(status("mlflow.internal:8443"), 200);
  EXPECT_EQ(status("ml.corp.example"), 200);
  EXPECT_EQ(status("corp.example"), 403);
  EXPECT_EQ(status("localhost"), 403);  // the list replaces the defaults
}

TEST_F(BrowserGuardTest, CrossSiteWritesAreRefused) {
  Start();
  const std::string host = "127.0.0.1:" + std::to_string(server_->port());
  // No Origin (scripts, the CLI, MLflow's client) and the server's own origin pass.
  EXPECT_EQ(Create("plain", host, "").status, 200);
  EXPECT_EQ(Create("own", host, "Origin: http://" + host + "\r\n").status, 200);
  // Another site's page may not write, nor may another local port's.
  for (const std::string& origin :
       std::vector<std::string>{"https://attacker.example", "http://localhost:3000", "null"}) {
    SCOPED_TRACE(origin);
    HttpResult refused =
        Create("x" + std::to_string(origin.size()), host, "Origin: " + origin + "\r\n");
    EXPECT_EQ(refused.status, 403);
    EXPECT_NE(refused.body.find("Cross-origin request blocked"), std::string::npos) << refused.body;
    // Reads carry no CORS header for it, so the browser keeps the answer from the page.
    HttpResult read = Send("GET", "/api/2.0/mlflow/experiments/search?max_results=1", host,
                           "Origin: " + origin + "\r\n");
    EXPECT_EQ(read.headers.find("Access-Control-Allow-Origin"), std::string::npos);
  }
  HttpResult search = Send("GET", "/api/2.0/mlflow/experiments/search?max_results=10", host);
  EXPECT_EQ(search.body.find("\"x"), std::string::npos) << search.body;
}

TEST_F(BrowserGuardTest, CorsForAllowedOrigins) {
  Start({.cors_allowed_origins = {"https://app.example.com"}});
  const std::string host = "127.0.0.1:" + std::to_string(server_->port());
  HttpResult preflight =
      Send("OPTIONS", "/api/2.0/mlflow/experiments/create", host,
           "Origin: https://app.example.com\r\nAccess-Control-Request-Method: POST\r\n"
           "Access-Control-Request-Headers: content-type, authorization\r\n");
  EXPECT_EQ(preflight.status, 204) << preflight.headers;
  EXPECT_NE(preflight.headers.find("Access-Control-Allow-Origin: https://app.example.com"),
            std::string::npos)
      << preflight.headers;
  EXPECT_NE(preflight.headers.find("Access-Control-Allow-Headers: content-type, authorization"),
            std::string::npos);
  HttpResult created = Create("from-app", host, "Origin: https://app.example.com\r\n");
  EXPECT_EQ(created.status, 200) << created.body;
  EXPECT_NE(created.headers.find("Access-Control-Allow-Origin: https://app.example.com"),
            std::string::npos);
  EXPECT_EQ(Send("OPTIONS", "/api/2.0/mlflow/experiments/create", host,
                 "Origin: https://other.example\r\nAccess-Control-Request-Method: POST\r\n")
                .status,
            403);
}

TEST_F(BrowserGuardTest, SecurityHeadersOnEveryAnswer) {
  Start();
  const std::string host = "127.0.0.1:" + std::to_string(server_->port());
  for (const std::string& target : std::vector<std::string>{
           "/", "/api/2.0/mlflow/experiments/search?max_results=1", "/api/2.0/mlflow/nothing"}) {
    SCOPED_TRACE(target);
    HttpResult reply = Send("GET", target, host);
    EXPECT_NE(reply.headers.find("X-Content-Type-Options: nosniff"), std::string::npos);
    EXPECT_NE(reply.headers.find("X-Frame-Options: SAMEORIGIN"), std::string::npos);
  }
  HttpResult page = Send("GET", "/", host);
  EXPECT_NE(page.headers.find("Content-Security-Policy: default-src 'self'"), std::string::npos);
  EXPECT_NE(page.headers.find("frame-ancestors 'self'"), std::string::npos);
}

TEST(DefaultAllowedHostsTest, NamesForTheListeningAddress) {
  EXPECT_EQ(DefaultAllowedHosts("127.0.0.1"),
            (std::vector<std::string>{"localhost", "127.0.0.1", "[::1]"}));
  EXPECT_EQ(DefaultAllowedHosts("10.1.2.3").back(), "10.1.2.3");
  EXPECT_EQ(DefaultAllowedHosts("::1").size(), 3u);
  // Every interface: at least the loopback names, and this machine's own name.
  std::vector<std::string> wildcard = DefaultAllowedHosts("0.0.0.0");
  EXPECT_GT(wildcard.size(), 3u);
  EXPECT_EQ(SplitCommaList(" a, b,,c "), (std::vector<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace orchard
