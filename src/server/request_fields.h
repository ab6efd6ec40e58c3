// RequestFields: typed access to the fields of an MLflow REST request, whether they came as a
// JSON body (POST, PATCH, DELETE) or as query parameters (GET), with MLflow's leniencies:
// 64-bit integers as numbers or strings, doubles as numbers or "NaN"/"Infinity"/"-Infinity",
// enums as names or numbers (resolved by the handlers), lists as JSON arrays or repeated query
// keys, unknown fields ignored. A field of the wrong type is INVALID_PARAMETER_VALUE naming it.
//
// A RequestFields refers to the calling thread's JSON parser: use it on that thread, within the
// request. Not thread-safe.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "http/http_message.h"

namespace orchard {

// The memory simdjson's document takes at worst per byte of JSON, beside the body: 4 bytes of
// index per structural character and 8 of tape per value, 16 for a number; "1,1,1,..." reaches
// 12. Bodies of text take about 2. The HTTP layer reserves it with the body (BodyPlan).
inline constexpr uint32_t kJsonParseBytesPerBodyByte = 12;

inline constexpr size_t kDefaultMaxJsonDepth = 64;

class RequestFields {
 public:
  // The deepest nesting of arrays and objects that Parse accepts, for every server in the
  // process (TrackingServer sets it from its options). Deeper: BAD_REQUEST.
  static void SetMaxDepth(size_t depth);

  // Parses the request: its JSON body (an empty body is {}), or its query string for GET.
  // BAD_REQUEST when the body is not a JSON object. A POST or PUT must say Content-Type
  // application/json (parameters allowed), as MLflow's _validate_content_type requires: a web
  // page can send a text/plain POST to a local server without a CORS preflight.
  static StatusOr<RequestFields> Parse(const HttpRequest& request);

  StatusOr<std::optional<std::string>> String(const char* key) const;
  // INVALID_PARAMETER_VALUE "Missing value for required parameter" when absent or empty.
  StatusOr<std::string> RequiredString(const char* key) const;
  StatusOr<std::optional<int64_t>> Int64(const char* key) const;
  StatusOr<std::optional<double>> Double(const char* key) const;
  StatusOr<std::optional<bool>> Bool(const char* key) const;
  // An enum given by name or number: the name, or the number as text.
  StatusOr<std::optional<std::string>> Enum(const char* key) const;
  StatusOr<std::vector<std::string>> StringList(const char* key) const;
  // A JSON array of objects (absent: empty). Query-string requests have none.
  StatusOr<std::vector<RequestFields>> ObjectList(const char* key) const;
  // A nested JSON object as a one-element list (absent: empty).
  StatusOr<std::vector<RequestFields>> Object(const char* key) const;
  bool Has(const char* key) const;

 private:
  RequestFields() = default;
  std::optional<simdjson::dom::element> Field(const char* key) const;

  const HttpRequest* query_ = nullptr;                 // set for a query-string request
  simdjson::dom::object object_;                       // otherwise, the JSON object
  std::shared_ptr<simdjson::dom::parser> own_parser_;  // owns a large body's document (Parse)
};

// MLflow's INVALID_PARAMETER_VALUE for a POST or PUT whose Content-Type is missing or not JSON.
Status CheckJsonContentType(const HttpRequest& request);

// The error for a field of the wrong type.
Status InvalidField(const char* key, const std::string& expected);
Status MissingField(const char* key);

}  // namespace orchard
