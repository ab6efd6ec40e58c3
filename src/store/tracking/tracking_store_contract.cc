#include "store/tracking/tracking_store_contract.h"

#include <cmath>
#include <filesystem>
#include <set>
#include <thread>

#include "base/ids.h"
#include "store/tracking/log_model_history.h"
#include "support/status_matchers.h"

namespace orchard::testing {

std::string TrackingStoreContract::NewExperiment(const std::string& name) {
  StatusOr<std::string> id = store_->CreateExperiment({.name = name});
  EXPECT_TRUE(id.ok()) << id.status().ToString();
  return id.ok() ? *id : "";
}

std::string TrackingStoreContract::NewRun(const std::string& experiment_id, const std::string& name,
                                          int64_t start_time, const std::string& parent) {
  CreateRunRequest request{.experiment_id = experiment_id,
                           .user_id = "tester",
                           .run_name = name,
                           .start_time = start_time};
  if (!parent.empty()) request.tags.push_back({kTagParentRunId, parent});
  StatusOr<orchard::Run> run = store_->CreateRun(request);
  EXPECT_TRUE(run.ok()) << run.status().ToString();
  return run.ok() ? run->info.run_id : "";
}

namespace {

std::vector<std::string> RunIds(const RunPage& page) {
  std::vector<std::string> ids;
  for (const orchard::Run& run : page.runs) ids.push_back(run.info.run_id);
  return ids;
}

const Metric* FindMetric(const orchard::Run& run, const std::string& key) {
  for (const Metric& m : run.data.metrics) {
    if (m.key == key) return &m;
  }
  return nullptr;
}

// ----- experiments -----

TEST_P(TrackingStoreContract, DefaultExperimentExists) {
  ASSERT_OK_AND_ASSIGN(Experiment by_id, store_->GetExperiment("0"));
  EXPECT_EQ(by_id.name, "Default");
  EXPECT_EQ(by_id.lifecycle_stage, LifecycleStage::kActive);
  ASSERT_OK_AND_ASSIGN(Experiment by_name, store_->GetExperimentByName("Default"));
  EXPECT_EQ(by_name.experiment_id, "0");
  EXPECT_CODE(store_->DeleteExperiment("0"), kInvalidParameterValue);
}

TEST_P(TrackingStoreContract, CreateAndGetExperiment) {
  ASSERT_OK_AND_ASSIGN(
      std::string id,
      store_->CreateExperiment(
          {.name = "loan", .tags = {{"team", "credit-risk"}, {"project", "loan-default"}}}));
  EXPECT_EQ(id, "1");
  ASSERT_OK_AND_ASSIGN(Experiment experiment, store_->GetExperiment(id));
  EXPECT_EQ(experiment.name, "loan");
  EXPECT_TRUE(experiment.artifact_location.ends_with("/1")) << experiment.artifact_location;
  EXPECT_TRUE(experiment.artifact_location.starts_with("/")) << experiment.artifact_location;
  EXPECT_GT(experiment.creation_time, 0);
  ASSERT_EQ(experiment.tags.size(), 2u);
  ASSERT_OK_AND_ASSIGN(std::string custom, store_->CreateExperiment(
                                               {.name = "custom", .artifact_location = "/data/x"}));
  ASSERT_OK_AND_ASSIGN(Experiment located, store_->GetExperiment(custom));
  EXPECT_EQ(located.artifact_location, "/data/x");
  // A relative local location is stored absolute, so other folders' processes find it.
  ASSERT_OK_AND_ASSIGN(std::string relative,
                       store_->CreateExperiment({.name = "rel", .artifact_location = "arts/x/"}));
  ASSERT_OK_AND_ASSIGN(Experiment absolute, store_->GetExperiment(relative));
  EXPECT_EQ(absolute.artifact_location, (std::filesystem::current_path() / "arts/x").string());
}

TEST_P(TrackingStoreContract, ExperimentErrors) {
  NewExperiment("loan");
  EXPECT_CODE(store_->CreateExperiment({.name = "loan"}), kResourceAlreadyExists);
  EXPECT_CODE(store_->CreateExperiment({.name = ""}), kInvalidParameterValue);
  EXPECT_CODE(store_->GetExperiment("42"), kResourceDoesNotExist);
  EXPECT_CODE(store_->GetExperiment("abc"), kInvalidParameterValue);
  EXPECT_CODE(store_->GetExperimentByName("no-such-experiment"), kResourceDoesNotExist);
  EXPECT_CODE(store_->CreateExperiment({.name = "t", .tags = {{"bad key!", "v"}}}),
              kInvalidParameterValue);
  EXPECT_CODE(store_->CreateExperiment({.name = "t", .tags = {{"k", std::string(5001, 'x')}}}),
              kInvalidParameterValue);
  // Nothing of a refused create remains.
  EXPECT_CODE(store_->GetExperimentByName("t"), kResourceDoesNotExist);
}

TEST_P(TrackingStoreContract, RenameExperiment) {
  std::string a = NewExperiment("a");
  NewExperiment("b");
  ASSERT_OK(store_->RenameExperiment(a, "a2"));
  ASSERT_OK_AND_ASSIGN(Experiment renamed, store_->GetExperiment(a));
  EXPECT_EQ(renamed.name, "a2");
  EXPECT_CODE(store_->RenameExperiment(a, "b"), kResourceAlreadyExists);
  EXPECT_CODE(store_->RenameExperiment("99", "c"), kResourceDoesNotExist);
  EXPECT_CODE(store_->RenameExperiment(a, ""), kInvalidParameterValue);
}

TEST_P(TrackingStoreContract, DeleteAndRestoreExperimentTakesItsRuns) {
  std::string id = NewExperiment("loan");
  std::string run_id = NewRun(id);
  ASSERT_OK(store_->DeleteExperiment(id));
  ASSERT_OK_AND_ASSIGN(Experiment deleted, store_->GetExperiment(id));
  EXPECT_EQ(deleted.lifecycle_stage, LifecycleStage::kDeleted);
  ASSERT_OK_AND_ASSIGN(orchard::Run run, store_->GetRun(run_id));
  EXPECT_EQ(run.info.lifecycle_stage, LifecycleStage::kDeleted);
  // A deleted experiment keeps its name and takes no new runs.
  EXPECT_CODE(store_->CreateExperiment({.name = "loan"}), kResourceAlreadyExists);
  EXPECT_CODE(store_->CreateRun({.experiment_id = id}), kInvalidParameterValue);
  EXPECT_CODE(store_->DeleteExperiment(id), kInvalidParameterValue);
  EXPECT_CODE(store_->RestoreRun(run_id), kInvalidParameterValue);
  ASSERT_OK(store_->RestoreExperiment(id));
  ASSERT_OK_AND_ASSIGN(orchard::Run restored, store_->GetRun(run_id));
  EXPECT_EQ(restored.info.lifecycle_stage, LifecycleStage::kActive);
  EXPECT_CODE(store_->DeleteExperiment("77"), kResourceDoesNotExist);
}

TEST_P(TrackingStoreContract, ExperimentTags) {
  std::string id = NewExperiment("loan");
  ASSERT_OK(store_->SetExperimentTag(id, {"owner", "ana"}));
  ASSERT_OK(store_->SetExperimentTag(id, {"owner", "bo"}));
  ASSERT_OK_AND_ASSIGN(Experiment experiment, store_->GetExperiment(id));
  ASSERT_EQ(experiment.tags.size(), 1u);
  EXPECT_EQ(experiment.tags[0].value, "bo");
  EXPECT_CODE(store_->SetExperimentTag("55", {"k", "v"}), kResourceDoesNotExist);
}

TEST_P(TrackingStoreContract, SearchExperimentsViewFilterOrderAndPages) {
  for (const char* name : {"alpha", "beta", "gamma", "delta"}) NewExperiment(name);
  ASSERT_OK_AND_ASSIGN(Experiment delta, store_->GetExperimentByName("delta"));
  ASSERT_OK(store_->DeleteExperiment(delta.experiment_id));

  ASSERT_OK_AND_ASSIGN(ExperimentPage active, store_->SearchExperiments({}));
  EXPECT_EQ(active.experiments.size(), 4u);  // Default + 3
  ASSERT_OK_AND_ASSIGN(ExperimentPage deleted,
                       store_->SearchExperiments({.view_type = ViewType::kDeletedOnly}));
  ASSERT_EQ(deleted.experiments.size(), 1u);
  EXPECT_EQ(deleted.experiments[0].name, "delta");

  SearchExperimentsRequest by_name{
      .filter = {{{FilterEntity::kAttribute, "name", Comparator::kLike, std::string("%a")}}},
      .order_by = {{FilterEntity::kAttribute, "name", false}}};
  ASSERT_OK_AND_ASSIGN(ExperimentPage like, store_->SearchExperiments(by_name));
  ASSERT_EQ(like.experiments.size(), 3u);
  EXPECT_EQ(like.experiments[0].name, "gamma");
  EXPECT_EQ(like.experiments[2].name, "alpha");

  std::set<std::string> seen;
  SearchExperimentsRequest paged{.view_type = ViewType::kAll, .max_results = 2};
  int pages = 0;
  do {
    ASSERT_OK_AND_ASSIGN(ExperimentPage page, store_->SearchExperiments(paged));
    for (const Experiment& e : page.experiments) seen.insert(e.name);
    paged.page_token = page.next_page_token;
    ++pages;
  } while (!paged.page_token.empty() && pages < 10);
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(pages, 3);
  EXPECT_CODE(store_->SearchExperiments({.max_results = 0}), kInvalidParameterValue);
  EXPECT_CODE(store_->SearchExperiments({.max_results = 50001}), kInvalidParameterValue);
  EXPECT_CODE(store_->SearchExperiments({.page_token = "not a token"}), kInvalidParameterValue);
}

// ----- runs -----

TEST_P(TrackingStoreContract, CreateRunFillsMlflowFields) {
  std::string exp = NewExperiment("loan");
  ASSERT_OK_AND_ASSIGN(orchard::Run run, store_->CreateRun({.experiment_id = exp,
                                                            .user_id = "root",
                                                            .run_name = "loan-parent",
                                                            .start_time = 1716000000000,
                                                            .tags = {{"mlflow.user", "root"}}}));
  EXPECT_TRUE(IsValidRunId(run.info.run_id)) << run.info.run_id;
  EXPECT_EQ(run.info.experiment_id, exp);
  EXPECT_EQ(run.info.run_name, "loan-parent");
  EXPECT_EQ(run.info.status, RunStatus::kRunning);
  EXPECT_EQ(run.info.start_time, 1716000000000);
  EXPECT_FALSE(run.info.end_time.has_value());
  EXPECT_EQ(run.info.user_id, "root");
  EXPECT_EQ(run.info.lifecycle_stage, LifecycleStage::kActive);
  EXPECT_TRUE(run.info.artifact_uri.ends_with("/" + exp + "/" + run.info.run_id + "/artifacts"))
      << run.info.artifact_uri;
  EXPECT_EQ(run.TagValue(kTagRunName), "loan-parent");
  EXPECT_EQ(run.TagValue("mlflow.user"), "root");
}

TEST_P(TrackingStoreContract, CreateRunNames) {
  ASSERT_OK_AND_ASSIGN(orchard::Run random, store_->CreateRun({}));
  EXPECT_EQ(random.info.experiment_id, "0");
  EXPECT_FALSE(random.info.run_name.empty());
  EXPECT_EQ(random.TagValue(kTagRunName), random.info.run_name);
  ASSERT_OK_AND_ASSIGN(orchard::Run from_tag,
                       store_->CreateRun({.tags = {{kTagRunName, "tagged"}}}));
  EXPECT_EQ(from_tag.info.run_name, "tagged");
  EXPECT_CODE(store_->CreateRun({.run_name = "a", .tags = {{kTagRunName, "b"}}}),
              kInvalidParameterValue);
  EXPECT_CODE(store_->CreateRun({.experiment_id = "99"}), kResourceDoesNotExist);
}

TEST_P(TrackingStoreContract, UpdateRun) {
  std::string run_id = NewRun("0", "first");
  ASSERT_OK_AND_ASSIGN(RunInfo info, store_->UpdateRun({.run_id = run_id,
                                                        .status = RunStatus::kFinished,
                                                        .end_time = 5000,
                                                        .run_name = "second"}));
  EXPECT_EQ(info.status, RunStatus::kFinished);
  EXPECT_EQ(info.end_time, 5000);
  ASSERT_OK_AND_ASSIGN(orchard::Run run, store_->GetRun(run_id));
  EXPECT_EQ(run.info.run_name, "second");
  EXPECT_EQ(run.TagValue(kTagRunName), "second");
  EXPECT_EQ(run.info.status, RunStatus::kFinished);
  EXPECT_CODE(store_->UpdateRun({.run_id = std::string(32, '0')}), kResourceDoesNotExist);
  EXPECT_CODE(store_->GetRun(std::string(32, '0')), kResourceDoesNotExist);
  EXPECT_CODE(store_->GetRun("bad id!"), kInvalidParameterValue);
}

TEST_P(TrackingStoreContract, ParamsAreImmutable) {
  std::string run_id = NewRun("0");
  ASSERT_OK(store_->LogParam(run_id, {"lr", "0.1"}));
  EXPECT_OK(store_->LogParam(run_id, {"lr", "0.1"}));
  EXPECT_CODE(store_->LogParam(run_id, {"lr", "0.2"}), kInvalidParameterValue);
  ASSERT_OK_AND_ASSIGN(orchard::Run run, store_->GetRun(run_id));
  ASSERT_EQ(run.data.params.size(), 1u);
  EXPECT_EQ(run.data.params[0].value, "0.1");
}

TEST_P(TrackingStoreContract, KeyRules) {
  std::string run_id = NewRun("0");
  for (const char* good : {"lr", "a b", "a/b", "a.b-c_d", "été"}) {
    EXPECT_OK(store_->LogParam(run_id, {good, "v"}));
  }
  for (const std::string& bad : {std::string(""), std::string("a!"), std::string("a/../b"),
                                 std::string("/a"), std::string("a/"), std::string("a//b"),
                                 std::string("./a"), std::string(".."), std::string(251, 'k')}) {
    EXPECT_CODE(store_->LogParam(run_id, {bad, "v"}), kInvalidParameterValue) << bad;
    EXPECT_CODE(store_->LogMetric(run_id, {bad, 1.0, 1, 0}), kInvalidParameterValue) << bad;
    EXPECT_CODE(store_->SetTag(run_id, {bad, "v"}), kInvalidParameterValue) << bad;
  }
  EXPECT_OK(store_->LogParam(run_id, {std::string(250, 'k'), "v"}));
}

TEST_P(TrackingStoreContract, LongValuesAreTruncated) {
  std::string run_id = NewRun("0");
  ASSERT_OK(store_->LogParam(run_id, {"long", std::string(7000, 'p')}));
  ASSERT_OK(store_->SetTag(run_id, {"long", std::string(6000, 't')}));
  ASSERT_OK_AND_ASSIGN(orchard::Run run, store_->GetRun(run_id));
  EXPECT_EQ(run.data.params[0].value.size(), 6000u);
  EXPECT_EQ(run.TagValue("long")->size(), 5000u);
}

TEST_P(TrackingStoreContract, LatestMetricFollowsStepThenTimestampThenValue) {
  std::string run_id = NewRun("0");
  ASSERT_OK(store_->LogMetric(run_id, {"loss", 0.9, 100, 0}));
  ASSERT_OK(store_->LogMetric(run_id, {"loss", 0.5, 50, 2}));   // greater step wins
  ASSERT_OK(store_->LogMetric(run_id, {"loss", 0.7, 200, 1}));  // smaller step loses
  ASSERT_OK(store_->LogBatch(
      run_id, {{"acc", 0.1, 10, 3}, {"acc", 0.3, 20, 3}, {"acc", 0.2, 20, 3}}, {}, {}));
  ASSERT_OK_AND_ASSIGN(orchard::Run run, store_->GetRun(run_id));
  ASSERT_NE(FindMetric(run, "loss"), nullptr);
  EXPECT_DOUBLE_EQ(FindMetric(run, "loss")->value, 0.5);
  EXPECT_EQ(FindMetric(run, "loss")->step, 2);
  EXPECT_DOUBLE_EQ(FindMetric(run, "acc")->value, 0.3);  // same step and time: greater value
  ASSERT_OK_AND_ASSIGN(std::vector<Metric> history, store_->GetMetricHistory(run_id, "loss"));
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].step, 0);
  EXPECT_EQ(history[1].step, 1);
  EXPECT_EQ(history[2].step, 2);
  EXPECT_DOUBLE_EQ(history[1].value, 0.7);
  ASSERT_OK_AND_ASSIGN(std::vector<Metric> none, store_->GetMetricHistory(run_id, "nope"));
  EXPECT_TRUE(none.empty());
  EXPECT_CODE(store_->GetMetricHistory(std::string(32, 'a'), "loss"), kResourceDoesNotExist);
}

