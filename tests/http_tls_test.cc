// HTTPS without a proxy: the HTTP server with a certificate made at test time, and the client's
// checks of it (CA, host name, MLflow's environment variables), over loopback. Bodies and file
// replies both ways, mutual TLS, and the refusals a user would meet, each with its message.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "client/tracking_credentials.h"
#include "http/http_client.h"
#include "http/http_server.h"
#include "support/temp_dir.h"
#include "support/test_certificates.h"

namespace orchard {
namespace {

using testing::MakeTestCertificates;
using testing::TestCertificates;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A body no compressor or pattern could fake: bytes of a simple generator, `size` of them.
std::string Bytes(size_t size) {
  std::string out(size, '\0');
  uint32_t state = 12345;
  for (char& c : out) {
    state = state * 1103515245u + 12345u;
    c = static_cast<char>(state >> 24);
  }
  return out;
}

class HttpTlsTest : public ::testing::Test {
 protected:
  void SetUp() override { certs_ = MakeTestCertificates(dir_.path() / "certs"); }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  // A server answering every request with its method, path and body size; GET /file sends
  // `file_` as a file reply, PUT /file stores the body streamed to disk into `upload_`.
  Status Start(TlsServerOptions tls) {
    HttpServerOptions options;
    options.port = 0;
    options.threads = 2;
    options.tls = std::move(tls);
    options.plan_body = [this](const HttpRequest& head) {
      BodyPlan plan;
      if (head.method == "PUT") plan.spool_file = dir_ / "spool";
      return plan;
    };
    server_ = std::make_unique<HttpServer>(options, [this](const HttpRequest& request) {
      HttpResponse response{.content_type = "text/plain"};
      if (request.method == "GET" && request.path == "/file") {
        response.file_path = file_;
      } else if (request.method == "PUT") {
        std::filesystem::rename(request.body_file, upload_);
        response.body = std::to_string(request.body_bytes);
      } else {
        response.body =
            request.method + " " + request.path + " " + std::to_string(request.body.size());
      }
      return response;
    });
    return server_->Start();
  }

  TlsServerOptions ServerTls() const {
    return {.cert_file = certs_.server_cert, .key_file = certs_.server_key};
  }
  std::string Url(const std::string& host = "127.0.0.1") const {
    return "https://" + host + ":" + std::to_string(server_->port());
  }
  std::unique_ptr<HttpClient> Client(const TlsClientOptions& tls,
                                     const std::string& host = "127.0.0.1") {
    auto client = HttpClient::Create(Url(host), tls);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }

  testing::TempDir dir_;
  TestCertificates certs_;
  std::unique_ptr<HttpServer> server_;
  std::string file_ = dir_ / "reply.bin";
  std::string upload_ = dir_ / "upload.bin";
};

TEST_F(HttpTlsTest, ServesHttpsToAClientThatTrustsItsCa) {
  ASSERT_TRUE(Start(ServerTls()).ok());
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    auto client = Client({.server_ca_path = certs_.ca_cert}, host);
    ASSERT_NE(client, nullptr);
    // Several exchanges on the one kept-alive connection.
    for (int i = 0; i < 3; ++i) {
      auto reply = client->Send("POST", "/echo", std::string(1000 + i, 'x'));
      ASSERT_TRUE(reply.ok()) << reply.status().ToString();
      EXPECT_EQ(reply->status, 200);
      EXPECT_EQ(reply->body, "POST /echo " + std::to_string(1000 + i));
    }
  }
}

TEST_F(HttpTlsTest, FilesGoBothWaysEncrypted) {
  ASSERT_TRUE(Start(ServerTls()).ok());
  const std::string content = Bytes(3u << 20);
  {
    std::ofstream out(file_, std::ios::binary);
    out << content;
  }
  auto client = Client({.server_ca_path = certs_.ca_cert});
  ASSERT_NE(client, nullptr);
  const std::string downloaded = dir_ / "downloaded.bin";
  auto got = client->Download("/file", downloaded);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->status, 200);
  EXPECT_TRUE(ReadFile(downloaded) == content);
  auto sent = client->SendFile("PUT", "/file", file_, "application/octet-stream");
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(sent->body, std::to_string(content.size()));
  EXPECT_TRUE(ReadFile(upload_) == content);
  // The connection is still good after both.
  auto after = client->Send("GET", "/after", "");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->body, "GET /after 0");
}

TEST_F(HttpTlsTest, AnUntrustedCertificateIsRefusedUnlessTheClientIsInsecure) {
  ASSERT_TRUE(
      Start({.cert_file = certs_.self_signed_cert, .key_file = certs_.self_signed_key}).ok());
  // The system's CAs do not know it, nor does the test CA.
  for (const TlsClientOptions& tls :
       {TlsClientOptions{}, TlsClientOptions{.server_ca_path = certs_.ca_cert}}) {
    auto client = Client(tls);
    ASSERT_NE(client, nullptr);
    auto reply = client->Send("GET", "/x", "");
    ASSERT_FALSE(reply.ok());
    EXPECT_NE(reply.status().message().find("certificate"), std::string::npos)
        << reply.status().ToString();
    EXPECT_NE(reply.status().message().find("MLFLOW_TRACKING_SERVER_CERT_PATH"), std::string::npos);
  }
  auto insecure = Client({.insecure = true});
  auto reply = insecure->Send("GET", "/x", "");
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->body, "GET /x 0");
  // Trusting the certificate itself works too.
  auto pinned = Client({.server_ca_path = certs_.self_signed_cert});
  EXPECT_TRUE(pinned->Send("GET", "/x", "").ok());
}

