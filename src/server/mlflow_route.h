// AddMlflowRoute: registers an endpoint under MLflow's two prefixes (/api/2.0/mlflow/ and the
// UI's /ajax-api/2.0/mlflow/), with the request's fields parsed and the handler's result
// written as MLflow's JSON reply or error.
#pragma once

#include <functional>
#include <string>

#include "base/status.h"
#include "http/router.h"
#include "server/request_fields.h"

namespace orchard {

using FieldsHandler = std::function<StatusOr<std::string>(const RequestFields&)>;

void AddMlflowRoute(Router& router, const std::string& method, const std::string& path,
                    FieldsHandler handler);

}  // namespace orchard
