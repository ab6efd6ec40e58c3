// Dataset sources against a local server on 127.0.0.1 that imitates a file host and Kaggle's
// download API (basic auth, zips with several files, 404s, a corrupt zip): download, cache hit,
// checksum mismatch, an interrupted download resumed with a Range request, Kaggle file choice,
// missing credentials.
#include "data/dataset_source.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "base/base64.h"
#include "data/download.h"
#include "data/zip_archive.h"
#include "http/http_server.h"
#include "support/temp_dir.h"
#include "support/zip_writer.h"

namespace orchard {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

using testing::MakeZip;

const std::string kTrain = "a,b,Loan Status\n1,x,0\n2,y,1\n";
const std::string kTest = "a,b\n3,z\n";

class ImitationServer {
 public:
  ImitationServer() {
    data_ = std::string(200000, 'd');
    for (size_t i = 0; i < data_.size(); i += 97) data_[i] = static_cast<char>('a' + i % 26);
    zip_ = MakeZip({{"train.csv", kTrain}, {"test.csv", kTest}, {"README.md", "# loans\n"}});
    single_zip_ = MakeZip({{"data/only.csv", kTrain}, {"notes.txt", "n"}});
    HttpServerOptions options{.port = 0, .threads = 2};
    server_ = std::make_unique<HttpServer>(
        options, [this](const HttpRequest& request) { return Serve(request); });
    if (!server_->Start().ok()) throw std::runtime_error("cannot start the imitation server");
  }
  ~ImitationServer() { server_->Stop(); }

  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  const std::string& data() const { return data_; }
  int requests() const { return requests_; }
  std::string last_range() {
    std::lock_guard lock(mutex_);
    return last_range_;
  }

 private:
  HttpResponse Serve(const HttpRequest& request) {
    ++requests_;
    {
      std::lock_guard lock(mutex_);
      last_range_ = request.Header("Range").value_or("");
    }
    if (request.path == "/files/data.csv") return Ranged(data_, request);
    const std::string kaggle = "/kaggle/api/v1/datasets/download/";
    if (request.path.starts_with(kaggle)) {
      if (request.Header("Authorization") != "Basic " + Base64Encode("alice:secret")) {
        return {.status = 401, .body = R"({"code":401,"message":"Unauthenticated"})"};
      }
      std::string rest = request.path.substr(kaggle.size());
      if (rest == "owner/loans") return Zip(zip_);
      if (rest == "owner/loans/train.csv") return {.content_type = "text/csv", .body = kTrain};
      if (rest == "owner/single") return Zip(single_zip_);
      if (rest == "owner/broken") return Zip("PK\x03\x04" + std::string(300, 'x'));
    }
    return {.status = 404, .content_type = "text/plain", .body = "not found"};
  }

  static HttpResponse Zip(std::string bytes) {
    return {.content_type = "application/zip", .body = std::move(bytes)};
  }

  static HttpResponse Ranged(const std::string& content, const HttpRequest& request) {
    std::string range = request.Header("Range").value_or("");
    if (range.starts_with("bytes=")) {
      size_t from = std::stoul(range.substr(6));
      return {.status = 206,
              .content_type = "text/csv",
              .body = content.substr(from),
              .headers = {{"Content-Range", "bytes " + std::to_string(from) + "-" +
                                                std::to_string(content.size() - 1) + "/" +
                                                std::to_string(content.size())}}};
    }
    return {.content_type = "text/csv", .body = content};
  }

  std::string data_, zip_, single_zip_;
  std::unique_ptr<HttpServer> server_;
  std::atomic<int> requests_{0};
  std::mutex mutex_;
  std::string last_range_;
};

class DatasetSourceTest : public ::testing::Test {
 protected:
  SourceOptions Options(bool with_credentials = true) {
    SourceOptions options{.cache_dir = (dir_.path() / "cache").string(),
                          .kaggle_api_url = server_.Url() + "/kaggle/api/v1"};
    if (with_credentials) {
      options.kaggle_username = "alice";
      options.kaggle_key = "secret";
    }
    return options;
  }

  testing::TempDir dir_;
  ImitationServer server_;
};

TEST_F(DatasetSourceTest, DownloadsOnceThenUsesTheCache) {
  const std::string url = server_.Url() + "/files/data.csv";
  StatusOr<std::string> path = ResolveDataSource(url, Options());
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(ReadFile(*path), server_.data());
  EXPECT_EQ(fs::path(*path).filename(), "data.csv");
  EXPECT_EQ(server_.requests(), 1);
  StatusOr<std::string> again = ResolveDataSource(url, Options());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *path);
  EXPECT_EQ(server_.requests(), 1);  // a cache hit: no request
}

