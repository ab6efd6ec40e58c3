// orchard models serve | predict: a logged or registered model scored over HTTP (MLflow's
// scoring protocol) or in batch from a file.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "base/atomic_file.h"
#include "base/ids.h"
#include "base/json_writer.h"
#include "base/owned_folder.h"
#include "base/scratch_dir.h"
#include "cli/cli_app.h"
#include "cli/http_flags.h"
#include "data/csv_reader.h"
#include "pipeline/model_uri.h"
#include "serve/scoring_server.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

using Clock = std::chrono::steady_clock;

std::string UtcNow() {
  auto now = std::chrono::system_clock::now();
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::seconds>(now));
}

// Resolves and loads `uri`. `downloads` receives run artifacts that are not local files.
StatusOr<std::shared_ptr<const LiveModel>> LoadLiveModel(CliContext& context,
                                                         const std::string& uri,
                                                         const fs::path& downloads) {
  ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
  RegistryStore* registry = nullptr;
  if (uri.starts_with("models:/")) {
    ORCHARD_ASSIGN_OR_RETURN(registry, context.registry());
  }
  ORCHARD_ASSIGN_OR_RETURN(ResolvedModel resolved,
                           ResolveModelUri(uri, *client, registry, downloads.string()));
  auto live = std::make_shared<LiveModel>();
  ORCHARD_ASSIGN_OR_RETURN(live->model, ScoringModel::Load(resolved.folder));
  live->uri = uri;
  live->name = resolved.name;
  live->version = resolved.version;
  live->loaded_at = UtcNow();
  return std::shared_ptr<const LiveModel>(std::move(live));
}

std::string Describe(const LiveModel& live) {
  if (live.name.empty()) return live.uri;
  return fmt::format("{}, {} version {}", live.uri, live.name, live.version);
}

// With --watch: re-resolves the URI every interval on a thread of its own and swaps the server
// to a new version once it has loaded; a failed load leaves the running version serving.
class RegistryWatcher {
 public:
  RegistryWatcher(CliContext& context, ScoringServer& server, std::string uri,
                  std::chrono::milliseconds interval, fs::path downloads)
      : context_(context),
        server_(server),
        uri_(std::move(uri)),
        interval_(interval),
        downloads_(std::move(downloads)),
        thread_([this] { Loop(); }) {}
  ~RegistryWatcher() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void Loop() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
      lock.unlock();
      Check();
      lock.lock();
    }
  }

  void Check() {
    StatusOr<Client*> client = context_.client();
    StatusOr<RegistryStore*> registry = context_.registry();
    if (!client.ok() || !registry.ok()) return;
    std::shared_ptr<const LiveModel> live = server_.live();
    // Only the version is read first: nothing is loaded while the URI still names the same one.
    StatusOr<ModelVersion> resolved = ResolveRegisteredVersion(uri_, **registry);
    if (!resolved.ok()) {
      Report(fmt::format("watch: {}: {}; still serving version {}", uri_,
                         resolved.status().message(), live->version));
      return;
    }
    if (resolved->version == live->version) return;
    fs::path folder = downloads_ / fmt::format("v{}", resolved->version);
    StatusOr<std::shared_ptr<const LiveModel>> next = LoadLiveModel(context_, uri_, folder);
    if (!next.ok()) {
      Report(fmt::format("watch: cannot load {} version {}: {}; still serving version {}", uri_,
                         resolved->version, next.status().message(), live->version));
      return;
    }
    server_.Swap(*next);
    Report(fmt::format("now serving {}", Describe(**next)));
  }

  void Report(const std::string& line) {
    if (line == last_report_) return;  // the same problem once, not every interval
    last_report_ = line;
    context_.out() << line << std::endl;
  }

  CliContext& context_;
  ScoringServer& server_;
  std::string uri_;
  std::chrono::milliseconds interval_;
  fs::path downloads_;
  std::string last_report_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

