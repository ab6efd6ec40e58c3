#include "serve/scoring_server.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

#include <fmt/format.h>

#include "base/json_writer.h"
#include "base/text.h"
#include "server/mlflow_reply.h"

namespace orchard {
namespace {

// The MLflow version whose scoring protocol this server speaks.
constexpr char kMlflowProtocolVersion[] = "2.12.2";

HttpResponse PlainText(int status, std::string body) {
  return {.status = status, .content_type = "text/plain; charset=utf-8", .body = std::move(body)};
}

// A class label as JSON: a number when the label is one ("1" -> 1), else a string.
void WriteLabel(JsonWriter& json, const std::string& label) {
  int64_t number = 0;
  auto [end, error] = std::from_chars(label.data(), label.data() + label.size(), number);
  if (error == std::errc() && end == label.data() + label.size() && !label.empty()) {
    json.Int(number);
  } else {
    json.String(label);
  }
}

}  // namespace

StatusOr<PredictFn> ParsePredictFn(std::string_view name) {
  if (name == "predict_proba") return PredictFn::kPredictProba;
  if (name == "predict") return PredictFn::kPredict;
  return Status::InvalidParameter(
      fmt::format("unknown predict function '{}'; choose predict_proba or predict", name));
}

std::string PredictionsJson(const std::vector<double>& proba, const ScoringModel& model,
                            PredictFn predict_fn) {
  JsonWriter json;
  json.BeginObject().Key("predictions").BeginArray();
  for (double p : proba) {
    if (predict_fn == PredictFn::kPredict) {
      // scikit-learn's predict: the positive class when its probability is above one half.
      WriteLabel(json, p > 0.5 ? model.positive_class() : model.negative_class());
    } else {
      json.BeginArray().Double(1.0 - p).Double(p).EndArray();
    }
  }
  return json.EndArray().EndObject().Take();
}

ScoringServer::ScoringServer(ScoringServerOptions options, std::shared_ptr<const LiveModel> model)
    : options_(std::move(options)), live_(std::move(model)) {}

void ScoringServer::Swap(std::shared_ptr<const LiveModel> model) {
  if (swaps_ != nullptr) swaps_->Add({});
  if (model) ShowLive(*model);
  std::shared_ptr<const LiveModel> previous;
  {
    std::lock_guard lock(live_mutex_);
    previous = std::exchange(live_, std::move(model));
  }
  // `previous` (the model swapped out) is freed here, outside the lock, once no request holds it.
}

void ScoringServer::ShowLive(const LiveModel& model) {
  if (model_info_ == nullptr) return;
  model_info_->Clear();
  model_info_->Set({model.uri, model.name, model.version}, 1);
}

Status ScoringServer::Start() {
  ORCHARD_ASSIGN_OR_RETURN(observer_, HttpObserver::Create({
                                          .access_log = options_.access_log,
                                          .route_of =
                                              [](const HttpRequest& request) {
                                                const std::string& path = request.path;
                                                bool known = path == "/invocations" ||
                                                             path == "/ping" || path == "/health" ||
                                                             path == "/version" ||
                                                             path == "/metrics";
                                                return known ? path : std::string("other");
                                              },
                                      }));
  MetricsRegistry& metrics = observer_->metrics();
  rows_scored_ = &metrics.Counter("orchard_scoring_rows_total", "Rows scored");
  swaps_ = &metrics.Counter("orchard_scoring_model_swaps_total",
                            "Times a new model version went live (--watch)");
  swaps_->Add({}, 0);
  model_info_ = &metrics.Gauge("orchard_scoring_model_info",
                               "The model being served: its URI, registered name and version",
                               {"model_uri", "name", "version"});
  if (auto live = this->live()) ShowLive(*live);
  HttpServerOptions http = options_.http;
  http.error_reply = HttpLayerErrorReply;
  observer_->Attach(http);
  http_ = std::make_unique<HttpServer>(
      http, [this](const HttpRequest& request) { return Handle(request); });
  observer_->Watch(*http_);
  return http_->Start();
}

int ScoringServer::port() const { return http_->port(); }

void ScoringServer::Stop(std::chrono::milliseconds grace) {
  if (http_) http_->Stop(grace);
}

void ScoringServer::Wait() {
  if (http_) http_->Wait();
}

HttpResponse ScoringServer::Handle(const HttpRequest& request) const {
  const std::string& path = request.path;
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (path == "/invocations") {
    if (request.method == "POST") return Invocations(request);
  } else if (path == "/ping" || path == "/health") {
    if (get)
      return {.status = live() ? 200 : 404, .content_type = "application/json", .body = "\n"};
  } else if (path == "/version") {
    if (get) return Version();
  } else if (path == "/metrics" && observer_) {
    if (get) return observer_->MetricsReply();
  } else {
    return ErrorReply(Status(ErrorCode::kEndpointNotFound,
                             fmt::format("No endpoint {} {}; the scoring server answers /ping, "
                                         "/health, /version, /metrics and POST /invocations",
                                         request.method, path)));
  }
  HttpResponse reply = ErrorReply(
      Status::BadRequest(fmt::format("The method {} is not allowed for {}", request.method, path)));
  reply.status = 405;
  return reply;
}

HttpResponse ScoringServer::Version() const {
  std::shared_ptr<const LiveModel> live = this->live();
  JsonWriter json;
  json.BeginObject()
      .Field("mlflow_version", kMlflowProtocolVersion)
      .Field("orchard_version", options_.orchard_version);
  if (live) {
    json.Field("model_uri", live->uri);
    if (!live->name.empty()) {
      json.Field("model_name", live->name).Field("model_version", live->version);
    }
    json.Field("run_id", live->model->run_id())
        .Field("model_uuid", live->model->model_uuid())
        .Field("model_type", live->model->model_type())
        .Field("loaded_at", live->loaded_at);
  }
  return JsonReply(json.EndObject().Take());
}

HttpResponse ScoringServer::Invocations(const HttpRequest& request) const {
  // Content-Type as MLflow reads it: a media type, then parameters of which only charset=utf-8
  // is accepted.
  std::string_view content_type = request.content_type;
  std::string_view media = TrimSpace(content_type.substr(0, content_type.find(';')));
  std::vector<std::string> unknown_parameters;
  for (size_t at = content_type.find(';'); at != std::string_view::npos;) {
    size_t next = content_type.find(';', at + 1);
    std::string_view parameter = TrimSpace(content_type.substr(at + 1, next - at - 1));
    at = next;
    if (parameter.empty()) continue;
    size_t equals = parameter.find('=');
    std::string key = AsciiLower(TrimSpace(parameter.substr(0, equals)));
    std::string value =
        equals == std::string_view::npos ? "" : AsciiLower(TrimSpace(parameter.substr(equals + 1)));
    if (key == "charset") {
      if (value != "utf-8" && value != "\"utf-8\"") {
        return PlainText(415, "The scoring server only supports UTF-8");
      }
    } else {
      unknown_parameters.push_back(key);
    }
  }
  if (!unknown_parameters.empty()) {
    return PlainText(415, fmt::format("Unrecognized content type parameters: {}. Orchard, like "
                                      "MLflow 2, reads the input's shape from the JSON body.",
                                      fmt::join(unknown_parameters, ", ")));
  }
  const std::string mime = AsciiLower(media);
  const bool json = mime == "application/json";
  if (!json && mime != "text/csv") {
    return PlainText(415, fmt::format("This predictor only supports the following content types: "
                                      "Types: ['text/csv', 'application/json']. Got '{}'.",
                                      content_type));
  }
  std::shared_ptr<const LiveModel> live = this->live();
  if (!live) {
    return ErrorReply(Status(ErrorCode::kTemporarilyUnavailable, "no model is loaded yet"));
  }
  const ScoringModel& model = *live->model;
  // Per-thread buffers, reused from request to request.
  thread_local InputTable table;
  thread_local std::vector<double> proba;
  Status parsed = json ? ParseJsonInput(request.body, model.schema(), table)
                       : ParseCsvInput(request.body, model.schema(), table);
  if (!parsed.ok()) {
    table.ReleaseIfLarge();
    return ErrorReply(parsed);
  }
  Status scored = model.PredictProba(table, proba);
  if (scored.ok() && rows_scored_ != nullptr)
    rows_scored_->Add({}, static_cast<double>(table.rows));
  // A large request's buffers are freed, not kept by this thread for the next one.
  table.ReleaseIfLarge();
  if (!scored.ok()) return ErrorReply(scored);
  HttpResponse reply = JsonReply(PredictionsJson(proba, model, options_.predict_fn));
  if (proba.capacity() > (1u << 20)) std::vector<double>().swap(proba);
  return reply;
}

}  // namespace orchard
