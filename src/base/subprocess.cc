#include "base/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

extern char** environ;

namespace orchard {
namespace {

std::vector<char*> Pointers(std::vector<std::string>& texts) {
  std::vector<char*> pointers;
  for (std::string& text : texts) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

// posix_spawn has no "change directory" before glibc 2.29's _np addition; Debian 12 has it.
Status AddChdir(posix_spawn_file_actions_t* actions, const std::string& cwd) {
  if (cwd.empty()) return Status::Ok();
  if (posix_spawn_file_actions_addchdir_np(actions, cwd.c_str()) != 0) {
    return Status::Internal("posix_spawn cannot change directory");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<int> RunCaptured(const std::vector<std::string>& argv, const std::string& cwd,
                          std::string* output) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Status::Internal("cannot create a pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  Status chdir = AddChdir(&actions, cwd);
  std::vector<std::string> args = argv;
  std::vector<char*> arg_pointers = Pointers(args);
  pid_t pid = 0;
  int rc = chdir.ok() ? posix_spawnp(&pid, args[0].c_str(), &actions, nullptr, arg_pointers.data(),
                                     environ)
                      : -1;
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (rc != 0) {
    close(pipe_fds[0]);
    return Status::InvalidParameter(
        fmt::format("cannot run '{}': {}", args[0], rc > 0 ? std::strerror(rc) : "bad folder"));
  }
  char buffer[4096];
  ssize_t got = 0;
  while ((got = read(pipe_fds[0], buffer, sizeof(buffer))) > 0 || (got < 0 && errno == EINTR)) {
    if (got > 0 && output != nullptr) output->append(buffer, static_cast<size_t>(got));
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

StatusOr<ChildOutcome> RunInProcessGroup(const std::string& command, const std::string& cwd,
                                         const std::vector<std::string>& environment) {
  sigset_t waited, previous;
  sigemptyset(&waited);
  sigaddset(&waited, SIGINT);
  sigaddset(&waited, SIGTERM);
  sigaddset(&waited, SIGCHLD);
  // Blocked before the child exists, so no signal is lost between spawning and waiting.
  pthread_sigmask(SIG_BLOCK, &waited, &previous);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  Status chdir = AddChdir(&actions, cwd);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGCHLD);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setpgroup(&attributes, 0);  // a group of its own, led by the child
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  std::vector<std::string> args = {"/bin/sh", "-c", command};
  std::vector<char*> arg_pointers = Pointers(args);
  std::vector<std::string> env = environment;
  std::vector<char*> env_pointers = Pointers(env);
  pid_t pid = 0;
  int rc = chdir.ok() ? posix_spawn(&pid, "/bin/sh", &actions, &attributes, arg_pointers.data(),
                                    env_pointers.data())
                      : -1;
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return Status::InvalidParameter(fmt::format("cannot start the command in '{}': {}", cwd,
                                                rc > 0 ? std::strerror(rc) : "bad folder"));
  }

  ChildOutcome outcome;
  int status = 0;
  bool ended = false;
  timespec deadline_left{};
  while (!ended) {
    // After a forwarded signal, wake up at least every second to enforce the 10 s grace.
    timespec tick{.tv_sec = 1, .tv_nsec = 0};
    siginfo_t info{};
    int received = sigtimedwait(&waited, &info, &tick);
    if (received == SIGINT || received == SIGTERM) {
      if (outcome.forwarded == 0) {
        outcome.forwarded = received;
        kill(-pid, received);
        deadline_left.tv_sec = 10;
      } else {
        kill(-pid, SIGKILL);  // asked twice: stop now
      }
    } else if (received < 0 && errno == EAGAIN && outcome.forwarded != 0) {
      if (--deadline_left.tv_sec <= 0) kill(-pid, SIGKILL);
    }
    // SIGCHLD, a timeout or a signal: see whether the child is done.
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) ended = true;
  }
  if (outcome.forwarded != 0) kill(-pid, SIGKILL);  // anything the command left running
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
  return outcome;
}

StatusOr<int> SpawnDetached(const std::vector<std::string>& argv,
                            const std::vector<std::string>& environment,
                            const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK);
  std::vector<std::string> args = argv;
  std::vector<char*> arg_pointers = Pointers(args);
  std::vector<std::string> env = environment;
  std::vector<char*> env_pointers = Pointers(env);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0].c_str(), &actions, &attributes, arg_pointers.data(),
                       env_pointers.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) {
    return Status::InvalidParameter(
        fmt::format("cannot start '{}': {}", args[0], std::strerror(rc)));
  }
  return static_cast<int>(pid);
}

}  // namespace orchard
