// Tests of the small base utilities: Status, ids, JSON writer, base64.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "base/base64.h"
#include "base/ids.h"
#include "base/json_writer.h"
#include "base/status.h"

namespace orchard {
namespace {

TEST(Status, CodesMapToMlflowNamesAndHttpStatuses) {
  EXPECT_EQ(ErrorCodeName(ErrorCode::kInvalidParameterValue), "INVALID_PARAMETER_VALUE");
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInvalidParameterValue), 400);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kResourceAlreadyExists), 400);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kResourceDoesNotExist), 404);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInternalError), 500);
  Status status = Status::NotFound("no run").WithContext("get");
  EXPECT_EQ(status.ToString(), "RESOURCE_DOES_NOT_EXIST: get: no run");
  StatusOr<int> from_ok_status = Status::Ok();
  EXPECT_FALSE(from_ok_status.ok());  // a StatusOr needs a value or an error
}

TEST(Ids, RunIdsAre32LowercaseHexAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewRunId();
    EXPECT_TRUE(IsValidRunId(id)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_FALSE(IsValidRunId("ABCDEF0123456789abcdef0123456789"));
  EXPECT_FALSE(NewRunName().empty());
}

TEST(JsonWriter, WritesMlflowShapes) {
  JsonWriter json;
  json.BeginObject()
      .Field("s", "a\"b\\c\n\x01")
      .Field("i", int64_t{-5})
      .Field("d", 0.1)
      .Field("whole", 3.0)
      .Field("nan", std::nan(""))
      .Field("inf", HUGE_VAL)
      .Key("list")
      .BeginArray()
      .Int(1)
      .Bool(true)
      .Null()
      .BeginObject()
      .EndObject()
      .EndArray()
      .EndObject();
  EXPECT_EQ(json.str(),
            R"({"s":"a\"b\\c\n\u0001","i":-5,"d":0.1,"whole":3.0,"nan":"NaN","inf":"Infinity",)"
            R"("list":[1,true,null,{}]})");
}

TEST(Base64, RoundTripsAndRejectsGarbage) {
  for (std::string text : {"", "f", "fo", "foo", "foob", "{\"offset\": 100}"}) {
    std::optional<std::string> back = Base64Decode(Base64Encode(text));
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_EQ(*back, text);
  }
  EXPECT_EQ(Base64Encode("{\"offset\": 2}"), "eyJvZmZzZXQiOiAyfQ==");  // MLflow's token for 2
  EXPECT_FALSE(Base64Decode("abc").has_value());
  EXPECT_FALSE(Base64Decode("a=bc").has_value());
  EXPECT_FALSE(Base64Decode("ab!c").has_value());
}

}  // namespace
}  // namespace orchard
