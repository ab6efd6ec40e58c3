#include "base/owned_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace fs = std::filesystem;

namespace orchard {
namespace {

constexpr const char* kLockName = ".lock";

}  // namespace

StatusOr<std::unique_ptr<OwnedFolder>> OwnedFolder::Create(const fs::path& path) {
  std::error_code ec;
  fs::create_directory(path, ec);
  int fd = ec ? -1 : ::open((path / kLockName).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (fd >= 0) ::close(fd);
    return Status(ErrorCode::kInvalidState,
                  fmt::format("cannot set up the folder '{}': {}", path.string(),
                              ec ? ec.message() : std::strerror(errno)));
  }
  return std::unique_ptr<OwnedFolder>(new OwnedFolder(path, fd));
}

OwnedFolder::~OwnedFolder() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

int RemoveAbandonedFolders(const fs::path& parent, std::string_view prefix) {
  int removed = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator(parent, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    if (!it->path().filename().string().starts_with(prefix)) continue;
    std::error_code type_ec;
    if (!it->is_directory(type_ec) || it->is_symlink(type_ec)) continue;
    int fd = ::open((it->path() / kLockName).c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) continue;  // no lock: not an owned folder, or one being created right now
    const bool gone = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    ::close(fd);
    if (gone) {
      std::error_code remove_ec;
      fs::remove_all(it->path(), remove_ec);
      removed += !remove_ec;
    }
  }
  return removed;
}

}  // namespace orchard
