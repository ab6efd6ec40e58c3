// The SQLite model registry: versions numbered per model and never reused, stages with
// archive_existing, aliases, latest versions, MLflow's error codes.
#include "store/registry/sqlite_registry_store.h"

#include <gtest/gtest.h>

#include "store/tracking/sqlite_tracking_store.h"
#include "support/temp_dir.h"

namespace orchard {
namespace {

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The tracking store creates the file and its tables.
    ASSERT_TRUE(SqliteTrackingStore::Open(dir_ / "orchard.db", dir_ / "artifacts").ok());
    auto registry = SqliteRegistryStore::Open(dir_ / "orchard.db");
    ASSERT_TRUE(registry.ok()) << registry.status().ToString();
    registry_ = std::move(registry).value();
  }
  StatusOr<ModelVersion> NewVersion(const std::string& name) {
    return registry_->CreateModelVersion(name, "runs:/abc/model", "abc", "/store/" + name, "me");
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteRegistryStore> registry_;
};

TEST_F(RegistryTest, ModelsAndVersions) {
  ASSERT_TRUE(registry_->CreateRegisteredModel("loan_model", "tuned", {{"team", "risk"}}).ok());
  EXPECT_EQ(registry_->CreateRegisteredModel("loan_model", "", {}).status().code(),
            ErrorCode::kResourceAlreadyExists);
  EXPECT_EQ(registry_->CreateRegisteredModel("a/b", "", {}).status().code(),
            ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(NewVersion("missing").status().code(), ErrorCode::kResourceDoesNotExist);
  StatusOr<ModelVersion> v1 = NewVersion("loan_model");
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(v1->version, "1");
  EXPECT_EQ(v1->status, "READY");
  EXPECT_EQ(v1->current_stage, "None");
  EXPECT_EQ(NewVersion("loan_model")->version, "2");
  StatusOr<RegisteredModel> model = registry_->GetRegisteredModel("loan_model");
  ASSERT_TRUE(model.ok());
  EXPECT_EQ(model->description, "tuned");
  ASSERT_EQ(model->tags.size(), 1u);
  ASSERT_EQ(model->latest_versions.size(), 1u);  // newest per stage: None -> 2
  EXPECT_EQ(model->latest_versions[0].version, "2");
  EXPECT_EQ(registry_->GetModelVersion("loan_model", "3").status().code(),
            ErrorCode::kResourceDoesNotExist);
  EXPECT_EQ(registry_->GetModelVersion("loan_model", "x").status().code(),
            ErrorCode::kInvalidParameterValue);
  // Numbers are not reused after the model is deleted and made again... per model only:
  ASSERT_TRUE(registry_->CreateRegisteredModel("other", "", {}).ok());
  EXPECT_EQ(NewVersion("other")->version, "1");
}

TEST_F(RegistryTest, StagesAndAliases) {
  ASSERT_TRUE(registry_->CreateRegisteredModel("m", "", {}).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(NewVersion("m").ok());
  EXPECT_EQ(registry_->TransitionStage("m", "1", "production", false)->current_stage,
            "Production");  // any case in, MLflow's spelling out
  EXPECT_EQ(registry_->TransitionStage("m", "2", "Production", false)->current_stage, "Production");
  EXPECT_EQ(registry_->LatestInStage("m", "Production")->version, "2");
  EXPECT_EQ(registry_->GetModelVersion("m", "1")->current_stage, "Production");  // kept
  ASSERT_TRUE(registry_->TransitionStage("m", "3", "Production", true).ok());
  EXPECT_EQ(registry_->GetModelVersion("m", "1")->current_stage, "Archived");
  EXPECT_EQ(registry_->GetModelVersion("m", "2")->current_stage, "Archived");
  EXPECT_EQ(registry_->LatestInStage("m", "production")->version, "3");
  EXPECT_EQ(registry_->LatestInStage("m", "Staging").status().code(),
            ErrorCode::kResourceDoesNotExist);
  EXPECT_EQ(registry_->TransitionStage("m", "1", "Prod", false).status().code(),
            ErrorCode::kInvalidParameterValue);

  ASSERT_TRUE(registry_->SetAlias("m", "champion", "2").ok());
  EXPECT_EQ(registry_->GetByAlias("m", "champion")->version, "2");
  ASSERT_TRUE(registry_->SetAlias("m", "champion", "3").ok());  // moves
  StatusOr<ModelVersion> three = registry_->GetModelVersion("m", "3");
  EXPECT_EQ(three->aliases, std::vector<std::string>{"champion"});
  EXPECT_TRUE(registry_->GetModelVersion("m", "2")->aliases.empty());
  EXPECT_EQ(registry_->SetAlias("m", "v2", "1").code(), ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(registry_->SetAlias("m", "x", "9").code(), ErrorCode::kResourceDoesNotExist);
  ASSERT_TRUE(registry_->DeleteAlias("m", "champion").ok());
  EXPECT_EQ(registry_->GetByAlias("m", "champion").status().code(),
            ErrorCode::kResourceDoesNotExist);
  EXPECT_EQ(registry_->DeleteAlias("m", "champion").code(), ErrorCode::kResourceDoesNotExist);

  ASSERT_TRUE(registry_->DeleteRegisteredModel("m").ok());
  EXPECT_EQ(registry_->GetRegisteredModel("m").status().code(), ErrorCode::kResourceDoesNotExist);
  EXPECT_TRUE(registry_->ListRegisteredModels()->empty());
}

}  // namespace
}  // namespace orchard
