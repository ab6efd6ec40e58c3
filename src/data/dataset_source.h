// Dataset sources: where `--data` can point. A source resolves to a local file:
//   a local path                    used as it is;
//   http://... or https://...       downloaded with libcurl into the cache (below);
//   kaggle:owner/dataset[/file]     through Kaggle's public API (datasets/download), with the
//                                   user's API credentials; a zip is unpacked with libarchive
//                                   and the file chosen by name, or the only CSV inside;
//   owner/dataset[/file]            the same, when no local path of that name exists (the form
//                                   the tutorial's MLproject passes).
// Downloads are cached under `cache_dir`, one folder per URL, with the size and sha256 recorded:
// a cached copy whose checksum still matches is reused; an interrupted download resumes where it
// stopped (an HTTP Range request). Errors are INVALID_PARAMETER_VALUE (a bad source, missing
// credentials, a missing dataset or file, a corrupt archive) or TEMPORARILY_UNAVAILABLE (the
// network), each saying what to do. Thread-compatible.
#pragma once

#include <iosfwd>
#include <string>

#include "base/status.h"

namespace orchard {

struct SourceOptions {
  std::string cache_dir;  // e.g. ~/.cache/orchard/datasets
  std::string kaggle_api_url = "https://www.kaggle.com/api/v1";
  std::string kaggle_username, kaggle_key;  // empty: not configured
  std::ostream* progress = nullptr;         // progress messages; nullptr: quiet
  bool progress_bar = false;                // redraw one line (a terminal)
};

// The local file a source names, fetching it first when needed.
StatusOr<std::string> ResolveDataSource(const std::string& source, const SourceOptions& options);

// Kaggle credentials from a kaggle.json ({"username": ..., "key": ...}) in `config_dir`;
// leaves the fields empty when there is no such file. INVALID_PARAMETER_VALUE when it is
// malformed.
Status LoadKaggleCredentials(const std::string& config_dir, SourceOptions& options);

}  // namespace orchard
