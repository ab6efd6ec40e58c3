#include "server/web_ui.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "base/text.h"
#include "server/mlflow_reply.h"
#include "server/web_assets.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

constexpr char kIndex[] = "/index.html";
constexpr char kStatic[] = "/static-files/";
constexpr char kPolicy[] =
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'; "
    "form-action 'self'";

std::string ContentTypeOf(const std::string& path) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"}};
  auto found = kTypes.find(fs::path(path).extension().string());
  return found == kTypes.end() ? "application/octet-stream" : found->second;
}

// FNV-1a over the bytes: a validator, not a security measure.
std::string EtagOf(std::string_view data) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : data) hash = (hash ^ c) * 1099511628211ull;
  return fmt::format("\"{:016x}\"", hash);
}

// A file the UI serves, ready to answer.
struct Asset {
  std::string content_type, etag, cache_control;
  std::string data, gzip;
};

Asset MakeAsset(const std::string& path, std::string data, std::string gzip) {
  // The bundler names its outputs "<name>-<hash>.<ext>": a changed file gets a new name.
  static const std::regex kHashed("-[0-9A-Za-z]{8,}\\.[a-z0-9]+$");
  Asset asset{.content_type = ContentTypeOf(path),
              .etag = EtagOf(data),
              .cache_control = std::regex_search(path, kHashed)
                                   ? "public, max-age=31536000, immutable"
                                   : "no-cache",
              .data = std::move(data),
              .gzip = std::move(gzip)};
  return asset;
}

bool AcceptsGzip(const HttpRequest& request) {
  std::optional<std::string> accepted = request.Header("Accept-Encoding");
  return accepted && AsciiLower(*accepted).find("gzip") != std::string::npos;
}

HttpResponse Answer(const Asset& asset, const HttpRequest& request) {
  HttpResponse reply{.status = 200, .content_type = asset.content_type};
  reply.headers = {{"ETag", asset.etag},
                   {"Cache-Control", asset.cache_control},
                   {"Vary", "Accept-Encoding"},
                   {"X-Content-Type-Options", "nosniff"}};
  if (asset.content_type.starts_with("text/html")) {
    // The page has no inline script or style: a strict policy costs nothing and stops injected
    // markup from running.
    reply.headers.emplace_back("Content-Security-Policy", kPolicy);
  }
  std::optional<std::string> match = request.Header("If-None-Match");
  if (match && *match == asset.etag) {
    reply.status = 304;
    return reply;
  }
  if (!asset.gzip.empty() && AcceptsGzip(request)) {
    reply.headers.emplace_back("Content-Encoding", "gzip");
    reply.body = asset.gzip;
  } else {
    reply.body = asset.data;
  }
  return reply;
}

HttpResponse NotBuilt() {
  HttpResponse reply = ErrorReply(Status(
      ErrorCode::kEndpointNotFound,
      "The web UI was not built into this binary: build it with scripts/bootstrap.sh (it needs "
      "node and npm), or serve a built copy with --ui-dir web/dist"));
  return reply;
}

// The built-in copy: every asset prepared once.
class EmbeddedUi {
 public:
  EmbeddedUi() {
    for (const WebAsset& file : EmbeddedWebAssets()) {
      assets_.emplace(
          std::string(file.path),
          MakeAsset(std::string(file.path), std::string(file.data), std::string(file.gzip)));
    }
  }
  HttpResponse Serve(const std::string& path, const HttpRequest& request) const {
    auto found = assets_.find(path);
    if (found == assets_.end()) return assets_.empty() ? NotBuilt() : Missing(path);
    return Answer(found->second, request);
  }
  static HttpResponse Missing(const std::string& path) {
    return ErrorReply(Status::NotFound(fmt::format("The web UI has no file {}", path)));
  }

 private:
  std::map<std::string, Asset> assets_;
};

std::optional<std::string> ReadWhole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A folder on disk, read at each request, so a rebuilt UI shows at the next reload.
HttpResponse ServeFromFolder(const std::string& folder, const std::string& path,
                             const HttpRequest& request) {
  fs::path relative = fs::path(path).relative_path().lexically_normal();
  if (relative.empty() || *relative.begin() == "..") return EmbeddedUi::Missing(path);
  std::optional<std::string> data = ReadWhole(fs::path(folder) / relative);
  if (!data) return EmbeddedUi::Missing(path);
  std::optional<std::string> gzip = ReadWhole(fs::path(folder) / (relative.string() + ".gz"));
  return Answer(MakeAsset(path, std::move(*data), gzip.value_or("")), request);
}

}  // namespace

void AddWebUiRoutes(Router& router, const WebUiConfig& config) {
  auto serve = [config, embedded = std::make_shared<EmbeddedUi>()](const std::string& path,
                                                                   const HttpRequest& request) {
    return config.folder.empty() ? embedded->Serve(path, request)
                                 : ServeFromFolder(config.folder, path, request);
  };
  auto index = [serve](const HttpRequest& request) { return serve(kIndex, request); };
  router.Add("GET", "/", index);
  router.Add("GET", kIndex, index);
  router.AddPrefix("GET", kStatic,
                   [serve](const HttpRequest& request) { return serve(request.path, request); });
}

}  // namespace orchard
