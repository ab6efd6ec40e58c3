#include "server/request_fields.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "base/text.h"

namespace orchard {
namespace {

std::atomic<size_t> max_depth{kDefaultMaxJsonDepth};

// One parser per serving thread: it owns the parsed document the fields point into, and keeps
// its buffers between requests.
simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

// Gives `parser` the depth limit (simdjson keeps it through later reallocations).
simdjson::error_code LimitDepth(simdjson::dom::parser& parser, size_t body_size, size_t depth) {
  if (parser.max_depth() == depth && parser.capacity() >= body_size) return simdjson::SUCCESS;
  return parser.allocate(std::max(parser.capacity(), body_size), depth);
}

std::optional<int64_t> ParseInt64(std::string_view text) {
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> ParseDouble(std::string_view text) {
  if (text == "NaN" || text == "nan") return std::nan("");
  if (text == "Infinity" || text == "inf") return HUGE_VAL;
  if (text == "-Infinity" || text == "-inf") return -HUGE_VAL;
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

Status InvalidField(const char* key, const std::string& expected) {
  return Status::InvalidParameter(
      fmt::format("Invalid value for parameter '{}' supplied: expected {}.", key, expected));
}

Status MissingField(const char* key) {
  return Status::InvalidParameter(fmt::format(
      "Missing value for required parameter '{}'. See the API docs for more information about "
      "request parameters.",
      key));
}

Status CheckJsonContentType(const HttpRequest& request) {
  if (request.method != "POST" && request.method != "PUT") return Status::Ok();
  if (request.content_type.empty()) {
    return Status::InvalidParameter("Bad Request. Content-Type header is missing.");
  }
  // Parameters such as "; charset=utf-8" are allowed; media types ignore case (RFC 9110).
  std::string_view media = request.content_type;
  if (AsciiLower(TrimSpace(media.substr(0, media.find(';')))) != "application/json") {
    return Status::InvalidParameter(
        "Bad Request. Content-Type must be one of ['application/json'].");
  }
  return Status::Ok();
}

void RequestFields::SetMaxDepth(size_t depth) { max_depth = depth; }

StatusOr<RequestFields> RequestFields::Parse(const HttpRequest& request) {
  RequestFields fields;
  if (request.method == "GET" || request.method == "HEAD") {
    fields.query_ = &request;
    return fields;
  }
  ORCHARD_RETURN_IF_ERROR(CheckJsonContentType(request));
  std::string_view body = request.body;
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) body = "{}";
  simdjson::dom::element root;
  // The thread's parser keeps its buffers (about 13 bytes a body byte) for the next request;
  // a large body gets a parser of its own, freed with the request, so one big request does not
  // pin its memory in every serving thread.
  constexpr size_t kSharedParserLimit = 1 << 20;
  simdjson::dom::parser* parser = &ThreadParser();
  if (body.size() > kSharedParserLimit) {
    fields.own_parser_ = std::make_shared<simdjson::dom::parser>();
    parser = fields.own_parser_.get();
  }
  const size_t depth = max_depth;
  if (auto error = LimitDepth(*parser, body.size(), depth); error) {
    return Status::Internal(
        fmt::format("Cannot parse the request body: {}", simdjson::error_message(error)));
  }
  // The HTTP server leaves room for simdjson's padding after a body, so it is parsed in place.
  const size_t capacity = body.data() == request.body.data() ? request.body.capacity() : 0;
  auto parsed =
      capacity >= body.size() + simdjson::SIMDJSON_PADDING
          ? parser->parse(simdjson::padded_string_view(body.data(), body.size(), capacity))
          : parser->parse(body.data(), body.size());
  auto error = parsed.get(root);
  if (error == simdjson::DEPTH_ERROR) {
    return Status::BadRequest(fmt::format(
        "Malformed JSON in the request body: arrays and objects nest deeper than {} levels "
        "(the server's --max-json-depth)",
        depth));
  }
  if (error) {
    return Status::BadRequest(
        fmt::format("Malformed JSON in the request body: {}", simdjson::error_message(error)));
  }
  if (root.get(fields.object_)) {
    return Status::BadRequest("The request body must be a JSON object");
  }
  return fields;
}

std::optional<simdjson::dom::element> RequestFields::Field(const char* key) const {
  simdjson::dom::element value;
  if (object_[key].get(value) != simdjson::SUCCESS) return std::nullopt;
  if (value.is_null()) return std::nullopt;  // null is "not set", as in protobuf JSON
  return value;
}

bool RequestFields::Has(const char* key) const {
  if (query_ != nullptr) return query_->QueryValue(key).has_value();
  return Field(key).has_value();
}

StatusOr<std::optional<std::string>> RequestFields::String(const char* key) const {
  if (query_ != nullptr) return query_->QueryValue(key);
  std::optional<simdjson::dom::element> value = Field(key);
  if (!value) return std::optional<std::string>();
  std::string_view text;
  if (value->get_string().get(text)) return InvalidField(key, "a string");
  return std::optional<std::string>(std::string(text));
}

StatusOr<std::string> RequestFields::RequiredString(const char* key) const {
  ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> value, String(key));
  if (!value || value->empty()) return MissingField(key);
  return *value;
}

StatusOr<std::optional<int64_t>> RequestFields::Int64(const char* key) const {
  std::optional<int64_t> result;
  if (query_ != nullptr) {
    std::optional<std::string> text = query_->QueryValue(key);
    if (!text) return result;
    result = ParseInt64(*text);
    if (!result) return InvalidField(key, "an integer");
    return result;
  }
  std::optional<simdjson::dom::element> value = Field(key);
  if (!value) return result;
  int64_t number = 0;
  std::string_view text;
  if (value->get_int64().get(number) == simdjson::SUCCESS) return std::optional(number);
  if (value->get_string().get(text) == simdjson::SUCCESS) {
    result = ParseInt64(text);
    if (result) return result;
  }
  return InvalidField(key, "an integer");
}

StatusOr<std::optional<double>> RequestFields::Double(const char* key) const {
  std::optional<double> result;
  if (query_ != nullptr) {
    std::optional<std::string> text = query_->QueryValue(key);
    if (!text) return result;
    result = ParseDouble(*text);
    if (!result) return InvalidField(key, "a number");
    return result;
  }
  std::optional<simdjson::dom::element> value = Field(key);
  if (!value) return result;
  double number = 0;
  std::string_view text;
  if (value->get_double().get(number) == simdjson::SUCCESS) return std::optional(number);
  if (value->get_string().get(text) == simdjson::SUCCESS) {
    result = ParseDouble(text);
    if (result) return result;
  }
  return InvalidField(key, "a number, \"NaN\", \"Infinity\" or \"-Infinity\"");
}

StatusOr<std::optional<bool>> RequestFields::Bool(const char* key) const {
  std::optional<bool> result;
  std::optional<std::string> text;
  if (query_ != nullptr) {
    text = query_->QueryValue(key);
  } else {
    std::optional<simdjson::dom::element> value = Field(key);
    if (!value) return result;
    bool flag = false;
    if (value->get_bool().get(flag) == simdjson::SUCCESS) return std::optional(flag);
    std::string_view view;
    if (value->get_string().get(view) == simdjson::SUCCESS) text = std::string(view);
    if (!text) return InvalidField(key, "true or false");
  }
  if (!text) return result;
  if (*text == "true" || *text == "True" || *text == "1") return std::optional(true);
  if (*text == "false" || *text == "False" || *text == "0") return std::optional(false);
  return InvalidField(key, "true or false");
}

StatusOr<std::optional<std::string>> RequestFields::Enum(const char* key) const {
  if (query_ != nullptr) return query_->QueryValue(key);
  std::optional<simdjson::dom::element> value = Field(key);
  if (!value) return std::optional<std::string>();
  std::string_view text;
  if (value->get_string().get(text) == simdjson::SUCCESS) {
    return std::optional<std::string>(std::string(text));
  }
  int64_t number = 0;
  if (value->get_int64().get(number) == simdjson::SUCCESS) {
    return std::optional<std::string>(std::to_string(number));
  }
  return InvalidField(key, "an enum name or number");
}

StatusOr<std::vector<std::string>> RequestFields::StringList(const char* key) const {
  if (query_ != nullptr) return query_->QueryValues(key);
  std::vector<std::string> values;
  std::optional<simdjson::dom::element> value = Field(key);
  if (!value) return values;
  simdjson::dom::array array;
  if (value->get_array().get(array)) return InvalidField(key, "a list of strings");
  for (simdjson::dom::element item : array) {
    std::string_view text;
    if (item.get_string().get(text)) return InvalidField(key, "a list of strings");
    values.emplace_back(text);
  }
  return values;
}

StatusOr<std::vector<RequestFields>> RequestFields::Object(const char* key) const {
  std::vector<RequestFields> items;
  if (query_ != nullptr) return items;
  std::optional<simdjson::dom::element> value = Field(key);
  if (!value) return items;
  RequestFields fields;
  if (value->get_object().get(fields.object_)) return InvalidField(key, "an object");
  items.push_back(fields);
  return items;
}

StatusOr<std::vector<RequestFields>> RequestFields::ObjectList(const char* key) const {
  std::vector<RequestFields> items;
  if (query_ != nullptr) return items;
  std::optional<simdjson::dom::element> value = Field(key);
  if (!value) return items;
  simdjson::dom::array array;
  if (value->get_array().get(array)) return InvalidField(key, "a list of objects");
  items.reserve(array.size());
  for (simdjson::dom::element item : array) {
    RequestFields fields;
    if (item.get_object().get(fields.object_)) return InvalidField(key, "a list of objects");
    items.push_back(fields);
  }
  return items;
}

}  // namespace orchard
