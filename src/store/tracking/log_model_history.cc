#include "store/tracking/log_model_history.h"

#include <simdjson.h>

#include <fmt/format.h>

#include "store/tracking/validation.h"

namespace orchard {

StatusOr<std::string> CompactModelJson(std::string_view model_json) {
  simdjson::dom::parser parser;
  simdjson::dom::object model;
  if (parser.parse(simdjson::padded_string(model_json)).get(model)) {
    return Status::InvalidParameter("Malformed model info: 'model_json' is not a JSON object");
  }
  for (const char* required : {"run_id", "artifact_path", "utc_time_created", "flavors"}) {
    simdjson::dom::element ignored;
    if (model[required].get(ignored)) {
      return Status::InvalidParameter(
          fmt::format("Model json is missing mandatory fields: '{}'", required));
    }
  }
  return simdjson::minify(model);
}

StatusOr<std::string> AppendToModelHistory(std::string_view history,
                                           std::string_view compact_model) {
  std::string result(history);
  if (result.size() < 2 || result.back() != ']') {
    result = "[" + std::string(compact_model) + "]";
  } else {
    result.pop_back();
    result += (result == "[" ? "" : ", ") + std::string(compact_model) + "]";
  }
  if (Utf8Length(result) > kMaxTagValueLength) {
    return Status::InvalidParameter(fmt::format(
        "The run's logged-model history would exceed {} characters (tag {}); the model was not "
        "recorded.",
        kMaxTagValueLength, kTagLogModelHistory));
  }
  return result;
}

}  // namespace orchard
