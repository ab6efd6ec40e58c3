// The artifact proxy over real HTTP on loopback: uploads, downloads, listings and deletes as
// MLflow's client sends them; path checks (plain and percent-encoded traversal); streaming
// (a 128 MB file goes up and comes back with the process's peak memory barely moving); a
// broken upload leaves nothing; the client library's HttpArtifactRepo and Client over http://.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <spdlog/spdlog.h>

#include "client/client.h"
#include "client/http_artifact_repo.h"
#include "client/rest_tracking_store.h"
#include "server/tracking_server.h"
#include "store/tracking/sqlite_tracking_store.h"
#include "support/http_client.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace orchard {
namespace {

namespace fs = std::filesystem;
using testing::Http;
using testing::HttpResult;
using testing::SendRaw;
using testing::TempDir;

constexpr char kProxy[] = "/api/2.0/mlflow-artifacts/artifacts";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A kibibyte count from /proc/self/status ("VmHWM", "VmRSS").
int64_t ProcStatusKiB(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(field + ":")) return std::stoll(line.substr(field.size() + 1));
  }
  return -1;
}

// Writes `bytes` of seeded pseudo-random data in 1 MiB pieces; returns a checksum.
uint64_t WriteRandomFile(const fs::path& path, uint64_t bytes, uint32_t seed) {
  std::mt19937_64 random(seed);
  std::ofstream out(path, std::ios::binary);
  std::vector<uint64_t> block(1 << 17);
  uint64_t sum = 0;
  for (uint64_t written = 0; written < bytes; written += block.size() * 8) {
    for (uint64_t& word : block) {
      word = random();
      sum = sum * 31 + word;
    }
    out.write(reinterpret_cast<const char*>(block.data()),
              static_cast<std::streamsize>(std::min<uint64_t>(bytes - written, block.size() * 8)));
  }
  return sum;
}

uint64_t Checksum(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint64_t> block(1 << 17);
  uint64_t sum = 0;
  while (in.read(reinterpret_cast<char*>(block.data()),
                 static_cast<std::streamsize>(block.size() * 8)) ||
         in.gcount() > 0) {
    for (size_t i = 0; i < static_cast<size_t>(in.gcount()) / 8; ++i) sum = sum * 31 + block[i];
    if (!in) break;
  }
  return sum;
}

// Sends bytes and closes the connection without waiting for a reply.
void SendAndHangUp(int port, const std::string& bytes) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  close(fd);
}

class ArtifactProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    Start(/*serve_artifacts=*/true);
  }

  void Start(bool serve_artifacts) {
    if (server_) server_->Stop();
    server_.reset();
    store_.reset();
    auto store = SqliteTrackingStore::Open(dir_ / "orchard.db", "mlflow-artifacts:");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    TrackingServerOptions options;
    options.http.port = 0;
    options.http.threads = 4;
    options.artifacts_destination = destination_.string();
    options.serve_artifacts = serve_artifacts;
    server_ = std::make_unique<TrackingServer>(options, *store_);
    ASSERT_TRUE(server_->Start().ok());
    port_ = server_->port();
  }

  void TearDown() override { server_->Stop(); }

  HttpResult Put(const std::string& path, const std::string& body) {
    return Http(port_, "PUT", std::string(kProxy) + "/" + path, body, "text/plain");
  }
  HttpResult GetFile(const std::string& path) {
    return Http(port_, "GET", std::string(kProxy) + "/" + path);
  }
  HttpResult ListPath(const std::string& encoded_path) {
    return Http(port_, "GET", std::string(kProxy) + "?path=" + encoded_path);
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  static std::string ErrorCode(const HttpResult& reply) {
    simdjson::dom::parser parser;
    std::string_view code;
    if (parser.parse(reply.body)["error_code"].get(code) != simdjson::SUCCESS) return "<none>";
    return std::string(code);
  }

  TempDir dir_;
  fs::path destination_ = dir_.path() / "artifacts";
  std::unique_ptr<SqliteTrackingStore> store_;
  std::unique_ptr<TrackingServer> server_;
  int port_ = 0;
};