TEST_P(TrackingStoreContract, EqualPointsKeepTheFirstAsLatest) {
  std::string run_id = NewRun("0");
  ASSERT_OK(store_->LogMetric(run_id, {"m", 0.0, 5, 1}));
  ASSERT_OK(store_->LogMetric(run_id, {"m", std::nan(""), 5, 1}));  // NaN counts as 0: a tie
  ASSERT_OK(store_->LogBatch(run_id, {{"b", 0.0, 5, 1}, {"b", std::nan(""), 5, 1}}, {}, {}));
  ASSERT_OK_AND_ASSIGN(orchard::Run run, store_->GetRun(run_id));
  EXPECT_EQ(FindMetric(run, "m")->value, 0.0);
  EXPECT_EQ(FindMetric(run, "b")->value, 0.0);
}

TEST_P(TrackingStoreContract, LimitsCountCharactersNotBytes) {
  std::string run_id = NewRun("0");
  std::string e_acute = "\xc3\xa9";  // two bytes, one character
  std::string key;
  for (int i = 0; i < 250; ++i) key += e_acute;
  EXPECT_OK(store_->LogParam(run_id, {key, "v"}));
  EXPECT_CODE(store_->LogParam(run_id, {key + "x", "v"}), kInvalidParameterValue);
  std::string value;
  for (int i = 0; i < 6001; ++i) value += e_acute;
  ASSERT_OK(store_->LogParam(run_id, {"long", value}));
  ASSERT_OK_AND_ASSIGN(orchard::Run run, store_->GetRun(run_id));
  for (const Param& p : run.data.params) {
    if (p.key == "long") {
      EXPECT_EQ(p.value.size(), 12000u);  // 6,000 characters kept whole
    }
  }
}

