#include "data/dataset_source.h"

#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "data/download.h"
#include "data/zip_archive.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

constexpr char kCredentialsHelp[] =
    "Kaggle needs your API credentials: create a token on kaggle.com (Settings, API, Create New "
    "Token) and put kaggle.json in ~/.kaggle/, or set KAGGLE_USERNAME and KAGGLE_KEY";

struct KaggleSpec {
  std::string owner, dataset, file;  // file may be empty
};

// "owner/dataset[/file...]": Kaggle's slugs are letters, digits, '-', '_' and '.'.
bool ParseKaggleSpec(const std::string& text, KaggleSpec& spec) {
  static const std::regex kPattern(R"(([A-Za-z0-9_.\-]+)/([A-Za-z0-9_.\-]+)(?:/(.+))?)");
  std::smatch match;
  if (!std::regex_match(text, match, kPattern)) return false;
  spec = {match[1], match[2], match[3]};
  return spec.file.find("..") == std::string::npos;
}

bool EndsWithCsv(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.ends_with(".csv");
}

StatusOr<std::string> ChooseEntry(const std::vector<std::string>& entries, const KaggleSpec& spec,
                                  const std::string& zip) {
  std::string listing;
  for (const std::string& entry : entries) listing += (listing.empty() ? "" : ", ") + entry;
  if (!spec.file.empty()) {
    for (const std::string& entry : entries) {
      if (entry == spec.file || fs::path(entry).filename() == fs::path(spec.file).filename()) {
        return entry;
      }
    }
    return Status::NotFound(fmt::format("the dataset {}/{} has no file '{}'; it holds: {}",
                                        spec.owner, spec.dataset, spec.file, listing));
  }
  std::vector<std::string> csvs;
  for (const std::string& entry : entries) {
    if (EndsWithCsv(entry)) csvs.push_back(entry);
  }
  if (csvs.size() == 1) return csvs.front();
  if (csvs.empty()) {
    return Status::InvalidParameter(
        fmt::format("the dataset {}/{} ({}) holds no CSV file; it holds: {}", spec.owner,
                    spec.dataset, zip, listing.empty() ? "nothing" : listing));
  }
  return Status::InvalidParameter(
      fmt::format("the dataset {}/{} holds several CSV files ({}); name one, e.g. kaggle:{}/{}/{}",
                  spec.owner, spec.dataset, listing, spec.owner, spec.dataset, csvs.front()));
}

StatusOr<std::string> FetchKaggle(const KaggleSpec& spec, const SourceOptions& options) {
  if (options.kaggle_username.empty() || options.kaggle_key.empty()) {
    return Status::InvalidParameter(kCredentialsHelp);
  }
  std::string base = options.kaggle_api_url;
  while (base.ends_with('/')) base.pop_back();
  std::string url = fmt::format("{}/datasets/download/{}/{}", base, spec.owner, spec.dataset);
  if (!spec.file.empty()) url += "/" + spec.file;
  DownloadRequest request{.url = url,
                          .cache_dir = options.cache_dir,
                          .file_name = spec.file.empty() ? spec.dataset + ".zip"
                                                         : fs::path(spec.file).filename().string(),
                          .user = options.kaggle_username,
                          .password = options.kaggle_key,
                          .progress = options.progress,
                          .progress_bar = options.progress_bar};
  StatusOr<Downloaded> downloaded = DownloadCached(request);
  if (!downloaded.ok()) {
    const Status& status = downloaded.status();
    if (status.code() == ErrorCode::kResourceDoesNotExist) {
      return Status::NotFound(
          spec.file.empty()
              ? fmt::format("Kaggle has no dataset {}/{} (check the owner and name in its URL)",
                            spec.owner, spec.dataset)
              : fmt::format("Kaggle has no file '{}' in the dataset {}/{}", spec.file, spec.owner,
                            spec.dataset));
    }
    if (status.code() == ErrorCode::kPermissionDenied) {
      return Status(ErrorCode::kPermissionDenied,
                    fmt::format("Kaggle refused the credentials of user '{}' for {}/{}: check "
                                "the key in kaggle.json or KAGGLE_KEY, and that you accepted the "
                                "dataset's terms on kaggle.com",
                                options.kaggle_username, spec.owner, spec.dataset));
    }
    return status;
  }
  if (!LooksLikeZip(downloaded->path)) return downloaded->path;  // a single file, not zipped
  ORCHARD_ASSIGN_OR_RETURN(std::vector<std::string> entries, ListZip(downloaded->path));
  ORCHARD_ASSIGN_OR_RETURN(std::string entry, ChooseEntry(entries, spec, downloaded->path));
  fs::path extracted =
      fs::path(downloaded->path).parent_path() / "extracted" / fs::path(entry).filename();
  std::error_code ec;
  // A fresh download may differ from what was extracted before.
  if (!downloaded->from_cache) fs::remove_all(extracted.parent_path(), ec);
  if (!fs::exists(extracted, ec)) {
    fs::create_directories(extracted.parent_path(), ec);
    ORCHARD_RETURN_IF_ERROR(ExtractZipEntry(downloaded->path, entry, extracted.string()));
  }
  return extracted.string();
}

}  // namespace

Status LoadKaggleCredentials(const std::string& config_dir, SourceOptions& options) {
  fs::path path = fs::path(config_dir) / "kaggle.json";
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::Ok();
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view username, key;
  if (parser.parse(simdjson::padded_string(text.str())).get(root) ||
      root["username"].get(username) || root["key"].get(key)) {
    return Status::InvalidParameter(fmt::format(
        "'{}' should be {{\"username\": \"...\", \"key\": \"...\"}} as kaggle.com writes it",
        path.string()));
  }
  options.kaggle_username = std::string(username);
  options.kaggle_key = std::string(key);
  return Status::Ok();
}

StatusOr<std::string> ResolveDataSource(const std::string& source, const SourceOptions& options) {
  if (source.empty()) return Status::InvalidParameter("no data source given");
  if (source.starts_with("http://") || source.starts_with("https://")) {
    ORCHARD_ASSIGN_OR_RETURN(Downloaded downloaded,
                             DownloadCached({.url = source,
                                             .cache_dir = options.cache_dir,
                                             .progress = options.progress,
                                             .progress_bar = options.progress_bar}));
    return downloaded.path;
  }
  KaggleSpec spec;
  constexpr std::string_view kKaggle = "kaggle:";
  if (source.starts_with(kKaggle)) {
    if (!ParseKaggleSpec(source.substr(kKaggle.size()), spec)) {
      return Status::InvalidParameter(
          fmt::format("'{}' is not a Kaggle dataset; write kaggle:owner/dataset or "
                      "kaggle:owner/dataset/file.csv",
                      source));
    }
    return FetchKaggle(spec, options);
  }
  std::error_code ec;
  if (fs::exists(source, ec)) return source;
  if (ParseKaggleSpec(source, spec)) return FetchKaggle(spec, options);
  return Status::InvalidParameter(fmt::format(
      "no file '{}'; give a CSV path, an http(s):// URL or kaggle:owner/dataset[/file.csv]",
      source));
}

}  // namespace orchard
