// Small ASCII text helpers shared by the parsers and the CLI.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace orchard {

// `text` with A-Z as a-z (other bytes unchanged).
inline std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// `text` without leading and trailing whitespace (spaces, tabs, CR, LF).
inline std::string_view TrimSpace(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace orchard
