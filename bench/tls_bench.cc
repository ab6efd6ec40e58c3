// HTTPS against plain HTTP, side by side in one process over loopback (the server's 2 threads and
// the client share the machine): a small request on a kept-alive connection, a new connection
// per request (TCP, and with TLS the handshake), and a 64 MiB file download (sendfile(2) against
// encrypted 256 KiB chunks).
//   tls_bench [google benchmark flags]
#include <benchmark/benchmark.h>

#include <fstream>
#include <memory>
#include <string>

#include "http/http_client.h"
#include "http/http_server.h"
#include "support/temp_dir.h"
#include "support/test_certificates.h"

namespace orchard {
namespace {

constexpr size_t kDownloadBytes = 64u << 20;

struct Fixture {
  testing::TempDir dir;
  testing::TestCertificates certs = testing::MakeTestCertificates(dir.path() / "certs");
  std::string file = dir / "download.bin";
  std::unique_ptr<HttpServer> plain, tls;

  Fixture() {
    std::ofstream(file, std::ios::binary) << std::string(kDownloadBytes, 'x');
    plain = Start({});
    tls = Start({.cert_file = certs.server_cert, .key_file = certs.server_key});
  }
  std::unique_ptr<HttpServer> Start(TlsServerOptions tls_options) {
    auto server = std::make_unique<HttpServer>(
        HttpServerOptions{.port = 0, .threads = 2, .tls = std::move(tls_options)},
        [this](const HttpRequest& request) {
          HttpResponse response{.content_type = "application/json"};
          if (request.path == "/file") {
            response.file_path = file;
          } else {
            response.body = R"({"status":"OK"})";
          }
          return response;
        });
    if (!server->Start().ok()) std::abort();
    return server;
  }
  std::unique_ptr<HttpClient> Client(bool secure) {
    const int port = secure ? tls->port() : plain->port();
    auto client = HttpClient::Create(
        (secure ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port),
        {.server_ca_path = certs.ca_cert});
    if (!client.ok()) std::abort();
    return std::move(client).value();
  }
};

Fixture& TheFixture() {
  static Fixture fixture;
  return fixture;
}

void BM_SmallRequestKeptAlive(benchmark::State& state) {
  auto client = TheFixture().Client(state.range(0) != 0);
  for (auto _ : state) {
    auto reply = client->Send("GET", "/health", "");
    if (!reply.ok() || reply->status != 200) state.SkipWithError("request failed");
  }
  state.SetLabel(state.range(0) ? "https" : "http");
}
BENCHMARK(BM_SmallRequestKeptAlive)->Arg(0)->Arg(1)->UseRealTime();

void BM_NewConnectionPerRequest(benchmark::State& state) {
  Fixture& fixture = TheFixture();
  for (auto _ : state) {
    auto reply = fixture.Client(state.range(0) != 0)->Send("GET", "/health", "");
    if (!reply.ok() || reply->status != 200) state.SkipWithError("request failed");
  }
  state.SetLabel(state.range(0) ? "https" : "http");
}
BENCHMARK(BM_NewConnectionPerRequest)->Arg(0)->Arg(1)->UseRealTime();

void BM_Download64MiB(benchmark::State& state) {
  Fixture& fixture = TheFixture();
  auto client = fixture.Client(state.range(0) != 0);
  const std::string target = fixture.dir / "downloaded.bin";
  for (auto _ : state) {
    auto reply = client->Download("/file", target);
    if (!reply.ok() || reply->status != 200) state.SkipWithError("download failed");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kDownloadBytes));
  state.SetLabel(state.range(0) ? "https" : "http");
}
BENCHMARK(BM_Download64MiB)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace orchard

BENCHMARK_MAIN();