TEST_P(TrackingStoreContract, IdenticalPointIsKeptOnce) {
  std::string run_id = NewRun("0");
  ASSERT_OK(store_->LogMetric(run_id, {"loss", 0.5, 100, 1}));
  ASSERT_OK(store_->LogMetric(run_id, {"loss", 0.5, 100, 1}));  // the same point again
  ASSERT_OK(store_->LogMetric(run_id, {"loss", 0.6, 100, 1}));  // same step and time, new value
  ASSERT_OK_AND_ASSIGN(std::vector<Metric> history, store_->GetMetricHistory(run_id, "loss"));
  ASSERT_EQ(history.size(), 2u);
  EXPECT_DOUBLE_EQ(history[0].value, 0.5);
  EXPECT_DOUBLE_EQ(history[1].value, 0.6);
}

TEST_P(TrackingStoreContract, NanAndInfinityRoundTrip) {
  std::string run_id = NewRun("0");
  ASSERT_OK(store_->LogMetric(run_id, {"nan", std::nan(""), 1, 0}));
  ASSERT_OK(store_->LogMetric(run_id, {"inf", HUGE_VAL, 1, 0}));
  ASSERT_OK(store_->LogMetric(run_id, {"ninf", -HUGE_VAL, 1, 0}));
  ASSERT_OK_AND_ASSIGN(orchard::Run run, store_->GetRun(run_id));
  EXPECT_TRUE(std::isnan(FindMetric(run, "nan")->value));
  EXPECT_EQ(FindMetric(run, "inf")->value, HUGE_VAL);
  EXPECT_EQ(FindMetric(run, "ninf")->value, -HUGE_VAL);
  ASSERT_OK_AND_ASSIGN(std::vector<Metric> history, store_->GetMetricHistory(run_id, "nan"));
  ASSERT_EQ(history.size(), 1u);
  EXPECT_TRUE(std::isnan(history[0].value));
}

