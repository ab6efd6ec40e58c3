#include "store/artifact/local_artifact_repo.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace orchard {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

TEST(LocalArtifactRepo, LogListDownloadFilesAndTrees) {
  TempDir dir;
  WriteFile(dir.path() / "in/model.json", "{}");
  WriteFile(dir.path() / "tree/a.txt", "aaa");
  WriteFile(dir.path() / "tree/sub/b.txt", "bb");
  LocalArtifactRepo repo(dir.path() / "root");
  ASSERT_OK(repo.LogFile(dir / "in/model.json", ""));
  ASSERT_OK(repo.LogFile(dir / "in/model.json", "model/v1"));
  ASSERT_OK(repo.LogDir(dir / "tree", "data"));

  ASSERT_OK_AND_ASSIGN(std::vector<FileInfo> top, repo.List(""));
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].path, "data");
  EXPECT_TRUE(top[0].is_dir);
  EXPECT_EQ(top[1].path, "model");
  EXPECT_EQ(top[2].path, "model.json");
  EXPECT_EQ(top[2].file_size, 2);
  ASSERT_OK_AND_ASSIGN(std::vector<FileInfo> data, repo.List("data/"));
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[0].path, "data/a.txt");
  EXPECT_EQ(data[0].file_size, 3);
  EXPECT_EQ(data[1].path, "data/sub");
  ASSERT_OK_AND_ASSIGN(std::vector<FileInfo> file_listing, repo.List("model.json"));
  EXPECT_TRUE(file_listing.empty());  // a file lists as empty, as in MLflow
  ASSERT_OK_AND_ASSIGN(std::vector<FileInfo> missing, repo.List("nope"));
  EXPECT_TRUE(missing.empty());

  ASSERT_OK_AND_ASSIGN(std::string one, repo.Download("data/sub/b.txt", dir / "out1"));
  EXPECT_EQ(ReadFile(one), "bb");
  ASSERT_OK_AND_ASSIGN(std::string tree, repo.Download("data", dir / "out2"));
  EXPECT_EQ(ReadFile(fs::path(tree) / "sub/b.txt"), "bb");
  EXPECT_EQ(ReadFile(fs::path(tree) / "a.txt"), "aaa");
  ASSERT_OK_AND_ASSIGN(std::string everything, repo.Download("", dir / "out3"));
  EXPECT_EQ(ReadFile(fs::path(everything) / "model/v1/model.json"), "{}");
  EXPECT_CODE(repo.Download("nope", dir / "out4"), kResourceDoesNotExist);
}

TEST(LocalArtifactRepo, RefusesPathsThatEscapeTheRoot) {
  TempDir dir;
  WriteFile(dir.path() / "f.txt", "x");
  LocalArtifactRepo repo(dir.path() / "root");
  for (const char* bad : {"../outside", "a/../../x", "/etc", "..", "a/.."}) {
    EXPECT_CODE(repo.LogFile(dir / "f.txt", bad), kInvalidParameterValue) << bad;
    EXPECT_CODE(repo.List(bad), kInvalidParameterValue) << bad;
    EXPECT_CODE(repo.Download(bad, dir / "out"), kInvalidParameterValue) << bad;
  }
  EXPECT_FALSE(fs::exists(dir.path() / "outside"));
  EXPECT_FALSE(fs::exists(dir.path() / "f.txt.copy"));
  EXPECT_CODE(repo.LogFile(dir / "missing.txt", ""), kInvalidParameterValue);
  EXPECT_CODE(repo.LogDir(dir / "missing", ""), kInvalidParameterValue);
}

TEST(LocalArtifactRepo, SymbolicLinksKeepTheirNamesAndStayInside) {
  TempDir dir;
  WriteFile(dir.path() / "outside/secret.csv", "s");
  WriteFile(dir.path() / "out/ckpt-100.ckpt", "weights");
  fs::create_symlink("ckpt-100.ckpt", dir.path() / "out/latest.ckpt");
  fs::create_symlink(dir.path() / "outside/secret.csv", dir.path() / "out/data.csv");
  fs::create_directory_symlink(dir.path() / "outside", dir.path() / "out/linked-folder");
  LocalArtifactRepo repo(dir.path() / "root/run");
  ASSERT_OK(repo.LogDir(dir / "out", "model"));
  EXPECT_EQ(ReadFile(dir.path() / "root/run/model/latest.ckpt"), "weights");
  EXPECT_EQ(ReadFile(dir.path() / "root/run/model/ckpt-100.ckpt"), "weights");
  EXPECT_EQ(ReadFile(dir.path() / "root/run/model/data.csv"), "s");
  EXPECT_FALSE(fs::exists(dir.path() / "root/run/model/linked-folder"));  // not followed
  EXPECT_FALSE(fs::exists(dir.path() / "root/srv"));
  // A broken link fails the whole call before anything is copied.
  fs::create_symlink(dir.path() / "missing", dir.path() / "out/broken");
  EXPECT_CODE(repo.LogDir(dir / "out", "again"), kInvalidParameterValue);
  EXPECT_FALSE(fs::exists(dir.path() / "root/run/again"));
}

TEST(LocalArtifactRepo, OverwriteLeavesNoTemporaryFiles) {
  TempDir dir;
  WriteFile(dir.path() / "f.txt", "one");
  LocalArtifactRepo repo(dir.path() / "root");
  ASSERT_OK(repo.LogFile(dir / "f.txt", "x"));
  WriteFile(dir.path() / "f.txt", "two");
  ASSERT_OK(repo.LogFile(dir / "f.txt", "x"));
  EXPECT_EQ(ReadFile(dir.path() / "root/x/f.txt"), "two");
  int entries = 0;
  for (const auto& entry : fs::directory_iterator(dir.path() / "root/x")) {
    (void)entry;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST(ArtifactRepo, OpensLocalPathsAndFileUris) {
  TempDir dir;
  WriteFile(dir.path() / "f.txt", "x");
  ASSERT_OK_AND_ASSIGN(auto by_uri, OpenArtifactRepo("file://" + (dir / "root")));
  ASSERT_OK(by_uri->LogFile(dir / "f.txt", ""));
  EXPECT_TRUE(fs::exists(dir.path() / "root/f.txt"));
  EXPECT_CODE(OpenArtifactRepo("s3://bucket/x"), kInvalidParameterValue);
}

}  // namespace
}  // namespace orchard
