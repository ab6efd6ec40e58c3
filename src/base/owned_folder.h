// OwnedFolder: a folder that belongs to this process while it runs. It holds a ".lock" file
// under flock, so another process can tell a live owner's folder from one a crash left behind
// (the kernel drops the lock when the owner dies, however it dies). Removed with its contents when
// the object goes away.
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "base/status.h"

namespace orchard {

class OwnedFolder {
 public:
  // Creates `path` (its parent must exist) and takes its lock. INVALID_STATE on failure.
  static StatusOr<std::unique_ptr<OwnedFolder>> Create(const std::filesystem::path& path);
  ~OwnedFolder();
  OwnedFolder(const OwnedFolder&) = delete;
  OwnedFolder& operator=(const OwnedFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  OwnedFolder(std::filesystem::path path, int lock_fd)
      : path_(std::move(path)), lock_fd_(lock_fd) {}
  std::filesystem::path path_;
  int lock_fd_ = -1;
};

// Removes the subfolders of `parent` whose names start with `prefix` and whose owner is gone: its
// lock can be taken. One without a lock file is left alone (it is being created right now, or is
// not an owned folder). Returns how many were removed.
int RemoveAbandonedFolders(const std::filesystem::path& parent, std::string_view prefix);

}  // namespace orchard