TEST_P(TrackingStoreContract, TagsAreMutableAndDeletable) {
  std::string run_id = NewRun("0", "original");
  ASSERT_OK(store_->SetTag(run_id, {"stage", "a"}));
  ASSERT_OK(store_->SetTag(run_id, {"stage", "b"}));
  ASSERT_OK(store_->SetTag(run_id, {kTagRunName, "renamed"}));
  ASSERT_OK_AND_ASSIGN(orchard::Run run, store_->GetRun(run_id));
  EXPECT_EQ(run.TagValue("stage"), "b");
  EXPECT_EQ(run.info.run_name, "renamed");
  ASSERT_OK(store_->DeleteTag(run_id, "stage"));
  ASSERT_OK_AND_ASSIGN(orchard::Run after, store_->GetRun(run_id));
  EXPECT_FALSE(after.TagValue("stage").has_value());
  EXPECT_CODE(store_->DeleteTag(run_id, "stage"), kResourceDoesNotExist);
}

TEST_P(TrackingStoreContract, LogBatchLimits) {
  std::string run_id = NewRun("0");
  std::vector<Metric> metrics;
  for (int i = 0; i < 1001; ++i) metrics.push_back({"m" + std::to_string(i), 0.5 * i, 1, 0});
  Status too_many = store_->LogBatch(run_id, metrics, {}, {});
  EXPECT_CODE(too_many, kInvalidParameterValue);
  EXPECT_EQ(too_many.message(),
            "A batch logging request can contain at most 1000 metrics. Got 1001 metrics. Please "
            "split up metrics across multiple requests and try again.");
  metrics.pop_back();
  EXPECT_OK(store_->LogBatch(run_id, metrics, {}, {}));
  std::vector<Param> params;
  for (int i = 0; i < 101; ++i) params.push_back({"p" + std::to_string(i), "v"});
  EXPECT_CODE(store_->LogBatch(run_id, {}, params, {}), kInvalidParameterValue);
  std::vector<Tag> tags;
  for (int i = 0; i < 101; ++i) tags.push_back({"t" + std::to_string(i), "v"});
  EXPECT_CODE(store_->LogBatch(run_id, {}, {}, tags), kInvalidParameterValue);
  metrics.resize(950);
  params.resize(60);
  EXPECT_CODE(store_->LogBatch(run_id, metrics, params, {}),
              kInvalidParameterValue);  // 1,010 items
  EXPECT_CODE(store_->LogBatch(run_id, {}, {{"a", "1"}, {"a", "1"}}, {}), kInvalidParameterValue);
}

TEST_P(TrackingStoreContract, LogBatchIsAllOrNothing) {
  std::string run_id = NewRun("0");
  ASSERT_OK(store_->LogParam(run_id, {"lr", "0.1"}));
  Status conflict = store_->LogBatch(run_id, {{"acc", 0.9, 1, 0}}, {{"depth", "3"}, {"lr", "0.2"}},
                                     {{"note", "x"}});
  EXPECT_CODE(conflict, kInvalidParameterValue);
  ASSERT_OK_AND_ASSIGN(orchard::Run run, store_->GetRun(run_id));
  EXPECT_TRUE(run.data.metrics.empty());
  EXPECT_EQ(run.data.params.size(), 1u);
  EXPECT_FALSE(run.TagValue("note").has_value());
  ASSERT_OK_AND_ASSIGN(std::vector<Metric> history, store_->GetMetricHistory(run_id, "acc"));
  EXPECT_TRUE(history.empty());
}

TEST_P(TrackingStoreContract, DeletedRunsRefuseWrites) {
  std::string run_id = NewRun("0");
  ASSERT_OK(store_->DeleteRun(run_id));
  ASSERT_OK_AND_ASSIGN(orchard::Run run, store_->GetRun(run_id));
  EXPECT_EQ(run.info.lifecycle_stage, LifecycleStage::kDeleted);
  EXPECT_CODE(store_->LogMetric(run_id, {"m", 1, 1, 0}), kInvalidParameterValue);
  EXPECT_CODE(store_->LogParam(run_id, {"p", "v"}), kInvalidParameterValue);
  EXPECT_CODE(store_->SetTag(run_id, {"t", "v"}), kInvalidParameterValue);
  EXPECT_CODE(store_->UpdateRun({.run_id = run_id, .status = RunStatus::kFinished}),
              kInvalidParameterValue);
  ASSERT_OK(store_->RestoreRun(run_id));
  EXPECT_OK(store_->LogMetric(run_id, {"m", 1, 1, 0}));
  EXPECT_CODE(store_->DeleteRun(std::string(32, 'f')), kResourceDoesNotExist);
  EXPECT_CODE(store_->LogMetric(std::string(32, 'f'), {"m", 1, 1, 0}), kResourceDoesNotExist);
}

