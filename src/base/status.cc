#include "base/status.h"

namespace orchard {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "OK";
    case ErrorCode::kInvalidParameterValue:
      return "INVALID_PARAMETER_VALUE";
    case ErrorCode::kResourceAlreadyExists:
      return "RESOURCE_ALREADY_EXISTS";
    case ErrorCode::kResourceDoesNotExist:
      return "RESOURCE_DOES_NOT_EXIST";
    case ErrorCode::kBadRequest:
      return "BAD_REQUEST";
    case ErrorCode::kInvalidState:
      return "INVALID_STATE";
    case ErrorCode::kInternalError:
      return "INTERNAL_ERROR";
    case ErrorCode::kEndpointNotFound:
      return "ENDPOINT_NOT_FOUND";
    case ErrorCode::kNotImplemented:
      return "NOT_IMPLEMENTED";
    case ErrorCode::kTemporarilyUnavailable:
      return "TEMPORARILY_UNAVAILABLE";
    case ErrorCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case ErrorCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    case ErrorCode::kResourceConflict:
      return "RESOURCE_CONFLICT";
    case ErrorCode::kRequestLimitExceeded:
      return "REQUEST_LIMIT_EXCEEDED";
  }
  return "INTERNAL_ERROR";
}

ErrorCode ErrorCodeFromName(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::kRequestLimitExceeded); ++i) {
    if (ErrorCodeName(static_cast<ErrorCode>(i)) == name) return static_cast<ErrorCode>(i);
  }
  return ErrorCode::kInternalError;
}

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return 200;
    case ErrorCode::kInvalidParameterValue:
    case ErrorCode::kBadRequest:
    case ErrorCode::kResourceAlreadyExists:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kResourceDoesNotExist:
    case ErrorCode::kEndpointNotFound:
      return 404;
    case ErrorCode::kResourceConflict:
      return 409;
    case ErrorCode::kRequestLimitExceeded:
      return 429;
    case ErrorCode::kNotImplemented:
      return 501;
    case ErrorCode::kTemporarilyUnavailable:
      return 503;
    case ErrorCode::kInvalidState:
    case ErrorCode::kInternalError:
      return 500;
  }
  return 500;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(code_, std::string(context) + ": " + message_);
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(ErrorCodeName(code_)) + ": " + message_;
}

}  // namespace orchard
