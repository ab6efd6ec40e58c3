// PostgreSQL URIs as MLflow users write them, turned into what libpq reads, and shown without
// their password.
//
// Accepted: postgresql://, postgres:// and SQLAlchemy's postgresql+<driver>:// (psycopg2, ...),
// with libpq's query parameters (?sslmode=require, ?options=...). The password may be left out:
// libpq then reads PGPASSWORD or ~/.pgpass, as psql does.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"
#include "db/durability.h"

namespace orchard {

struct PgUri {
  std::string conninfo;  // for PQconnectdb: a postgresql:// URI, the driver suffix removed
  std::string display;   // for messages and logs: the password replaced by "***"
  // Set by the store that opens it (not part of the URI): each session's synchronous_commit.
  Durability durability = Durability::kDefault;
};

// Whether `uri` names a PostgreSQL database (any of the accepted schemes).
bool IsPostgresUri(std::string_view uri);

// INVALID_PARAMETER_VALUE (without the password) when `uri` is not a PostgreSQL URI.
StatusOr<PgUri> ParsePostgresUri(std::string_view uri);

// Splits the password out of "scheme://user:password@host/...": the URI without it
// ("scheme://user@host/...") and the password, percent-decoded ("" when there is none).
std::pair<std::string, std::string> SplitUserInfoPassword(std::string_view uri);

// `uri` with the password of its "scheme://user:password@host" part replaced by "***"; any other
// text is returned as it is. For every URI that reaches a message or a log.
std::string RedactUriPassword(std::string_view uri);

}  // namespace orchard
