// Starting the built `orchard` binary from a test, and watching it: its readiness line, its
// memory (from /proc), its exit.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace orchard::testing {

inline std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Starts `binary args...` in folder `cwd` with the environment minus ORCHARD_* and MLFLOW_*
// plus `env`, stdout and stderr going to the given files. Returns the pid, or -1.
inline pid_t SpawnProcess(const std::string& binary, const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env, const std::string& cwd,
                          const std::string& out_path, const std::string& err_path) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    if (entry.starts_with("ORCHARD_") || entry.starts_with("MLFLOW_")) continue;
    env_strings.push_back(entry);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  std::vector<std::string> argv_strings = {binary};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data()) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// Waits for a server's readiness line ("... http://127.0.0.1:PORT ..." or https://) in
// `out_path` (bounded: 30 s); returns its port or 0.
inline int WaitForPort(const std::string& out_path) {
  constexpr std::string_view kAddress = "://127.0.0.1:";
  for (int attempt = 0; attempt < 3000; ++attempt) {
    std::string out = ReadTextFile(out_path);
    size_t at = out.find(kAddress);
    if (at != std::string::npos && out.find(' ', at) != std::string::npos) {
      return std::stoi(out.substr(at + kAddress.size()));
    }
    usleep(10000);
  }
  return 0;
}

// A field of /proc/PID/status in kB ("VmRSS", "VmHWM"), or -1.
inline long ProcStatusKb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(field + ":")) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

// Waits (bounded by `limit`) for `pid` to exit; its wait status, or -1 if it is still running.
inline int WaitForExit(pid_t pid, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

}  // namespace orchard::testing
