// Running other programs: a short command whose output is captured (git), and a long one that
// owns the terminal's attention (a project's entry point), started in its own process group so
// that Ctrl-C and SIGTERM reach all of it through us, and nothing it started outlives it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace orchard {

// Runs argv[0] (searched on PATH) with its arguments in `cwd` (empty: ours), waits, and returns
// its exit code; stdout and stderr together go to `output` when given. INVALID_PARAMETER_VALUE
// when it cannot be started.
StatusOr<int> RunCaptured(const std::vector<std::string>& argv, const std::string& cwd,
                          std::string* output);

struct ChildOutcome {
  int exit_code = 0;  // when it exited
  int signal = 0;     // when a signal ended it
  int forwarded = 0;  // the signal we received and passed on (SIGINT, SIGTERM), or 0
  bool ok() const { return signal == 0 && exit_code == 0 && forwarded == 0; }
};

// Runs `/bin/sh -c command` in `cwd` with `environment` (the whole environment, "K=V") in a new
// process group, its output going where ours goes. While it runs, SIGINT and SIGTERM sent to
// this process are forwarded to the group; a second one, or 10 s without the command ending,
// sends SIGKILL. After an interruption, whatever is left in the group is killed, so nothing is
// left behind. REQUIRES: called from the main thread before other threads start (it blocks
// SIGINT, SIGTERM and SIGCHLD in the calling thread while it waits).
StatusOr<ChildOutcome> RunInProcessGroup(const std::string& command, const std::string& cwd,
                                         const std::vector<std::string>& environment);

// Starts argv[0] (a path) in a new session, detached from our terminal and process group, its
// stdin from /dev/null and its output appended to `log_path`; does not wait. Returns its pid.
StatusOr<int> SpawnDetached(const std::vector<std::string>& argv,
                            const std::vector<std::string>& environment,
                            const std::string& log_path);

}  // namespace orchard
