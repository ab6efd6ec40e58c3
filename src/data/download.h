// Downloading one URL into a cache folder with libcurl: resumable, checksummed, with progress.
// Used by the dataset sources; kept apart so the HTTP details live in one file.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "base/status.h"

namespace orchard {

struct DownloadRequest {
  std::string url;
  std::string cache_dir;       // the download lands in <cache_dir>/<hash of url>/<file_name>
  std::string file_name;       // empty: the URL's last path segment
  std::string user, password;  // set: HTTP basic authentication
  std::ostream* progress = nullptr;
  bool progress_bar = false;
};

struct Downloaded {
  std::string path;  // the local file
  uint64_t size = 0;
  std::string sha256;  // hex
  bool from_cache = false;
};

// Fetches the URL unless a cached copy with the recorded size and sha256 exists. A partial
// file left by an interrupted download is resumed. HTTP errors: 401/403 PERMISSION_DENIED,
// 404 RESOURCE_DOES_NOT_EXIST, others INVALID_PARAMETER_VALUE; network failures
// TEMPORARILY_UNAVAILABLE (the partial file is kept for the next try).
StatusOr<Downloaded> DownloadCached(const DownloadRequest& request);

// The sha256 of a file, in hex.
StatusOr<std::string> Sha256File(const std::string& path);

}  // namespace orchard
