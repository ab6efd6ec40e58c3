#include "store/artifact/local_artifact_repo.h"

#include <unistd.h>

#include <algorithm>
#include <system_error>

#include <fmt/format.h>

#include "base/ids.h"

namespace fs = std::filesystem;

namespace orchard {

StatusOr<std::string> NormalizeArtifactPath(const std::string& path) {
  if (path.find('\0') != std::string::npos) {
    return Status::InvalidParameter("Invalid artifact path: it contains a NUL character");
  }
  if (path.find('\\') != std::string::npos) {
    return Status::InvalidParameter(fmt::format(
        "Invalid artifact path '{}': backslashes are not allowed; separate folders with '/'",
        path));
  }
  if (!path.empty() && (path.front() == '/' || (path.size() > 1 && path[1] == ':'))) {
    return Status::InvalidParameter(fmt::format(
        "Invalid artifact path '{}': it must be relative to the run's artifact root", path));
  }
  std::string normalized;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      return Status::InvalidParameter(
          fmt::format("Invalid artifact path '{}': '..' is not allowed in artifact paths", path));
    }
    if (!normalized.empty()) normalized += '/';
    normalized += part;
  }
  return normalized;
}

// A copy being written beside its target by CopyFileAtomic: ".NAME.tmp-" and a 32-digit hex id,
// a pattern no one names a file by chance.
static bool IsCopyInFlight(std::string_view name) {
  constexpr std::string_view kMarker = ".tmp-";
  constexpr size_t kIdLength = 32;
  if (!name.starts_with('.') || name.size() < 1 + kMarker.size() + kIdLength) return false;
  std::string_view tail = name.substr(name.size() - kIdLength - kMarker.size());
  if (!tail.starts_with(kMarker)) return false;
  return tail.substr(kMarker.size()).find_first_not_of("0123456789abcdef") ==
         std::string_view::npos;
}

Status CopyFileAtomic(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  // A bare file name ("got.csv") has no folder part to create.
  if (!to.parent_path().empty()) fs::create_directories(to.parent_path(), ec);
  if (ec) {
    return Status(ErrorCode::kInvalidState, fmt::format("cannot create folder '{}': {}",
                                                        to.parent_path().string(), ec.message()));
  }
  fs::path temp = to.parent_path() / fmt::format(".{}.tmp-{}", to.filename().string(), NewRunId());
  fs::copy_file(from, temp, fs::copy_options::overwrite_existing, ec);
  if (!ec) fs::rename(temp, to, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    return Status(ErrorCode::kInvalidState, fmt::format("cannot copy '{}' to '{}': {}",
                                                        from.string(), to.string(), ec.message()));
  }
  return Status::Ok();
}

Status LocalArtifactRepo::LogFile(const std::string& local_file, const std::string& artifact_dir) {
  ORCHARD_ASSIGN_OR_RETURN(std::string dir, NormalizeArtifactPath(artifact_dir));
  std::error_code ec;
  if (!fs::is_regular_file(local_file, ec)) {
    return Status::InvalidParameter(fmt::format("'{}' is not a file that can be read", local_file));
  }
  return CopyFileAtomic(local_file, root_ / dir / fs::path(local_file).filename());
}

bool IsWithin(const fs::path& root, const fs::path& path) {
  fs::path relative = path.lexically_relative(root);
  return !relative.empty() && *relative.begin() != "..";
}

namespace {

Status LeadsOutside(const std::string& what) {
  return Status(ErrorCode::kPermissionDenied,
                fmt::format("'{}' is a symbolic link that leads outside the artifact storage (or "
                            "nowhere); it is not followed",
                            what));
}

}  // namespace

StatusOr<fs::path> ResolveInsideRoot(const fs::path& root, const std::string& relative,
                                     bool follow_last) {
  std::error_code ec;
  const fs::path base = fs::weakly_canonical(root, ec);  // the root itself is the admin's choice
  if (ec) return Status(ErrorCode::kInvalidState, fmt::format("cannot read '{}'", root.string()));
  fs::path at = base;
  const fs::path parts(relative);
  for (auto part = parts.begin(); part != parts.end(); ++part) {
    fs::path next = at / *part;
    fs::file_status status = fs::symlink_status(next, ec);
    const bool last = std::next(part) == parts.end();
    if (ec || !fs::exists(status) || !fs::is_symlink(status) || (last && !follow_last)) {
      at = std::move(next);
      continue;
    }
    fs::path target = fs::canonical(next, ec);
    if (ec || !IsWithin(base, target)) return LeadsOutside(relative);
    at = std::move(target);
  }
  return at;
}

