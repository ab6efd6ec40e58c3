#include "http/http_message.h"

#include <algorithm>
#include <cctype>

namespace orchard {

std::optional<std::string> HttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return value;
    }
  }
  return std::nullopt;
}
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool PercentDecode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int high = HexValue(in[i + 1]);
      int low = HexValue(in[i + 2]);
      if (high < 0 || low < 0) return false;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

namespace {

bool KeyMatches(const std::string& candidate, std::string_view key) {
  return candidate == key || (candidate.size() == key.size() + 2 && candidate.starts_with(key) &&
                              candidate.ends_with("[]"));
}

}  // namespace

std::optional<std::string> HttpRequest::QueryValue(std::string_view key) const {
  for (const auto& [k, v] : query) {
    if (KeyMatches(k, key)) return v;
  }
  return std::nullopt;
}

std::vector<std::string> HttpRequest::QueryValues(std::string_view key) const {
  std::vector<std::string> values;
  for (const auto& [k, v] : query) {
    if (KeyMatches(k, key)) values.push_back(v);
  }
  return values;
}

bool ParseRequestTarget(std::string_view target, std::string& path,
                        std::vector<std::pair<std::string, std::string>>& query) {
  if (target.empty() || target.front() != '/') return false;
  size_t question = target.find('?');
  if (!PercentDecode(target.substr(0, question), false, path)) return false;
  query.clear();
  if (question == std::string_view::npos) return true;
  std::string_view rest = target.substr(question + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key, value;
    if (!PercentDecode(pair.substr(0, eq), true, key)) return false;
    if (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), true, value)) {
      return false;
    }
    query.emplace_back(std::move(key), std::move(value));
  }
  return true;
}

bool StripPathPrefix(std::string_view prefix, std::string& path) {
  if (prefix.empty()) return true;
  if (!std::string_view(path).starts_with(prefix)) return false;
  if (path.size() == prefix.size()) {
    path = "/";
    return true;
  }
  if (path[prefix.size()] != '/') return false;  // "/mlflowx" is not under "/mlflow"
  path.erase(0, prefix.size());
  return true;
}

}  // namespace orchard