struct ServeFlags {
  std::string model_uri;
  std::string host = "127.0.0.1";
  int port = 5000;
  int workers = 0;
  std::string predict_fn = "predict_proba";
  bool watch = false;
  double watch_interval = 5;
  int max_request_mb = 0;  // the older spelling of --max-body-size, in MiB
  HttpFlags http;
  std::string env_manager;
  bool no_conda = false;
};

Status Serve(CliContext& context, const ServeFlags& flags) {
  ORCHARD_ASSIGN_OR_RETURN(PredictFn predict_fn, ParsePredictFn(flags.predict_fn));
  if (flags.watch && !NamesMovingVersion(flags.model_uri)) {
    return Status::InvalidParameter(
        "--watch needs a URI that can move to another version: models:/<name>/<stage>, "
        "models:/<name>@<alias> or models:/<name>/latest");
  }
  if (flags.watch_interval <= 0) {
    return Status::InvalidParameter("--watch-interval must be a positive number of seconds");
  }
  if (flags.max_request_mb < 0) return Status::InvalidParameter("--max-request-mb must be >= 1");
  int workers = flags.workers > 0
                    ? flags.workers
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (workers > 256) return Status::InvalidParameter("--workers must be between 1 and 256");
  // Downloaded versions live in a folder of this process's own, locked while it runs: one that a
  // crashed server left (kill -9 in the middle of a swap) is removed by the next start.
  std::error_code temp_ec;
  const fs::path temp = fs::temp_directory_path(temp_ec);
  if (temp_ec) return Status(ErrorCode::kInvalidState, "no temporary folder to download into");
  RemoveAbandonedFolders(temp, "orchard-serve-");
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<OwnedFolder> downloads,
                           OwnedFolder::Create(temp / fmt::format("orchard-serve-{}-{}", ::getpid(),
                                                                  NewRunId().substr(0, 8))));
  auto started = Clock::now();
  ORCHARD_ASSIGN_OR_RETURN(std::shared_ptr<const LiveModel> live,
                           LoadLiveModel(context, flags.model_uri, downloads->path() / "first"));
  double load_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();

  ScoringServerOptions options;
  HttpFlags http_flags = flags.http;
  if (flags.max_request_mb > 0 && http_flags.max_body_bytes == 0) {
    http_flags.max_body_bytes = static_cast<uint64_t>(flags.max_request_mb) << 20;
  }
  ORCHARD_RETURN_IF_ERROR(ApplyHttpFlags(http_flags, options.http));
  options.access_log = flags.http.access_log;
  // The serving threads inherit this mask, so SIGINT/SIGTERM reach only the signal wait below.
  BlockStopSignals();
  options.http.host = flags.host;
  options.http.port = flags.port;
  options.http.threads = workers;
  options.predict_fn = predict_fn;
  options.orchard_version = ORCHARD_VERSION;
  ScoringServer server(options, live);
  ORCHARD_RETURN_IF_ERROR(server.Start());
  // The readiness line: scripts and tests wait for it (with --port 0 it tells the port).
  context.out() << fmt::format(
                       "Orchard scoring server listening on {}://{}:{} ({}; loaded in {:.1f} "
                       "ms{})",
                       Scheme(flags.http), flags.host, server.port(), Describe(*live), load_ms,
                       flags.watch ? fmt::format("; watching every {} s", flags.watch_interval)
                                   : "")
                << std::endl;
  std::unique_ptr<RegistryWatcher> watcher;
  if (flags.watch) {
    watcher = std::make_unique<RegistryWatcher>(
        context, server, flags.model_uri,
        std::chrono::milliseconds(static_cast<int64_t>(flags.watch_interval * 1000)),
        downloads->path());
  }
  WaitForStopSignal(flags.http, [&](std::chrono::milliseconds grace) {
    watcher.reset();
    server.Stop(grace);
  });
  context.out() << "Orchard scoring server stopped" << std::endl;
  return Status::Ok();
}

struct PredictFlags {
  std::string model_uri, input, output, content_type, predict_fn = "predict_proba";
  int threads = 0;
};

