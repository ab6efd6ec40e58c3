#include "store/registry/registry_store_contract.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

namespace orchard::testing {

namespace fs = std::filesystem;

void RegistryStoreContract::SetUp() {
  fs::create_directories(dir_ / "source/model");
  std::ofstream(dir_ / "source/model/MLmodel") << "artifact_path: model\n";
  store_ = GetParam().make(dir_ / "registry");
  if (store_ == nullptr && !HasFailure()) {
    GTEST_SKIP() << "!!! no " << GetParam().name << " database here: SKIPPED";
  }
  ASSERT_NE(store_, nullptr);
}

StatusOr<ModelVersion> RegistryStoreContract::NewVersion(const std::string& name,
                                                         RegistryStore* store,
                                                         NewModelVersion version) {
  static std::atomic<int> copies{0};
  RegistryStore& target = store ? *store : *store_;
  const std::string model = dir_ / "source/model";
  if (GetParam().source_of) {
    ORCHARD_ASSIGN_OR_RETURN(NewModelVersion named, GetParam().source_of(target, model));
    version.source = named.source;
    version.run_id = named.run_id;
  } else {
    version.source = model;
  }
  version.storage_location = dir_ / ("storage/" + std::to_string(copies++));
  return target.CreateModelVersion(name, version);
}

TEST_P(RegistryStoreContract, ModelsAndVersions) {
  ASSERT_TRUE(store_->CreateRegisteredModel("loan_model", "tuned", {{"team", "risk"}}).ok());
  EXPECT_EQ(store_->CreateRegisteredModel("loan_model", "", {}).status().code(),
            ErrorCode::kResourceAlreadyExists);
  EXPECT_EQ(store_->CreateRegisteredModel("a/b", "", {}).status().code(),
            ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(NewVersion("missing").status().code(), ErrorCode::kResourceDoesNotExist);
  StatusOr<ModelVersion> v1 = NewVersion("loan_model");
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(v1->version, "1");
  EXPECT_EQ(v1->status, "READY");
  EXPECT_EQ(v1->current_stage, "None");
  EXPECT_GT(v1->creation_timestamp, 0);
  EXPECT_EQ(NewVersion("loan_model")->version, "2");
  StatusOr<RegisteredModel> model = store_->GetRegisteredModel("loan_model");
  ASSERT_TRUE(model.ok());
  EXPECT_EQ(model->description, "tuned");
  ASSERT_EQ(model->tags.size(), 1u);
  EXPECT_EQ(model->tags[0].value, "risk");
  ASSERT_EQ(model->latest_versions.size(), 1u);  // newest per stage: None -> 2
  EXPECT_EQ(model->latest_versions[0].version, "2");
  EXPECT_EQ(store_->GetModelVersion("loan_model", "3").status().code(),
            ErrorCode::kResourceDoesNotExist);
  EXPECT_EQ(store_->GetModelVersion("nobody", "1").status().code(),
            ErrorCode::kResourceDoesNotExist);
  // Numbers count per model.
  ASSERT_TRUE(store_->CreateRegisteredModel("other", "", {}).ok());
  EXPECT_EQ(NewVersion("other")->version, "1");
  StatusOr<std::vector<RegisteredModel>> all = store_->ListRegisteredModels();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "loan_model");  // by name
  StatusOr<std::vector<ModelVersion>> versions = store_->ListModelVersions("loan_model");
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version, "2");  // newest first
  EXPECT_EQ(store_->ListModelVersions("nobody").status().code(), ErrorCode::kResourceDoesNotExist);
  StatusOr<std::string> files = store_->GetDownloadUri("loan_model", "1");
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_FALSE(files->empty());
  EXPECT_EQ(store_->GetDownloadUri("loan_model", "9").status().code(),
            ErrorCode::kResourceDoesNotExist);
}

