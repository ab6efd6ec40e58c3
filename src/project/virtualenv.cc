#include "project/virtualenv.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <ostream>

#include <fmt/format.h>

#include "base/subprocess.h"
#include "base/yaml_describe.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

Status Malformed(const std::string& path, const std::string& what) {
  return Status::InvalidParameter(fmt::format(
      "'{}' is not a python_env file: {} (expected python, build_dependencies and dependencies)",
      path, what));
}

StatusOr<std::vector<std::string>> Requirements(const YAML::Node& list, const fs::path& folder,
                                                const std::string& path) {
  std::vector<std::string> out;
  if (!list) return out;
  if (!list.IsSequence()) return Malformed(path, "a dependency list is " + DescribeYamlNode(list));
  for (const YAML::Node& item : list) {
    if (!item.IsScalar()) return Malformed(path, "a dependency is " + DescribeYamlNode(item));
    std::string text = item.Scalar();
    if (!text.starts_with("-r ")) {
      out.push_back(text);
      continue;
    }
    // A requirements file, relative to the environment file, read line by line.
    fs::path file = folder / text.substr(3);
    std::ifstream in(file);
    if (!in) return Malformed(path, fmt::format("cannot read '{}'", file.string()));
    std::string line;
    while (std::getline(in, line)) {
      line = line.substr(0, line.find('#'));
      while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
      if (!line.empty()) out.push_back(line);
    }
  }
  return out;
}

// The interpreter for "3.11": Debian's first (its packages are what --system-site-packages
// brings in), then whatever `python3.11` is on PATH.
StatusOr<std::string> FindPython(const std::string& version) {
  std::string name = version.empty() ? "python3" : "python" + version;
  for (const std::string& candidate : {"/usr/bin/" + name, name}) {
    std::string output;
    StatusOr<int> code = RunCaptured({candidate, "--version"}, "", &output);
    if (code.ok() && *code == 0) return candidate;
  }
  return Status::InvalidParameter(
      fmt::format("the project asks for Python {}, and no '{}' is installed; install it or change "
                  "python_env.yaml",
                  version, name));
}

}  // namespace

StatusOr<PythonEnv> LoadPythonEnv(const std::string& path) {
  try {
    YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap()) return Malformed(path, "it is " + DescribeYamlNode(root));
    PythonEnv env;
    if (root["python"]) env.python = root["python"].Scalar();
    fs::path folder = fs::path(path).parent_path();
    ORCHARD_ASSIGN_OR_RETURN(env.build_dependencies,
                             Requirements(root["build_dependencies"], folder, path));
    ORCHARD_ASSIGN_OR_RETURN(env.dependencies, Requirements(root["dependencies"], folder, path));
    return env;
  } catch (const YAML::Exception& e) {
    return Malformed(YamlErrorPlace(path, e), e.msg);
  }
}

StatusOr<std::string> PrepareVirtualenv(const PythonEnv& env, const std::string& cache_dir,
                                        std::ostream* log) {
  std::string key = env.python;
  for (const auto* list : {&env.build_dependencies, &env.dependencies}) {
    for (const std::string& requirement : *list) key += "\n" + requirement;
  }
  fs::path folder = fs::path(cache_dir) / fmt::format("{:016x}", std::hash<std::string>{}(key));
  std::error_code ec;
  if (fs::exists(folder / ".orchard-ready", ec)) return folder.string();
  fs::remove_all(folder, ec);
  fs::create_directories(folder.parent_path(), ec);
  ORCHARD_ASSIGN_OR_RETURN(std::string python, FindPython(env.python));
  if (log) *log << fmt::format("creating a virtualenv with {} in {}\n", python, folder.string());
  std::string output;
  ORCHARD_ASSIGN_OR_RETURN(
      int code,
      RunCaptured({python, "-m", "venv", "--system-site-packages", folder.string()}, "", &output));
  if (code != 0) {
    return Status::InvalidParameter(
        fmt::format("cannot create a virtualenv with {}: {}; on Debian, install python3-venv",
                    python, output.substr(0, 300)));
  }
  const std::string pip = (folder / "bin" / "pip").string();
  std::vector<std::string> missing;
  for (const auto* list : {&env.build_dependencies, &env.dependencies}) {
    for (const std::string& requirement : *list) {
      // Already there (the venv's own or Debian's packages): no index needed.
      std::vector<std::string> offline = {pip,          "install",    "--disable-pip-version-check",
                                          "--no-input", "--no-index", requirement};
      ORCHARD_ASSIGN_OR_RETURN(int installed, RunCaptured(offline, "", nullptr));
      if (installed == 0) continue;
      if (log) *log << fmt::format("installing {}\n", requirement);
      std::vector<std::string> online = {pip,          "install",   "--disable-pip-version-check",
                                         "--no-input", "--retries", "0",
                                         "--timeout",  "10",        requirement};
      ORCHARD_ASSIGN_OR_RETURN(installed, RunCaptured(online, "", nullptr));
      if (installed != 0) missing.push_back(requirement);
    }
  }
  if (!missing.empty()) {
    std::string names;
    for (const std::string& name : missing) names += (names.empty() ? "" : ", ") + name;
    fs::remove_all(folder, ec);
    return Status::InvalidParameter(fmt::format(
        "the virtualenv lacks {}, and pip could not install it (no package index reachable, or "
        "no such version); install it for the system Python, or run with --env-manager local",
        names));
  }
  std::ofstream(folder / ".orchard-ready") << key << '\n';
  return folder.string();
}

}  // namespace orchard
