#include "store/tracking/page_token.h"

#include <charconv>
#include <string_view>

#include "base/base64.h"

namespace orchard {
namespace {

// The bound keeps offset arithmetic far from overflow; no search has a trillion rows.
constexpr int64_t kMaxOffset = 1'000'000'000'000;

// Reads a non-negative integer at the start of `text`, advancing it.
bool ReadNumber(std::string_view& text, int64_t& value) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || value < 0) return false;
  text.remove_prefix(ptr - text.data());
  return true;
}

}  // namespace

std::string EncodePageToken(const PageToken& token) {
  std::string json = "{\"offset\": " + std::to_string(token.offset);
  if (token.max_run) json += ", \"max_run\": " + std::to_string(*token.max_run);
  return Base64Encode(json + "}");
}

StatusOr<PageToken> DecodePageToken(const std::string& token) {
  PageToken page;
  if (token.empty()) return page;
  auto invalid = [] {
    return Status::InvalidParameter("Invalid page token, could not base64-decode");
  };
  std::optional<std::string> decoded = Base64Decode(token);
  if (!decoded) return invalid();
  std::string_view text = *decoded;
  constexpr std::string_view kOffset = "{\"offset\": ";
  constexpr std::string_view kMaxRun = ", \"max_run\": ";
  if (!text.starts_with(kOffset)) return invalid();
  text.remove_prefix(kOffset.size());
  if (!ReadNumber(text, page.offset) || page.offset > kMaxOffset) return invalid();
  if (text.starts_with(kMaxRun)) {
    text.remove_prefix(kMaxRun.size());
    int64_t max_run = 0;
    if (!ReadNumber(text, max_run)) return invalid();
    page.max_run = max_run;
  }
  if (text != "}") return invalid();
  return page;
}

}  // namespace orchard
