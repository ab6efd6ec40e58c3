// The test run's PostgreSQL server (started by scripts/test-postgres.sh as a CTest fixture), and
// a fresh schema in it per store, so that each test starts from an empty database in
// milliseconds.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <string>

#include "db/pg_connection.h"

namespace orchard::testing {

// postgresql://... of the test server: ORCHARD_TEST_POSTGRES_URI, else the file the fixture
// wrote; "" when there is none (PostgreSQL not installed).
inline std::string TestPostgresUri() {
  if (const char* uri = std::getenv("ORCHARD_TEST_POSTGRES_URI"); uri != nullptr && *uri) {
    return uri;
  }
#ifdef ORCHARD_TEST_POSTGRES_URI_FILE
  std::ifstream file(ORCHARD_TEST_POSTGRES_URI_FILE);
  std::string uri;
  std::getline(file, uri);
  return uri;
#else
  return "";
#endif
}

// Skips the current test, loudly, when there is no test server.
#define ORCHARD_REQUIRE_POSTGRES()                                                          \
  do {                                                                                      \
    if (::orchard::testing::TestPostgresUri().empty()) {                                    \
      GTEST_SKIP() << "!!! no PostgreSQL for the tests (scripts/test-postgres.sh found no " \
                      "server): SKIPPED";                                                   \
    }                                                                                       \
  } while (false)

// A URI whose connections see only schema `name` (created when missing): one empty database
// per name. The same name gives the same schema, as two servers on one database would see it.
inline std::string TestPostgresSchemaUri(const std::string& name) {
  const std::string base = TestPostgresUri();
  auto parsed = ParsePostgresUri(base);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  if (!parsed.ok()) return "";
  auto admin = PgConnection::Open(*parsed);
  EXPECT_TRUE(admin.ok()) << admin.status().ToString();
  if (!admin.ok()) return "";
  Status made = (*admin)->Exec("CREATE SCHEMA IF NOT EXISTS \"" + name + "\"");
  // Two threads creating one schema at once: the loser's IF NOT EXISTS can still collide.
  EXPECT_TRUE(made.ok() || made.code() == ErrorCode::kResourceAlreadyExists) << made.ToString();
  return base + (base.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         name;
}

// A schema name for `key` (a test's folder, say): short, unique per key.
inline std::string SchemaNameFor(const std::string& key) {
  return "t" + std::to_string(std::hash<std::string>{}(key));
}

}  // namespace orchard::testing
