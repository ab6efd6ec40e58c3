#include "cli/http_flags.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace orchard {
namespace {

sigset_t StopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1000)));
}

}  // namespace

void AddHttpFlags(CLI::App* cmd, HttpFlags& flags, const std::string& body_help) {
  const std::string group = "HTTP limits";
  cmd->add_option("--max-connections", flags.limits.max_connections,
                  "Connections open at once; beyond, the longest idle one is closed (none idle: "
                  "503)")
      ->capture_default_str()
      ->group(group);
  cmd->add_option("--max-header-size", flags.limits.max_header_bytes,
                  "Request line and headers, in bytes (64KiB, ...); beyond: 431")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str()
      ->group(group);
  cmd->add_option("--max-header-count", flags.limits.max_header_count,
                  "Header fields per request; beyond: 431")
      ->capture_default_str()
      ->group(group);
  cmd->add_option("--max-body-size", flags.max_body_bytes, body_help)
      ->transform(CLI::AsSizeValue(false))
      ->group(group);
  cmd->add_option("--max-buffered-size", flags.limits.max_buffered_bytes,
                  "Request bodies held in memory by all connections together; a request that "
                  "would pass it gets 503 with Retry-After")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str()
      ->group(group);
  cmd->add_option("--idle-timeout", flags.idle_timeout,
                  "Seconds a keep-alive connection may wait for its next request")
      ->capture_default_str()
      ->group(group);
  cmd->add_option("--header-timeout", flags.header_timeout,
                  "Seconds a request's headers may take to arrive, from its first byte")
      ->capture_default_str()
      ->group(group);
  cmd->add_option("--body-timeout", flags.body_timeout,
                  "Seconds a request body may take to arrive, and a reply to be read (a "
                  "streamed upload or download: each chunk within --idle-timeout)")
      ->capture_default_str()
      ->group(group);
  cmd->add_option("--shutdown-timeout", flags.shutdown_timeout,
                  "On SIGTERM or SIGINT: seconds requests in flight may take to finish before "
                  "their connections are closed")
      ->capture_default_str();
  const std::string tls_group = "TLS (HTTPS without a proxy)";
  cmd->add_option("--tls-cert", flags.tls.cert_file,
                  "Serve HTTPS only, with this certificate (PEM, then any intermediates)")
      ->group(tls_group);
  cmd->add_option("--tls-key", flags.tls.key_file, "The certificate's private key (PEM)")
      ->group(tls_group);
  cmd->add_option("--tls-client-ca", flags.tls.client_ca_file,
                  "Require client certificates signed by these CAs (PEM): mutual TLS")
      ->group(tls_group);
  cmd->add_option("--access-log", flags.access_log,
                  "Write one JSON line per request (method, path, status, bytes, duration) to "
                  "this file, or - for stdout");
}

Status ApplyHttpFlags(const HttpFlags& flags, HttpServerOptions& http) {
  if (flags.tls.cert_file.empty() != flags.tls.key_file.empty()) {
    return Status::InvalidParameter(
        "--tls-cert and --tls-key go together: give the certificate and its private key");
  }
  if (!flags.tls.client_ca_file.empty() && !flags.tls.enabled()) {
    return Status::InvalidParameter("--tls-client-ca needs --tls-cert and --tls-key");
  }
  http.tls = flags.tls;
  HttpLimits& limits = http.limits;
  limits = flags.limits;
  if (flags.max_body_bytes != 0) limits.max_body_bytes = flags.max_body_bytes;
  for (const auto& [name, value] : {std::pair{"--idle-timeout", flags.idle_timeout},
                                    std::pair{"--header-timeout", flags.header_timeout},
                                    std::pair{"--body-timeout", flags.body_timeout}}) {
    if (!(value > 0) || value > 86400) {
      return Status::InvalidParameter(
          fmt::format("{} must be a number of seconds between 0 and 86400, not {}", name, value));
    }
  }
  if (!(flags.shutdown_timeout >= 0) || flags.shutdown_timeout > 86400) {
    return Status::InvalidParameter("--shutdown-timeout must be between 0 and 86400 seconds");
  }
  if (limits.max_connections < 1) return Status::InvalidParameter("--max-connections must be >= 1");
  if (limits.max_header_bytes < 1024) {
    return Status::InvalidParameter("--max-header-size must be at least 1KiB");
  }
  if (limits.max_header_count < 8)
    return Status::InvalidParameter("--max-header-count must be >= 8");
  if (limits.max_body_bytes < 1024) {
    return Status::InvalidParameter("--max-body-size must be at least 1KiB");
  }
  if (limits.max_buffered_bytes < limits.max_body_bytes) {
    return Status::InvalidParameter(fmt::format(
        "--max-buffered-size ({} bytes) must be at least --max-body-size ({} bytes), or the "
        "largest request could never be read",
        limits.max_buffered_bytes, limits.max_body_bytes));
  }
  limits.idle_timeout = Millis(flags.idle_timeout);
  limits.header_timeout = Millis(flags.header_timeout);
  limits.body_timeout = Millis(flags.body_timeout);
  limits.send_timeout = Millis(flags.body_timeout);
  return Status::Ok();
}

void BlockStopSignals() {
  sigset_t signals = StopSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

void WaitForStopSignal(const HttpFlags& flags,
                       const std::function<void(std::chrono::milliseconds)>& stop) {
  sigset_t signals = StopSignals();
  int received = 0;
  sigwait(&signals, &received);
  const auto grace = Millis(flags.shutdown_timeout);
  spdlog::warn("signal {}: refusing new connections, finishing requests in flight (up to {} s)",
               received, flags.shutdown_timeout);
  // A watchdog: a second signal, or a stop that cannot finish, ends the process.
  std::atomic<bool> stopped{false};
  std::thread watchdog([&] {
    const auto deadline = std::chrono::steady_clock::now() + grace + std::chrono::seconds(10);
    struct timespec poll = {0, 100'000'000};
    while (!stopped) {
      siginfo_t info;
      if (sigtimedwait(&signals, &info, &poll) > 0) {
        spdlog::warn("second signal: exiting without waiting for requests in flight");
        std::_Exit(1);
      }
      if (!stopped && std::chrono::steady_clock::now() > deadline) {
        spdlog::error("requests in flight did not finish within --shutdown-timeout; exiting");
        std::_Exit(1);
      }
    }
  });
  stop(grace);
  stopped = true;
  watchdog.join();
}

}  // namespace orchard