TEST_F(DatasetSourceTest, ACorruptedCachedCopyIsFetchedAgain) {
  const std::string url = server_.Url() + "/files/data.csv";
  StatusOr<std::string> path = ResolveDataSource(url, Options());
  ASSERT_TRUE(path.ok());
  {
    std::fstream file(*path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(10);
    file.put('!');  // same size, different bytes
  }
  StatusOr<std::string> again = ResolveDataSource(url, Options());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(server_.requests(), 2);
  EXPECT_EQ(ReadFile(*again), server_.data());
}

TEST_F(DatasetSourceTest, AnInterruptedDownloadResumes) {
  const std::string url = server_.Url() + "/files/data.csv";
  // What an interrupted transfer leaves: the first part of the file beside its target.
  StatusOr<Downloaded> first = DownloadCached({.url = url, .cache_dir = Options().cache_dir});
  ASSERT_TRUE(first.ok());
  fs::path target = first->path;
  fs::remove(target);
  fs::remove(target.parent_path() / "download.txt");
  std::ofstream(target.string() + ".part", std::ios::binary) << server_.data().substr(0, 123456);
  StatusOr<std::string> path = ResolveDataSource(url, Options());
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(server_.last_range(), "bytes=123456-");
  EXPECT_EQ(ReadFile(*path), server_.data());
  EXPECT_FALSE(fs::exists(target.string() + ".part"));
}

TEST_F(DatasetSourceTest, MissingFilesAndServersAreClearErrors) {
  StatusOr<std::string> missing = ResolveDataSource(server_.Url() + "/files/nope.csv", Options());
  EXPECT_EQ(missing.status().code(), ErrorCode::kResourceDoesNotExist);
  EXPECT_NE(missing.status().message().find("404"), std::string::npos);
  StatusOr<std::string> unreachable = ResolveDataSource("http://127.0.0.1:1/data.csv", Options());
  EXPECT_EQ(unreachable.status().code(), ErrorCode::kTemporarilyUnavailable);
  StatusOr<std::string> no_file = ResolveDataSource((dir_.path() / "x.csv").string(), Options());
  EXPECT_EQ(no_file.status().code(), ErrorCode::kInvalidParameterValue);
  StatusOr<std::string> local = ResolveDataSource(dir_ / "", Options());
  EXPECT_TRUE(local.ok());  // an existing path is used as it is
}

TEST_F(DatasetSourceTest, KaggleZipWithSeveralFiles) {
  StatusOr<std::string> named = ResolveDataSource("kaggle:owner/loans/train.csv", Options());
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_EQ(ReadFile(*named), kTrain);  // a single file, sent unzipped
  // The whole dataset: several CSVs, so a name is required...
  StatusOr<std::string> ambiguous = ResolveDataSource("kaggle:owner/loans", Options());
  EXPECT_EQ(ambiguous.status().code(), ErrorCode::kInvalidParameterValue);
  EXPECT_NE(ambiguous.status().message().find("train.csv"), std::string::npos);
  // ...unless only one CSV is inside; the bare owner/dataset form works too.
  StatusOr<std::string> only = ResolveDataSource("owner/single", Options());
  ASSERT_TRUE(only.ok()) << only.status().ToString();
  EXPECT_EQ(ReadFile(*only), kTrain);
  EXPECT_EQ(fs::path(*only).filename(), "only.csv");
}

TEST_F(DatasetSourceTest, KaggleErrors) {
  StatusOr<std::string> no_credentials =
      ResolveDataSource("kaggle:owner/loans/train.csv", Options(false));
  EXPECT_EQ(no_credentials.status().code(), ErrorCode::kInvalidParameterValue);
  EXPECT_NE(no_credentials.status().message().find("kaggle.json"), std::string::npos);
  EXPECT_EQ(server_.requests(), 0);  // refused before any request
  SourceOptions wrong_key = Options();
  wrong_key.kaggle_key = "wrong";
  EXPECT_EQ(ResolveDataSource("kaggle:owner/loans", wrong_key).status().code(),
            ErrorCode::kPermissionDenied);
  StatusOr<std::string> no_dataset = ResolveDataSource("kaggle:owner/nothing", Options());
  EXPECT_EQ(no_dataset.status().code(), ErrorCode::kResourceDoesNotExist);
  EXPECT_NE(no_dataset.status().message().find("owner/nothing"), std::string::npos);
  StatusOr<std::string> broken = ResolveDataSource("kaggle:owner/broken", Options());
  EXPECT_EQ(broken.status().code(), ErrorCode::kInvalidParameterValue);
  EXPECT_NE(broken.status().message().find("corrupt"), std::string::npos)
      << broken.status().message();
  EXPECT_EQ(ResolveDataSource("kaggle:not a dataset", Options()).status().code(),
            ErrorCode::kInvalidParameterValue);
}

TEST_F(DatasetSourceTest, CredentialsFromKaggleJson) {
  SourceOptions options;
  EXPECT_TRUE(LoadKaggleCredentials((dir_.path() / "none").string(), options).ok());
  EXPECT_TRUE(options.kaggle_username.empty());
  fs::create_directories(dir_.path() / "kaggle");
  std::ofstream(dir_.path() / "kaggle/kaggle.json") << R"({"username":"alice","key":"secret"})";
  ASSERT_TRUE(LoadKaggleCredentials((dir_.path() / "kaggle").string(), options).ok());
  EXPECT_EQ(options.kaggle_username, "alice");
  EXPECT_EQ(options.kaggle_key, "secret");
  std::ofstream(dir_.path() / "kaggle/kaggle.json") << "{oops";
  EXPECT_FALSE(LoadKaggleCredentials((dir_.path() / "kaggle").string(), options).ok());
}

}  // namespace
}  // namespace orchard
