#include "server/artifact_location.h"

#include <filesystem>
#include <regex>

#include <fmt/format.h>

#include "store/artifact/artifact_repo.h"
#include "store/artifact/local_artifact_repo.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

Status Refused(const std::string& location, const std::string& why,
               const ArtifactLocationPolicy& policy) {
  std::string allowed = "mlflow-artifacts:/<path>";
  if (!policy.artifacts_destination.empty()) {
    allowed += fmt::format(", a folder under {}", policy.artifacts_destination);
  }
  for (const std::string& root : policy.local_roots) allowed += fmt::format(", under {}", root);
  return Status::InvalidParameter(
      fmt::format("Invalid artifact_location '{}': {}. Use {}, or a remote store URI (s3://...)",
                  location, why, allowed));
}

}  // namespace

Status CheckArtifactLocation(const std::string& location, const ArtifactLocationPolicy& policy) {
  if (location.empty()) return Status::Ok();
  constexpr std::string_view kProxy = "mlflow-artifacts:";
  if (location.starts_with(kProxy)) {
    std::string rest = location.substr(kProxy.size());
    if (rest.starts_with("//")) {  // mlflow-artifacts://host:port/path
      size_t slash = rest.find('/', 2);
      rest = slash == std::string::npos ? "" : rest.substr(slash);
    }
    while (rest.starts_with('/')) rest.erase(0, 1);
    StatusOr<std::string> path = NormalizeArtifactPath(rest);
    if (!path.ok()) return Refused(location, "its path climbs out of the artifact storage", policy);
    if (path->substr(0, path->find('/')) == "models") {
      return Refused(location, "models/ holds the model registry's copies", policy);
    }
    return Status::Ok();
  }
  static const std::regex kScheme("^([a-zA-Z][a-zA-Z0-9+.-]+):");
  std::smatch scheme;
  std::string local = location;
  if (std::regex_search(location, scheme, kScheme)) {
    if (scheme[1] != "file") return Status::Ok();  // a remote store: never read by this server
    local = location.substr(5);
    if (local.starts_with("//")) {
      size_t slash = local.find('/', 2);  // file://host/path: only the local host
      std::string host = local.substr(2, slash == std::string::npos ? slash : slash - 2);
      if (!host.empty() && host != "localhost") {
        return Refused(location, "it names another machine", policy);
      }
      local = slash == std::string::npos ? "/" : local.substr(slash);
    }
  }
  if (local.find('\0') != std::string::npos) {
    return Refused(location, "it holds a NUL character", policy);
  }
  // A relative path is the server's working folder's, as the store records it.
  std::error_code ec;
  const fs::path wanted = fs::weakly_canonical(fs::absolute(fs::path(local), ec), ec);
  std::vector<std::string> roots = policy.local_roots;
  if (!policy.artifacts_destination.empty()) roots.push_back(policy.artifacts_destination);
  for (const std::string& root : roots) {
    const fs::path base = fs::weakly_canonical(fs::path(root), ec);
    if (!ec && IsWithin(base, wanted)) {
      if (root == policy.artifacts_destination &&
          wanted.lexically_relative(base).begin()->string() == "models") {
        return Refused(location, "models/ holds the model registry's copies", policy);
      }
      return Status::Ok();
    }
  }
  return Refused(location, "it is outside the server's artifact storage", policy);
}

}  // namespace orchard
