#include "base/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "base/ids.h"

namespace orchard {
namespace {

std::string ErrnoMessage(int error) {
  return std::error_code(error, std::generic_category()).message();
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t wrote = ::write(fd, data.data(), data.size());
    if (wrote < 0) {
      if (errno == EINTR) continue;
      return Status(ErrorCode::kInvalidState, ErrnoMessage(errno));
    }
    data.remove_prefix(static_cast<size_t>(wrote));
  }
  return Status::Ok();
}

}  // namespace

Status WriteFileAtomically(const std::string& path, std::string_view contents) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path temp =
      target.parent_path() / fmt::format(".{}.tmp-{}", target.filename().string(), NewRunId());
  auto failed = [&](std::string reason) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    return Status(ErrorCode::kInvalidState, fmt::format("cannot write '{}': {}", path, reason));
  };
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    return Status(ErrorCode::kInvalidState,
                  fmt::format("cannot write '{}': {}", path, ErrnoMessage(errno)));
  }
  Status written = WriteAll(fd, contents);
  // fsync before the rename, so a crash cannot leave the new name on a file not yet written.
  if (written.ok() && ::fsync(fd) != 0) {
    written = Status(ErrorCode::kInvalidState, ErrnoMessage(errno));
  }
  if (::close(fd) != 0 && written.ok()) {
    written = Status(ErrorCode::kInvalidState, ErrnoMessage(errno));
  }
  if (!written.ok()) return failed(written.message());
  std::error_code ec;
  fs::rename(temp, target, ec);
  if (ec) return failed(ec.message());
  return Status::Ok();
}

}  // namespace orchard
