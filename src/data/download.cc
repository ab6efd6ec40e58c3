#include "data/download.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <ostream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace fs = std::filesystem;

namespace orchard {
namespace {

std::string HexDigest(const unsigned char* digest, unsigned int length) {
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string Sha256Text(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  return HexDigest(digest, length);
}

std::string FileNameOf(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  size_t slash = path.rfind('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.empty() || name.find("..") != std::string::npos) name = "download";
  return name;
}

// The cache's record of a finished download: "<size> <sha256> <url>" on one line.
struct CacheRecord {
  uint64_t size = 0;
  std::string sha256;
};

bool ReadRecord(const fs::path& path, CacheRecord& record) {
  std::ifstream in(path);
  return static_cast<bool>(in >> record.size >> record.sha256);
}

// What one transfer writes: the body into the partial file (appending when resuming), or, for
// an error status, into `error_body` for the message.
struct Transfer {
  CURL* curl = nullptr;
  FILE* file = nullptr;
  fs::path part;
  uint64_t resumed_from = 0;
  bool decided = false;
  bool to_file = false;
  std::string error_body;
  std::ostream* progress = nullptr;
  bool progress_bar = false;
  int last_percent = -1;
};

size_t OnData(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  if (!transfer->decided) {
    transfer->decided = true;
    long status = 0;
    curl_easy_getinfo(transfer->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status == 200 || status == 206) {
      // 206: the server continues where the partial file ends; 200: it sends all again.
      const bool append = status == 206 && transfer->resumed_from > 0;
      transfer->file = std::fopen(transfer->part.c_str(), append ? "ab" : "wb");
      if (transfer->file == nullptr) return 0;  // aborts the transfer
      if (!append) transfer->resumed_from = 0;
      transfer->to_file = true;
    }
  }
  if (!transfer->to_file) {
    if (transfer->error_body.size() < 4096) transfer->error_body.append(data, bytes);
    return bytes;
  }
  return std::fwrite(data, 1, bytes, transfer->file);
}

int OnProgress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* transfer = static_cast<Transfer*>(user);
  if (transfer->progress == nullptr || total <= 0 || !transfer->to_file) return 0;
  const double done = static_cast<double>(transfer->resumed_from + static_cast<uint64_t>(now));
  const double all = static_cast<double>(transfer->resumed_from + static_cast<uint64_t>(total));
  int percent = static_cast<int>(100.0 * done / all);
  if (percent == transfer->last_percent) return 0;
  transfer->last_percent = percent;
  if (transfer->progress_bar) {
    int filled = percent / 4;
    *transfer->progress << fmt::format("\r  [{:<25}] {:>3}%  {:.1f} / {:.1f} MB",
                                       std::string(static_cast<size_t>(filled), '#'), percent,
                                       done / 1e6, all / 1e6)
                        << std::flush;
  }
  return 0;
}

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Status HttpError(long status, const std::string& url, const std::string& body) {
  std::string detail = body.substr(0, 200);
  for (char& c : detail) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::string message =
      fmt::format("{} answered HTTP {}{}{}", url, status, detail.empty() ? "" : ": ", detail);
  if (status == 401 || status == 403) return Status(ErrorCode::kPermissionDenied, message);
  if (status == 404) return Status::NotFound(message);
  if (status >= 500) return Status(ErrorCode::kTemporarilyUnavailable, message);
  return Status::InvalidParameter(message);
}

}  // namespace

StatusOr<std::string> Sha256File(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidParameter(fmt::format("cannot read '{}'", path));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  EVP_MD_CTX_free);
  EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr);
  std::vector<char> buffer(1 << 20);
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
    EVP_DigestUpdate(context.get(), buffer.data(), static_cast<size_t>(in.gcount()));
    if (!in) break;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), digest, &length);
  return HexDigest(digest, length);
}

