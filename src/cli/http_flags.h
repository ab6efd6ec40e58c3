// The flags both servers (orchard server, orchard models serve) take for their HTTP limits, TLS,
// shutdown and access log, and the signal wait that ends them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "base/status.h"
#include "http/http_server.h"

namespace orchard {

struct HttpFlags {
  HttpLimits limits;
  uint64_t max_body_bytes = 0;  // the server's own default when not given
  double idle_timeout = 60, header_timeout = 30, body_timeout = 300, shutdown_timeout = 30;
  std::string access_log;
  TlsServerOptions tls;
};

// Adds the flags; `body_help` says what --max-body-size bounds on this server.
void AddHttpFlags(CLI::App* cmd, HttpFlags& flags, const std::string& body_help);
// Checks the values and copies them into `http` (its limits and TLS).
Status ApplyHttpFlags(const HttpFlags& flags, HttpServerOptions& http);

// "https" when the flags turn TLS on, else "http": for the readiness line.
inline const char* Scheme(const HttpFlags& flags) { return flags.tls.enabled() ? "https" : "http"; }

// Blocks SIGINT and SIGTERM in this thread and the threads it starts from now on, so only
// WaitForStopSignal sees them. Call before starting a server's threads.
void BlockStopSignals();
// Waits for SIGINT or SIGTERM, then calls `stop` with the grace period of --shutdown-timeout.
// A second signal, or a stop that overruns the grace period by 10 s (a handler stuck in a
// store call), ends the process at once with status 1.
void WaitForStopSignal(const HttpFlags& flags,
                       const std::function<void(std::chrono::milliseconds)>& stop);

}  // namespace orchard
