#include "client/client.h"

#include <gtest/gtest.h>

#include <fstream>

#include "client/tracking_uri.h"
#include "store/tracking/sqlite_tracking_store.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace orchard {
namespace {

using testing::TempDir;

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteTrackingStore::Open(dir_ / "orchard.db", dir_ / "artifacts");
    ASSERT_TRUE(store.ok());
    store_ = std::shared_ptr<TrackingStore>(std::move(store).value());
    client_ = std::make_unique<Client>(store_);
  }

  TempDir dir_;
  std::shared_ptr<TrackingStore> store_;
  std::unique_ptr<Client> client_;
};

TEST_F(ClientTest, NestedRunsWithStandardTags) {
  ASSERT_OK_AND_ASSIGN(std::string exp, client_->GetOrCreateExperimentId("loan"));
  ASSERT_OK_AND_ASSIGN(std::string again, client_->GetOrCreateExperimentId("loan"));
  EXPECT_EQ(exp, again);
  ASSERT_OK_AND_ASSIGN(
      ActiveRun parent,
      client_->StartRun({.experiment_id = exp, .run_name = "search", .source_name = "tune.cc"}));
  ASSERT_OK_AND_ASSIGN(ActiveRun child,
                       client_->StartRun({.experiment_id = exp, .parent_run_id = parent.run_id()}));
  ASSERT_OK(child.LogParam("max_depth", "6"));
  ASSERT_OK(child.LogMetric("test_PR_AUC", 0.5, 3));
  ASSERT_OK(child.End());
  ASSERT_OK(parent.End(RunStatus::kKilled));
  ASSERT_OK_AND_ASSIGN(orchard::Run child_run, store_->GetRun(child.run_id()));
  EXPECT_EQ(child_run.info.status, RunStatus::kFinished);
  EXPECT_TRUE(child_run.info.end_time.has_value());
  EXPECT_EQ(child_run.TagValue(kTagParentRunId), parent.run_id());
  EXPECT_FALSE(child_run.TagValue(kTagUser).value_or("").empty());
  EXPECT_EQ(child_run.TagValue(kTagSourceType), "LOCAL");
  ASSERT_OK_AND_ASSIGN(orchard::Run parent_run, store_->GetRun(parent.run_id()));
  EXPECT_EQ(parent_run.info.status, RunStatus::kKilled);
  EXPECT_EQ(parent_run.TagValue(kTagSourceName), "tune.cc");
  EXPECT_CODE(client_->StartRun({.parent_run_id = std::string(32, 'e')}), kResourceDoesNotExist);
}

TEST_F(ClientTest, UnfinishedHandleEndsTheRunFailed) {
  std::string run_id;
  try {
    ASSERT_OK_AND_ASSIGN(ActiveRun run, client_->StartRun({}));
    run_id = run.run_id();
    throw std::runtime_error("training blew up");
  } catch (const std::runtime_error&) {
  }
  ASSERT_OK_AND_ASSIGN(orchard::Run run, store_->GetRun(run_id));
  EXPECT_EQ(run.info.status, RunStatus::kFailed);
  EXPECT_TRUE(run.info.end_time.has_value());
}

TEST_F(ClientTest, MovedHandleEndsOnce) {
  ASSERT_OK_AND_ASSIGN(ActiveRun first, client_->StartRun({}));
  std::string run_id = first.run_id();
  ActiveRun second = std::move(first);
  ASSERT_OK(second.End());
  ASSERT_OK(second.End());  // again: a no-op
  ASSERT_OK_AND_ASSIGN(orchard::Run run, store_->GetRun(run_id));
  EXPECT_EQ(run.info.status, RunStatus::kFinished);
}

