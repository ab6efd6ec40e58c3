#include "store/registry/stored_copy.h"

#include <filesystem>

#include "base/ids.h"

namespace fs = std::filesystem;

namespace orchard {

std::string NewStoredCopyPath(const std::string& models_root, const std::string& name,
                              const std::string& source_folder) {
  fs::path source = fs::path(source_folder).lexically_normal();
  if (!source.has_filename()) source = source.parent_path();  // "model/" names "model"
  std::string last = source.filename().string();
  if (last.empty() || last == "." || last == "..") last = "model";
  return (fs::path(models_root) / name / NewRunId() / last).string();
}

void RemoveStoredCopy(const std::string& location) {
  std::error_code ec;
  fs::remove_all(location, ec);
  // Removes the per-version folder only if empty: an older copy's parent is the model's folder,
  // which still holds other versions.
  fs::remove(fs::path(location).parent_path(), ec);
}

}  // namespace orchard
