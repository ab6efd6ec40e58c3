// JsonWriter: a small, fast writer of compact JSON, the one writer Orchard uses for output.
//
// Doubles are written in their shortest round-trip form (std::to_chars); NaN and +-Infinity are
// written as the strings "NaN", "Infinity" and "-Infinity", as MLflow's protobuf JSON does.
// Commas are placed automatically. Not thread-safe; one writer per document.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace orchard {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // Writes an object key; the next call writes its value.
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // A value already written as JSON (copied as is: the caller vouches for it).
  JsonWriter& Raw(std::string_view json);

  // Shorthands for Key(k) followed by a value.
  JsonWriter& Field(std::string_view key, std::string_view value) { return Key(key).String(value); }
  JsonWriter& Field(std::string_view key, const char* value) { return Key(key).String(value); }
  JsonWriter& Field(std::string_view key, int64_t value) { return Key(key).Int(value); }
  JsonWriter& Field(std::string_view key, double value) { return Key(key).Double(value); }

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void BeforeValue();

  std::string out_;
  // One entry per open container: true once it holds a first element.
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

// Appends `value` to `out` as a quoted JSON string with the required escapes.
void AppendJsonString(std::string& out, std::string_view value);

}  // namespace orchard
