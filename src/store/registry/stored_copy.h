// Where the registry keeps its own copy of a version's files, and how the copy goes away. A copy
// lies at <models_root>/<name>/<random id>/<last part of the source> (".../model"), so that its
// download URI ends as MLflow's does and scripts can join paths onto it. Thread-safe (the file
// system only).
#pragma once

#include <string>

namespace orchard {

// A new, unused location for a copy of `source_folder` registered under `name`.
std::string NewStoredCopyPath(const std::string& models_root, const std::string& name,
                              const std::string& source_folder);

// Removes a copy, and its per-version folder when that is left empty (copies made before the
// last part was kept have none). Errors are ignored: a missing copy is already gone.
void RemoveStoredCopy(const std::string& location);

}  // namespace orchard
