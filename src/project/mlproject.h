// MLflow's MLproject file: a project's name, its environment and its entry points with typed
// parameters, and the resolution of an entry point plus `-P key=value` parameters into the shell
// command `orchard run` executes. Follows MLflow 2.12 (mlflow/projects/_project_spec.py and
// EntryPoint.compute_command), with a few stricter checks marked "Orchard" below.
//
// Every user error (bad YAML, a wrong shape, an unknown type, a missing or ill-typed parameter)
// is INVALID_PARAMETER_VALUE whose message names the file (and line) or the entry point and says
// what to do; yaml-cpp exceptions never escape. All functions are free of shared state and
// thread-safe; the structs are plain values (thread-compatible).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace orchard {

// MLflow documents string, float, path and uri; `int` is an Orchard addition. Values given with
// -P are checked for int and float. A type the file names that is none of these (MLflow passes
// its values as text) is read as kString, with a warning.
enum class ParameterType { kString, kFloat, kInt, kPath, kUri };
// "string", "float", "int", "path", "uri".
std::string_view ParameterTypeName(ParameterType type);
// The type spelled `name` in an MLproject ("str" is accepted for "string"); none when unknown.
std::optional<ParameterType> ParameterTypeFromName(std::string_view name);

struct ParameterSpec {
  std::string name;
  ParameterType type = ParameterType::kString;
  // The default as MLflow passes it: Python's str() of the value PyYAML reads (`1.` is "1.0",
  // `true` is "True", a quoted value stays as written); none: the parameter is required. Never
  // checked against the type: a mismatch is a warning (ProjectSpec::warnings).
  std::optional<std::string> default_value;
};

struct EntryPoint {
  std::string name;
  std::vector<ParameterSpec> parameters;  // in file order
  std::string command;                    // the template, with {name} placeholders
};

enum class ProjectEnvironment { kNone, kPythonEnv, kCondaEnv, kDockerEnv };
// "local" (no environment key), "python_env", "conda_env", "docker_env".
std::string_view ProjectEnvironmentName(ProjectEnvironment env);

struct ProjectSpec {
  std::string name;    // the `name` key, else the folder's name
  std::string folder;  // absolute, normalized
  std::string source;  // the MLproject file's path ("MLproject" text's name); empty: no file
  ProjectEnvironment environment = ProjectEnvironment::kNone;
  // python_env / conda_env: the file's absolute path; docker_env: the image.
  std::string environment_file;
  // docker_env only: `volumes` ("/host:/container") and `environment`, where a bare NAME copies
  // the host's variable (no value) and [NAME, VALUE] sets one, as MLflow's docker backend does.
  std::vector<std::string> docker_volumes;
  std::vector<std::pair<std::string, std::optional<std::string>>> docker_environment;
  std::vector<EntryPoint> entry_points;  // in file order
  // What MLflow accepts but is likely a mistake (an unknown type, a default that does not fit
  // its type), each naming the file and line; for the caller to print.
  std::vector<std::string> warnings;

  // A declared entry point, or (MLflow's get_entry_point) an implicit one for a `.py` / `.sh`
  // file that exists in the project folder: no declared parameters, command `python3 <file>` or
  // `sh <file>` (MLflow uses `python` and $SHELL-or-bash; Orchard uses the interpreters every
  // Debian-like system has). The command names the file relative to the project folder, so it
  // runs with the project folder as its working directory, as MLflow runs it.
  StatusOr<EntryPoint> FindEntryPoint(const std::string& name) const;
};

// Loads `<folder>/MLproject` (the file name matched case-insensitively, as MLflow's
// _find_mlproject does; `MLproject.yaml` is not a project file). A folder without one is a
// project named after the folder with no declared entry points. Unlike ParseProject, also checks
// that a python_env / conda_env file exists, as MLflow's load_project does.
StatusOr<ProjectSpec> LoadProject(const std::string& folder);
// The same from text without touching the disk; `source` names the text in error messages.
StatusOr<ProjectSpec> ParseProject(std::string_view yaml, const std::string& folder,
                                   std::string_view source = "MLproject");

struct ResolvedRun {
  std::string command;  // ready for /bin/sh -c, to run in the project folder
  // Every parameter with its final (unquoted) value: the declared ones in file order, then the
  // extra ones in the order given. For logging as the run's params.
  std::vector<std::pair<std::string, std::string>> params;
};

// Resolves `entry` with the parameters given (name -> value, in `-P` order), as MLflow's
// EntryPoint.compute_command does:
//  * a declared parameter takes the given value, else its default; missing required ones are
//    an error naming them all;
//  * (Orchard) `int` values given must be whole integers within 64 bits, `float` values finite
//    numbers; MLflow passes them through unchecked. Defaults are passed as they are;
//  * `path` and `uri` values without a `scheme://` are made absolute against `base_folder`
//    (the folder `orchard run` started in; empty: the current folder) and lexically normalized;
//    "scheme:/" counts as a scheme too, for MLflow's runs:/ and models:/ URIs.
//    (MLflow also downloads non-local `path` values and refuses relative `uri` values.);
//  * every `{identifier}` in the template becomes the shell-quoted value of that declared
//    parameter (an undeclared one is an error); any other brace is literal, and `{{`/`}}` are
//    not escapes (they are in Python's str.format, which MLflow uses);
//  * extra parameters are appended as `--key value`, each word shell-quoted.
// A parameter given twice, or with an empty name, is an error (MLflow's CLI refuses repeats).
StatusOr<ResolvedRun> ResolveEntryPoint(
    const EntryPoint& entry, const std::vector<std::pair<std::string, std::string>>& given,
    const std::string& base_folder);

// Python's shlex.quote: `value` unchanged when it is non-empty and only [A-Za-z0-9@%+=:,./_-],
// else in single quotes with each ' written as '"'"'.
std::string ShellQuote(std::string_view value);

}  // namespace orchard
