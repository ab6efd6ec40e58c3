// ScratchDir: a fresh folder under the system's temporary folder, removed with its contents when
// the object goes away, for files staged before they are logged. Move-only.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <utility>

#include "base/status.h"

namespace orchard {

class ScratchDir {
 public:
  // A new folder named "<prefix>-XXXXXX". INVALID_STATE when it cannot be made.
  static StatusOr<ScratchDir> Create(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return Status(ErrorCode::kInvalidState, "cannot create a temporary folder");
    }
    return ScratchDir(pattern);
  }
  ScratchDir(ScratchDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  ScratchDir& operator=(ScratchDir&&) = delete;
  ScratchDir(const ScratchDir&) = delete;
  ~ScratchDir() {
    if (path_.empty()) return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::filesystem::path& path() const { return path_; }

 private:
  explicit ScratchDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

}  // namespace orchard
