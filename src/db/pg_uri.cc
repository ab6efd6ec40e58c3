#include "db/pg_uri.h"

#include <cctype>
#include <optional>
#include <utility>

#include <fmt/format.h>

namespace orchard {
namespace {

// The scheme's length when `uri` starts with a PostgreSQL scheme and "://", else 0.
size_t PostgresSchemeLength(std::string_view uri) {
  size_t end = uri.find("://");
  if (end == std::string_view::npos) return 0;
  std::string_view scheme = uri.substr(0, end);
  if (scheme == "postgresql" || scheme == "postgres") return end;
  if (scheme.starts_with("postgresql+") && scheme.size() > 11) return end;
  return 0;
}

// Where the password of the "scheme://user:password@" part lies: [first, last), or nullopt.
std::optional<std::pair<size_t, size_t>> UserInfoPasswordSpan(std::string_view uri) {
  size_t scheme_end = uri.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  size_t authority = scheme_end + 3;
  size_t authority_end = uri.find_first_of("/?#", authority);
  if (authority_end == std::string_view::npos) authority_end = uri.size();
  if (authority_end == authority) return std::nullopt;
  // The last '@' of the authority ends the user information (a password may hold '@' encoded or
  // not; what follows the last one is the host).
  size_t at = uri.rfind('@', authority_end - 1);
  if (at == std::string_view::npos || at < authority) return std::nullopt;
  size_t colon = uri.find(':', authority);
  if (colon == std::string_view::npos || colon > at) return std::nullopt;
  return std::pair{colon + 1, at};
}

// The password of the "scheme://user:password@" part replaced.
std::string RedactUserInfoPassword(std::string_view uri) {
  auto span = UserInfoPasswordSpan(uri);
  if (!span) return std::string(uri);
  return fmt::format("{}***{}", uri.substr(0, span->first), uri.substr(span->second));
}

}  // namespace

bool IsPostgresUri(std::string_view uri) { return PostgresSchemeLength(uri) > 0; }

StatusOr<PgUri> ParsePostgresUri(std::string_view uri) {
  size_t scheme_length = PostgresSchemeLength(uri);
  if (scheme_length == 0) {
    return Status::InvalidParameter(
        fmt::format("'{}' is not a PostgreSQL URI; use postgresql://user@host:port/database",
                    RedactUriPassword(uri)));
  }
  std::string_view rest = uri.substr(scheme_length + 3);
  if (rest.empty() || rest.front() == '?') {
    return Status::InvalidParameter(
        fmt::format("PostgreSQL URI '{}' names no host; use postgresql://user@host:port/database",
                    RedactUriPassword(uri)));
  }
  PgUri out;
  out.conninfo = "postgresql://" + std::string(rest);
  out.display = RedactUriPassword(uri);
  return out;
}

std::string RedactUriPassword(std::string_view uri) {
  std::string out = RedactUserInfoPassword(uri);
  // libpq also takes the password as a query parameter.
  size_t query = out.find('?');
  for (size_t at = query; at != std::string::npos && at < out.size(); at = out.find('&', at + 1)) {
    if (out.compare(at + 1, 9, "password=") != 0) continue;
    size_t value = at + 10;
    size_t end = out.find_first_of("&#", value);
    out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
  }
  return out;
}

std::pair<std::string, std::string> SplitUserInfoPassword(std::string_view uri) {
  auto span = UserInfoPasswordSpan(uri);
  if (!span) return {std::string(uri), ""};
  std::string_view encoded = uri.substr(span->first, span->second - span->first);
  std::string password;
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%' && i + 2 < encoded.size() && std::isxdigit(encoded[i + 1]) &&
        std::isxdigit(encoded[i + 2])) {
      password += static_cast<char>(std::stoi(std::string(encoded.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      password += encoded[i];
    }
  }
  // Without the ':' before the password either: "scheme://user@host".
  return {std::string(uri.substr(0, span->first - 1)) + std::string(uri.substr(span->second)),
          password};
}

}  // namespace orchard
