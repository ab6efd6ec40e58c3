#include "client/http_artifact_repo.h"

#include <simdjson.h>

#include <filesystem>

#include <fmt/format.h>

#include "client/http_error.h"
#include "client/tracking_credentials.h"
#include "db/pg_uri.h"
#include "store/artifact/local_artifact_repo.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

constexpr std::string_view kProxyEndpoint = "/mlflow-artifacts/artifacts";

// Percent-encodes each segment of a '/'-separated path.
std::string EncodePath(const std::string& path) {
  std::string out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (start > 0) out += '/';
    out += UrlEncode(std::string_view(path).substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string JoinPath(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + "/" + b;
}

}  // namespace

StatusOr<std::unique_ptr<HttpArtifactRepo>> HttpArtifactRepo::Open(const std::string& api_url,
                                                                   const std::string& root) {
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<HttpClient> client, OpenTrackingHttpClient(api_url));
  ORCHARD_ASSIGN_OR_RETURN(std::string normalized, NormalizeArtifactPath(root));
  return std::unique_ptr<HttpArtifactRepo>(
      new HttpArtifactRepo(std::move(client), std::move(normalized)));
}

std::string HttpArtifactRepo::ProxyPath(const std::string& path) const {
  return JoinPath(root_, path);
}

Status HttpArtifactRepo::Upload(const std::string& local_file, const std::string& artifact_path) {
  std::string target = fmt::format("{}/{}", kProxyEndpoint, EncodePath(ProxyPath(artifact_path)));
  ORCHARD_ASSIGN_OR_RETURN(HttpResponse reply, client_->SendFile("PUT", target, local_file,
                                                                 ArtifactMimeType(local_file)));
  if (reply.status != 200) return StatusOfErrorReply(reply, "PUT " + artifact_path);
  return Status::Ok();
}

Status HttpArtifactRepo::LogFile(const std::string& local_file, const std::string& artifact_dir) {
  ORCHARD_ASSIGN_OR_RETURN(std::string dir, NormalizeArtifactPath(artifact_dir));
  std::error_code ec;
  if (!fs::is_regular_file(local_file, ec)) {
    return Status::InvalidParameter(fmt::format("'{}' is not a file that can be read", local_file));
  }
  return Upload(local_file, JoinPath(dir, fs::path(local_file).filename().string()));
}

Status HttpArtifactRepo::LogDir(const std::string& local_dir, const std::string& artifact_dir) {
  ORCHARD_ASSIGN_OR_RETURN(std::string dir, NormalizeArtifactPath(artifact_dir));
  std::error_code ec;
  if (!fs::is_directory(local_dir, ec)) {
    return Status::InvalidParameter(
        fmt::format("'{}' is not a folder that can be read", local_dir));
  }
  ORCHARD_ASSIGN_OR_RETURN(LocalTree tree, ScanLocalTree(local_dir));
  for (const fs::path& file : tree.files) {
    ORCHARD_RETURN_IF_ERROR(
        Upload((fs::path(local_dir) / file).string(), JoinPath(dir, file.generic_string())));
  }
  return Status::Ok();
}

StatusOr<std::vector<FileInfo>> HttpArtifactRepo::List(const std::string& path) {
  ORCHARD_ASSIGN_OR_RETURN(std::string relative, NormalizeArtifactPath(path));
  std::string target = fmt::format("{}?path={}", kProxyEndpoint, UrlEncode(ProxyPath(relative)));
  ORCHARD_ASSIGN_OR_RETURN(HttpResponse reply, client_->Send("GET", target, ""));
  if (reply.status != 200) return StatusOfErrorReply(reply, "listing " + relative);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(reply.body).get(root) != simdjson::SUCCESS) {
    return Status::BadRequest("the artifact server's listing is not JSON");
  }
  std::vector<FileInfo> files;
  simdjson::dom::array entries;
  if (root["files"].get(entries) != simdjson::SUCCESS) return files;
  for (simdjson::dom::element entry : entries) {
    std::string_view name;
    if (entry["path"].get(name) != simdjson::SUCCESS) continue;
    FileInfo info;
    info.path = JoinPath(relative, std::string(name));
    bool is_dir = false;
    if (entry["is_dir"].get(is_dir) == simdjson::SUCCESS) info.is_dir = is_dir;
    int64_t size = 0;
    if (entry["file_size"].get(size) == simdjson::SUCCESS) info.file_size = size;
    files.push_back(std::move(info));
  }
  return files;
}

