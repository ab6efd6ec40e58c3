// LocalArtifactRepo: artifacts in a folder of the local (or a shared) filesystem.
// Writes are atomic: each file is copied to a temporary name beside its target, then renamed,
// so a reader never sees half a file.
#pragma once

#include <filesystem>
#include <vector>

#include "store/artifact/artifact_repo.h"

namespace orchard {

class LocalArtifactRepo : public ArtifactRepo {
 public:
  explicit LocalArtifactRepo(std::filesystem::path root) : root_(std::move(root)) {}

  Status LogFile(const std::string& local_file, const std::string& artifact_dir) override;
  Status LogDir(const std::string& local_dir, const std::string& artifact_dir) override;
  StatusOr<std::vector<FileInfo>> List(const std::string& path) override;
  StatusOr<std::string> Download(const std::string& path, const std::string& dest_dir) override;

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
};

// The regular files and folders under a local folder, relative to it, checked whole before
// anything is logged: a broken link or a special file is INVALID_PARAMETER_VALUE. Symbolic
// links to files count as the files they point to, under the link's own name; links to folders
// are not followed (no cycles, nothing from outside the tree).
struct LocalTree {
  std::vector<std::filesystem::path> folders;
  std::vector<std::filesystem::path> files;
};
// With `confine_to` set, a link must lead inside that folder (PERMISSION_DENIED otherwise): what
// the server copies from its own storage (a registry copy) must not pick up a file from
// elsewhere on the machine.
StatusOr<LocalTree> ScanLocalTree(const std::filesystem::path& from,
                                  const std::filesystem::path* confine_to = nullptr);

// True when `path` is `root` or lies under it, by their text (both canonical).
bool IsWithin(const std::filesystem::path& root, const std::filesystem::path& path);

// Copies the tree under `from` into `to` (checked whole first), links confined to `from`.
Status CopyTreeConfined(const std::filesystem::path& from, const std::filesystem::path& to);

// Where `relative` (a normalized artifact path) lies under `root` on disk. A symbolic link on
// the way is followed only when it leads inside root; one that leads outside, or nowhere, is
// PERMISSION_DENIED. With `follow_last` false the last part is not followed (to delete or
// replace a link itself). A part that does not exist yet ends the walk: the rest is appended.
StatusOr<std::filesystem::path> ResolveInsideRoot(const std::filesystem::path& root,
                                                  const std::string& relative,
                                                  bool follow_last = true);

// Copies `from` to `to` through a temporary file in to's folder and a rename, creating folders.
Status CopyFileAtomic(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace orchard