TEST_F(ArtifactProxyTest, UploadDownloadListDeleteAsMlflowsClient) {
  HttpResult put = Put("1/run/artifacts/report/summary.txt", "best: rf-25\n");
  EXPECT_EQ(put.status, 200);
  EXPECT_EQ(put.body, "{}");
  EXPECT_EQ(Put("1/run/artifacts/report/data/sample.csv", "a,b\n1,2\n").status, 200);
  EXPECT_EQ(Put("1/run/artifacts/notes.txt", "note").status, 200);
  EXPECT_EQ(Put("1/run/artifacts/model.bin", std::string("\0\1\2", 3)).status, 200);
  EXPECT_EQ(ReadFile(destination_ / "1/run/artifacts/report/summary.txt"), "best: rf-25\n");

  HttpResult got = GetFile("1/run/artifacts/report/summary.txt");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, "best: rf-25\n");
  EXPECT_EQ(got.content_type, "text/plain");
  EXPECT_NE(got.headers.find("Content-Disposition: attachment; filename=summary.txt"),
            std::string::npos);
  EXPECT_EQ(GetFile("1/run/artifacts/model.bin").content_type, "application/octet-stream");
  EXPECT_EQ(GetFile("1/run/artifacts/model.bin").body, std::string("\0\1\2", 3));

  // Listings: bare names, folders without sizes, sorted; a file or a missing path is empty.
  EXPECT_EQ(ListPath("1%2Frun%2Fartifacts").body,
            R"({"files":[{"path":"model.bin","is_dir":false,"file_size":3},)"
            R"({"path":"notes.txt","is_dir":false,"file_size":4},)"
            R"({"path":"report","is_dir":true}]})");
  EXPECT_EQ(ListPath("1%2Frun%2Fartifacts%2Freport").body,
            R"({"files":[{"path":"data","is_dir":true},)"
            R"({"path":"summary.txt","is_dir":false,"file_size":12}]})");
  EXPECT_EQ(ListPath("1%2Frun%2Fartifacts%2Fnotes.txt").body, "{}");
  EXPECT_EQ(ListPath("nothing%2Fhere").body, "{}");

  // HEAD tells the size without the body.
  std::string head = SendRaw(
      port_,
      "HEAD " + std::string(kProxy) +
          "/1/run/artifacts/notes.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_NE(head.find("Content-Length: 4\r\n"), std::string::npos) << head;
  EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;

  // Uploading again replaces the file whole.
  EXPECT_EQ(Put("1/run/artifacts/notes.txt", "second").status, 200);
  EXPECT_EQ(GetFile("1/run/artifacts/notes.txt").body, "second");

  EXPECT_EQ(Http(port_, "DELETE", std::string(kProxy) + "/1/run/artifacts/report").status, 200);
  EXPECT_FALSE(fs::exists(destination_ / "1/run/artifacts/report"));
  HttpResult missing = GetFile("1/run/artifacts/report/summary.txt");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(ErrorCode(missing), "RESOURCE_DOES_NOT_EXIST");
  // Deleting what is not there is fine, as in MLflow.
  EXPECT_EQ(Http(port_, "DELETE", std::string(kProxy) + "/1/run/artifacts/report").status, 200);

  // The UI's prefix serves the same files.
  EXPECT_EQ(
      Http(port_, "GET", "/ajax-api/2.0/mlflow-artifacts/artifacts/1/run/artifacts/notes.txt").body,
      "second");
}

