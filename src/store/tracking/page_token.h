// Opaque page tokens. MLflow writes base64 of {"offset": N}; Orchard's run searches add the
// newest run the first page could see ({"offset": N, "max_run": M}), so that runs created while
// a client pages through results do not shift later pages. Both forms are read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"

namespace orchard {

struct PageToken {
  int64_t offset = 0;
  std::optional<int64_t> max_run;  // set by run searches after the first page
};

std::string EncodePageToken(const PageToken& token);
// An empty token is the first page; INVALID_PARAMETER_VALUE for a token this code did not write.
StatusOr<PageToken> DecodePageToken(const std::string& token);

}  // namespace orchard
