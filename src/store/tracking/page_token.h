// Opaque page tokens as MLflow writes them: base64 of {"offset": N}.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace orchard {

std::string EncodeOffsetPageToken(int64_t offset);
// 0 for an empty token; INVALID_PARAMETER_VALUE for a token this code did not write.
StatusOr<int64_t> DecodeOffsetPageToken(const std::string& token);

}  // namespace orchard
