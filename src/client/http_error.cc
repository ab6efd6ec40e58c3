#include "client/http_error.h"

#include <simdjson.h>

#include <fmt/format.h>

namespace orchard {

Status StatusOfErrorReply(const HttpResponse& reply, std::string_view what) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view code, message;
  if (parser.parse(reply.body).get(root) == simdjson::SUCCESS &&
      root["error_code"].get(code) == simdjson::SUCCESS) {
    if (root["message"].get(message) != simdjson::SUCCESS) message = "(no message)";
    return Status(ErrorCodeFromName(code), std::string(message));
  }
  ErrorCode code_for_status = reply.status == 404   ? ErrorCode::kResourceDoesNotExist
                              : reply.status >= 500 ? ErrorCode::kInternalError
                                                    : ErrorCode::kBadRequest;
  return Status(code_for_status,
                fmt::format("the server answered HTTP {} to {}", reply.status, what));
}

}  // namespace orchard