Status HttpArtifactRepo::DownloadFile(const std::string& path, const std::string& local_file) {
  std::string target = fmt::format("{}/{}", kProxyEndpoint, EncodePath(ProxyPath(path)));
  ORCHARD_ASSIGN_OR_RETURN(HttpResponse reply, client_->Download(target, local_file));
  if (reply.status == 404) return Status::NotFound(fmt::format("No artifact at path '{}'", path));
  if (reply.status != 200) return StatusOfErrorReply(reply, "GET " + path);
  return Status::Ok();
}

StatusOr<std::string> HttpArtifactRepo::Download(const std::string& path,
                                                 const std::string& dest_dir) {
  ORCHARD_ASSIGN_OR_RETURN(std::string relative, NormalizeArtifactPath(path));
  fs::path dest = fs::path(dest_dir) / relative;  // dest keeps the artifact path, as MLflow does
  // As MLflow's client: a path that lists entries is a folder, else it is fetched as a file.
  ORCHARD_ASSIGN_OR_RETURN(std::vector<FileInfo> entries, List(relative));
  if (entries.empty()) {
    if (relative.empty()) return Status::NotFound("The run has no artifacts");
    ORCHARD_RETURN_IF_ERROR(DownloadFile(relative, dest.string()));
    return dest.string();
  }
  std::error_code ec;
  fs::create_directories(dest, ec);
  std::vector<FileInfo> pending = std::move(entries);
  while (!pending.empty()) {
    FileInfo entry = std::move(pending.back());
    pending.pop_back();
    fs::path local = fs::path(dest_dir) / entry.path;
    if (entry.is_dir) {
      fs::create_directories(local, ec);
      ORCHARD_ASSIGN_OR_RETURN(std::vector<FileInfo> children, List(entry.path));
      for (FileInfo& child : children) pending.push_back(std::move(child));
    } else {
      ORCHARD_RETURN_IF_ERROR(DownloadFile(entry.path, local.string()));
    }
  }
  return dest.string();
}

StatusOr<std::unique_ptr<ArtifactRepo>> OpenArtifactRepoForRun(const std::string& artifact_uri,
                                                               const std::string& tracking_uri) {
  constexpr std::string_view kProxyScheme = "mlflow-artifacts:";
  std::string api_url, root;
  if (artifact_uri.starts_with(kProxyScheme)) {
    std::string rest = artifact_uri.substr(kProxyScheme.size());
    if (rest.starts_with("//")) {
      // mlflow-artifacts://host:port/path names the server itself, reached with the tracking
      // URI's scheme (as MLflow does).
      size_t slash = rest.find('/', 2);
      const char* scheme = tracking_uri.starts_with("https://") ? "https://" : "http://";
      api_url =
          scheme + rest.substr(2, slash == std::string::npos ? slash : slash - 2) + "/api/2.0";
      root = slash == std::string::npos ? "" : rest.substr(slash);
    } else {
      if (!IsHttpUrl(tracking_uri)) {
        return Status::InvalidParameter(fmt::format(
            "Artifact URI '{}' is served by a tracking server, but the tracking URI is '{}'; "
            "set --tracking-uri to that server's http:// or https:// address",
            artifact_uri, RedactUriPassword(tracking_uri)));
      }
      std::string base = tracking_uri;
      while (base.ends_with('/')) base.pop_back();
      api_url = base + "/api/2.0";
      root = rest;
    }
  } else if (IsHttpUrl(artifact_uri)) {
    size_t at = artifact_uri.find(kProxyEndpoint);
    if (at == std::string::npos) {
      return Status::InvalidParameter(fmt::format(
          "Artifact URI '{}' is not an artifact proxy URL (.../mlflow-artifacts/artifacts/...)",
          artifact_uri));
    }
    api_url = artifact_uri.substr(0, at);
    root = artifact_uri.substr(at + kProxyEndpoint.size());
  } else {
    return OpenArtifactRepo(artifact_uri);
  }
  while (root.starts_with('/')) root.erase(0, 1);
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<HttpArtifactRepo> repo,
                           HttpArtifactRepo::Open(api_url, root));
  return std::unique_ptr<ArtifactRepo>(std::move(repo));
}

}  // namespace orchard