// Scores rows [0, rows) in chunks spread over `threads` threads; progress on a terminal.
Status ScoreInParallel(const ScoringModel& model, const InputTable& table, int threads,
                       std::vector<double>& proba, std::ostream& progress, bool bar) {
  constexpr size_t kChunk = 4096;
  proba.assign(table.rows, 0);
  const size_t chunks = (table.rows + kChunk - 1) / kChunk;
  std::atomic<size_t> next{0}, done{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;  // guards `error` and `finished`
  std::condition_variable finished_cv;
  bool finished = false;
  Status error;
  auto work = [&] {
    for (size_t chunk = next++; chunk < chunks; chunk = next++) {
      const size_t first = chunk * kChunk, count = std::min(kChunk, table.rows - first);
      Status status = model.PredictRows(table, first, count, proba.data() + first);
      if (!status.ok()) {
        std::lock_guard lock(mutex);
        if (error.ok()) error = status;
        failed = true;
        next = chunks;  // the others stop at their next chunk
      }
      ++done;
    }
  };
  // On a terminal, a thread of its own redraws the percentage until the work ends.
  std::thread drawer;
  if (bar) {
    drawer = std::thread([&] {
      std::unique_lock lock(mutex);
      while (!finished) {
        progress << fmt::format("\rscoring {:>3}%", chunks ? 100 * done / chunks : 100)
                 << std::flush;
        finished_cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return finished; });
      }
      if (!failed) progress << "\rscoring 100%\n";
    });
  }
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  {
    std::lock_guard lock(mutex);
    finished = true;
  }
  finished_cv.notify_all();
  if (drawer.joinable()) drawer.join();
  return error;
}

Status WritePredictions(const std::vector<double>& proba, const ScoringModel& model,
                        PredictFn predict_fn, const std::string& path, std::ostream& out) {
  const bool json = path.empty() || fs::path(path).extension() == ".json";
  std::string text;
  if (json) {
    text = PredictionsJson(proba, model, predict_fn) + "\n";
  } else {
    text.reserve(proba.size() * 40);
    if (predict_fn == PredictFn::kPredict) {
      text += "prediction\n";
    } else {
      text += fmt::format("probability_{},probability_{}\n", model.negative_class(),
                          model.positive_class());
    }
    for (double p : proba) {
      if (predict_fn == PredictFn::kPredict) {
        text += (p > 0.5 ? model.positive_class() : model.negative_class()) + "\n";
      } else {
        fmt::format_to(std::back_inserter(text), "{},{}\n", 1.0 - p, p);
      }
    }
  }
  if (path.empty()) {
    out << text;
    return Status::Ok();
  }
  // An interrupted run leaves no half-written file.
  return WriteFileAtomically(path, text);
}

Status Predict(CliContext& context, const PredictFlags& flags) {
  ORCHARD_ASSIGN_OR_RETURN(PredictFn predict_fn, ParsePredictFn(flags.predict_fn));
  std::string type = flags.content_type;
  if (type.empty()) type = fs::path(flags.input).extension() == ".json" ? "json" : "csv";
  if (type != "csv" && type != "json") {
    return Status::InvalidParameter("--content-type must be csv or json");
  }
  const int threads = flags.threads > 0
                          ? flags.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  ORCHARD_ASSIGN_OR_RETURN(ScratchDir downloads, ScratchDir::Create("orchard-predict"));
  auto started = Clock::now();
  ORCHARD_ASSIGN_OR_RETURN(std::shared_ptr<const LiveModel> live,
                           LoadLiveModel(context, flags.model_uri, downloads.path()));
  const ScoringModel& model = *live->model;
  InputTable table;
  if (type == "csv") {
    ORCHARD_ASSIGN_OR_RETURN(Frame frame, ReadCsv(flags.input));
    ORCHARD_RETURN_IF_ERROR(TableFromFrame(frame, model.schema(), table));
  } else {
    std::ifstream in(flags.input, std::ios::binary);
    if (!in) return Status::InvalidParameter(fmt::format("cannot read '{}'", flags.input));
    std::stringstream body;
    body << in.rdbuf();
    ORCHARD_RETURN_IF_ERROR(ParseJsonInput(body.str(), model.schema(), table));
  }
  auto scoring = Clock::now();
  std::vector<double> proba;
  const bool bar = isatty(STDERR_FILENO) != 0;
  ORCHARD_RETURN_IF_ERROR(ScoreInParallel(model, table, threads, proba, context.err(), bar));
  double score_s = std::chrono::duration<double>(Clock::now() - scoring).count();
  ORCHARD_RETURN_IF_ERROR(WritePredictions(proba, model, predict_fn, flags.output, context.out()));
  double total_s = std::chrono::duration<double>(Clock::now() - started).count();
  context.err() << fmt::format(
      "scored {} rows with {} in {:.3f} s ({:.0f} rows/s scoring; {:.3f} s in all){}\n", table.rows,
      Describe(*live), score_s, score_s > 0 ? table.rows / score_s : 0.0, total_s,
      flags.output.empty() ? "" : fmt::format("; wrote {}", flags.output));
  return Status::Ok();
}

}  // namespace

