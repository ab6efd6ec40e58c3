// Reading zip archives (libarchive): listing their files and extracting one. For Kaggle's
// dataset downloads. Thread-safe (no shared state).
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace orchard {

// True when the file starts with a zip signature.
bool LooksLikeZip(const std::string& path);

// The regular files in the archive, by their path inside it. INVALID_PARAMETER_VALUE for a
// corrupt archive.
StatusOr<std::vector<std::string>> ListZip(const std::string& zip_path);

// Extracts the entry `entry` to `destination` (through a temporary file and a rename).
// RESOURCE_DOES_NOT_EXIST when there is no such entry; INVALID_PARAMETER_VALUE when the archive
// is corrupt.
Status ExtractZipEntry(const std::string& zip_path, const std::string& entry,
                       const std::string& destination);

}  // namespace orchard