TEST_F(ClientTest, AttachesToAnExistingRun) {
  ASSERT_OK_AND_ASSIGN(orchard::Run created, store_->CreateRun({.run_name = "scheduled"}));
  ASSERT_OK(store_->UpdateRun({.run_id = created.info.run_id, .status = RunStatus::kScheduled}));
  {
    ASSERT_OK_AND_ASSIGN(ActiveRun attached,
                         client_->StartRun({.existing_run_id = created.info.run_id}));
    EXPECT_EQ(attached.run_id(), created.info.run_id);
    ASSERT_OK_AND_ASSIGN(orchard::Run running, store_->GetRun(created.info.run_id));
    EXPECT_EQ(running.info.status, RunStatus::kRunning);
    ASSERT_OK(attached.LogMetric("m", 1));
    ASSERT_OK(attached.End());
  }
  ASSERT_OK_AND_ASSIGN(orchard::Run finished, store_->GetRun(created.info.run_id));
  EXPECT_EQ(finished.info.status, RunStatus::kFinished);
  EXPECT_CODE(client_->StartRun({.existing_run_id = std::string(32, '1')}), kResourceDoesNotExist);
  EXPECT_CODE(client_->StartRun({.experiment_id = "5", .existing_run_id = created.info.run_id}),
              kInvalidParameterValue);
}

TEST_F(ClientTest, LogsArtifactsUnderTheRun) {
  std::ofstream(dir_ / "notes.txt") << "hello";
  ASSERT_OK_AND_ASSIGN(ActiveRun run, client_->StartRun({}));
  ASSERT_OK(run.LogArtifact(dir_ / "notes.txt", "docs"));
  ASSERT_OK_AND_ASSIGN(auto repo, client_->ArtifactsFor(run.run_id()));
  ASSERT_OK_AND_ASSIGN(std::vector<FileInfo> files, repo->List("docs"));
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].path, "docs/notes.txt");
  EXPECT_CODE(run.LogArtifact(dir_ / "notes.txt", "../escape"), kInvalidParameterValue);
}

TEST(TrackingUri, ResolvesToAbsoluteForms) {
  ASSERT_OK_AND_ASSIGN(TrackingConfig defaults, ResolveTrackingConfig("", ""));
  EXPECT_TRUE(defaults.tracking_uri.starts_with("sqlite:////")) << defaults.tracking_uri;
  EXPECT_TRUE(defaults.tracking_uri.ends_with("/orchard.db"));
  EXPECT_TRUE(defaults.artifact_root.ends_with("/orchard-artifacts"));
  EXPECT_TRUE(defaults.artifact_root.starts_with("/"));
  ASSERT_OK_AND_ASSIGN(TrackingConfig absolute,
                       ResolveTrackingConfig("sqlite:////tmp/x.db", "/a/b/"));
  EXPECT_EQ(absolute.tracking_uri, "sqlite:////tmp/x.db");
  EXPECT_EQ(absolute.artifact_root, "/a/b");
  EXPECT_CODE(ResolveTrackingConfig("mysql://x", ""), kInvalidParameterValue);
  // The password of a URI Orchard cannot use stays out of the message.
  auto mysql = ResolveTrackingConfig("mysql://alice:s3cret@db/x", "");
  ASSERT_FALSE(mysql.ok());
  EXPECT_EQ(mysql.status().message().find("s3cret"), std::string::npos) << mysql.status().message();
  EXPECT_CODE(ResolveTrackingConfig("sqlite:///", ""), kInvalidParameterValue);
  ASSERT_OK_AND_ASSIGN(TrackingConfig secure, ResolveTrackingConfig("https://127.0.0.1:5000", ""));
  EXPECT_TRUE(OpenTrackingStore(secure).ok());  // https: connects on first use
  // A database that is not there (nothing listens on port 1): retryable, not a crash.
  ASSERT_OK_AND_ASSIGN(TrackingConfig team,
                       ResolveTrackingConfig("postgresql+psycopg2://u@127.0.0.1:1/db", ""));
  EXPECT_CODE(OpenTrackingStore(team), kTemporarilyUnavailable);
  // A server that is not there: a clear, retryable error on first use, not a crash.
  ASSERT_OK_AND_ASSIGN(TrackingConfig remote, ResolveTrackingConfig("http://127.0.0.1:1", ""));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TrackingStore> unreachable, OpenTrackingStore(remote));
  EXPECT_CODE(unreachable->GetExperiment("0"), kTemporarilyUnavailable);
}

}  // namespace
}  // namespace orchard
