// ArtifactRepo: the files of one run (or any artifact root), addressed by relative paths.
//
// Implementations: LocalArtifactRepo (a folder) now; the HTTP proxy client
// (mlflow-artifacts:/) with the server. Artifact paths are relative, '/'-separated, with no
// "..", no absolute paths and nothing that escapes the root: others are INVALID_PARAMETER_VALUE.
// Thread-safe for distinct paths.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace orchard {

// One entry of a listing, shaped as MLflow's FileInfo.
struct FileInfo {
  std::string path;  // relative to the repo root
  bool is_dir = false;
  int64_t file_size = 0;  // 0 for directories
};

class ArtifactRepo {
 public:
  virtual ~ArtifactRepo() = default;

  // Copies the local file to "<artifact_dir>/<file name>" (artifact_dir may be empty).
  virtual Status LogFile(const std::string& local_file, const std::string& artifact_dir) = 0;
  // Copies the contents of the local folder under `artifact_dir`, keeping its tree.
  virtual Status LogDir(const std::string& local_dir, const std::string& artifact_dir) = 0;
  // The entries directly under `path` (empty: the root), sorted by path. A file or a missing
  // path lists as empty, as in MLflow.
  virtual StatusOr<std::vector<FileInfo>> List(const std::string& path) = 0;
  // Copies the file or tree at `path` (empty: everything) into `dest_dir`, returning the local
  // path of the copy. RESOURCE_DOES_NOT_EXIST when there is nothing at `path`.
  virtual StatusOr<std::string> Download(const std::string& path, const std::string& dest_dir) = 0;
};

// Checks an artifact path and returns it normalized ("a/b", no trailing '/'); "" is the root.
StatusOr<std::string> NormalizeArtifactPath(const std::string& path);

// The Content-Type MLflow gives an artifact file, by its name: text/plain for text formats
// (MLflow's TEXT_EXTENSIONS, MLmodel and MLproject included), common image types, else
// application/octet-stream.
std::string ArtifactMimeType(const std::string& path);

// The repository for an artifact URI: a local path or a file:// URI. Other schemes are
// INVALID_PARAMETER_VALUE until their repositories exist.
StatusOr<std::unique_ptr<ArtifactRepo>> OpenArtifactRepo(const std::string& artifact_uri);

}  // namespace orchard