TEST_P(TrackingStoreContract, LogModelAppendsToHistoryWithoutLosingEntries) {
  std::string run_id = NewRun("0", "models");
  auto model = [&](const std::string& path) {
    return R"({"run_id": ")" + run_id + R"(", "artifact_path": ")" + path +
           R"(", "utc_time_created": "2024-05-18 10:00:00.000000", "flavors": {}})";
  };
  ASSERT_OK(store_->LogModel(run_id, model("first")));
  // Concurrent log-model calls on one run: every entry is kept.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        EXPECT_OK(store_->LogModel(run_id, model("m" + std::to_string(t * 5 + i))));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  StatusOr<orchard::Run> run = store_->GetRun(run_id);
  ASSERT_TRUE(run.ok());
  std::string history = run->TagValue(kTagLogModelHistory).value_or("");
  EXPECT_TRUE(history.starts_with(R"([{"run_id":")" + run_id + R"(","artifact_path":"first")"))
      << history;
  for (int m = 0; m < 20; ++m) {
    EXPECT_NE(history.find("\"artifact_path\":\"m" + std::to_string(m) + "\""), std::string::npos)
        << m;
  }
  EXPECT_TRUE(HasCode(store_->LogModel(run_id, "not json"), ErrorCode::kInvalidParameterValue));
  EXPECT_TRUE(HasCode(store_->LogModel(run_id, R"({"run_id": "x", "flavors": {}})"),
                      ErrorCode::kInvalidParameterValue));
  EXPECT_TRUE(HasCode(store_->LogModel(std::string(32, 'f'), model("x")),
                      ErrorCode::kResourceDoesNotExist));
  // A history that would pass the tag limit is refused whole, and the tag stays valid JSON.
  std::string huge = R"({"run_id": "x", "artifact_path": ")" + std::string(5000, 'a') +
                     R"(", "utc_time_created": "t", "flavors": {}})";
  EXPECT_TRUE(HasCode(store_->LogModel(run_id, huge), ErrorCode::kInvalidParameterValue));
  run = store_->GetRun(run_id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->TagValue(kTagLogModelHistory).value_or(""), history);
}

TEST_P(TrackingStoreContract, MetricStepsAndPointsAtChosenSteps) {
  std::string run_id = NewRun("0", "chart");
  std::vector<Metric> points;
  for (int64_t step : {0, 2, 2, 5, 9}) {
    points.push_back({"loss", 1.0 / (step + 1), 1000 + static_cast<int64_t>(points.size()), step});
  }
  points.push_back({"other", 7.0, 1000, 3});
  ASSERT_OK(store_->LogBatch(run_id, points, {}, {}));
  StatusOr<std::vector<int64_t>> steps = store_->GetMetricSteps(run_id, "loss");
  ASSERT_TRUE(steps.ok()) << steps.status().ToString();
  EXPECT_EQ(*steps, (std::vector<int64_t>{0, 2, 5, 9}));
  StatusOr<std::vector<Metric>> chosen = store_->GetMetricHistoryAtSteps(run_id, "loss", {2, 3, 9});
  ASSERT_TRUE(chosen.ok());
  ASSERT_EQ(chosen->size(), 3u);  // both points of step 2, then step 9; nothing at 3
  EXPECT_EQ((*chosen)[0].step, 2);
  EXPECT_EQ((*chosen)[0].timestamp, 1001);
  EXPECT_EQ((*chosen)[1].timestamp, 1002);
  EXPECT_EQ((*chosen)[2].step, 9);
  EXPECT_EQ((*chosen)[2].key, "loss");
  EXPECT_TRUE(store_->GetMetricSteps(run_id, "missing").value().empty());
  EXPECT_TRUE(store_->GetMetricHistoryAtSteps(run_id, "missing", {1}).value().empty());
  EXPECT_TRUE(HasCode(store_->GetMetricSteps(std::string(32, 'f'), "loss"),
                      ErrorCode::kResourceDoesNotExist));
}

