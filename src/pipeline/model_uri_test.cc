// Model URIs, resolved in one place: each form against a local store and registry, and each way
// one can name nothing (missing run, model, version, stage or alias; malformed URIs).
#include "pipeline/model_uri.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "store/registry/sql_registry_store.h"
#include "store/tracking/sqlite_tracking_store.h"
#include "support/temp_dir.h"

namespace orchard {
namespace {

namespace fs = std::filesystem;

class ModelUriTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteTrackingStore::Open(dir_ / "orchard.db", dir_ / "artifacts");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    client_ = std::make_unique<Client>(std::shared_ptr<TrackingStore>(std::move(store).value()),
                                       "sqlite:///" + (dir_ / "orchard.db"));
    auto registry = SqlRegistryStore::OpenSqlite(dir_ / "orchard.db");
    ASSERT_TRUE(registry.ok());
    registry_ = std::move(registry).value();
    StatusOr<orchard::Run> run = client_->store().CreateRun({});
    ASSERT_TRUE(run.ok()) << run.status().ToString();
    run_id_ = run->info.run_id;
    // The run's model folder, then two registered versions of it.
    auto repo = client_->ArtifactsFor(run_id_);
    ASSERT_TRUE(repo.ok());
    fs::create_directories(dir_ / "model");
    std::ofstream(dir_ / "model/MLmodel") << "artifact_path: model\n";
    ASSERT_TRUE((*repo)->LogDir(dir_ / "model", "model").ok());
    for (int i = 0; i < 2; ++i) {
      StatusOr<ModelVersion> v = RegisterModel("runs:/" + run_id_ + "/model", "loan_model",
                                               *client_, *registry_, dir_ / "registry");
      ASSERT_TRUE(v.ok()) << v.status().ToString();
    }
    ASSERT_TRUE(registry_->TransitionStage("loan_model", "1", "Production", false).ok());
    ASSERT_TRUE(registry_->SetAlias("loan_model", "champion", "2").ok());
  }

  StatusOr<ResolvedModel> Resolve(const std::string& uri) {
    return ResolveModelUri(uri, *client_, registry_.get(), dir_ / "downloads");
  }

  testing::TempDir dir_;
  std::unique_ptr<Client> client_;
  std::unique_ptr<SqlRegistryStore> registry_;
  std::string run_id_;
};

TEST_F(ModelUriTest, EveryFormResolvesToItsFolder) {
  struct Case {
    std::string uri, version;
  };
  for (const Case& c : std::vector<Case>{{"models:/loan_model/1", "1"},
                                         {"models:/loan_model/2", "2"},
                                         {"models:/loan_model/Production", "1"},
                                         {"models:/loan_model/production", "1"},
                                         {"models:/loan_model/latest", "2"},
                                         {"models:/loan_model@champion", "2"}}) {
    SCOPED_TRACE(c.uri);
    StatusOr<ResolvedModel> resolved = Resolve(c.uri);
    ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
    EXPECT_EQ(resolved->name, "loan_model");
    EXPECT_EQ(resolved->version, c.version);
    EXPECT_EQ(resolved->run_id, run_id_);
    EXPECT_TRUE(fs::exists(fs::path(resolved->folder) / "MLmodel"));
    // The registry's own copy, not the run's folder.
    EXPECT_TRUE(resolved->folder.starts_with(dir_ / "registry")) << resolved->folder;
    StatusOr<ModelVersion> version = ResolveRegisteredVersion(c.uri, *registry_);
    ASSERT_TRUE(version.ok());
    EXPECT_EQ(version->version, c.version);
  }
  StatusOr<ResolvedModel> run = Resolve("runs:/" + run_id_ + "/model");
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->run_id, run_id_);
  EXPECT_TRUE(fs::exists(fs::path(run->folder) / "MLmodel"));
  StatusOr<ResolvedModel> folder = Resolve(dir_ / "model");
  ASSERT_TRUE(folder.ok());
  EXPECT_TRUE(fs::equivalent(folder->folder, dir_ / "model"));
}

TEST_F(ModelUriTest, NamingNothingIsAClearError) {
  struct Case {
    std::string uri;
    ErrorCode code;
  };
  const std::string missing_run(32, 'f');
  for (const Case& c : std::vector<Case>{
           {"models:/nobody/1", ErrorCode::kResourceDoesNotExist},
           {"models:/loan_model/9", ErrorCode::kResourceDoesNotExist},
           {"models:/loan_model/Staging", ErrorCode::kResourceDoesNotExist},
           // MLflow answers a missing alias with INVALID_PARAMETER_VALUE.
           {"models:/loan_model@nobody", ErrorCode::kInvalidParameterValue},
           {"models:/loan_model/Prod", ErrorCode::kInvalidParameterValue},
           {"models:/loan_model", ErrorCode::kInvalidParameterValue},
           {"models:/", ErrorCode::kInvalidParameterValue},
           {"runs:/" + missing_run + "/model", ErrorCode::kResourceDoesNotExist},
           {"runs:/" + run_id_ + "/elsewhere", ErrorCode::kResourceDoesNotExist},
           {"runs:/", ErrorCode::kInvalidParameterValue},
           {"s3://bucket/model", ErrorCode::kInvalidParameterValue},
           {dir_ / "no-such-folder", ErrorCode::kInvalidParameterValue},
       }) {
    SCOPED_TRACE(c.uri);
    StatusOr<ResolvedModel> resolved = Resolve(c.uri);
    ASSERT_FALSE(resolved.ok());
    EXPECT_EQ(resolved.status().code(), c.code) << resolved.status().ToString();
  }
  // Without a registry, models:/ URIs say so.
  StatusOr<ResolvedModel> none =
      ResolveModelUri("models:/loan_model/1", *client_, nullptr, dir_ / "downloads");
  EXPECT_EQ(none.status().code(), ErrorCode::kNotImplemented);
}

}  // namespace
}  // namespace orchard
