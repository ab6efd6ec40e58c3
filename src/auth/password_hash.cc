#include "auth/password_hash.h"

#include <sodium.h>

#include <condition_variable>
#include <mutex>

namespace orchard {
namespace {

constexpr unsigned long long kOpsLimit = 2;
constexpr size_t kMemLimit = 19u << 20;

// At most two argon2id computations at a time.
class HashSlots {
 public:
  void Acquire() {
    std::unique_lock lock(mutex_);
    freed_.wait(lock, [this] { return free_ > 0; });
    --free_;
  }
  void Release() {
    {
      std::lock_guard lock(mutex_);
      ++free_;
    }
    freed_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable freed_;
  int free_ = 2;
};

HashSlots& Slots() {
  static HashSlots slots;
  return slots;
}

bool Ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

}  // namespace

StatusOr<std::string> HashPassword(const std::string& password) {
  if (!Ready()) return Status::Internal("libsodium could not start");
  char hash[crypto_pwhash_STRBYTES];
  Slots().Acquire();
  int failed = crypto_pwhash_str(hash, password.data(), password.size(), kOpsLimit, kMemLimit);
  Slots().Release();
  if (failed != 0) return Status::Internal("cannot hash the password: out of memory");
  return std::string(hash);
}

bool VerifyPassword(const std::string& password, const std::string& hash) {
  if (!Ready() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  char stored[crypto_pwhash_STRBYTES] = {};
  hash.copy(stored, hash.size());
  Slots().Acquire();
  bool match = crypto_pwhash_str_verify(stored, password.data(), password.size()) == 0;
  Slots().Release();
  return match;
}

}  // namespace orchard
