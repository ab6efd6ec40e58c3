#include "server/mlflow_route.h"

#include <memory>

#include "server/mlflow_reply.h"

namespace orchard {

void AddMlflowRoute(Router& router, const std::string& method, const std::string& path,
                    FieldsHandler handler) {
  auto shared = std::make_shared<FieldsHandler>(std::move(handler));
  HttpHandler http = [shared](const HttpRequest& request) {
    StatusOr<RequestFields> fields = RequestFields::Parse(request);
    if (!fields.ok()) return ErrorReply(fields.status());
    StatusOr<std::string> body = (*shared)(*fields);
    if (!body.ok()) return ErrorReply(body.status());
    return JsonReply(std::move(body).value());
  };
  for (const char* prefix : {"/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"}) {
    router.Add(method, prefix + path, http);
  }
}

}  // namespace orchard
