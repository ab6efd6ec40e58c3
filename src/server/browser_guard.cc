#include "server/browser_guard.h"

#include <fnmatch.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "base/text.h"
#include "server/mlflow_reply.h"

namespace orchard {
namespace {

// MLflow's messages (mlflow/server/security_utils.py), in Orchard's JSON error shape.
constexpr char kInvalidHost[] = "Invalid Host header - possible DNS rebinding attack detected";
constexpr char kCrossOriginBlocked[] = "Cross-origin request blocked";

bool IsStateChanging(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

HttpResponse Forbidden(std::string message) {
  HttpResponse reply = ErrorReply(Status(ErrorCode::kPermissionDenied, std::move(message)));
  reply.status = 403;
  return reply;
}

// "name:port" or "[v6]:port" without its port; lowercased.
std::string HostWithoutPort(std::string_view host) {
  host = TrimSpace(host);
  if (host.starts_with('[')) {
    size_t close = host.find(']');
    return AsciiLower(close == std::string_view::npos ? host : host.substr(0, close + 1));
  }
  size_t colon = host.rfind(':');
  if (colon != std::string_view::npos && host.find(':') == colon) host = host.substr(0, colon);
  return AsciiLower(host);
}

// "scheme://authority" of an Origin header, lowercased; empty when it is not one ("null").
std::string NormalizeOrigin(std::string_view origin) {
  origin = TrimSpace(origin);
  size_t scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return "";
  while (origin.ends_with('/')) origin.remove_suffix(1);
  return AsciiLower(origin);
}

std::string AddressText(const sockaddr* address) {
  char text[NI_MAXHOST] = {};
  socklen_t size = address->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (getnameinfo(address, size, text, sizeof text, nullptr, 0, NI_NUMERICHOST) != 0) return "";
  std::string name = text;
  name = name.substr(0, name.find('%'));  // no zone index
  return address->sa_family == AF_INET6 ? "[" + name + "]" : name;
}

}  // namespace

std::vector<std::string> DefaultAllowedHosts(const std::string& listen_host) {
  std::vector<std::string> hosts = {"localhost", "127.0.0.1", "[::1]"};
  auto add = [&hosts](std::string host) {
    host = AsciiLower(host);
    if (!host.empty() && std::find(hosts.begin(), hosts.end(), host) == hosts.end()) {
      hosts.push_back(std::move(host));
    }
  };
  const bool wildcard = listen_host == "0.0.0.0" || listen_host == "::" || listen_host == "[::]";
  if (!wildcard) {
    add(listen_host.find(':') != std::string::npos && !listen_host.starts_with('[')
            ? "[" + listen_host + "]"
            : listen_host);
    return hosts;
  }
  // Listening on every interface: the names a client on the network would use for this machine.
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) == 0) add(name);
  ifaddrs* interfaces = nullptr;
  if (getifaddrs(&interfaces) == 0) {
    for (ifaddrs* at = interfaces; at != nullptr; at = at->ifa_next) {
      if (at->ifa_addr == nullptr) continue;
      if (at->ifa_addr->sa_family != AF_INET && at->ifa_addr->sa_family != AF_INET6) continue;
      add(AddressText(at->ifa_addr));
    }
    freeifaddrs(interfaces);
  }
  return hosts;
}

BrowserGuard::BrowserGuard(BrowserGuardOptions options) : options_(std::move(options)) {
  for (std::string& host : options_.allowed_hosts) host = AsciiLower(host);
  for (std::string& origin : options_.cors_allowed_origins) {
    if (origin != "*") origin = NormalizeOrigin(origin);
  }
}

bool BrowserGuard::HostAllowed(const std::string& host) const {
  const std::string bare = HostWithoutPort(host);
  if (bare.empty()) return false;
  return std::any_of(options_.allowed_hosts.begin(), options_.allowed_hosts.end(),
                     [&](const std::string& pattern) {
                       return pattern == "*" || pattern == bare ||
                              (pattern.find('*') != std::string::npos &&
                               fnmatch(pattern.c_str(), bare.c_str(), FNM_NOESCAPE) == 0);
                     });
}

bool BrowserGuard::CorsAllowed(const std::string& origin) const {
  const std::vector<std::string>& allowed = options_.cors_allowed_origins;
  return std::find(allowed.begin(), allowed.end(), "*") != allowed.end() ||
         std::find(allowed.begin(), allowed.end(), NormalizeOrigin(origin)) != allowed.end();
}

std::optional<HttpResponse> BrowserGuard::Check(const HttpRequest& request) const {
  if (request.path != "/health" && request.path != "/version") {
    std::optional<std::string> host = request.Header("Host");
    if (!host || !HostAllowed(*host)) return Forbidden(kInvalidHost);
  }
  std::optional<std::string> origin = request.Header("Origin");
  if (!origin) return std::nullopt;
  // The server's own origin: the page was served by this server under the name the browser
  // used for it (the Host header, checked above).
  std::optional<std::string> host = request.Header("Host");
  const std::string own_authority = host ? AsciiLower(TrimSpace(*host)) : "";
  const std::string normalized = NormalizeOrigin(*origin);
  const bool own = !own_authority.empty() && (normalized == "http://" + own_authority ||
                                              normalized == "https://" + own_authority);
  if (request.method == "OPTIONS") {
    if (!own && !CorsAllowed(*origin)) return Forbidden(kCrossOriginBlocked);
    HttpResponse preflight{.status = 204, .content_type = "text/plain; charset=utf-8"};
    std::optional<std::string> headers = request.Header("Access-Control-Request-Headers");
    preflight.headers = {
        {"Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS"},
        {"Access-Control-Allow-Headers", headers ? *headers : "Content-Type, Authorization"},
        {"Access-Control-Max-Age", "600"}};
    return preflight;
  }
  if (IsStateChanging(request.method) && !own && !CorsAllowed(*origin)) {
    return Forbidden(kCrossOriginBlocked);
  }
  return std::nullopt;
}

void BrowserGuard::Decorate(const HttpRequest& request, HttpResponse& response) const {
  auto has = [&response](std::string_view name) {
    return std::any_of(
        response.headers.begin(), response.headers.end(),
        [name](const auto& header) { return AsciiLower(header.first) == AsciiLower(name); });
  };
  if (!has("X-Content-Type-Options"))
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (!has("X-Frame-Options")) response.headers.emplace_back("X-Frame-Options", "SAMEORIGIN");
  std::optional<std::string> origin = request.Header("Origin");
  if (origin && CorsAllowed(*origin)) {
    response.headers.emplace_back("Access-Control-Allow-Origin", *origin);
    response.headers.emplace_back("Access-Control-Allow-Credentials", "true");
    response.headers.emplace_back("Vary", "Origin");
  }
}

}  // namespace orchard