TEST_F(HttpTlsTest, ACertificateForAnotherHostIsRefused) {
  ASSERT_TRUE(Start({.cert_file = certs_.other_name_cert, .key_file = certs_.other_name_key}).ok());
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    auto client = Client({.server_ca_path = certs_.ca_cert}, host);
    auto reply = client->Send("GET", "/x", "");
    ASSERT_FALSE(reply.ok());
    EXPECT_NE(reply.status().message().find("mismatch"), std::string::npos)
        << reply.status().ToString();
    EXPECT_NE(reply.status().message().find("a name (or address) its certificate lists"),
              std::string::npos);
  }
  EXPECT_TRUE(Client({.insecure = true})->Send("GET", "/x", "").ok());
}

TEST_F(HttpTlsTest, PlainHttpToTheTlsPortIsToldToUseHttpsAndTheServerGoesOn) {
  ASSERT_TRUE(Start(ServerTls()).ok());
  auto plain = HttpClient::Create("http://127.0.0.1:" + std::to_string(server_->port()));
  ASSERT_TRUE(plain.ok());
  auto refused = (*plain)->Send("POST", "/x", std::string(100000, 'x'));
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_EQ(refused->status, 400);
  EXPECT_NE(refused->body.find("use an https:// address"), std::string::npos) << refused->body;
  auto client = Client({.server_ca_path = certs_.ca_cert});
  auto reply = client->Send("GET", "/x", "");
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200);
}

TEST_F(HttpTlsTest, MutualTlsNeedsAClientCertificateFromTheCa) {
  TlsServerOptions tls = ServerTls();
  tls.client_ca_file = certs_.ca_cert;
  ASSERT_TRUE(Start(tls).ok());
  auto anonymous = Client({.server_ca_path = certs_.ca_cert});
  EXPECT_FALSE(anonymous->Send("GET", "/x", "").ok());
  auto known = Client({.server_ca_path = certs_.ca_cert, .client_cert_file = certs_.client_pem});
  auto reply = known->Send("GET", "/x", "");
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->body, "GET /x 0");
}

TEST_F(HttpTlsTest, BadTlsFilesAreRefusedAtStartWithTheirName) {
  auto start_error = [&](TlsServerOptions tls) {
    HttpServer server({.port = 0, .tls = std::move(tls)},
                      [](const HttpRequest&) { return HttpResponse{}; });
    Status status = server.Start();
    EXPECT_FALSE(status.ok());
    return status.message();
  };
  EXPECT_NE(start_error({.cert_file = dir_ / "missing.pem", .key_file = certs_.server_key})
                .find("missing.pem"),
            std::string::npos);
  EXPECT_NE(start_error({.cert_file = certs_.server_cert, .key_file = certs_.other_name_key})
                .find("does not belong"),
            std::string::npos);
  EXPECT_NE(start_error({.cert_file = certs_.server_key, .key_file = certs_.server_key})
                .find("certificate"),
            std::string::npos);
  auto bad_ca = HttpClient::Create("https://127.0.0.1:1", {.server_ca_path = dir_ / "nope.pem"});
  ASSERT_FALSE(bad_ca.ok());
  EXPECT_NE(bad_ca.status().message().find("nope.pem"), std::string::npos);
}

// MLflow's variables: MLFLOW_TRACKING_INSECURE_TLS, _SERVER_CERT_PATH, _CLIENT_CERT_PATH.
class TrackingTlsEnvTest : public HttpTlsTest {
 protected:
  void TearDown() override {
    for (const char* name : {"MLFLOW_TRACKING_INSECURE_TLS", "MLFLOW_TRACKING_SERVER_CERT_PATH",
                             "MLFLOW_TRACKING_CLIENT_CERT_PATH"}) {
      unsetenv(name);
    }
    HttpTlsTest::TearDown();
  }
};

TEST_F(TrackingTlsEnvTest, TheEnvironmentChoosesWhatTheClientTrusts) {
  TlsServerOptions tls = ServerTls();
  tls.client_ca_file = certs_.ca_cert;
  ASSERT_TRUE(Start(tls).ok());
  auto call = [&] {
    auto client = OpenTrackingHttpClient(Url());
    if (!client.ok()) return client.status();
    auto reply = (*client)->Send("GET", "/x", "");
    return reply.ok() ? Status::Ok() : reply.status();
  };
  EXPECT_FALSE(call().ok());  // neither the CA nor a client certificate
  setenv("MLFLOW_TRACKING_SERVER_CERT_PATH", certs_.ca_cert.c_str(), 1);
  EXPECT_FALSE(call().ok());  // still no client certificate
  setenv("MLFLOW_TRACKING_CLIENT_CERT_PATH", certs_.client_pem.c_str(), 1);
  EXPECT_TRUE(call().ok()) << call().ToString();
  // Both "skip the check" and "check against this CA": refused, as MLflow refuses it.
  setenv("MLFLOW_TRACKING_INSECURE_TLS", "true", 1);
  Status both = call();
  EXPECT_EQ(both.code(), ErrorCode::kInvalidParameterValue);
  EXPECT_NE(both.message().find("only one"), std::string::npos) << both.ToString();
  unsetenv("MLFLOW_TRACKING_SERVER_CERT_PATH");
  EXPECT_TRUE(call().ok()) << call().ToString();
  setenv("MLFLOW_TRACKING_INSECURE_TLS", "maybe", 1);
  EXPECT_NE(call().message().find("true or false"), std::string::npos);
}

}  // namespace
}  // namespace orchard