TEST_P(TrackingStoreContract, DatasetInputs) {
  std::string exp = NewExperiment("data");
  std::string run_id = NewRun(exp);
  std::string other = NewRun(exp);
  DatasetInput train{{{kTagDatasetContext, "training"}},
                     {"loans", "abc123", "local", "/data/loans.csv", "{\"cols\": 3}", ""}};
  ASSERT_OK(store_->LogInputs(run_id, {train}));
  ASSERT_OK(store_->LogInputs(run_id, {train}));  // the same input again: no duplicate
  ASSERT_OK_AND_ASSIGN(orchard::Run run, store_->GetRun(run_id));
  ASSERT_EQ(run.inputs.size(), 1u);
  EXPECT_EQ(run.inputs[0].dataset.name, "loans");
  EXPECT_EQ(run.inputs[0].dataset.source, "/data/loans.csv");
  EXPECT_EQ(run.inputs[0].dataset.schema, "{\"cols\": 3}");
  ASSERT_EQ(run.inputs[0].tags.size(), 1u);
  EXPECT_EQ(run.inputs[0].tags[0].value, "training");
  auto search = [&](FilterClause clause) {
    StatusOr<RunPage> page = store_->SearchRuns({.experiment_ids = {exp}, .filter = {{clause}}});
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? RunIds(*page) : std::vector<std::string>{};
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(search({FilterEntity::kDataset, "name", Comparator::kEq, std::string("loans")}),
            V{run_id});
  EXPECT_EQ(search({FilterEntity::kDataset, "digest", Comparator::kIn, V{"zzz", "abc123"}}),
            V{run_id});
  EXPECT_EQ(search({FilterEntity::kDataset, "context", Comparator::kEq, std::string("training")}),
            V{run_id});
  EXPECT_EQ(search({FilterEntity::kDataset, "name", Comparator::kEq, std::string("other")}), V{});
  (void)other;
  DatasetInput incomplete{{}, {"loans", "", "local", "/x", "", ""}};
  EXPECT_CODE(store_->LogInputs(run_id, {incomplete}), kInvalidParameterValue);
  EXPECT_CODE(store_->LogInputs(std::string(32, 'd'), {train}), kResourceDoesNotExist);
  EXPECT_CODE(
      store_->SearchRuns(
          {.experiment_ids = {exp},
           .filter = {{{FilterEntity::kDataset, "size", Comparator::kEq, std::string("1")}}}}),
      kInvalidParameterValue);
}

// ----- search -----

class SearchFixture {
 public:
  // Five runs in one experiment: start times 1..5; "acc" on four of them (one NaN).
  static void Populate(TrackingStoreContract& test, TrackingStore& store, const std::string& exp,
                       std::vector<std::string>& ids) {
    (void)test;
    const double acc[] = {0.5, 0.9, std::nan(""), 0.7, -1};
    for (int i = 0; i < 5; ++i) {
      StatusOr<orchard::Run> run = store.CreateRun({.experiment_id = exp,
                                                    .user_id = i % 2 ? "ana" : "bo",
                                                    .run_name = "run-" + std::to_string(i),
                                                    .start_time = i + 1});
      ASSERT_TRUE(run.ok());
      ids.push_back(run->info.run_id);
      if (acc[i] >= 0 || std::isnan(acc[i])) {
        ASSERT_TRUE(store.LogMetric(ids.back(), {"acc", acc[i], 1, 0}).ok());
      }
      ASSERT_TRUE(store.LogParam(ids.back(), {"depth", std::to_string(10 - i)}).ok());
    }
  }
};

TEST_P(TrackingStoreContract, SearchRunsDefaultOrderIsNewestFirst) {
  std::string exp = NewExperiment("s");
  std::vector<std::string> ids;
  SearchFixture::Populate(*this, *store_, exp, ids);
  ASSERT_OK_AND_ASSIGN(RunPage page, store_->SearchRuns({.experiment_ids = {exp}}));
  EXPECT_EQ(RunIds(page), (std::vector<std::string>{ids[4], ids[3], ids[2], ids[1], ids[0]}));
  EXPECT_TRUE(page.next_page_token.empty());
  ASSERT_EQ(page.runs[0].data.params.size(), 1u);
  ASSERT_OK_AND_ASSIGN(RunPage none, store_->SearchRuns({}));
  EXPECT_TRUE(none.runs.empty());
}

TEST_P(TrackingStoreContract, SearchRunsOrderByMetricPutsNanThenMissingLast) {
  std::string exp = NewExperiment("s");
  std::vector<std::string> ids;
  SearchFixture::Populate(*this, *store_, exp, ids);
  ASSERT_OK_AND_ASSIGN(RunPage desc,
                       store_->SearchRuns({.experiment_ids = {exp},
                                           .order_by = {{FilterEntity::kMetric, "acc", false}}}));
  EXPECT_EQ(RunIds(desc), (std::vector<std::string>{ids[1], ids[3], ids[0], ids[2], ids[4]}));
  ASSERT_OK_AND_ASSIGN(RunPage asc,
                       store_->SearchRuns({.experiment_ids = {exp},
                                           .order_by = {{FilterEntity::kMetric, "acc", true}}}));
  EXPECT_EQ(RunIds(asc), (std::vector<std::string>{ids[0], ids[3], ids[1], ids[2], ids[4]}));
  // Pages of two walk the same order.
  std::vector<std::string> walked;
  SearchRunsRequest paged{.experiment_ids = {exp},
                          .max_results = 2,
                          .order_by = {{FilterEntity::kMetric, "acc", false}}};
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK_AND_ASSIGN(RunPage page, store_->SearchRuns(paged));
    for (const std::string& id : RunIds(page)) walked.push_back(id);
    paged.page_token = page.next_page_token;
    if (paged.page_token.empty()) break;
  }
  EXPECT_EQ(walked, RunIds(desc));
}

TEST_P(TrackingStoreContract, SearchRunsOrderByParamAndAttribute) {
  std::string exp = NewExperiment("s");
  std::vector<std::string> ids;
  SearchFixture::Populate(*this, *store_, exp, ids);
  ASSERT_OK_AND_ASSIGN(RunPage by_param,
                       store_->SearchRuns({.experiment_ids = {exp},
                                           .order_by = {{FilterEntity::kParam, "depth", true}}}));
  // depth is text: "10" < "6" < "7" < "8" < "9".
  EXPECT_EQ(RunIds(by_param), (std::vector<std::string>{ids[0], ids[4], ids[3], ids[2], ids[1]}));
  ASSERT_OK_AND_ASSIGN(
      RunPage by_name,
      store_->SearchRuns(
          {.experiment_ids = {exp}, .order_by = {{FilterEntity::kAttribute, "run_name", true}}}));
  EXPECT_EQ(RunIds(by_name), ids);
  EXPECT_CODE(store_->SearchRuns({.experiment_ids = {exp},
                                  .order_by = {{FilterEntity::kAttribute, "bogus", true}}}),
              kInvalidParameterValue);
}

