// The search language (filters and order_by clauses) and page tokens, fed arbitrary text:
// every input is parsed or refused with a Status, never a crash or an exception.
#include <cstddef>
#include <cstdint>
#include <string>

#include "store/tracking/page_token.h"
#include "store/tracking/search_filter_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)orchard::ParseSearchFilter(text);
  (void)orchard::ParseOrderBy(text);
  (void)orchard::DecodePageToken(text);
  return 0;
}