TEST_F(ArtifactProxyTest, EmptyFilesAndFoldersAreHandled) {
  EXPECT_EQ(Put("e/empty.txt", "").status, 200);
  EXPECT_TRUE(fs::is_regular_file(destination_ / "e/empty.txt"));
  EXPECT_EQ(GetFile("e/empty.txt").body, "");
  HttpResult folder = GetFile("e");
  EXPECT_EQ(folder.status, 400);
  EXPECT_EQ(ErrorCode(folder), "INVALID_PARAMETER_VALUE");
  HttpResult onto_folder = Put("e", "x");
  EXPECT_EQ(onto_folder.status, 400);
  EXPECT_EQ(ErrorCode(onto_folder), "INVALID_PARAMETER_VALUE");
  HttpResult no_path = Http(port_, "PUT", std::string(kProxy) + "/", "x", "text/plain");
  EXPECT_EQ(no_path.status, 400);
  // A file where a folder is needed.
  EXPECT_EQ(Put("e/empty.txt/below.txt", "x").status, 400);
}

TEST_F(ArtifactProxyTest, TraversalIsRejectedPlainOrEncoded) {
  WriteFile(dir_.path() / "secret.txt", "secret");
  const std::string attempts[] = {
      "../secret.txt",
      "a/../../secret.txt",
      "%2e%2e/secret.txt",
      "a/%2E%2E/%2E%2E/secret.txt",
      "%2Fetc%2Fpasswd",
      "/etc/passwd",
      "a%2F..%2F..%2Fsecret.txt",
      "..",
      "a\\..\\..\\secret.txt",
      "a%5Cb.txt",
      "a%00b.txt",
  };
  for (const std::string& attempt : attempts) {
    SCOPED_TRACE(attempt);
    HttpResult get = GetFile(attempt);
    EXPECT_EQ(get.status, 400) << get.body;
    EXPECT_EQ(ErrorCode(get), "INVALID_PARAMETER_VALUE");
    HttpResult put = Put(attempt, "overwritten");
    EXPECT_EQ(put.status, 400) << put.body;
    EXPECT_EQ(Http(port_, "DELETE", std::string(kProxy) + "/" + attempt).status, 400);
  }
  EXPECT_EQ(ListPath("..%2F").status, 400);
  EXPECT_EQ(ListPath("%2Fetc").status, 400);
  EXPECT_EQ(ReadFile(dir_.path() / "secret.txt"), "secret");
  EXPECT_FALSE(fs::exists("/etc/passwd.tmp"));
  HttpResult get_artifact = Http(port_, "GET", "/get-artifact?run_id=x&path=..%2F..%2Fsecret.txt");
  EXPECT_EQ(get_artifact.status, 400);
}

TEST_F(ArtifactProxyTest, ExpectContinueIsAnswered) {
  std::string reply =
      SendRaw(port_, "PUT " + std::string(kProxy) +
                         "/c/file.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n"
                         "Expect: 100-continue\r\nConnection: close\r\n\r\nhello");
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200")) << reply;
  EXPECT_EQ(ReadFile(destination_ / "c/file.txt"), "hello");
}

