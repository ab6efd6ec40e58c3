// The SQLite tracking schema as numbered migrations. Append new migrations; never edit one that
// has shipped.
#pragma once

#include <span>

#include "db/sqlite_migrations.h"

namespace orchard {

std::span<const SqliteMigration> SqliteTrackingMigrations();

}  // namespace orchard
