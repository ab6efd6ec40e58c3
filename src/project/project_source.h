// Where a project comes from: a local folder, or a git repository cloned into a cache (as
// `mlflow run` accepts: https://, http://, ssh://, git@host:..., file://, with an optional
// "#subdir" and a version: a branch, tag or commit). Thread-compatible.
#pragma once

#include <string>

#include "base/status.h"

namespace orchard {

struct ProjectCheckout {
  std::string folder;      // absolute: the project's folder (the subdirectory, if one was named)
  std::string git_commit;  // the commit checked out, when the project is in git
  std::string source;      // what to record as mlflow.source.name
};

// True when `uri` names a git repository rather than a local folder.
bool IsGitUri(const std::string& uri);

// The project folder for `uri`. A git URI is cloned afresh into `cache_dir` (one folder per
// URI and version) and `version` checked out (empty: the default branch). A local folder
// reports its commit when it is inside a git work tree. INVALID_PARAMETER_VALUE for a missing
// folder, a failed clone or checkout (with git's message), a subdirectory that does not exist.
StatusOr<ProjectCheckout> CheckoutProject(const std::string& uri, const std::string& version,
                                          const std::string& cache_dir);

}  // namespace orchard
