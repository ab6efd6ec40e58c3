#include "store/artifact/upload_staging.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>

#include "base/ids.h"
#include "base/owned_folder.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

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
  result->removed_leftovers_ = RemoveAbandonedFolders(staging, "");
  ORCHARD_ASSIGN_OR_RETURN(
      result->own_,
      OwnedFolder::Create(staging / fmt::format("{}-{}", ::getpid(), NewRunId().substr(0, 8))));
  result->own_folder_ = result->own_->path().string();
  return result;
}

UploadStaging::~UploadStaging() = default;

std::string UploadStaging::NewFilePath() const {
  return (fs::path(own_folder_) / NewRunId()).string();
}

}  // namespace orchard
