// The web UI over real HTTP: the built-in copy and a build folder, content types, ETags and 304,
// caching by name, gzip for clients that take it, and the whole server under --static-prefix.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <spdlog/spdlog.h>

#include "server/tracking_server.h"
#include "server/web_assets.h"
#include "store/tracking/sqlite_tracking_store.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

namespace orchard {
namespace {

using testing::HttpResult;

class WebUiTest : public ::testing::Test {
 protected:
  void Start(const std::string& ui_folder, const std::string& prefix = "") {
    spdlog::set_level(spdlog::level::warn);
    auto store = SqliteTrackingStore::Open(dir_ / "orchard.db", "mlflow-artifacts:");
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    TrackingServerOptions options;
    options.http.port = 0;
    options.http.path_prefix = prefix;
    options.artifacts_destination = dir_ / "artifacts";
    options.ui_folder = ui_folder;
    server_ = std::make_unique<TrackingServer>(options, *store_);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  // A GET with extra header lines ("Name: value\r\n").
  HttpResult Get(const std::string& target, const std::string& headers = "") {
    return testing::ParseReply(
        testing::SendRaw(server_->port(), "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                                              headers + "Connection: close\r\n\r\n"));
  }
  static std::string HeaderOf(const HttpResult& reply, const std::string& name) {
    size_t at = reply.headers.find("\r\n" + name + ": ");
    if (at == std::string::npos) return "";
    at += name.size() + 4;
    return reply.headers.substr(at, reply.headers.find("\r\n", at) - at);
  }
  void Write(const std::string& path, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(dir_ / path).parent_path());
    std::ofstream(dir_ / path, std::ios::binary) << text;
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteTrackingStore> store_;
  std::unique_ptr<TrackingServer> server_;
};

// The UI built into the binary: index.html at "/", its bundle under static-files/, gzipped.
TEST_F(WebUiTest, ServesTheBuiltInUi) {
  ASSERT_FALSE(EmbeddedWebAssets().empty()) << "the web UI was not built (scripts/bootstrap.sh)";
  Start("");
  HttpResult index = Get("/");
  ASSERT_EQ(index.status, 200) << index.body;
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(HeaderOf(index, "Cache-Control"), "no-cache");
  EXPECT_EQ(index.body.find("<script>"), std::string::npos);  // no inline script
  EXPECT_EQ(HeaderOf(index, "Content-Security-Policy").find("default-src 'self';"), 0u);
  size_t script = index.body.find("src=\"static-files/");
  ASSERT_NE(script, std::string::npos) << index.body;
  std::string bundle = index.body.substr(script + 5, index.body.find('"', script + 5) - script - 5);
  HttpResult plain = Get("/" + bundle);
  ASSERT_EQ(plain.status, 200) << bundle;
  EXPECT_EQ(plain.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(HeaderOf(plain, "Cache-Control"), "public, max-age=31536000, immutable");
  HttpResult zipped = Get("/" + bundle, "Accept-Encoding: gzip, br\r\n");
  EXPECT_EQ(HeaderOf(zipped, "Content-Encoding"), "gzip");
  EXPECT_LT(zipped.body.size(), plain.body.size());
  EXPECT_EQ(Get("/static-files/nope.js").status, 404);
}

TEST_F(WebUiTest, EtagsCachingAndGzipFromABuildFolder) {
  Write("ui/index.html", "<!doctype html><script src=\"static-files/app-0123abcd.js\"></script>");
  Write("ui/static-files/app-0123abcd.js", "console.log('hi')");
  Write("ui/static-files/app-0123abcd.js.gz", "not really gzip, but what the build wrote");
  Write("ui/static-files/logo.svg", "<svg/>");
  Write("secret.txt", "outside the UI");
  Start(dir_ / "ui");
  HttpResult index = Get("/");
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(Get("/index.html").body, index.body);
  const std::string etag = HeaderOf(index, "ETag");
  ASSERT_FALSE(etag.empty());
  HttpResult again = Get("/", "If-None-Match: " + etag + "\r\n");
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(Get("/", "If-None-Match: \"other\"\r\n").status, 200);

  HttpResult script = Get("/static-files/app-0123abcd.js");
  EXPECT_EQ(script.body, "console.log('hi')");
  EXPECT_EQ(HeaderOf(script, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(HeaderOf(script, "Vary"), "Accept-Encoding");
  HttpResult zipped = Get("/static-files/app-0123abcd.js", "Accept-Encoding: gzip\r\n");
  EXPECT_EQ(zipped.body, "not really gzip, but what the build wrote");
  EXPECT_EQ(HeaderOf(zipped, "Content-Encoding"), "gzip");
  HttpResult svg = Get("/static-files/logo.svg", "Accept-Encoding: gzip\r\n");
  EXPECT_EQ(svg.content_type, "image/svg+xml");
  EXPECT_EQ(HeaderOf(svg, "Content-Encoding"), "");       // no .gz beside it
  EXPECT_EQ(HeaderOf(svg, "Cache-Control"), "no-cache");  // no hash in its name
  EXPECT_EQ(Get("/static-files/../secret.txt").status, 404);
  EXPECT_EQ(Get("/static-files/%2e%2e/secret.txt").status, 404);
}

// --static-prefix: the UI and every API under the prefix, nothing outside it.
TEST_F(WebUiTest, EverythingUnderTheStaticPrefix) {
  Write("ui/index.html", "<!doctype html>");
  Start(dir_ / "ui", "/mlflow");
  EXPECT_EQ(Get("/mlflow/").body, "<!doctype html>");
  EXPECT_EQ(Get("/mlflow").body, "<!doctype html>");
  EXPECT_EQ(Get("/mlflow/health").body, "OK");
  HttpResult search = Get("/mlflow/ajax-api/2.0/mlflow/experiments/get?experiment_id=0");
  EXPECT_EQ(search.status, 200) << search.body;
  HttpResult created =
      testing::Http(server_->port(), "POST", "/mlflow/api/2.0/mlflow/experiments/create",
                    R"({"name":"behind-a-proxy"})");
  EXPECT_EQ(created.status, 200) << created.body;
  HttpResult upload = testing::Http(
      server_->port(), "PUT", "/mlflow/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/a.txt",
      "abc", "text/plain");
  EXPECT_EQ(upload.status, 200) << upload.body;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "artifacts/1/r/artifacts/a.txt"));
  for (const char* outside :
       {"/", "/health", "/api/2.0/mlflow/experiments/get?experiment_id=0", "/mlflowx/health"}) {
    HttpResult refused = Get(outside);
    EXPECT_EQ(refused.status, 404) << outside;
    EXPECT_NE(refused.body.find("ENDPOINT_NOT_FOUND"), std::string::npos) << refused.body;
  }
}

}  // namespace
}  // namespace orchard
