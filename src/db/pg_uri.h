// PostgreSQL URIs as MLflow users write them, turned into what libpq reads, and shown without
// their password.
//
// Accepted: postgresql://, postgres:// and SQLAlchemy's postgresql+<driver>:// (psycopg2, ...),
// with libpq's query parameters (?sslmode=require, ?options=...). The password may be left out:
// libpq then reads PGPASSWORD or ~/.pgpass, as psql does.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace orchard {

struct PgUri {
  std::string conninfo;  // for PQconnectdb: a postgresql:// URI, the driver suffix removed
  std::string display;   // for messages and logs: the password replaced by "***"
};

// Whether `uri` names a PostgreSQL database (any of the accepted schemes).
bool IsPostgresUri(std::string_view uri);

// INVALID_PARAMETER_VALUE (without the password) when `uri` is not a PostgreSQL URI.
StatusOr<PgUri> ParsePostgresUri(std::string_view uri);

// `uri` with the password of its "scheme://user:password@host" part replaced by "***"; any other
// text is returned as it is. For every URI that reaches a message or a log.
std::string RedactUriPassword(std::string_view uri);

}  // namespace orchard
