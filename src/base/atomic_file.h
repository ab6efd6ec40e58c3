// Writing a whole file so that readers see the old contents or the new, never a part: the text
// goes to a hidden temporary file beside the target, is synced, then renamed over it. A failure
// leaves nothing behind. Thread-safe (each call has its own temporary file).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace orchard {

// INVALID_STATE "cannot write '<path>': <reason>" on failure.
Status WriteFileAtomically(const std::string& path, std::string_view contents);

}  // namespace orchard
