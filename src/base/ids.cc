#include "base/ids.h"

#include <sys/random.h>

#include <array>
#include <cstdint>
#include <stdexcept>

namespace orchard {
namespace {

// Fills `buffer` from getrandom(2). It blocks only until the kernel pool is seeded at boot and
// cannot fail for requests of <= 256 bytes once seeded, so a failure is a broken system.
void FillRandom(void* buffer, size_t size) {
  auto* out = static_cast<unsigned char*>(buffer);
  size_t filled = 0;
  while (filled < size) {
    ssize_t got = getrandom(out + filled, size - filled, 0);
    if (got < 0) throw std::runtime_error("getrandom failed");
    filled += static_cast<size_t>(got);
  }
}

constexpr std::array kAdjectives = {"amber",  "brave",  "calm",   "clever", "crisp", "daring",
                                    "eager",  "gentle", "golden", "honest", "jolly", "keen",
                                    "lively", "lucky",  "mellow", "nimble", "quiet", "rapid",
                                    "silent", "smooth", "sunny",  "swift",  "tidy",  "vivid"};
constexpr std::array kNouns = {"apple",  "badger", "bee",     "cherry", "crane",  "deer",
                               "falcon", "fox",    "hare",    "heron",  "lark",   "lynx",
                               "maple",  "otter",  "owl",     "pear",   "plum",   "quince",
                               "robin",  "seal",   "sparrow", "swan",   "walnut", "wren"};

}  // namespace

std::string NewRunId() {
  std::array<unsigned char, 16> bytes;
  FillRandom(bytes.data(), bytes.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    id[2 * i] = kHex[bytes[i] >> 4];
    id[2 * i + 1] = kHex[bytes[i] & 0xF];
  }
  return id;
}

std::string NewRunName() {
  uint32_t r[3];
  FillRandom(r, sizeof(r));
  return std::string(kAdjectives[r[0] % kAdjectives.size()]) + "-" + kNouns[r[1] % kNouns.size()] +
         "-" + std::to_string(r[2] % 1000);
}

bool IsValidRunId(const std::string& id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace orchard
