#include "store/tracking/page_token.h"

#include <charconv>
#include <string_view>

#include "base/base64.h"

namespace orchard {

std::string EncodeOffsetPageToken(int64_t offset) {
  return Base64Encode("{\"offset\": " + std::to_string(offset) + "}");
}

StatusOr<int64_t> DecodeOffsetPageToken(const std::string& token) {
  if (token.empty()) return int64_t{0};
  auto invalid = [&] {
    return Status::InvalidParameter("Invalid page token, could not base64-decode");
  };
  std::optional<std::string> decoded = Base64Decode(token);
  if (!decoded) return invalid();
  std::string_view text = *decoded;
  constexpr std::string_view kPrefix = "{\"offset\": ";
  if (!text.starts_with(kPrefix) || !text.ends_with("}")) return invalid();
  text = text.substr(kPrefix.size(), text.size() - kPrefix.size() - 1);
  int64_t offset = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), offset);
  // The bound keeps offset arithmetic far from overflow; no search has a trillion rows.
  constexpr int64_t kMaxOffset = 1'000'000'000'000;
  if (ec != std::errc() || ptr != text.data() + text.size() || offset < 0 || offset > kMaxOffset) {
    return invalid();
  }
  return offset;
}

}  // namespace orchard
