// Replays MLflow's recorded exchanges (tests/golden/*.jsonl: the official client driving the
// tutorial workflow, and raw error cases) against orchard's server, in order, and checks that
// every reply has MLflow's status and, with volatile fields masked, MLflow's JSON.
//
// Masking: run ids map to the golden placeholders (<RUN_ID_n>, in creation order); times
// (start_time, end_time, timestamp, creation_time, last_update_time) compare as <TS>; lists of
// {key, ...} objects compare as sets; next_page_token is not compared (Orchard returns one only
// when another page exists, see docs/mlflow-differences.md); the mlflow.log-model.history tag is
// left out (it comes from the artifacts part of the capture). Artifact uploads and downloads
// through the proxy compare as bytes and Content-Type; the artifacts part's runs/get replies,
// captured while its runs were open, compare by status only. Where MLflow answered a caller's
// mistake with an HTML page or misread malformed JSON, Orchard's documented JSON error is
// expected instead.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <vector>

#include "server/tracking_server.h"
#include "support/backing_stores.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

namespace orchard {
namespace {

using testing::Http;
using testing::HttpResult;

const char* const kTimeKeys[] = {"start_time",
                                 "end_time",
                                 "timestamp",
                                 "creation_time",
                                 "last_update_time",
                                 "creation_timestamp",
                                 "last_updated_timestamp"};

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

class Replay {
 public:
  // Placeholder -> real value, and the reverse for masking replies.
  void MapRunId(const std::string& real) { run_ids_.push_back(real); }
  std::string Substitute(std::string text) const {
    for (size_t i = 0; i < run_ids_.size(); ++i) {
      ReplaceAll(text, "<RUN_ID_" + std::to_string(i + 1) + ">", run_ids_[i]);
    }
    return text;
  }
  std::string Mask(std::string text) const {
    for (size_t i = 0; i < run_ids_.size(); ++i) {
      ReplaceAll(text, run_ids_[i], "<RUN_ID_" + std::to_string(i + 1) + ">");
    }
    return text;
  }

  // A canonical text of a JSON value with the masking rules above.
  std::string Canonical(simdjson::dom::element value, bool ours) const {
    using simdjson::dom::element_type;
    switch (value.type()) {
      case element_type::OBJECT: {
        std::vector<std::pair<std::string, std::string>> fields;
        for (auto [key, field] : simdjson::dom::object(value)) {
          if (key == "next_page_token") continue;
          bool is_time =
              std::find(std::begin(kTimeKeys), std::end(kTimeKeys), key) != std::end(kTimeKeys);
          fields.emplace_back(std::string(key), is_time ? "<TS>" : Canonical(field, ours));
        }
        std::sort(fields.begin(), fields.end());
        std::string out = "{";
        for (const auto& [key, text] : fields) out += "\"" + key + "\":" + text + ",";
        return out + "}";
      }
      case element_type::ARRAY: {
        std::vector<std::string> items;
        bool keyed = true;
        for (simdjson::dom::element item : simdjson::dom::array(value)) {
          std::string text = Canonical(item, ours);
          simdjson::dom::element key;
          keyed = keyed && item.is_object() && item["key"].get(key) == simdjson::SUCCESS;
          if (text.find("\"key\":\"mlflow.log-model.history\"") != std::string::npos) continue;
          items.push_back(text);
        }
        if (keyed) std::sort(items.begin(), items.end());
        std::string out = "[";
        for (const std::string& text : items) out += text + ",";
        return out + "]";
      }
      case element_type::STRING: {
        std::string text(value.get_string().value());
        return "\"" + (ours ? Mask(text) : text) + "\"";
      }
      case element_type::INT64:
        return std::to_string(value.get_int64().value());
      case element_type::UINT64:
        return std::to_string(value.get_uint64().value());
      case element_type::DOUBLE: {
        char buffer[32];
        auto result = std::to_chars(buffer, buffer + sizeof(buffer), value.get_double().value());
        return std::string(buffer, result.ptr);
      }
      case element_type::BOOL:
        return value.get_bool().value() ? "true" : "false";
      case element_type::NULL_VALUE:
        return "null";
    }
    return "?";
  }

