// Status and StatusOr<T>: how every layer of Orchard reports an expected failure.
//
// A failure carries an ErrorCode named as MLflow names it (INVALID_PARAMETER_VALUE, ...), so a
// store error can travel unchanged to the REST layer, which maps the code to an HTTP status, and
// to the CLI, which prints the message. Errors a user can cause are values, never exceptions or
// asserts. Plain values: thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace orchard {

// MLflow's databricks error codes that Orchard uses (mlflow/protos/databricks.proto).
enum class ErrorCode {
  kOk,
  kInvalidParameterValue,
  kResourceAlreadyExists,
  kResourceDoesNotExist,
  kBadRequest,
  kInvalidState,
  kInternalError,
  kEndpointNotFound,
  kNotImplemented,
  kTemporarilyUnavailable,
  kPermissionDenied,
  kUnauthenticated,
  kResourceConflict,
  kRequestLimitExceeded,
};

// The wire name, e.g. "INVALID_PARAMETER_VALUE".
std::string_view ErrorCodeName(ErrorCode code);
// The code named `name` ("RESOURCE_DOES_NOT_EXIST"); INTERNAL_ERROR for a name not known here.
ErrorCode ErrorCodeFromName(std::string_view name);
// The HTTP status MLflow's server answers with for this code (400, 404, 500, ...).
int HttpStatusFor(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidParameter(std::string message) {
    return {ErrorCode::kInvalidParameterValue, std::move(message)};
  }
  static Status NotFound(std::string message) {
    return {ErrorCode::kResourceDoesNotExist, std::move(message)};
  }
  static Status AlreadyExists(std::string message) {
    return {ErrorCode::kResourceAlreadyExists, std::move(message)};
  }
  static Status Internal(std::string message) {
    return {ErrorCode::kInternalError, std::move(message)};
  }
  static Status BadRequest(std::string message) {
    return {ErrorCode::kBadRequest, std::move(message)};
  }
  static Status NotImplemented(std::string message) {
    return {ErrorCode::kNotImplemented, std::move(message)};
  }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // The same error with "context: " in front of the message; OK stays OK.
  Status WithContext(std::string_view context) const;
  // "INVALID_PARAMETER_VALUE: message", for logs and tests.
  std::string ToString() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : data_(std::move(value)) {}        // NOLINT: implicit by design
  StatusOr(Status status) : data_(std::move(status)) {  // NOLINT: implicit by design
    if (std::get<Status>(data_).ok()) {
      data_ = Status::Internal("StatusOr constructed from an OK status without a value");
    }
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(data_); }

  // REQUIRES: ok().
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace orchard

#define ORCHARD_CONCAT_INNER_(a, b) a##b
#define ORCHARD_CONCAT_(a, b) ORCHARD_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function when `expr` is not OK.
#define ORCHARD_RETURN_IF_ERROR(expr)                  \
  do {                                                 \
    ::orchard::Status orchard_status_ = (expr);        \
    if (!orchard_status_.ok()) return orchard_status_; \
  } while (0)

// `lhs = value of expr`, or returns its Status from the enclosing function.
#define ORCHARD_ASSIGN_OR_RETURN(lhs, expr) \
  ORCHARD_ASSIGN_OR_RETURN_IMPL_(ORCHARD_CONCAT_(orchard_statusor_, __LINE__), lhs, expr)
#define ORCHARD_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()
