// The PostgreSQL schema of the tracking store and the model registry, as numbered migrations.
#pragma once

#include <span>

#include "db/pg_migrations.h"

namespace orchard {

std::span<const PgMigration> PgTrackingMigrations();

}  // namespace orchard