 private:
  std::vector<std::string> run_ids_;
};

// Recorded text with its placeholders filled in: run ids, and same-length stand-ins for the
// model uuid and time, so recorded file sizes still hold.
std::string FillPlaceholders(std::string text, const Replay& replay) {
  ReplaceAll(text, "<UUID>", "0123456789abcdef0123456789abcdef");
  ReplaceAll(text, "<DATETIME>", "2024-05-18 10:00:00.000000");
  return replay.Substitute(text);
}

// The golden request body as text to send: objects minified with placeholders filled in, the
// elided 1,001-metric batch rebuilt, each "<TS>" a later time than the one before (so runs keep
// their recorded creation order).
std::string RequestBody(simdjson::dom::element body, const Replay& replay, int64_t& clock) {
  std::string text =
      body.is_string() ? std::string(body.get_string().value()) : simdjson::minify(body);
  const std::string elided_marker = "\"<... ";
  if (size_t at = text.find(elided_marker); at != std::string::npos) {
    size_t in_all = text.find(" in all>\"", at);
    size_t count_start = text.rfind(' ', in_all - 1) + 1;
    int total = std::stoi(text.substr(count_start, in_all - count_start));
    std::string metrics;
    for (int i = 3; i < total; ++i) {
      metrics += (i > 3 ? "," : "") + std::string("{\"key\":\"m") + std::to_string(i) +
                 "\",\"value\":" + std::to_string(0.5 * i) + ",\"timestamp\":\"<TS>\",\"step\":0}";
    }
    text.replace(at, in_all + 9 - at, metrics);
  }
  for (size_t at = text.find("\"<TS>\""); at != std::string::npos; at = text.find("\"<TS>\"")) {
    clock += 1000;
    text.replace(at, 6, std::to_string(clock));
  }
  return FillPlaceholders(std::move(text), replay);
}

// A binary upload is recorded as "<binary body: N bytes, not shown>": send N bytes.
std::string BinaryPlaceholderBody(const std::string& body) {
  constexpr std::string_view kMarker = "<binary body: ";
  if (!body.starts_with(kMarker)) return body;
  return std::string(std::stoul(body.substr(kMarker.size())), '\x01');
}

class GoldenReplayTest : public ::testing::TestWithParam<testing::Backend> {
 protected:
  void SetUp() override {
    ORCHARD_REQUIRE_BACKEND(GetParam());
    spdlog::set_level(spdlog::level::warn);
    auto stores = testing::OpenBacking(GetParam(), dir_ / "db", "mlflow-artifacts:");
    ASSERT_TRUE(stores.ok()) << stores.status().ToString();
    store_ = std::move(stores->tracking);
    registry_ = std::move(stores->registry);
    TrackingServerOptions options;
    options.http.port = 0;
    options.artifacts_destination = dir_ / "artifacts";
    options.registry = registry_.get();
    server_ = std::make_unique<TrackingServer>(options, *store_);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  // Returns how many exchanges were replayed.
  int ReplayFile(const std::string& name) {
    std::ifstream in(std::string(ORCHARD_GOLDEN_DIR) + "/" + name);
    EXPECT_TRUE(in.good()) << name;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      simdjson::dom::parser parser;
      simdjson::dom::element exchange;
      if (parser.parse(line).get(exchange) != simdjson::SUCCESS) {
        ADD_FAILURE() << name << ":" << number << " is not JSON";
        continue;
      }
      std::string step(exchange["step"].get_string().value());
      std::string method(exchange["method"].get_string().value());
      std::string path = replay_.Substitute(std::string(exchange["path"].get_string().value()));
      simdjson::dom::element request_body = exchange["request_body"].value();
      std::string body = request_body.is_null() ? "" : RequestBody(request_body, replay_, clock_);
      int64_t expected_status = exchange["status"].get_int64().value();
      simdjson::dom::element expected = exchange["response_body"].value();

      // Artifact files through the proxy: raw bodies both ways, compared as bytes.
      const bool proxy_file = path.find("/mlflow-artifacts/artifacts/") != std::string::npos;
      std::string content_type = "application/json";
      if (proxy_file && method == "PUT") {
        content_type = std::string(exchange["request_content_type"].get_string().value());
        body = BinaryPlaceholderBody(body);
      }
      HttpResult reply = Http(server_->port(), method, path, body, content_type);
      SCOPED_TRACE(name + ":" + std::to_string(number) + " " + step + "\n" + method + " " + path +
                   "\n" + body.substr(0, 300) + "\n-> " + reply.body.substr(0, 600));
      EXPECT_EQ(reply.status, expected_status);
      if (path.find("/model-versions/get-download-uri") != std::string::npos) {
        // MLflow answers the source; Orchard the copy in registry storage, through the proxy
        // (docs/mlflow-differences.md).
        ++compared_;
        EXPECT_NE(reply.body.find(R"({"artifact_uri":"mlflow-artifacts:/models/loan_model/)"),
                  std::string::npos)
            << reply.body;
        continue;
      }
      if (proxy_file && method == "GET") {
        ++compared_;
        // A binary body is recorded by its size only.
        EXPECT_EQ(reply.body, BinaryPlaceholderBody(FillPlaceholders(
                                  std::string(expected.get_string().value()), replay_)));
        EXPECT_EQ(reply.content_type,
                  std::string(exchange["response_content_type"].get_string().value()));
        continue;
      }
      simdjson::dom::parser reply_parser;
      simdjson::dom::element actual;
      if (reply_parser.parse(reply.body).get(actual) != simdjson::SUCCESS) {
        ADD_FAILURE() << "the reply is not JSON";
        continue;
      }
      std::string_view code;
      bool is_error = actual["error_code"].get(code) == simdjson::SUCCESS;
      if (reply.status == 200 && path.ends_with("/runs/create")) {
        replay_.MapRunId(std::string(actual.at_pointer("/run/info/run_id").get_string().value()));
      }
      ++compared_;
      if (proxy_file) {
        EXPECT_EQ(reply.body, "{}");  // an upload
      } else if (request_body.is_string()) {
        // Malformed JSON: MLflow read it as {} or failed in SQL; Orchard says what is wrong.
        EXPECT_EQ(code, "BAD_REQUEST");
      } else if (expected.is_string()) {
        // MLflow's HTML 404 page: Orchard answers with a JSON error.
        EXPECT_EQ(code, "ENDPOINT_NOT_FOUND");
      } else if (std::string_view expected_code;
                 expected["error_code"].get(expected_code) == simdjson::SUCCESS) {
        EXPECT_EQ(code, expected_code);
      } else if (name == "artifacts.jsonl" && path.find("/runs/get?") != std::string::npos) {
        // Captured while the runs were still open, which this replay cannot recreate after the
        // tracking part has ended them: only the status is compared.
        EXPECT_FALSE(is_error);
      } else {
        EXPECT_FALSE(is_error);
        EXPECT_EQ(replay_.Canonical(actual, /*ours=*/true),
                  replay_.Canonical(expected, /*ours=*/false));
      }
    }
    return number;
  }

  testing::TempDir dir_;
  int compared_ = 0;
  std::unique_ptr<TrackingStore> store_;
  std::unique_ptr<RegistryStore> registry_;
  std::unique_ptr<TrackingServer> server_;
  Replay replay_;
  int64_t clock_ = 1716000000000;
};

ORCHARD_ON_EVERY_BACKEND(GoldenReplayTest);

TEST_P(GoldenReplayTest, TutorialTrackingArtifactsRegistryThenErrorCases) {
  EXPECT_EQ(ReplayFile("tracking.jsonl"), 39);
  EXPECT_EQ(ReplayFile("artifacts.jsonl"), 28);
  EXPECT_EQ(ReplayFile("registry.jsonl"), 34);
  EXPECT_EQ(ReplayFile("errors.jsonl"), 11);
  EXPECT_EQ(compared_, 112);
}

}  // namespace
}  // namespace orchard