StatusOr<LocalTree> ScanLocalTree(const fs::path& from, const fs::path* confine_to) {
  LocalTree tree;
  std::error_code ec;
  fs::path confine;
  if (confine_to != nullptr) confine = fs::weakly_canonical(*confine_to, ec);
  for (auto it = fs::recursive_directory_iterator(from, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    // Paths relative to `from` by text alone: fs::relative would resolve links and could
    // produce "../..." for a link pointing elsewhere.
    fs::path relative = it->path().lexically_relative(from);
    std::error_code status_ec;
    fs::file_status status = it->status(status_ec);  // follows links
    if (confine_to != nullptr && it->is_symlink(status_ec)) {
      std::error_code resolve_ec;
      fs::path target = fs::canonical(it->path(), resolve_ec);
      if (resolve_ec || !IsWithin(confine, target)) return LeadsOutside(relative.string());
    }
    if (it->is_symlink(status_ec) && fs::is_directory(status)) continue;
    if (fs::is_directory(status)) {
      tree.folders.push_back(relative);
    } else if (fs::is_regular_file(status)) {
      tree.files.push_back(relative);
    } else {
      return Status::InvalidParameter(fmt::format(
          "cannot log '{}': it is a broken link or not a regular file; remove it or log the "
          "files one by one",
          it->path().string()));
    }
  }
  if (ec) {
    return Status(ErrorCode::kInvalidState,
                  fmt::format("cannot read folder '{}': {}", from.string(), ec.message()));
  }
  return tree;
}

namespace {

// Copies the tree under `from` into `to`, checked whole before anything is copied.
Status CopyTree(const fs::path& from, const fs::path& to, const fs::path* confine_to = nullptr) {
  ORCHARD_ASSIGN_OR_RETURN(LocalTree tree, ScanLocalTree(from, confine_to));
  std::error_code ec;
  fs::create_directories(to, ec);
  for (const fs::path& folder : tree.folders) fs::create_directories(to / folder, ec);
  if (ec) {
    return Status(ErrorCode::kInvalidState,
                  fmt::format("cannot create folder under '{}': {}", to.string(), ec.message()));
  }
  for (const fs::path& file : tree.files) {
    ORCHARD_RETURN_IF_ERROR(CopyFileAtomic(from / file, to / file));
  }
  return Status::Ok();
}

}  // namespace

Status CopyTreeConfined(const fs::path& from, const fs::path& to) {
  return CopyTree(from, to, &from);
}

Status LocalArtifactRepo::LogDir(const std::string& local_dir, const std::string& artifact_dir) {
  ORCHARD_ASSIGN_OR_RETURN(std::string dir, NormalizeArtifactPath(artifact_dir));
  std::error_code ec;
  if (!fs::is_directory(local_dir, ec)) {
    return Status::InvalidParameter(
        fmt::format("'{}' is not a folder that can be read", local_dir));
  }
  return CopyTree(local_dir, root_ / dir);
}

StatusOr<std::vector<FileInfo>> LocalArtifactRepo::List(const std::string& path) {
  ORCHARD_ASSIGN_OR_RETURN(std::string relative, NormalizeArtifactPath(path));
  std::vector<FileInfo> files;
  ORCHARD_ASSIGN_OR_RETURN(fs::path folder, ResolveInsideRoot(root_, relative));
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return files;
  const fs::path base = fs::weakly_canonical(root_, ec);
  for (auto it = fs::directory_iterator(folder, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const fs::directory_entry& entry = *it;
    std::string name = entry.path().filename().string();
    if (IsCopyInFlight(name)) continue;
    if (entry.is_symlink(ec)) {  // listed only when it leads inside the storage
      std::error_code resolve_ec;
      fs::path target = fs::canonical(entry.path(), resolve_ec);
      if (resolve_ec || !IsWithin(base, target)) continue;
    }
    FileInfo info;
    info.path = relative.empty() ? name : relative + "/" + name;
    info.is_dir = entry.is_directory(ec);
    info.file_size = info.is_dir ? 0 : static_cast<int64_t>(entry.file_size(ec));
    files.push_back(std::move(info));
  }
  std::sort(files.begin(), files.end(),
            [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; });
  return files;
}

StatusOr<std::string> LocalArtifactRepo::Download(const std::string& path,
                                                  const std::string& dest_dir) {
  ORCHARD_ASSIGN_OR_RETURN(std::string relative, NormalizeArtifactPath(path));
  ORCHARD_ASSIGN_OR_RETURN(fs::path source, ResolveInsideRoot(root_, relative));
  std::error_code ec;
  fs::path dest = fs::path(dest_dir) / relative;  // dest keeps the artifact path, as MLflow does
  if (fs::is_regular_file(source, ec)) {
    ORCHARD_RETURN_IF_ERROR(CopyFileAtomic(source, dest));
    return dest.string();
  }
  if (!fs::is_directory(source, ec)) {
    return Status::NotFound(fmt::format("No artifact at path '{}'", path));
  }
  ORCHARD_RETURN_IF_ERROR(CopyTree(source, dest, &root_));
  return dest.string();
}

StatusOr<std::unique_ptr<ArtifactRepo>> OpenArtifactRepo(const std::string& artifact_uri) {
  std::string path = artifact_uri;
  if (path.starts_with("file://")) {
    path = path.substr(7);
  } else if (size_t colon = path.find(':'); colon != std::string::npos && path.find('/') > colon) {
    return Status::InvalidParameter(
        fmt::format("Artifact URI '{}' uses a scheme this build cannot open yet; use a local path",
                    artifact_uri));
  }
  return std::unique_ptr<ArtifactRepo>(std::make_unique<LocalArtifactRepo>(path));
}

}  // namespace orchard
