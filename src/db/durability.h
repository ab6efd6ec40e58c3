// Durability: what a committed write survives, chosen per server (--durability).
//   kProcess  a crash of the process: SQLite synchronous=NORMAL in WAL mode (a commit reaches the
//             OS, which writes it later), PostgreSQL synchronous_commit=off.
//   kOs       a crash of the machine or a power loss as well: SQLite synchronous=FULL (the WAL is
//             flushed to disk at every commit; group commit shares the flush among concurrent
//             writes), PostgreSQL synchronous_commit=on.
//   kDefault  the store's own default: kProcess for SQLite, the PostgreSQL server's setting (on,
//             unless its administrator changed it).
#pragma once

#include <string_view>

#include "base/status.h"

namespace orchard {

enum class Durability { kDefault, kProcess, kOs };

// "process" or "os"; INVALID_PARAMETER_VALUE otherwise.
StatusOr<Durability> ParseDurability(std::string_view name);

}  // namespace orchard
