// Virtual environments for projects with a python_env file (`orchard run --env-manager
// virtualenv`), as MLflow's runner makes them. The file:
//   python: "3.11"
//   build_dependencies: [pip]
//   dependencies: [mlflow==2.12.2, -r requirements.txt]
// The venv is made with that Python's venv module and --system-site-packages, so libraries
// Debian already installed count; each requirement is installed with the venv's pip when it is
// not there already. Venvs are cached by a hash of the file's content (and its requirement
// files). Thread-compatible.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "base/status.h"

namespace orchard {

struct PythonEnv {
  std::string python;  // "3.11"; empty: python3
  std::vector<std::string> build_dependencies;
  std::vector<std::string> dependencies;  // "-r file" entries expanded to the file's lines
};

// Reads a python_env.yaml. INVALID_PARAMETER_VALUE for a malformed file.
StatusOr<PythonEnv> LoadPythonEnv(const std::string& path);

// The venv folder for `env` (created under `cache_dir` on first use). Errors name what could not
// be found or installed: the Python version, or the requirements pip could not get.
StatusOr<std::string> PrepareVirtualenv(const PythonEnv& env, const std::string& cache_dir,
                                        std::ostream* log);

}  // namespace orchard