TEST_P(RegistryStoreContract, StagesAndAliases) {
  ASSERT_TRUE(store_->CreateRegisteredModel("m", "", {}).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(NewVersion("m").ok());
  const int64_t created = store_->GetRegisteredModel("m")->last_updated_timestamp;
  EXPECT_EQ(store_->TransitionStage("m", "1", "production", false)->current_stage,
            "Production");  // any case in, MLflow's spelling out
  EXPECT_EQ(store_->TransitionStage("m", "2", "Production", false)->current_stage, "Production");
  EXPECT_EQ(store_->LatestInStage("m", "Production")->version, "2");
  EXPECT_EQ(store_->GetModelVersion("m", "1")->current_stage, "Production");  // kept
  ASSERT_TRUE(store_->TransitionStage("m", "3", "Production", true).ok());
  EXPECT_EQ(store_->GetModelVersion("m", "1")->current_stage, "Archived");
  EXPECT_EQ(store_->GetModelVersion("m", "2")->current_stage, "Archived");
  EXPECT_EQ(store_->LatestInStage("m", "production")->version, "3");
  EXPECT_EQ(store_->LatestInStage("m", "Staging").status().code(),
            ErrorCode::kResourceDoesNotExist);
  EXPECT_EQ(store_->TransitionStage("m", "1", "Prod", false).status().code(),
            ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(store_->TransitionStage("m", "7", "Staging", false).status().code(),
            ErrorCode::kResourceDoesNotExist);
  // A transition updates the model too; its latest versions are per stage.
  StatusOr<RegisteredModel> model = store_->GetRegisteredModel("m");
  EXPECT_GE(model->last_updated_timestamp, created);
  std::set<std::string> latest;
  for (const ModelVersion& v : model->latest_versions) {
    latest.insert(v.current_stage + ":" + v.version);
  }
  EXPECT_EQ(latest, (std::set<std::string>{"Archived:2", "Production:3"}));

  ASSERT_TRUE(store_->SetAlias("m", "champion", "2").ok());
  EXPECT_EQ(store_->GetByAlias("m", "champion")->version, "2");
  ASSERT_TRUE(store_->SetAlias("m", "champion", "3").ok());  // moves
  EXPECT_EQ(store_->GetModelVersion("m", "3")->aliases, std::vector<std::string>{"champion"});
  EXPECT_TRUE(store_->GetModelVersion("m", "2")->aliases.empty());
  EXPECT_EQ(store_->ListModelVersions("m")->front().aliases,
            std::vector<std::string>{"champion"});  // shown on versions...
  model = store_->GetRegisteredModel("m");
  ASSERT_EQ(model->aliases.size(), 1u);  // ...and on the model
  EXPECT_EQ(model->aliases[0], (std::pair<std::string, std::string>{"champion", "3"}));
  EXPECT_EQ(store_->SetAlias("m", "v2", "1").code(), ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(store_->SetAlias("m", "x", "9").code(), ErrorCode::kResourceDoesNotExist);
  ASSERT_TRUE(store_->DeleteAlias("m", "champion").ok());
  // MLflow's answers: a missing alias is INVALID_PARAMETER_VALUE, and deleting it again is fine.
  StatusOr<ModelVersion> gone = store_->GetByAlias("m", "champion");
  EXPECT_EQ(gone.status().code(), ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(gone.status().message(), "Registered model alias champion not found.");
  EXPECT_TRUE(store_->DeleteAlias("m", "champion").ok());
  EXPECT_EQ(store_->DeleteAlias("nobody", "champion").code(), ErrorCode::kResourceDoesNotExist);

  ASSERT_TRUE(store_->DeleteRegisteredModel("m").ok());
  EXPECT_EQ(store_->GetRegisteredModel("m").status().code(), ErrorCode::kResourceDoesNotExist);
  EXPECT_TRUE(store_->ListRegisteredModels()->empty());
  EXPECT_EQ(store_->DeleteRegisteredModel("m").code(), ErrorCode::kResourceDoesNotExist);
}

// Description and tags given at creation are stored with the version (MLflow's
// create_model_version takes both).
TEST_P(RegistryStoreContract, VersionCreatedWithDescriptionAndTags) {
  ASSERT_TRUE(store_->CreateRegisteredModel("m", "", {}).ok());
  StatusOr<ModelVersion> created =
      NewVersion("m", nullptr, {.description = "first", .tags = {{"k", "v"}, {"team", "risk"}}});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->description, "first");
  StatusOr<ModelVersion> read = store_->GetModelVersion("m", "1");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->description, "first");
  ASSERT_EQ(read->tags.size(), 2u);
  EXPECT_EQ(read->tags[0].key, "k");
  EXPECT_EQ(read->tags[0].value, "v");
  EXPECT_EQ(NewVersion("m", nullptr, {.tags = {{"", "v"}}}).status().code(),
            ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(store_->ListModelVersions("m")->size(), 1u);  // the refused one left nothing
}

TEST_P(RegistryStoreContract, EditingTagsAndDeletion) {
  ASSERT_TRUE(store_->CreateRegisteredModel("m", "", {}).ok());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(NewVersion("m").ok());
  ASSERT_TRUE(store_->SetAlias("m", "champion", "2").ok());
  EXPECT_EQ(store_->UpdateRegisteredModel("m", "the loan model")->description, "the loan model");
  ASSERT_TRUE(store_->SetRegisteredModelTag("m", {"team", "risk"}).ok());
  ASSERT_TRUE(store_->SetRegisteredModelTag("m", {"team", "credit"}).ok());  // replaces
  EXPECT_EQ(store_->GetRegisteredModel("m")->tags, (std::vector<Tag>{{"team", "credit"}}));
  ASSERT_TRUE(store_->DeleteRegisteredModelTag("m", "team").ok());
  EXPECT_TRUE(store_->GetRegisteredModel("m")->tags.empty());
  EXPECT_EQ(store_->UpdateModelVersion("m", "1", "first try")->description, "first try");
  ASSERT_TRUE(store_->SetModelVersionTag("m", "1", {"validated", "yes"}).ok());
  EXPECT_EQ(store_->GetModelVersion("m", "1")->tags, (std::vector<Tag>{{"validated", "yes"}}));
  ASSERT_TRUE(store_->DeleteModelVersionTag("m", "1", "validated").ok());
  EXPECT_TRUE(store_->GetModelVersion("m", "1")->tags.empty());
  EXPECT_EQ(store_->SetModelVersionTag("m", "5", {"k", "v"}).code(),
            ErrorCode::kResourceDoesNotExist);

  // A renamed model keeps its versions and aliases; the old name is free again.
  StatusOr<RegisteredModel> renamed = store_->RenameRegisteredModel("m", "loan_model");
  ASSERT_TRUE(renamed.ok()) << renamed.status().ToString();
  EXPECT_EQ(renamed->name, "loan_model");
  EXPECT_EQ(store_->GetByAlias("loan_model", "champion")->version, "2");
  EXPECT_EQ(store_->GetModelVersion("loan_model", "1")->description, "first try");
  EXPECT_EQ(store_->GetRegisteredModel("m").status().code(), ErrorCode::kResourceDoesNotExist);
  ASSERT_TRUE(store_->CreateRegisteredModel("other", "", {}).ok());
  EXPECT_EQ(store_->RenameRegisteredModel("loan_model", "other").status().code(),
            ErrorCode::kResourceAlreadyExists);

  // Deleting a version drops the aliases on it; its number is never given again.
  ASSERT_TRUE(store_->DeleteModelVersion("loan_model", "2").ok());
  EXPECT_EQ(store_->GetByAlias("loan_model", "champion").status().code(),
            ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(NewVersion("loan_model")->version, "3");
  EXPECT_EQ(store_->DeleteModelVersion("loan_model", "2").code(), ErrorCode::kResourceDoesNotExist);
}

// Versions registered at once through two stores over one registry (two processes, or two
// servers on one database) get distinct numbers, 1..N with none skipped.
TEST_P(RegistryStoreContract, ConcurrentRegistrationNumbersEveryVersionOnce) {
  ASSERT_TRUE(store_->CreateRegisteredModel("m", "", {}).ok());
  std::unique_ptr<RegistryStore> second = GetParam().make(dir_ / "registry");
  ASSERT_NE(second, nullptr);
  constexpr int kPerThread = 8;
  std::vector<std::string> numbers[2];
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        StatusOr<ModelVersion> v = NewVersion("m", t == 0 ? store_.get() : second.get());
        if (v.ok()) {
          numbers[t].push_back(v->version);
        } else {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  std::set<int> all;
  for (const auto& list : numbers) {
    for (const std::string& n : list) all.insert(std::stoi(n));
  }
  ASSERT_EQ(all.size(), 2u * kPerThread);
  EXPECT_EQ(*all.begin(), 1);
  EXPECT_EQ(*all.rbegin(), 2 * kPerThread);
}

}  // namespace orchard::testing