TEST_F(ArtifactProxyTest, BrokenUploadLeavesNothing) {
  // Promise 1000 bytes, send 10, hang up.
  SendAndHangUp(
      port_,
      "PUT " + std::string(kProxy) +
          "/b/partial.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n0123456789");
  // The server removes its temporary file once it sees the connection gone.
  auto leftovers = [&] {
    std::error_code ec;
    return fs::exists(destination_ / "b", ec) && !fs::is_empty(destination_ / "b", ec);
  };
  for (int i = 0; i < 2000 && leftovers(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_FALSE(leftovers());
  EXPECT_FALSE(fs::exists(destination_ / "b/partial.bin"));
  EXPECT_EQ(GetFile("b/partial.bin").status, 404);
}

TEST_F(ArtifactProxyTest, DisabledProxyAnswers503) {
  Start(/*serve_artifacts=*/false);
  HttpResult put = Put("1/x.txt", "x");
  EXPECT_EQ(put.status, 503);
  EXPECT_EQ(ErrorCode(put), "TEMPORARILY_UNAVAILABLE");
  EXPECT_EQ(GetFile("1/x.txt").status, 503);
  EXPECT_EQ(ListPath("1").status, 503);
  EXPECT_FALSE(fs::exists(destination_ / "1/x.txt"));
}

// A symbolic link inside the artifact folder (placed there by someone with a shell) never leads
// the proxy outside it: not to read, list, write or delete. Links that stay inside work.
TEST_F(ArtifactProxyTest, SymbolicLinksNeverLeadOutside) {
  const fs::path outside = dir_.path() / "outside";
  WriteFile(outside / "secret.txt", "secret");
  ASSERT_EQ(Put("0/run/artifacts/inside.txt", "inside").status, 200);
  fs::create_directory_symlink(outside, destination_ / "0/run/artifacts/out");
  fs::create_symlink(outside / "secret.txt", destination_ / "0/run/artifacts/secret-link");
  fs::create_symlink(destination_ / "0/run/artifacts/inside.txt",
                     destination_ / "0/run/artifacts/inside-link");
  fs::create_symlink(dir_.path() / "nowhere", destination_ / "0/run/artifacts/dangling");
  for (const std::string path : {"0/run/artifacts/out/secret.txt", "0/run/artifacts/secret-link"}) {
    SCOPED_TRACE(path);
    HttpResult get = GetFile(path);
    EXPECT_EQ(get.status, 403) << get.body;
    EXPECT_EQ(ErrorCode(get), "PERMISSION_DENIED");
    EXPECT_EQ(get.body.find("secret\""), std::string::npos);
  }
  EXPECT_EQ(Put("0/run/artifacts/out/new.txt", "x").status, 403);
  EXPECT_EQ(Put("0/run/artifacts/dangling/new.txt", "x").status, 403);
  EXPECT_FALSE(fs::exists(outside / "new.txt"));
  EXPECT_FALSE(fs::exists(dir_.path() / "nowhere"));
  EXPECT_EQ(Http(port_, "DELETE", std::string(kProxy) + "/0/run/artifacts/out/secret.txt").status,
            403);
  EXPECT_EQ(ListPath("0%2Frun%2Fartifacts%2Fout").status, 403);
  // The listing shows the links that stay inside, and not the others.
  HttpResult listing = ListPath("0%2Frun%2Fartifacts");
  EXPECT_EQ(listing.status, 200);
  EXPECT_NE(listing.body.find("\"inside-link\""), std::string::npos) << listing.body;
  EXPECT_EQ(listing.body.find("\"out\""), std::string::npos) << listing.body;
  EXPECT_EQ(listing.body.find("secret-link"), std::string::npos) << listing.body;
  EXPECT_EQ(GetFile("0/run/artifacts/inside-link").body, "inside");
  // Deleting a link removes the link, never what it points to.
  EXPECT_EQ(Http(port_, "DELETE", std::string(kProxy) + "/0/run/artifacts/out").status, 200);
  EXPECT_FALSE(fs::exists(fs::symlink_status(destination_ / "0/run/artifacts/out")));
  EXPECT_EQ(ReadFile(outside / "secret.txt"), "secret");
  // The UI's viewer (get-artifact) goes through the same check.
  EXPECT_EQ(Http(port_, "GET", "/get-artifact?run_id=x&path=out%2Fsecret.txt").status, 404);
}

// The registry's copies under models/ change only through its endpoints.
TEST_F(ArtifactProxyTest, RegistryCopiesCannotBeWrittenOrDeletedThroughTheProxy) {
  WriteFile(destination_ / "models/loan/1/MLmodel", "flavors: {}\n");
  HttpResult put = Put("models/loan/1/MLmodel", "replaced");
  EXPECT_EQ(put.status, 403) << put.body;
  EXPECT_EQ(ErrorCode(put), "PERMISSION_DENIED");
  EXPECT_EQ(Http(port_, "DELETE", std::string(kProxy) + "/models").status, 403);
  EXPECT_EQ(Http(port_, "DELETE", std::string(kProxy) + "/models/loan/1/MLmodel").status, 403);
  EXPECT_EQ(ReadFile(destination_ / "models/loan/1/MLmodel"), "flavors: {}\n");
  EXPECT_EQ(GetFile("models/loan/1/MLmodel").status, 200);  // reading stays open
}

// experiments/create takes only artifact locations inside the server's storage, or remote ones.
TEST_F(ArtifactProxyTest, ArtifactLocationsAreChecked) {
  auto create = [&](const std::string& name, const std::string& location) {
    return Http(port_, "POST", "/api/2.0/mlflow/experiments/create",
                R"({"name": ")" + name + R"(", "artifact_location": ")" + location + R"("})");
  };
  for (const std::string& location : std::vector<std::string>{
           "file:///etc", "/", "/etc/passwd", "relative/folder", "file://otherhost/share",
           "mlflow-artifacts:/../x", "mlflow-artifacts:/models/loan",
           "file://" + destination_.string() + "/../outside", destination_.string() + "/models"}) {
    SCOPED_TRACE(location);
    HttpResult refused = create("refused", location);
    EXPECT_EQ(refused.status, 400) << refused.body;
    EXPECT_NE(refused.body.find("Invalid artifact_location"), std::string::npos) << refused.body;
  }
  int n = 0;
  for (const std::string& location :
       std::vector<std::string>{"mlflow-artifacts:/team/a", "mlflow-artifacts://server:5000/team/b",
                                "s3://bucket/loan", destination_.string() + "/team/c",
                                "file://" + destination_.string() + "/team/d", std::string()}) {
    SCOPED_TRACE(location);
    HttpResult created = create("ok-" + std::to_string(n++), location);
    EXPECT_EQ(created.status, 200) << created.body;
  }
}

TEST_F(ArtifactProxyTest, GetArtifactSendsARunFile) {
  auto store = RestTrackingStore::Open(Url());
  ASSERT_TRUE(store.ok());
  Client client(std::shared_ptr<TrackingStore>(std::move(store).value()), Url());
  StatusOr<ActiveRun> run = client.StartRun({});
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->artifact_uri(), "mlflow-artifacts:/0/" + run->run_id() + "/artifacts");
  WriteFile(dir_.path() / "local/notes.md", "# notes\n");
  ASSERT_OK(run->LogArtifact((dir_.path() / "local/notes.md").string(), "docs"));
  HttpResult got =
      Http(port_, "GET", "/get-artifact?run_id=" + run->run_id() + "&path=docs%2Fnotes.md");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, "# notes\n");
  EXPECT_EQ(got.content_type, "text/plain");
  EXPECT_EQ(Http(port_, "GET", "/get-artifact?run_id=" + run->run_id() + "&path=nope").status, 404);
  EXPECT_EQ(Http(port_, "GET", "/get-artifact?run_id=nope&path=x").status, 404);
  ASSERT_OK(run->End());
}