TEST_P(TrackingStoreContract, SearchRunsFilters) {
  std::string exp = NewExperiment("s");
  std::vector<std::string> ids;
  SearchFixture::Populate(*this, *store_, exp, ids);
  std::string child = NewRun(exp, "child", 10, ids[0]);
  auto search = [&](std::vector<FilterClause> clauses) {
    StatusOr<RunPage> page =
        store_->SearchRuns({.experiment_ids = {exp},
                            .filter = {clauses},
                            .order_by = {{FilterEntity::kAttribute, "start_time", true}}});
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? RunIds(*page) : std::vector<std::string>{};
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(search({{FilterEntity::kTag, kTagParentRunId, Comparator::kEq, ids[0]}}), V{child});
  EXPECT_EQ(search({{FilterEntity::kMetric, "acc", Comparator::kGt, 0.6}}), (V{ids[1], ids[3]}));
  // A clause on a missing key never matches, even "!=".
  EXPECT_EQ(search({{FilterEntity::kMetric, "acc", Comparator::kNe, 0.5}}), (V{ids[1], ids[3]}));
  EXPECT_EQ(search({{FilterEntity::kParam, "depth", Comparator::kEq, std::string("8")}}),
            V{ids[2]});
  EXPECT_EQ(search({{FilterEntity::kAttribute, "run_name", Comparator::kLike, std::string("run-%")},
                    {FilterEntity::kAttribute, "user_id", Comparator::kEq, std::string("ana")}}),
            (V{ids[1], ids[3]}));
  EXPECT_EQ(
      search({{FilterEntity::kAttribute, "run_name", Comparator::kLike, std::string("RUN-%")}}),
      V{});
  EXPECT_EQ(
      search({{FilterEntity::kAttribute, "run_name", Comparator::kILike, std::string("RUN-1")}}),
      V{ids[1]});
  EXPECT_EQ(search({{FilterEntity::kAttribute, "run_id", Comparator::kIn, V{ids[2], ids[4]}}}),
            (V{ids[2], ids[4]}));
  EXPECT_EQ(search({{FilterEntity::kAttribute, "start_time", Comparator::kGe, 4.0}}),
            (V{ids[3], ids[4], child}));
  EXPECT_EQ(search({{FilterEntity::kAttribute, "status", Comparator::kEq, std::string("RUNNING")}})
                .size(),
            6u);
  EXPECT_EQ(search({{FilterEntity::kDataset, "name", Comparator::kEq, std::string("x")}}), V{});
  // Beyond MLflow: OR and grouping. depth = '8' OR (user ana AND acc > 0.8).
  FilterClause depth8{FilterEntity::kParam, "depth", Comparator::kEq, std::string("8")};
  FilterClause ana{FilterEntity::kAttribute, "user_id", Comparator::kEq, std::string("ana")};
  FilterClause high{FilterEntity::kMetric, "acc", Comparator::kGt, 0.8};
  FilterClause either;
  either.any_of = {Filter{{depth8}}, Filter{{ana, high}}};
  EXPECT_EQ(search({either}), (V{ids[1], ids[2]}));
  // ... AND run_name LIKE 'run-1%': only ids[1] remains.
  EXPECT_EQ(
      search({either,
              {FilterEntity::kAttribute, "run_name", Comparator::kLike, std::string("run-1%")}}),
      V{ids[1]});
  EXPECT_CODE(
      store_->SearchRuns(
          {.experiment_ids = {exp},
           .filter = {{{FilterEntity::kMetric, "acc", Comparator::kLike, std::string("x")}}}}),
      kInvalidParameterValue);
  EXPECT_CODE(
      store_->SearchRuns(
          {.experiment_ids = {exp},
           .filter = {{{FilterEntity::kAttribute, "nope", Comparator::kEq, std::string("x")}}}}),
      kInvalidParameterValue);
}

// Metric order with a filter, a second key and deleted runs, paged one run at a time across the
// number -> NaN -> missing boundaries.
TEST_P(TrackingStoreContract, SearchRunsMetricOrderWithFilterPagesAcrossGroups) {
  std::string exp = NewExperiment("s");
  std::vector<std::string> ids;
  SearchFixture::Populate(*this, *store_, exp, ids);
  ASSERT_OK(store_->DeleteRun(ids[3]));
  SearchRunsRequest request{
      .experiment_ids = {exp},
      .filter = {{{FilterEntity::kAttribute, "run_name", Comparator::kLike, std::string("run-%")}}},
      .view_type = ViewType::kAll,
      .max_results = 1,
      .order_by = {{FilterEntity::kMetric, "acc", false}, {FilterEntity::kParam, "depth", true}}};
  std::vector<std::string> walked;
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK_AND_ASSIGN(RunPage page, store_->SearchRuns(request));
    ASSERT_LE(page.runs.size(), 1u);
    for (const std::string& id : RunIds(page)) walked.push_back(id);
    request.page_token = page.next_page_token;
    if (request.page_token.empty()) break;
  }
  EXPECT_EQ(walked, (std::vector<std::string>{ids[1], ids[3], ids[0], ids[2], ids[4]}));
}

// Equal metric values fall back to MLflow's tie order (start_time DESC, then run id), also
// across page boundaries that cut through the tie.
TEST_P(TrackingStoreContract, SearchRunsMetricTiesUseStartTime) {
  std::string exp = NewExperiment("ties");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(NewRun(exp, "", 100 + i));
    ASSERT_OK(store_->LogMetric(ids.back(), {"acc", i == 4 ? 0.9 : 0.5, 1, 0}));
  }
  std::vector<std::string> walked;
  SearchRunsRequest request{.experiment_ids = {exp},
                            .max_results = 2,
                            .order_by = {{FilterEntity::kMetric, "acc", false}}};
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK_AND_ASSIGN(RunPage page, store_->SearchRuns(request));
    for (const std::string& id : RunIds(page)) walked.push_back(id);
    request.page_token = page.next_page_token;
    if (request.page_token.empty()) break;
  }
  EXPECT_EQ(walked, (std::vector<std::string>{ids[4], ids[3], ids[2], ids[1], ids[0]}));
}

