// The Status of a non-200 reply from an MLflow-compatible server: its {"error_code",
// "message"} when the body has them, else the HTTP status.
#pragma once

#include <string_view>

#include "base/status.h"
#include "http/http_message.h"

namespace orchard {

Status StatusOfErrorReply(const HttpResponse& reply, std::string_view what);

}  // namespace orchard
