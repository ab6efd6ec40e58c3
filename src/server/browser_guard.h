// BrowserGuard: what keeps a web page from using a tracking server it should not reach.
//   - DNS rebinding: a page on attacker.example whose name is re-pointed at 127.0.0.1 sends
//     requests the browser considers same-origin, with `Host: attacker.example`. Requests whose
//     Host is not one of the allowed hosts are refused (403), except /health and /version (as
//     MLflow's security middleware).
//   - Cross-site writes: a page may POST to any server without a CORS preflight when the body
//     is a "simple" type; Orchard already requires application/json, and here a state-changing
//     request (POST, PUT, PATCH, DELETE) whose Origin is neither the server's own nor an allowed
//     origin is refused (403). Requests with no Origin (scripts, the CLI, MLflow's client) pass.
//   - CORS: allowed origins get Access-Control-Allow-* headers and preflight answers; none by
//     default.
//   - Headers on every answer: X-Content-Type-Options nosniff and X-Frame-Options SAMEORIGIN.
// Thread-safe after construction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "http/http_message.h"

namespace orchard {

struct BrowserGuardOptions {
  // Patterns for the Host header, matched without its port and whole ("*" wildcards, case
  // ignored); "*" alone allows every host. Empty: DefaultAllowedHosts(listen_host).
  std::vector<std::string> allowed_hosts;
  // Origins ("scheme://host[:port]") allowed to call the API from a browser; "*" for any.
  std::vector<std::string> cors_allowed_origins;
};

// localhost, 127.0.0.1 and [::1]; the listening address when it is another; and when it is a
// wildcard address (0.0.0.0, ::), this machine's name and the addresses of its interfaces.
std::vector<std::string> DefaultAllowedHosts(const std::string& listen_host);

class BrowserGuard {
 public:
  explicit BrowserGuard(BrowserGuardOptions options);

  // The refusal for `request`, or nullopt when it may go on. Answers CORS preflights itself.
  std::optional<HttpResponse> Check(const HttpRequest& request) const;
  // Adds the security and CORS headers to an answer.
  void Decorate(const HttpRequest& request, HttpResponse& response) const;

  const std::vector<std::string>& allowed_hosts() const { return options_.allowed_hosts; }

 private:
  bool HostAllowed(const std::string& host) const;
  // An origin in cors_allowed_origins (or "*" there).
  bool CorsAllowed(const std::string& origin) const;

  BrowserGuardOptions options_;
};

}  // namespace orchard
