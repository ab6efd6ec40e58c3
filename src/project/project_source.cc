#include "project/project_source.h"

#include <filesystem>
#include <functional>

#include <fmt/format.h>

#include "base/subprocess.h"
#include "base/text.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

Status Git(const std::vector<std::string>& args, const std::string& cwd, std::string* out,
           const std::string& what) {
  std::vector<std::string> argv = {"git"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string output;
  ORCHARD_ASSIGN_OR_RETURN(int code, RunCaptured(argv, cwd, &output));
  if (code != 0) {
    return Status::InvalidParameter(
        fmt::format("{} failed: {}", what, std::string(TrimSpace(output))));
  }
  if (out != nullptr) *out = std::string(TrimSpace(output));
  return Status::Ok();
}

// A subdirectory of the project root, checked to stay inside it.
StatusOr<std::string> SubFolder(const fs::path& root, const std::string& subdir) {
  fs::path folder = (root / subdir).lexically_normal();
  std::string relative = folder.lexically_relative(root).string();
  if (relative.starts_with("..")) {
    return Status::InvalidParameter(fmt::format("'#{}' leaves the repository", subdir));
  }
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    return Status::InvalidParameter(fmt::format("the project has no folder '{}'", subdir));
  }
  return folder.string();
}

}  // namespace

bool IsGitUri(const std::string& uri) {
  std::string base = uri.substr(0, uri.find('#'));
  return base.starts_with("https://") || base.starts_with("http://") ||
         base.starts_with("ssh://") || base.starts_with("git://") || base.starts_with("file://") ||
         base.starts_with("git@") || base.ends_with(".git");
}

StatusOr<ProjectCheckout> CheckoutProject(const std::string& uri, const std::string& version,
                                          const std::string& cache_dir) {
  ProjectCheckout checkout;
  checkout.source = uri;
  std::error_code ec;
  if (!IsGitUri(uri)) {
    fs::path folder = fs::absolute(uri, ec).lexically_normal();
    if (!fs::is_directory(folder, ec)) {
      return Status::InvalidParameter(fmt::format(
          "'{}' is not a project folder; give a folder with an MLproject file or a git URL", uri));
    }
    if (!version.empty()) {
      return Status::InvalidParameter("--version applies to git projects only");
    }
    checkout.folder = folder.string();
    if (checkout.folder.size() > 1 && checkout.folder.ends_with('/')) checkout.folder.pop_back();
    // The commit of a local project in git, as MLflow records it; none outside git.
    std::string commit;
    if (Git({"rev-parse", "HEAD"}, checkout.folder, &commit, "git").ok()) {
      checkout.git_commit = commit;
    }
    return checkout;
  }
  size_t hash_at = uri.find('#');
  std::string repository = uri.substr(0, hash_at);
  std::string subdir = hash_at == std::string::npos ? "" : uri.substr(hash_at + 1);
  fs::path clone = fs::path(cache_dir) /
                   fmt::format("{:016x}", std::hash<std::string>{}(repository + "@" + version));
  fs::remove_all(clone, ec);  // a fresh clone: the branch may have moved since last time
  fs::create_directories(clone.parent_path(), ec);
  ORCHARD_RETURN_IF_ERROR(Git({"clone", "--quiet", repository, clone.string()}, "", nullptr,
                              fmt::format("cloning {}", repository)));
  if (!version.empty()) {
    ORCHARD_RETURN_IF_ERROR(Git({"checkout", "--quiet", version}, clone.string(), nullptr,
                                fmt::format("checking out '{}' of {}", version, repository)));
  }
  ORCHARD_RETURN_IF_ERROR(Git({"rev-parse", "HEAD"}, clone.string(), &checkout.git_commit, "git"));
  ORCHARD_ASSIGN_OR_RETURN(checkout.folder, SubFolder(clone, subdir));
  return checkout;
}

}  // namespace orchard
