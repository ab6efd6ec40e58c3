// Password hashes for the users' store: argon2id (libsodium's crypto_pwhash_str), memory-hard,
// with a salt of its own per hash. The parameters follow OWASP's recommendation for argon2id
// (19 MiB, 2 passes), and at most two hashes are computed at once, so a flood of logins holds
// about 40 MiB and two cores' worth of work at most.
#pragma once

#include <string>

#include "base/status.h"

namespace orchard {

StatusOr<std::string> HashPassword(const std::string& password);
// True when `password` matches `hash` (a string HashPassword made).
bool VerifyPassword(const std::string& password, const std::string& hash);

}  // namespace orchard