TEST_F(ArtifactProxyTest, ClientLogsListsAndDownloadsTreesOverHttp) {
  auto store = RestTrackingStore::Open(Url());
  ASSERT_TRUE(store.ok());
  Client client(std::shared_ptr<TrackingStore>(std::move(store).value()), Url());
  StatusOr<ActiveRun> run = client.StartRun({});
  ASSERT_TRUE(run.ok());
  fs::path local = dir_.path() / "tree";
  WriteFile(local / "a.txt", "A");
  WriteFile(local / "sub/b.csv", "x,y\n");
  WriteFile(local / "sub/deeper/c name.bin", "C");
  ASSERT_OK(run->LogArtifacts(local.string(), "out"));
  // The files are where the server keeps them.
  fs::path on_server = destination_ / "0" / run->run_id() / "artifacts/out";
  EXPECT_EQ(ReadFile(on_server / "sub/deeper/c name.bin"), "C");

  StatusOr<std::unique_ptr<ArtifactRepo>> repo = client.ArtifactsFor(run->run_id());
  ASSERT_TRUE(repo.ok()) << repo.status().ToString();
  StatusOr<std::vector<FileInfo>> listed = (*repo)->List("out/sub");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].path, "out/sub/b.csv");
  EXPECT_EQ((*listed)[0].file_size, 4);
  EXPECT_EQ((*listed)[1].path, "out/sub/deeper");
  EXPECT_TRUE((*listed)[1].is_dir);

  fs::path dest = dir_.path() / "dest";
  StatusOr<std::string> tree = (*repo)->Download("out", dest.string());
  ASSERT_TRUE(tree.ok()) << tree.status().ToString();
  EXPECT_EQ(*tree, (dest / "out").string());
  EXPECT_EQ(ReadFile(dest / "out/a.txt"), "A");
  EXPECT_EQ(ReadFile(dest / "out/sub/deeper/c name.bin"), "C");
  StatusOr<std::string> one = (*repo)->Download("out/sub/b.csv", (dir_.path() / "one").string());
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(ReadFile(*one), "x,y\n");
  StatusOr<std::string> missing = (*repo)->Download("out/none.txt", dest.string());
  EXPECT_EQ(missing.status().code(), ErrorCode::kResourceDoesNotExist);
  EXPECT_FALSE(fs::exists(dest / "out/none.txt"));
  EXPECT_EQ((*repo)->List("../x").status().code(), ErrorCode::kInvalidParameterValue);
  ASSERT_OK(run->End());
}

