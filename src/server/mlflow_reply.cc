#include "server/mlflow_reply.h"

#include "base/json_writer.h"

namespace orchard {

HttpResponse JsonReply(std::string body) {
  return {.status = 200, .content_type = "application/json", .body = std::move(body)};
}

HttpResponse ErrorReply(const Status& status) {
  JsonWriter json;
  json.BeginObject()
      .Field("error_code", ErrorCodeName(status.code()))
      .Field("message", status.message())
      .EndObject();
  return {.status = HttpStatusFor(status.code()),
          .content_type = "application/json",
          .body = json.Take()};
}

HttpResponse HttpLayerErrorReply(int http_status, const std::string& message) {
  ErrorCode code = http_status == 413 || http_status == 431 ? ErrorCode::kRequestLimitExceeded
                   : http_status == 404                     ? ErrorCode::kEndpointNotFound
                   : http_status == 503                     ? ErrorCode::kTemporarilyUnavailable
                   : http_status >= 500                     ? ErrorCode::kInternalError
                                                            : ErrorCode::kBadRequest;
  HttpResponse reply = ErrorReply(Status(code, message));
  reply.status = http_status;
  return reply;
}

}  // namespace orchard