StatusOr<Downloaded> DownloadCached(const DownloadRequest& request) {
  const fs::path folder = fs::path(request.cache_dir) / Sha256Text(request.url).substr(0, 24);
  const std::string name = request.file_name.empty() ? FileNameOf(request.url) : request.file_name;
  const fs::path target = folder / name;
  const fs::path part = folder / (name + ".part");
  const fs::path record_path = folder / "download.txt";
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) {
    return Status(ErrorCode::kInvalidState, fmt::format("cannot create the cache folder '{}': {}",
                                                        folder.string(), ec.message()));
  }
  CacheRecord record;
  if (fs::exists(target, ec) && ReadRecord(record_path, record)) {
    ORCHARD_ASSIGN_OR_RETURN(std::string sha256, Sha256File(target.string()));
    if (fs::file_size(target, ec) == record.size && sha256 == record.sha256) {
      if (request.progress) {
        *request.progress << fmt::format("using the cached copy of {} ({})\n", request.url,
                                         target.string());
      }
      return Downloaded{target.string(), record.size, sha256, true};
    }
    if (request.progress) {
      *request.progress << fmt::format(
          "the cached copy of {} does not match its recorded checksum; downloading it again\n",
          request.url);
    }
    fs::remove(target, ec);
    fs::remove(record_path, ec);
  }

  InitCurlOnce();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Status::Internal("cannot start libcurl");
  Transfer transfer{.curl = curl.get(),
                    .part = part,
                    .progress = request.progress,
                    .progress_bar = request.progress_bar};
  transfer.resumed_from = fs::exists(part, ec) ? fs::file_size(part, ec) : 0;
  if (request.progress) {
    *request.progress << (transfer.resumed_from > 0
                              ? fmt::format("resuming {} at {} bytes\n", request.url,
                                            transfer.resumed_from)
                              : fmt::format("downloading {}\n", request.url));
  }
  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(handle, CURLOPT_USERAGENT, "orchard");
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, OnData);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, 30L);
  // A transfer that stalls (under 1 byte/s for a minute) fails instead of hanging.
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, 60L);
  std::string range = fmt::format("{}-", transfer.resumed_from);
  if (transfer.resumed_from > 0) curl_easy_setopt(handle, CURLOPT_RANGE, range.c_str());
  std::string credentials = request.user + ":" + request.password;
  if (!request.user.empty()) {
    curl_easy_setopt(handle, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(handle, CURLOPT_USERPWD, credentials.c_str());
  }
  CURLcode code = curl_easy_perform(handle);
  if (transfer.file != nullptr) std::fclose(transfer.file);
  if (request.progress && request.progress_bar && transfer.last_percent >= 0) {
    *request.progress << "\n";
  }
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  if (code != CURLE_OK) {
    return Status(ErrorCode::kTemporarilyUnavailable,
                  fmt::format("downloading {} failed: {}; run the command again to resume",
                              request.url, curl_easy_strerror(code)));
  }
  if (status == 416 && transfer.resumed_from > 0) {
    // The partial file is not a prefix the server can continue: start over.
    fs::remove(part, ec);
    return DownloadCached(request);
  }
  if (status != 200 && status != 206) return HttpError(status, request.url, transfer.error_body);
  if (!transfer.decided) {  // an empty body: create the (empty) file
    std::ofstream(part, std::ios::binary | std::ios::trunc);
  }
  ORCHARD_ASSIGN_OR_RETURN(std::string sha256, Sha256File(part.string()));
  const uint64_t size = fs::file_size(part, ec);
  fs::rename(part, target, ec);
  if (ec) {
    return Status(ErrorCode::kInvalidState, fmt::format("cannot store the download in '{}': {}",
                                                        target.string(), ec.message()));
  }
  {
    std::ofstream out(record_path);
    out << size << ' ' << sha256 << ' ' << request.url << '\n';
  }
  return Downloaded{target.string(), size, sha256, false};
}

}  // namespace orchard
