// Every endpoint of the tracking server (tracking, artifact proxy, registry), through the same
// route table the server uses, over a real SQLite store in a scratch folder. The first byte picks
// the endpoint; the rest is the JSON body (POST, PATCH, DELETE) or the query string and path
// (GET). A handler must answer every input with a reply (an MLflow error for bad ones): an
// exception escaping a handler would be a 500 for the client, so it stops the fuzzer here.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "http/router.h"
#include "scratch_stores.h"
#include "server/artifact_handlers.h"
#include "server/registry_handlers.h"
#include "server/tracking_handlers.h"

namespace {

struct Endpoint {
  const char* method;
  const char* path;
};

// The routes as clients call them; artifact paths get the fuzzed text appended.
const std::vector<Endpoint> kEndpoints = {{"POST", "experiments/create"},
                                          {"GET", "experiments/get"},
                                          {"GET", "experiments/get-by-name"},
                                          {"POST", "experiments/search"},
                                          {"POST", "experiments/delete"},
                                          {"POST", "experiments/restore"},
                                          {"POST", "experiments/update"},
                                          {"POST", "experiments/set-experiment-tag"},
                                          {"POST", "runs/create"},
                                          {"POST", "runs/update"},
                                          {"POST", "runs/delete"},
                                          {"POST", "runs/restore"},
                                          {"GET", "runs/get"},
                                          {"POST", "runs/log-metric"},
                                          {"POST", "runs/log-parameter"},
                                          {"POST", "runs/set-tag"},
                                          {"POST", "runs/delete-tag"},
                                          {"POST", "runs/log-batch"},
                                          {"POST", "runs/log-model"},
                                          {"POST", "runs/log-inputs"},
                                          {"POST", "runs/search"},
                                          {"GET", "metrics/get-history"},
                                          {"GET", "metrics/get-history-bulk-interval"},
                                          {"GET", "artifacts/list"},
                                          {"POST", "registered-models/create"},
                                          {"GET", "registered-models/get"},
                                          {"POST", "registered-models/rename"},
                                          {"PATCH", "registered-models/update"},
                                          {"DELETE", "registered-models/delete"},
                                          {"GET", "registered-models/search"},
                                          {"POST", "registered-models/get-latest-versions"},
                                          {"POST", "registered-models/set-tag"},
                                          {"DELETE", "registered-models/delete-tag"},
                                          {"POST", "registered-models/alias"},
                                          {"DELETE", "registered-models/alias"},
                                          {"GET", "registered-models/alias"},
                                          {"POST", "model-versions/create"},
                                          {"GET", "model-versions/get"},
                                          {"PATCH", "model-versions/update"},
                                          {"DELETE", "model-versions/delete"},
                                          {"GET", "model-versions/search"},
                                          {"GET", "model-versions/get-download-uri"},
                                          {"POST", "model-versions/transition-stage"},
                                          {"POST", "model-versions/set-tag"},
                                          {"DELETE", "model-versions/delete-tag"}};

struct Server : orchard::fuzzing::ScratchStores {
  orchard::Router router;
};

Server& TheServer() {
  static Server* server = [] {
    spdlog::set_level(spdlog::level::off);
    auto* made = new Server{orchard::fuzzing::OpenScratchStores("fuzz-rest"), {}};
    const std::string artifacts = (made->dir / "artifacts").string();
    orchard::AddTrackingRoutes(made->router,
                               {.store = made->tracking.get(), .artifacts_destination = artifacts});
    orchard::AddArtifactRoutes(made->router,
                               {.store = made->tracking.get(), .destination = artifacts});
    orchard::AddRegistryRoutes(made->router, {.registry = made->registry.get(),
                                              .tracking = made->tracking.get(),
                                              .artifacts_destination = artifacts});
    return made;
  }();
  return *server;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Server& server = TheServer();
  const Endpoint& endpoint = kEndpoints[data[0] % kEndpoints.size()];
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  orchard::HttpRequest request;
  request.method = endpoint.method;
  request.content_type = "application/json";
  std::string target = std::string("/api/2.0/mlflow/") + endpoint.path;
  if (request.method == "GET") {
    target += "?" + rest;
  } else {
    request.body = rest;
  }
  request.target = target;
  if (!orchard::ParseRequestTarget(target, request.path, request.query)) return 0;
  const orchard::HttpHandler* handler = nullptr;
  if (server.router.Find(request.method, request.path, &handler) !=
      orchard::Router::Match::kFound) {
    std::abort();  // every endpoint above is routed
  }
  try {
    orchard::HttpResponse reply = (*handler)(request);
    if (reply.status >= 500) {
      std::fprintf(stderr, "%s %s answered %d: %s\n", endpoint.method, endpoint.path, reply.status,
                   reply.body.c_str());
      std::abort();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s %s threw: %s\n", endpoint.method, endpoint.path, e.what());
    std::abort();
  }
  return 0;
}
