// MLflow-shaped replies: a JSON body for success, {"error_code", "message"} with the code's
// HTTP status for failure (mlflow/server/handlers.py, catch_mlflow_exception).
#pragma once

#include <string>

#include "base/status.h"
#include "http/http_message.h"

namespace orchard {

HttpResponse JsonReply(std::string body);
HttpResponse ErrorReply(const Status& status);
// For errors the HTTP layer detects (413, 400, 500), in MLflow's shape.
HttpResponse HttpLayerErrorReply(int http_status, const std::string& message);

}  // namespace orchard
