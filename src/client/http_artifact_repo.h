// HttpArtifactRepo: a run's artifacts behind a tracking server's artifact proxy
// (/api/2.0/mlflow-artifacts/artifacts), as MLflow's HttpArtifactRepository: a PUT per file,
// the proxy's listing, a GET per file. Files stream from and to disk, never whole in memory;
// downloads land atomically. Thread-compatible (one connection, requests serialised).
#pragma once

#include <memory>
#include <string>

#include "http/http_client.h"
#include "store/artifact/artifact_repo.h"

namespace orchard {

class HttpArtifactRepo : public ArtifactRepo {
 public:
  // `api_url`: the server's API root, "http://host:port/api/2.0"; `root`: the repository's
  // path inside the proxy, "1/<run_id>/artifacts".
  static StatusOr<std::unique_ptr<HttpArtifactRepo>> Open(const std::string& api_url,
                                                          const std::string& root);

  Status LogFile(const std::string& local_file, const std::string& artifact_dir) override;
  Status LogDir(const std::string& local_dir, const std::string& artifact_dir) override;
  StatusOr<std::vector<FileInfo>> List(const std::string& path) override;
  StatusOr<std::string> Download(const std::string& path, const std::string& dest_dir) override;

 private:
  HttpArtifactRepo(std::unique_ptr<HttpClient> client, std::string root)
      : client_(std::move(client)), root_(std::move(root)) {}

  // The proxy's full path of an artifact path ("" is the root).
  std::string ProxyPath(const std::string& path) const;
  Status Upload(const std::string& local_file, const std::string& artifact_path);
  Status DownloadFile(const std::string& path, const std::string& local_file);

  std::unique_ptr<HttpClient> client_;
  std::string root_;
};

// The repository for any artifact URI a run can have: a local path or file:// URI
// (LocalArtifactRepo); mlflow-artifacts:/<path>, served by the tracking server `tracking_uri`
// (which must then be http:// or https://); mlflow-artifacts://host:port/<path>; or an http(s)
// URI of a
// proxy (".../mlflow-artifacts/artifacts/<path>").
StatusOr<std::unique_ptr<ArtifactRepo>> OpenArtifactRepoForRun(const std::string& artifact_uri,
                                                               const std::string& tracking_uri);

}  // namespace orchard