void AddModelServingCommands(CLI::App& models, CliContext& context) {
  {
    auto flags = std::make_shared<ServeFlags>();
    auto* cmd = models.add_subcommand(
        "serve", "Serve a model over HTTP with MLflow's scoring protocol (/invocations)");
    // -h is --host, as in mlflow models serve; help stays --help.
    cmd->set_help_flag("--help", "Print this help message and exit");
    cmd->add_option("-m,--model-uri", flags->model_uri,
                    "runs:/<run_id>/model, models:/<name>/<version|stage>, "
                    "models:/<name>@<alias> or a folder")
        ->required();
    cmd->add_option("-h,--host", flags->host, "Address to listen on");
    cmd->add_option("-p,--port", flags->port, "Port (0: any free port, printed at start)")
        ->check(CLI::Range(0, 65535));
    cmd->add_option("-w,--workers", flags->workers, "Serving threads (default: one per core)");
    cmd->add_option("--predict-fn", flags->predict_fn,
                    "predict_proba: [p0, p1] per row; predict: the class label");
    cmd->add_flag("--watch", flags->watch,
                  "Follow the stage or alias in the registry: load a new version when it "
                  "moves, and switch to it without failing a request");
    cmd->add_option("--watch-interval", flags->watch_interval,
                    "Seconds between registry checks with --watch");
    AddHttpFlags(cmd, flags->http,
                 "Largest /invocations body (64MiB by default; 1GiB, ...); beyond: 413");
    cmd->add_option("--max-request-mb", flags->max_request_mb, "Same as --max-body-size, in MiB")
        ->group("");
    cmd->add_option("--env-manager", flags->env_manager,
                    "Accepted for MLflow compatibility and ignored: scoring needs no Python "
                    "environment");
    cmd->add_flag("--no-conda", flags->no_conda, "Accepted for MLflow compatibility; ignored");
    cmd->callback([&context, flags] {
      context.action = [&context, flags]() { return Serve(context, *flags); };
    });
  }
  {
    auto flags = std::make_shared<PredictFlags>();
    auto* cmd = models.add_subcommand(
        "predict", "Score a CSV or JSON file with a model, on every core, into a file");
    cmd->add_option("-m,--model-uri", flags->model_uri, "The model (as for models serve)")
        ->required();
    cmd->add_option("-i,--input-path", flags->input,
                    "CSV with a header row, or JSON in any /invocations shape")
        ->required();
    cmd->add_option("-o,--output-path", flags->output,
                    "Where the predictions go: .json gives {\"predictions\": ...}, anything "
                    "else CSV (default: JSON on stdout)");
    cmd->add_option("-t,--content-type", flags->content_type,
                    "csv or json (default: from the input's extension)");
    cmd->add_option("--predict-fn", flags->predict_fn,
                    "predict_proba: both class probabilities; predict: the class label");
    cmd->add_option("--threads", flags->threads, "Scoring threads (default: one per core)");
    cmd->callback([&context, flags] {
      context.action = [&context, flags]() { return Predict(context, *flags); };
    });
  }
}

}  // namespace orchard
