// Field readers for MLflow REST replies (simdjson DOM), shared by the REST stores. Absent fields
// read as empty/zero, as protobuf JSON omits defaults.
#pragma once

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "base/status.h"
#include "entities/tag.h"

namespace orchard::reply_fields {

using simdjson::dom::element;

inline Status Malformed(std::string_view what) {
  return Status::Internal(fmt::format("the tracking server sent a malformed reply ({})", what));
}

// Field readers over a reply object: absent fields read as empty/zero, as protobuf JSON omits
// defaults.
inline std::string Str(element object, const char* key) {
  std::string_view value;
  return object[key].get(value) == simdjson::SUCCESS ? std::string(value) : std::string();
}

inline std::optional<int64_t> Int(element object, const char* key) {
  element value;
  if (object[key].get(value) != simdjson::SUCCESS) return std::nullopt;
  int64_t number = 0;
  if (value.get_int64().get(number) == simdjson::SUCCESS) return number;
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec == std::errc()) return number;
  }
  return std::nullopt;
}

inline double Dbl(element object, const char* key) {
  element value;
  if (object[key].get(value) != simdjson::SUCCESS) return 0;
  double number = 0;
  if (value.get_double().get(number) == simdjson::SUCCESS) return number;
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) {
    if (text == "NaN") return std::nan("");
    if (text == "Infinity") return HUGE_VAL;
    if (text == "-Infinity") return -HUGE_VAL;
  }
  return 0;
}

template <typename Fn>
void ForEach(element object, const char* key, Fn fn) {
  simdjson::dom::array array;
  if (object[key].get(array) != simdjson::SUCCESS) return;
  for (element item : array) fn(item);
}

inline std::vector<Tag> Tags(element object, const char* key) {
  std::vector<Tag> tags;
  ForEach(object, key, [&](element item) {
    tags.push_back({Str(item, "key"), Str(item, "value")});
  });
  return tags;
}

// Parses a reply body into `root` with `parser` (which owns the document).
inline Status ParseReply(simdjson::dom::parser& parser, const std::string& body, element& root) {
  if (parser.parse(body).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return Malformed("not a JSON object");
  }
  return Status::Ok();
}

// The object under `key` of a reply body, parsed with `parser` (which owns it).
inline StatusOr<element> Unwrap(simdjson::dom::parser& parser, const std::string& body,
                                const char* key) {
  element root, inner;
  ORCHARD_RETURN_IF_ERROR(ParseReply(parser, body, root));
  if (root[key].get(inner)) return Malformed(std::string("no ") + key);
  return inner;
}

}  // namespace orchard::reply_fields
