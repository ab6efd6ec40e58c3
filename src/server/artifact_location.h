// Which artifact locations the tracking server accepts for a new experiment. The server reads
// and writes the artifacts of local locations itself (get-artifact, registry copies, the UI's
// viewer), so an experiment may not point it at any folder of the machine (`file:///etc`, `/`):
//   - "" (the server's default root);
//   - mlflow-artifacts:/PATH (or mlflow-artifacts://HOST/PATH): a relative path under
//     --artifacts-destination, not under models/ (the registry's copies) and without "..";
//   - file:///PATH or a path (a relative one is the server's working folder's): inside
//     --artifacts-destination or a local --default-artifact-root;
//   - another scheme (s3://, gs://, hdfs://, ...): kept as given; clients write there
//     themselves and this server never reads it.
// Anything else (a local path elsewhere, another machine's file://) is INVALID_PARAMETER_VALUE
// naming what is allowed.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace orchard {

struct ArtifactLocationPolicy {
  std::string artifacts_destination;     // absolute; may be empty (no proxy)
  std::vector<std::string> local_roots;  // other absolute folders allowed (a local default)
};

Status CheckArtifactLocation(const std::string& location, const ArtifactLocationPolicy& policy);

}  // namespace orchard
