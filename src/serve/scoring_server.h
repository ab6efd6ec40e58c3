// ScoringServer: MLflow's scoring protocol (mlflow/pyfunc/scoring_server) over HTTP for one live
// model:
//   GET  /ping, /health   200 "\n" while a model is loaded
//   GET  /version         JSON: the MLflow protocol version, Orchard's version, and which model
//                         is live (URI, registered name and version, run id, load time)
//   POST /invocations     application/json or text/csv in, {"predictions": ...} out
// Classifiers answer [p0, p1] per row by default (predict_proba, what the tutorial's served
// scikit-learn pipeline returned); PredictFn::kPredict answers class labels.
//
// The live model is swapped atomically (Swap): a request scores entirely on the model it
// started with, so a hot swap fails no request. Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "base/status.h"
#include "http/http_observer.h"
#include "http/http_server.h"
#include "serve/scoring_model.h"

namespace orchard {

enum class PredictFn { kPredictProba, kPredict };

// "predict_proba" or "predict".
StatusOr<PredictFn> ParsePredictFn(std::string_view name);

// A loaded model and where it came from.
struct LiveModel {
  std::shared_ptr<const ScoringModel> model;
  std::string uri;            // as the user named it
  std::string name, version;  // the registered model version, for models:/ URIs
  std::string loaded_at;      // UTC, ISO 8601
};

struct ScoringServerOptions {
  HttpServerOptions http;
  PredictFn predict_fn = PredictFn::kPredictProba;
  std::string orchard_version;
  std::string access_log;  // JSON lines: "-" for stdout, a file, or "" for none
};

class ScoringServer {
 public:
  ScoringServer(ScoringServerOptions options, std::shared_ptr<const LiveModel> model);
  ScoringServer(const ScoringServer&) = delete;
  ScoringServer& operator=(const ScoringServer&) = delete;

  Status Start();
  int port() const;  // REQUIRES: Start() succeeded
  // Graceful: new connections are refused, requests in flight finish (HttpServer::Stop).
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds::max());
  void Wait();

  // Makes `model` live for every request that starts from now on.
  void Swap(std::shared_ptr<const LiveModel> model);
  std::shared_ptr<const LiveModel> live() const {
    std::lock_guard lock(live_mutex_);
    return live_;
  }

  // One request, without sockets (what the HTTP threads call; tests and benchmarks too).
  HttpResponse Handle(const HttpRequest& request) const;

 private:
  HttpResponse Invocations(const HttpRequest& request) const;
  HttpResponse Version() const;

  void ShowLive(const LiveModel& model);

  ScoringServerOptions options_;
  // A mutex rather than std::atomic<std::shared_ptr>: libstdc++ 12 implements that with a lock
  // bit ThreadSanitizer does not see, and an uncontended lock costs tens of nanoseconds against
  // microseconds of scoring.
  mutable std::mutex live_mutex_;
  std::shared_ptr<const LiveModel> live_;
  std::unique_ptr<HttpObserver> observer_;
  CounterFamily* rows_scored_ = nullptr;
  CounterFamily* swaps_ = nullptr;
  GaugeFamily* model_info_ = nullptr;
  std::unique_ptr<HttpServer> http_;
};

// The body of a successful answer for `proba` (the positive class's probability per row).
std::string PredictionsJson(const std::vector<double>& proba, const ScoringModel& model,
                            PredictFn predict_fn);

}  // namespace orchard