TEST_F(ArtifactProxyTest, ArtifactUrisResolveAgainstTheServer) {
  EXPECT_EQ(
      OpenArtifactRepoForRun("mlflow-artifacts:/1/r/artifacts", "sqlite:///x.db").status().code(),
      ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(Put("7/r/artifacts/f.txt", "F").status, 200);
  fs::path dest = dir_.path() / "d";
  for (const std::string& uri :
       {std::string("mlflow-artifacts:/7/r/artifacts"),
        "mlflow-artifacts://127.0.0.1:" + std::to_string(port_) + "/7/r/artifacts",
        Url() + "/api/2.0/mlflow-artifacts/artifacts/7/r/artifacts"}) {
    SCOPED_TRACE(uri);
    StatusOr<std::unique_ptr<ArtifactRepo>> repo = OpenArtifactRepoForRun(uri, Url());
    ASSERT_TRUE(repo.ok()) << repo.status().ToString();
    StatusOr<std::string> file = (*repo)->Download("f.txt", dest.string());
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_EQ(ReadFile(*file), "F");
  }
}

// 128 MB up and back down through the proxy, in-process (server and client both): the peak
// resident memory grows by far less than the file.
TEST_F(ArtifactProxyTest, LargeFilesStreamWithFlatMemory) {
  constexpr uint64_t kSize = 128ull << 20;
  fs::path source = dir_.path() / "big.bin";
  uint64_t sum = WriteRandomFile(source, kSize, 7);
  StatusOr<std::unique_ptr<ArtifactRepo>> repo =
      OpenArtifactRepoForRun("mlflow-artifacts:/big", Url());
  ASSERT_TRUE(repo.ok());
  int64_t peak_before = ProcStatusKiB("VmHWM");
  ASSERT_OK((*repo)->LogFile(source.string(), "data"));
  StatusOr<std::string> copy = (*repo)->Download("data/big.bin", (dir_.path() / "back").string());
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  int64_t peak_after = ProcStatusKiB("VmHWM");
  EXPECT_EQ(fs::file_size(destination_ / "big/data/big.bin"), kSize);
  EXPECT_EQ(fs::file_size(*copy), kSize);
  EXPECT_EQ(Checksum(*copy), sum);
  EXPECT_LT(peak_after - peak_before, 20 * 1024)
      << "peak RSS grew by " << (peak_after - peak_before) << " KiB";
}

}  // namespace
}  // namespace orchard
