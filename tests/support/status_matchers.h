// GoogleTest helpers for Status and StatusOr.
#pragma once

#include <gtest/gtest.h>

#include "base/status.h"

namespace orchard::testing {

inline ErrorCode CodeOf(const Status& status) { return status.code(); }
template <typename T>
ErrorCode CodeOf(const StatusOr<T>& status_or) {
  return status_or.status().code();
}
inline ::testing::AssertionResult HasCode(const Status& status, ErrorCode code) {
  if (status.code() == code) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "expected " << ErrorCodeName(code) << ", got " << status.ToString();
}
template <typename T>
::testing::AssertionResult HasCode(const StatusOr<T>& status_or, ErrorCode code) {
  return HasCode(status_or.status(), code);
}

}  // namespace orchard::testing

#define ASSERT_OK(expr)                                                                   \
  do {                                                                                    \
    auto orchard_result_ = (expr);                                                        \
    ASSERT_TRUE(orchard_result_.ok()) << ::orchard::StatusOf(orchard_result_).ToString(); \
  } while (0)

#define EXPECT_OK(expr)                                                                   \
  do {                                                                                    \
    auto orchard_result_ = (expr);                                                        \
    EXPECT_TRUE(orchard_result_.ok()) << ::orchard::StatusOf(orchard_result_).ToString(); \
  } while (0)

// Expects that a Status or StatusOr failed with `code` (an ErrorCode enumerator name); more
// context can be streamed in with <<.
#define EXPECT_CODE(expr, code) \
  EXPECT_TRUE(::orchard::testing::HasCode((expr), ::orchard::ErrorCode::code))

// ASSERT that a StatusOr is OK and bind its value.
#define ASSERT_OK_AND_ASSIGN(lhs, expr)                              \
  auto ORCHARD_CONCAT_(orchard_so_, __LINE__) = (expr);              \
  ASSERT_TRUE(ORCHARD_CONCAT_(orchard_so_, __LINE__).ok())           \
      << ORCHARD_CONCAT_(orchard_so_, __LINE__).status().ToString(); \
  lhs = std::move(ORCHARD_CONCAT_(orchard_so_, __LINE__)).value()

namespace orchard {
inline Status StatusOf(const Status& status) { return status; }
template <typename T>
Status StatusOf(const StatusOr<T>& status_or) {
  return status_or.status();
}
}  // namespace orchard
