#include <algorithm>
#include <array>
#include <filesystem>
#include <string_view>

#include "store/artifact/artifact_repo.h"

namespace orchard {

std::string ArtifactMimeType(const std::string& path) {
  // MLflow's TEXT_EXTENSIONS (mlflow/server/handlers.py): shown as text by the UI.
  static constexpr std::array<std::string_view, 25> kText = {
      "txt",  "log",   "err",  "cfg",  "conf", "cnf",     "cf",       "ini", "properties",
      "prop", "hocon", "toml", "yaml", "yml",  "xml",     "json",     "js",  "py",
      "py3",  "csv",   "tsv",  "md",   "rst",  "MLmodel", "MLproject"};
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {"png", "image/png"}, {"jpg", "image/jpeg"},      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"}, {"svg", "image/svg+xml"},   {"html", "text/html"},
      {"htm", "text/html"}, {"pdf", "application/pdf"}, {"parquet", "application/octet-stream"}};
  std::string name = std::filesystem::path(path).filename().string();
  size_t dot = name.rfind('.');
  std::string extension = dot == std::string::npos ? name : name.substr(dot + 1);
  if (std::find(kText.begin(), kText.end(), extension) != kText.end()) return "text/plain";
  for (const auto& [known, type] : kTypes) {
    if (extension == known) return std::string(type);
  }
  return "application/octet-stream";
}

}  // namespace orchard