// Enough runs that a store may need more than one strategy: a selective filter (every 50th run)
// and a page cut inside a long tie must still give exactly the reference order.
TEST_P(TrackingStoreContract, SearchRunsMetricOrderAtScale) {
  std::string exp = NewExperiment("scale");
  struct Expected {
    double value;
    int64_t start;
    std::string id;
  };
  std::vector<Expected> tagged, all;
  for (int i = 0; i < 2200; ++i) {
    bool is_tagged = i % 50 == 0;
    ASSERT_OK_AND_ASSIGN(orchard::Run run,
                         store_->CreateRun({.experiment_id = exp,
                                            .start_time = i,
                                            .tags = {{"group", is_tagged ? "rare" : "common"}}}));
    // Many ties: values repeat every 7 runs.
    double value = (i * 37 % 7) / 10.0;
    ASSERT_OK(store_->LogMetric(run.info.run_id, {"score", value, 0, 0}));
    all.push_back({value, i, run.info.run_id});
    if (is_tagged) tagged.push_back(all.back());
  }
  auto reference = [](std::vector<Expected> runs, size_t count) {
    std::sort(runs.begin(), runs.end(), [](const Expected& a, const Expected& b) {
      if (a.value != b.value) return a.value > b.value;
      if (a.start != b.start) return a.start > b.start;
      return a.id < b.id;
    });
    std::vector<std::string> ids;
    for (size_t i = 0; i < count && i < runs.size(); ++i) ids.push_back(runs[i].id);
    return ids;
  };
  ASSERT_OK_AND_ASSIGN(
      RunPage rare,
      store_->SearchRuns(
          {.experiment_ids = {exp},
           .filter = {{{FilterEntity::kTag, "group", Comparator::kEq, std::string("rare")}}},
           .max_results = 50,
           .order_by = {{FilterEntity::kMetric, "score", false}}}));
  EXPECT_EQ(RunIds(rare), reference(tagged, 50));  // all 44 tagged runs
  EXPECT_TRUE(rare.next_page_token.empty());
  SearchRunsRequest paged{.experiment_ids = {exp},
                          .max_results = 700,
                          .order_by = {{FilterEntity::kMetric, "score", false}}};
  std::vector<std::string> walked;
  for (int page = 0; page < 5; ++page) {
    ASSERT_OK_AND_ASSIGN(RunPage result, store_->SearchRuns(paged));
    for (const std::string& id : RunIds(result)) walked.push_back(id);
    paged.page_token = result.next_page_token;
    if (paged.page_token.empty()) break;
  }
  EXPECT_EQ(walked, reference(all, all.size()));
}

// Runs created while a client pages through a search do not shift its later pages: the pages
// together list exactly the runs that existed at the first page, each once.
TEST_P(TrackingStoreContract, PagesStayCorrectWhileRunsAreAdded) {
  for (const bool by_metric : {false, true}) {
    std::string exp = NewExperiment(by_metric ? "paging-by-metric" : "paging");
    std::vector<std::string> original;
    for (int i = 0; i < 6; ++i) original.push_back(NewRun(exp, "", 100 + i));
    if (by_metric) {
      for (size_t i = 0; i < original.size(); ++i) {
        ASSERT_OK(store_->LogMetric(original[i], {"m", 1.0 * i, 1, 0}));
      }
    }
    SearchRunsRequest request{.experiment_ids = {exp}, .max_results = 2};
    if (by_metric) request.order_by = {{FilterEntity::kMetric, "m", false}};
    std::vector<std::string> walked;
    for (int page = 0; page < 10; ++page) {
      ASSERT_OK_AND_ASSIGN(RunPage result, store_->SearchRuns(request));
      for (const std::string& id : RunIds(result)) walked.push_back(id);
      // Newer runs (and, by metric, better ones) that would sort first if they were seen.
      std::string added = NewRun(exp, "", 1000 + page);
      if (by_metric) ASSERT_OK(store_->LogMetric(added, {"m", 99.0, 1, 0}));
      request.page_token = result.next_page_token;
      if (request.page_token.empty()) break;
    }
    std::vector<std::string> expected(original.rbegin(), original.rend());  // newest or best first
    EXPECT_EQ(walked, expected) << (by_metric ? "by metric" : "by start time");
  }
}

TEST_P(TrackingStoreContract, SearchRunsCanonicalIdsAndShapeLimits) {
  std::string exp = NewExperiment("s");
  std::string run_id = NewRun(exp);
  ASSERT_OK_AND_ASSIGN(RunPage padded, store_->SearchRuns({.experiment_ids = {"00" + exp}}));
  EXPECT_EQ(RunIds(padded), std::vector<std::string>{run_id});
  Filter huge;
  for (int i = 0; i < 101; ++i) {
    huge.clauses.push_back({FilterEntity::kParam, "p", Comparator::kEq, std::string("v")});
  }
  EXPECT_CODE(store_->SearchRuns({.experiment_ids = {exp}, .filter = huge}),
              kInvalidParameterValue);
  std::vector<OrderBy> keys(17, OrderBy{FilterEntity::kParam, "p", true});
  EXPECT_CODE(store_->SearchRuns({.experiment_ids = {exp}, .order_by = keys}),
              kInvalidParameterValue);
  std::vector<std::string> many(10001, run_id);
  EXPECT_CODE(store_->SearchRuns(
                  {.experiment_ids = {exp},
                   .filter = {{{FilterEntity::kAttribute, "run_id", Comparator::kIn, many}}}}),
              kInvalidParameterValue);
  // base64 of {"offset": 9223372036854775800}
  EXPECT_CODE(store_->SearchRuns({.experiment_ids = {exp},
                                  .page_token = "eyJvZmZzZXQiOiA5MjIzMzcyMDM2ODU0Nzc1ODAwfQ=="}),
              kInvalidParameterValue);
}

TEST_P(TrackingStoreContract, SearchRunsViewTypesAndLimits) {
  std::string exp = NewExperiment("s");
  std::string kept = NewRun(exp);
  std::string gone = NewRun(exp);
  ASSERT_OK(store_->DeleteRun(gone));
  ASSERT_OK_AND_ASSIGN(RunPage active, store_->SearchRuns({.experiment_ids = {exp}}));
  EXPECT_EQ(RunIds(active), std::vector<std::string>{kept});
  ASSERT_OK_AND_ASSIGN(RunPage deleted, store_->SearchRuns({.experiment_ids = {exp},
                                                            .view_type = ViewType::kDeletedOnly}));
  EXPECT_EQ(RunIds(deleted), std::vector<std::string>{gone});
  ASSERT_OK_AND_ASSIGN(RunPage all,
                       store_->SearchRuns({.experiment_ids = {exp}, .view_type = ViewType::kAll}));
  EXPECT_EQ(all.runs.size(), 2u);
  EXPECT_CODE(store_->SearchRuns({.experiment_ids = {exp}, .max_results = 0}),
              kInvalidParameterValue);
  EXPECT_CODE(store_->SearchRuns({.experiment_ids = {exp}, .max_results = 50001}),
              kInvalidParameterValue);
  EXPECT_CODE(store_->SearchRuns({.experiment_ids = {exp}, .page_token = "%%%"}),
              kInvalidParameterValue);
  EXPECT_CODE(store_->SearchRuns({.experiment_ids = {"x1"}}), kInvalidParameterValue);
}

}  // namespace
}  // namespace orchard::testing
