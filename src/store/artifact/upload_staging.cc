#include "store/artifact/upload_staging.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "base/ids.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

constexpr const char* kLockName = ".lock";

bool SameFilesystem(const fs::path& a, const fs::path& b) {
  struct stat sa {
  }, sb{};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev;
}

// The staging folder for `root`: beside it when that can be made on its filesystem.
fs::path StagingFolderFor(const fs::path& root) {
  fs::path beside = root.parent_path() / fmt::format(".{}.staging", root.filename().string());
  std::error_code ec;
  if (!root.filename().empty() && root.parent_path() != root) {
    fs::create_directories(beside, ec);
    if (!ec && SameFilesystem(beside, root)) return beside;
  }
  return root / UploadStaging::kInsideRootName;
}

// Removes the subfolders of `staging` whose owner is gone: its lock can be taken. A subfolder
// without a lock file is one being created right now, unless it is older than a minute.
int RemoveLeftovers(const fs::path& staging) {
  int removed = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator(staging, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    if (!it->is_directory(ec)) continue;
    fs::path lock_path = it->path() / kLockName;
    bool gone = false;
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
      gone = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
      ::close(fd);
    } else {
      auto age = fs::file_time_type::clock::now() - fs::last_write_time(it->path(), ec);
      gone = !ec && age > std::chrono::minutes(1);
    }
    if (gone) {
      std::error_code remove_ec;
      fs::remove_all(it->path(), remove_ec);
      removed += !remove_ec;
    }
  }
  return removed;
}

}  // namespace

StatusOr<std::unique_ptr<UploadStaging>> UploadStaging::Open(const std::string& artifact_root) {
  fs::path staging = StagingFolderFor(fs::path(artifact_root).lexically_normal());
  std::unique_ptr<UploadStaging> result(new UploadStaging());
  std::error_code ec;
  fs::create_directories(staging, ec);
  if (ec) {
    return Status(ErrorCode::kInvalidState,
                  fmt::format("cannot create the upload staging folder '{}': {}", staging.string(),
                              ec.message()));
  }
  result->removed_leftovers_ = RemoveLeftovers(staging);
  fs::path own = staging / fmt::format("{}-{}", ::getpid(), NewRunId().substr(0, 8));
  fs::create_directory(own, ec);
  int fd = ec ? -1 : ::open((own / kLockName).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (fd >= 0) ::close(fd);
    return Status(ErrorCode::kInvalidState,
                  fmt::format("cannot set up the upload staging folder '{}': {}", own.string(),
                              ec ? ec.message() : std::strerror(errno)));
  }
  result->own_folder_ = own.string();
  result->lock_fd_ = fd;
  return result;
}

UploadStaging::~UploadStaging() {
  std::error_code ignored;
  fs::remove_all(own_folder_, ignored);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::string UploadStaging::NewFilePath() const {
  return (fs::path(own_folder_) / NewRunId()).string();
}

}  // namespace orchard
