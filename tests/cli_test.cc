// End to end through the built `orchard` binary: what a user types, what they see, exit codes.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "base/base64.h"
#include "base/subprocess.h"
#include "db/pg_connection.h"
#include "db/sqlite_connection.h"
#include "http/http_server.h"
#include "support/http_client.h"
#include "support/orchard_process.h"
#include "support/temp_dir.h"
#include "support/test_certificates.h"
#include "support/test_postgres.h"
#include "support/zip_writer.h"

extern char** environ;

namespace orchard {
namespace {

using testing::Http;
using testing::HttpResult;
using testing::TempDir;
using testing::WaitForPort;

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadAll(const std::string& path) { return testing::ReadTextFile(path); }

// Stops a server with SIGTERM, as a user would, and expects it to end cleanly.
void ExpectCleanStop(pid_t pid) {
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

class CliTest : public ::testing::Test {
 protected:
  // Starts build/orchard in the temp folder with a clean tracking environment plus `env`,
  // stdout and stderr going to the given files. Returns the pid, or -1.
  pid_t Spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
              const std::string& out_path, const std::string& err_path) {
    return testing::SpawnProcess(ORCHARD_BINARY, args, env, dir_.path(), out_path, err_path);
  }

  // Runs build/orchard to completion (see Spawn).
  Result Run(const std::vector<std::string>& args, std::map<std::string, std::string> env = {}) {
    std::string out_path = dir_ / "stdout.txt";
    std::string err_path = dir_ / "stderr.txt";
    Result result;
    pid_t pid = Spawn(args, env, out_path, err_path);
    if (pid > 0) {
      int status = 0;
      waitpid(pid, &status, 0);
      result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    result.out = ReadAll(out_path);
    result.err = ReadAll(err_path);
    return result;
  }

  // Runs and expects success; returns stdout without the trailing newline.
  std::string Ok(const std::vector<std::string>& args,
                 std::map<std::string, std::string> env = {}) {
    Result r = Run(args, std::move(env));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string out = r.out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  TempDir dir_;
};

TEST_F(CliTest, VersionAndHelp) {
  EXPECT_EQ(Ok({"--version"}), "orchard 0.1.0");
  Result help = Run({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("experiments"), std::string::npos);
  for (const char* group : {"experiments", "runs", "artifacts"}) {
    Result sub = Run({group, "--help"});
    EXPECT_EQ(sub.exit_code, 0) << group;
  }
  EXPECT_EQ(Run({"runs", "log-metric", "--help"}).exit_code, 0);
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Run({}).exit_code, 2);
  EXPECT_EQ(Run({"runs", "frobnicate"}).exit_code, 2);
  EXPECT_EQ(Run({"experiments", "create"}).exit_code, 2);  // --name missing
  EXPECT_EQ(Run({"runs", "get"}).exit_code, 2);            // --run-id missing, no MLFLOW_RUN_ID
  EXPECT_EQ(Run({"runs", "end", "-r", "x", "--status", "DONE"}).exit_code, 2);
}

TEST_F(CliTest, TrackingRoundTripOnTheDefaultStore) {
  EXPECT_EQ(Ok({"experiments", "create", "--name", "loan", "--tag", "team=risk"}), "1");
  std::string parent = Ok({"runs", "create", "--experiment-name", "loan", "--run-name", "search"});
  ASSERT_EQ(parent.size(), 32u);
  std::string child = Ok({"runs", "create", "-n", "loan", "--parent-run-id", parent});
  Ok({"runs", "log-param", "-r", child, "max_depth", "6"});
  Ok({"runs", "log-metric", "-r", child, "loss", "0.5", "--step", "0"});
  Ok({"runs", "log-metric", "-r", child, "loss", "0.25", "--step", "1"});
  Ok({"runs", "log-metric", "-r", child, "test_PR_AUC", "0.31"});
  Ok({"runs", "set-tag", "-r", child, "note", "best so far"});
  std::ofstream(dir_ / "report.txt") << "report";
  Ok({"artifacts", "log", "-r", child, "report.txt", "--artifact-path", "reports"});
  Ok({"runs", "end", "-r", child});
  Ok({"runs", "end", "-r", parent, "--status", "killed"});

  // The default store and artifact folder sit in the current folder.
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "orchard.db"));
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "orchard-artifacts/1" / child /
                                      "artifacts/reports/report.txt"));

  std::string search =
      Ok({"runs", "search", "-n", "loan", "--filter", "tags.mlflow.parentRunId = '" + parent + "'",
          "--order-by", "metrics.test_PR_AUC DESC"});
  EXPECT_NE(search.find(child), std::string::npos) << search;
  EXPECT_EQ(std::count(search.begin(), search.end(), '\n'), 1) << search;  // header + the child
  EXPECT_FALSE(search.starts_with(parent)) << search;
  EXPECT_NE(search.find("0.31"), std::string::npos);

  std::string json = Ok({"--json", "runs", "get", "-r", child});
  EXPECT_NE(json.find("\"status\":\"FINISHED\""), std::string::npos) << json;
  EXPECT_NE(json.find("{\"key\":\"loss\",\"value\":0.25,"), std::string::npos) << json;
  EXPECT_NE(json.find("{\"key\":\"mlflow.parentRunId\",\"value\":\"" + parent + "\"}"),
            std::string::npos);
  std::string history = Ok({"runs", "history", "-r", child, "loss", "--json"});
  EXPECT_NE(history.find("\"value\":0.5"), std::string::npos);
  EXPECT_NE(history.find("\"value\":0.25"), std::string::npos);
  EXPECT_NE(Ok({"runs", "get", "-r", parent}).find("KILLED"), std::string::npos);

  std::string listing = Ok({"artifacts", "list", "-r", child, "--path", "reports"});
  EXPECT_NE(listing.find("reports/report.txt"), std::string::npos);
  std::string local =
      Ok({"artifacts", "download", "-r", child, "--path", "reports", "--dst", dir_ / "dl"});
  EXPECT_EQ(ReadAll(local + "/report.txt"), "report");

  std::string experiments = Ok({"experiments", "list"});
  EXPECT_NE(experiments.find("Default"), std::string::npos);
  EXPECT_NE(experiments.find("loan"), std::string::npos);
  EXPECT_NE(Ok({"experiments", "get", "--name", "loan"}).find("team = risk"), std::string::npos);
  Ok({"experiments", "rename", "-x", "1", "--new-name", "loan2"});
  Ok({"experiments", "delete", "-x", "1"});
  EXPECT_NE(Ok({"experiments", "list", "--view", "deleted_only"}).find("loan2"), std::string::npos);
  EXPECT_NE(Ok({"runs", "list", "-x", "1", "--view", "deleted"}).find(child), std::string::npos);
  Ok({"experiments", "restore", "-x", "1"});
  Ok({"runs", "delete", "-r", child});
  EXPECT_EQ(Ok({"runs", "list", "-x", "1"}).find(child), std::string::npos);
  Ok({"runs", "restore", "-r", child});
  EXPECT_NE(Ok({"runs", "list", "-x", "1"}).find(child), std::string::npos);
}

TEST_F(CliTest, UserErrorsExitOneWithMlflowCodes) {
  std::string run_id = Ok({"runs", "create"});
  Ok({"runs", "log-param", "-r", run_id, "lr", "0.1"});
  struct Case {
    std::vector<std::string> args;
    const char* code;
  };
  std::string missing(32, '0');
  for (const Case& c : {
           Case{{"runs", "log-param", "-r", run_id, "lr", "0.2"}, "INVALID_PARAMETER_VALUE"},
           Case{{"runs", "log-param", "-r", run_id, "bad key!", "1"}, "INVALID_PARAMETER_VALUE"},
           Case{{"runs", "log-metric", "-r", run_id, "m", "abc"}, "INVALID_PARAMETER_VALUE"},
           Case{{"runs", "get", "-r", missing}, "RESOURCE_DOES_NOT_EXIST"},
           Case{{"experiments", "get", "-x", "42"}, "RESOURCE_DOES_NOT_EXIST"},
           Case{{"experiments", "create", "--name", "Default"}, "RESOURCE_ALREADY_EXISTS"},
           Case{{"runs", "search", "--filter", "metrics.x >>> 1"}, "INVALID_PARAMETER_VALUE"},
           Case{{"runs", "create", "--tag", "novalue"}, "INVALID_PARAMETER_VALUE"},
           Case{{"artifacts", "log", "-r", run_id, "missing.txt"}, "INVALID_PARAMETER_VALUE"},
           Case{{"--tracking-uri", "mysql://x", "experiments", "list"}, "INVALID_PARAMETER_VALUE"},
       }) {
    Result r = Run(c.args);
    EXPECT_EQ(r.exit_code, 1) << c.args[0] << " " << c.args[1] << ": " << r.err;
    EXPECT_NE(r.err.find(c.code), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;  // one line
  }
  std::ofstream(dir_ / "f.txt") << "x";
  Result escape = Run({"artifacts", "log", "-r", run_id, "f.txt", "--artifact-path", "../../x"});
  EXPECT_EQ(escape.exit_code, 1);
  EXPECT_NE(escape.err.find("'..' is not allowed"), std::string::npos) << escape.err;
  Result download = Run({"artifacts", "download", "-r", run_id, "--path", "../x", "--dst", "d"});
  EXPECT_EQ(download.exit_code, 1);
  EXPECT_NE(download.err.find("INVALID_PARAMETER_VALUE"), std::string::npos) << download.err;
  // Deleted runs refuse writes.
  Ok({"runs", "delete", "-r", run_id});
  Result deleted = Run({"runs", "log-metric", "-r", run_id, "m", "1"});
  EXPECT_EQ(deleted.exit_code, 1);
  EXPECT_NE(deleted.err.find("must be in the 'active' state"), std::string::npos);
}

TEST_F(CliTest, SearchPagesWithTokens) {
  std::vector<std::string> runs;
  for (int i = 0; i < 5; ++i) {
    runs.push_back(Ok({"runs", "create", "--run-name", "r" + std::to_string(i)}));
    Ok({"runs", "log-metric", "-r", runs.back(), "x", std::to_string(i)});
  }
  std::string token;
  std::string seen;
  for (int page = 0; page < 5; ++page) {
    std::vector<std::string> args = {"runs",           "search",        "--order-by",
                                     "metrics.x DESC", "--max-results", "2"};
    if (!token.empty()) {
      args.push_back("--page-token");
      args.push_back(token);
    }
    std::string out = Ok(args);
    seen += out;
    size_t at = out.find("more: --page-token ");
    if (at == std::string::npos) break;
    token = out.substr(at + 19);
  }
  // Highest x first, each run once.
  size_t last = 0;
  for (int i = 4; i >= 0; --i) {
    size_t at = seen.find(runs[i]);
    ASSERT_NE(at, std::string::npos) << i;
    EXPECT_GE(at, last);
    last = at;
    EXPECT_EQ(seen.find(runs[i], at + 1), std::string::npos);
  }
}

// `orchard server` end to end: it announces its port, serves, and on SIGTERM finishes and exits 0.
TEST_F(CliTest, ServerStartsServesAndStopsOnSigterm) {
  std::string out_path = dir_ / "server.out";
  std::string err_path = dir_ / "server.err";
  pid_t pid =
      Spawn({"server", "--port", "0", "--backend-store-uri", "sqlite:///" + (dir_ / "server.db"),
             "--artifacts-destination", dir_ / "served"},
            {}, out_path, err_path);
  ASSERT_GT(pid, 0);
  // Readiness handshake: wait for the line that announces the port (bounded: 30 s).
  int port = 0;
  for (int attempt = 0; attempt < 3000 && port == 0; ++attempt) {
    std::string out = ReadAll(out_path);
    size_t at = out.find("http://127.0.0.1:");
    if (at != std::string::npos && out.find(' ', at) != std::string::npos) {
      port = std::stoi(out.substr(at + 17));
    } else {
      usleep(10000);
    }
  }
  ASSERT_GT(port, 0) << ReadAll(err_path);
  HttpResult health = Http(port, "GET", "/health");
  EXPECT_EQ(health.status, 200);
  HttpResult created = Http(port, "POST", "/api/2.0/mlflow/experiments/create", R"({"name": "x"})");
  EXPECT_EQ(created.status, 200) << created.body;
  // The CLI tracks through the server with an http:// tracking URI.
  std::map<std::string, std::string> remote = {
      {"MLFLOW_TRACKING_URI", "http://127.0.0.1:" + std::to_string(port)}};
  std::string run_id = Ok({"runs", "create", "-n", "over-http", "--run-name", "r"}, remote);
  Ok({"runs", "log-metric", "-r", run_id, "loss", "0.25", "--step", "3"}, remote);
  // Artifacts move through the server's proxy (mlflow-artifacts:/ URIs).
  std::ofstream(dir_ / "notes.txt") << "through the proxy\n";
  Ok({"artifacts", "log", "-r", run_id, dir_ / "notes.txt", "--artifact-path", "docs"}, remote);
  EXPECT_EQ(ReadAll(dir_ / ("served/2/" + run_id + "/artifacts/docs/notes.txt")),
            "through the proxy\n");
  EXPECT_NE(
      Ok({"artifacts", "list", "-r", run_id, "--path", "docs"}, remote).find("docs/notes.txt"),
      std::string::npos);
  std::string fetched =
      Ok({"artifacts", "download", "-r", run_id, "--path", "docs", "-d", dir_ / "fetched"}, remote);
  EXPECT_EQ(ReadAll(dir_ / "fetched/docs/notes.txt"), "through the proxy\n") << fetched;
  Ok({"runs", "end", "-r", run_id}, remote);
  std::string shown = Ok({"runs", "get", "-r", run_id, "--json"}, remote);
  EXPECT_NE(shown.find("\"status\":\"FINISHED\""), std::string::npos) << shown;
  EXPECT_NE(shown.find("\"value\":0.25"), std::string::npos) << shown;
  Result missing = Run({"runs", "get", "-r", std::string(32, 'a')}, remote);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("RESOURCE_DOES_NOT_EXIST"), std::string::npos) << missing.err;
  ExpectCleanStop(pid);
  EXPECT_NE(ReadAll(out_path).find("stopped"), std::string::npos);
  // The store was closed cleanly and kept the write.
  EXPECT_NE(Ok({"--tracking-uri", "sqlite:///" + (dir_ / "server.db"), "experiments", "list"})
                .find(" x "),
            std::string::npos);
}

TEST_F(CliTest, ServerRefusesBadAndBusyPorts) {
  EXPECT_EQ(Run({"server", "--port", "70000"}).exit_code, 2);
  // Hold a port, then ask the server for it.
  int holder = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(holder, 1), 0);
  socklen_t length = sizeof(address);
  getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length);
  Result busy = Run({"server", "--port", std::to_string(ntohs(address.sin_port))});
  close(holder);
  EXPECT_EQ(busy.exit_code, 1) << busy.err;
  EXPECT_NE(busy.err.find("cannot listen"), std::string::npos) << busy.err;
}

TEST_F(CliTest, CorruptDatabaseIsAOneLineError) {
  std::ofstream(dir_ / "bad.db") << std::string(4096, 'x');
  Result r = Run({"--tracking-uri", "sqlite:///bad.db", "experiments", "list"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.db"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not a database"), std::string::npos) << r.err;
}

TEST_F(CliTest, EnvironmentChoosesStoreRunAndExperiment) {
  std::filesystem::create_directories(dir_.path() / "a");
  std::filesystem::create_directories(dir_.path() / "b");
  std::string a_uri = "sqlite:///" + (dir_ / "a/a.db");
  std::string b_uri = "sqlite:///" + (dir_ / "b/b.db");
  // ORCHARD_TRACKING_URI wins over MLFLOW_TRACKING_URI; --tracking-uri wins over both.
  Ok({"experiments", "create", "--name", "in-a"},
     {{"ORCHARD_TRACKING_URI", a_uri}, {"MLFLOW_TRACKING_URI", b_uri}});
  Ok({"experiments", "create", "--name", "in-b"}, {{"MLFLOW_TRACKING_URI", b_uri}});
  Ok({"--tracking-uri", b_uri, "experiments", "create", "--name", "also-b"},
     {{"ORCHARD_TRACKING_URI", a_uri}});
  EXPECT_NE(Ok({"experiments", "list"}, {{"MLFLOW_TRACKING_URI", a_uri}}).find("in-a"),
            std::string::npos);
  std::string b_list = Ok({"experiments", "list"}, {{"MLFLOW_TRACKING_URI", b_uri}});
  EXPECT_NE(b_list.find("in-b"), std::string::npos);
  EXPECT_NE(b_list.find("also-b"), std::string::npos);
  EXPECT_EQ(b_list.find("in-a"), std::string::npos);

  // MLFLOW_EXPERIMENT_NAME picks (and creates) the experiment; MLFLOW_RUN_ID the run.
  std::string run_id = Ok({"runs", "create"},
                          {{"MLFLOW_TRACKING_URI", a_uri}, {"MLFLOW_EXPERIMENT_NAME", "from-env"}});
  Ok({"runs", "log-metric", "acc", "0.75"},
     {{"MLFLOW_TRACKING_URI", a_uri}, {"MLFLOW_RUN_ID", run_id}});
  std::string json =
      Ok({"runs", "get", "--json"}, {{"MLFLOW_TRACKING_URI", a_uri}, {"MLFLOW_RUN_ID", run_id}});
  EXPECT_NE(json.find("\"experiment_id\":\"2\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"value\":0.75"), std::string::npos) << json;
}

}  // namespace
}  // namespace orchard

namespace orchard {
namespace {

// `orchard datasets make-loan` then `orchard train` for both models: a complete run (params,
// test metrics, validation history, feature importances, the model package and its log-model
// history entry), and bad input as one-line errors.
TEST_F(CliTest, TrainLogsACompleteRun) {
  std::string csv = dir_ / "loan.csv";
  std::string made = Ok({"datasets", "make-loan", "--rows", "3000", "--seed", "3", "-o", csv});
  EXPECT_NE(made.find("3000 rows x 35 columns"), std::string::npos) << made;
  for (const std::string model : {"rf", "hgbt"}) {
    SCOPED_TRACE(model);
    std::string out = Ok({"train", "--model", model, "--data", csv, "--target", "Loan Status",
                          "--experiment-name", "loan", "--threads", "1", "--param",
                          model == "rf" ? "n_estimators=20" : "early_stopping=true"});
    EXPECT_NE(out.find("test_PR_AUC"), std::string::npos) << out;
    size_t at = out.find("run_id ");
    ASSERT_NE(at, std::string::npos) << out;
    std::string run_id = out.substr(at + 7, 32);
    std::string shown = Ok({"runs", "get", "-r", run_id, "--json"});
    EXPECT_NE(shown.find("\"status\":\"FINISHED\""), std::string::npos);
    EXPECT_NE(shown.find("\"key\":\"test_ROC_AUC\""), std::string::npos);
    EXPECT_NE(shown.find("\"key\":\"model_type\",\"value\":\"" + model + "\""), std::string::npos);
    EXPECT_NE(shown.find("\"key\":\"mlflow.log-model.history\""), std::string::npos);
    std::string files = Ok({"artifacts", "list", "-r", run_id, "--path", "model"});
    for (const char* file : {"model/MLmodel", "model/model.json", "model/preprocessing.json"}) {
      EXPECT_NE(files.find(file), std::string::npos) << files;
    }
    std::string root = Ok({"artifacts", "list", "-r", run_id});
    EXPECT_NE(root.find("feature_importance.csv"), std::string::npos) << root;
    EXPECT_NE(root.find("feature_importance.png"), std::string::npos) << root;
    EXPECT_EQ(root.find("val_log_loss.png") != std::string::npos, model == "hgbt") << root;
    if (model == "hgbt") {
      std::string history = Ok({"runs", "history", "-r", run_id, "val_log_loss"});
      EXPECT_NE(history.find("\n1 "), std::string::npos) << history;  // steps 0, 1, ...
    }
  }
  // Into an existing run, as a project runner hands one over through MLFLOW_RUN_ID.
  std::string run_id = Ok({"runs", "create", "--run-name", "given"});
  Ok({"train", "--data", csv, "--target", "Loan Status", "--threads", "1", "--param",
      "n_estimators=5"},
     {{"MLFLOW_RUN_ID", run_id}});
  EXPECT_NE(Ok({"runs", "get", "-r", run_id}).find("test_PR_AUC"), std::string::npos);

  // Bad input: one line, exit 1, saying what is wrong.
  Result target = Run({"train", "--data", csv, "--target", "Loan Statu"});
  EXPECT_EQ(target.exit_code, 1);
  EXPECT_NE(target.err.find("no target column 'Loan Statu'"), std::string::npos) << target.err;
  Result param =
      Run({"train", "--data", csv, "--target", "Loan Status", "--param", "max_depth=abc"});
  EXPECT_EQ(param.exit_code, 1);
  EXPECT_NE(param.err.find("max_depth=abc"), std::string::npos) << param.err;
  std::ofstream(dir_ / "ragged.csv") << "a,b,y\n1,2,0\n3,1\n";
  Result ragged = Run({"train", "--data", dir_ / "ragged.csv", "--target", "y"});
  EXPECT_EQ(ragged.exit_code, 1);
  EXPECT_NE(ragged.err.find("line 3"), std::string::npos) << ragged.err;
  Result missing = Run({"train", "--data", dir_ / "nope.csv", "--target", "y"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nope.csv"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace orchard

namespace orchard {
namespace {

// The tutorial's data source, kaggle:hemanthsai7/loandefault/train.csv, against a local server
// that answers as Kaggle's download API does (basic auth; the file zipped): `orchard train`
// fetches, unpacks, caches and trains; the second time it uses the cache.
TEST_F(CliTest, TrainFromKaggleThroughAnImitationServer) {
  std::string csv = dir_ / "source.csv";
  Ok({"datasets", "make-loan", "--rows", "1500", "-o", csv});
  std::string zip = testing::MakeZip({{"train.csv", ReadAll(csv)}});
  std::atomic<int> downloads{0};
  HttpServer kaggle({.port = 0, .threads = 1}, [&](const HttpRequest& request) {
    if (request.Header("Authorization") != "Basic " + Base64Encode("alice:secret")) {
      return HttpResponse{.status = 401, .body = R"({"code":401})"};
    }
    if (request.path == "/api/v1/datasets/download/hemanthsai7/loandefault/train.csv") {
      ++downloads;
      return HttpResponse{.content_type = "application/zip", .body = zip};
    }
    return HttpResponse{.status = 404, .body = R"({"code":404})"};
  });
  ASSERT_TRUE(kaggle.Start().ok());
  std::map<std::string, std::string> env = {
      {"ORCHARD_KAGGLE_API_URL", "http://127.0.0.1:" + std::to_string(kaggle.port()) + "/api/v1"},
      {"KAGGLE_USERNAME", "alice"},
      {"KAGGLE_KEY", "secret"},
      {"ORCHARD_CACHE_DIR", dir_ / "cache"}};
  for (int time = 0; time < 2; ++time) {
    std::string out = Ok({"train", "--data", "kaggle:hemanthsai7/loandefault/train.csv", "--target",
                          "Loan Status", "--threads", "1", "--param", "n_estimators=10"},
                         env);
    EXPECT_NE(out.find("test_PR_AUC"), std::string::npos) << out;
  }
  EXPECT_EQ(downloads.load(), 1);
  std::string fetched = Ok({"datasets", "fetch", "hemanthsai7/loandefault/train.csv"}, env);
  while (!fetched.empty() && fetched.back() == '\n') fetched.pop_back();
  EXPECT_TRUE(fetched.ends_with("train.csv")) << fetched;
  EXPECT_TRUE(ReadAll(fetched) == ReadAll(csv));  // unpacked from the zip, byte for byte
  env["KAGGLE_KEY"] = "";
  env["KAGGLE_CONFIG_DIR"] = dir_ / "nowhere";
  Result refused = Run({"datasets", "fetch", "kaggle:hemanthsai7/other"}, env);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("KAGGLE_KEY"), std::string::npos) << refused.err;
  kaggle.Stop();
}

}  // namespace
}  // namespace orchard

namespace orchard {
namespace {

void WriteText(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

const char kProject[] = R"(name: demo
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.5}
      depth: {type: int, default: 3}
      label: string
    command: "orchard runs log-metric loss {alpha} && echo $MLFLOW_RUN_ID $MLFLOW_EXPERIMENT_ID $MLFLOW_TRACKING_URI {alpha} {label} > seen.txt"
  fail:
    command: "exit 3"
  hang:
    command: "sleep 1000 & echo $! > child.pid; touch ready; wait"
)";

// `orchard run` on a local folder: typed parameters, the run's environment, the lifecycle.
TEST_F(CliTest, RunProjectFolderLifecycle) {
  std::string project = dir_ / "project";
  WriteText(project + "/MLproject", kProject);
  std::string out = Ok(
      {"run", project, "-P", "label=it's here", "-P", "extra=1", "--experiment-name", "projects"});
  std::string run_id = out;
  ASSERT_EQ(run_id.size(), 32u) << out;
  std::string seen = ReadAll(project + "/seen.txt");
  EXPECT_NE(seen.find(run_id + " 1 sqlite:////"), std::string::npos) << seen;  // absolute URI
  EXPECT_NE(seen.find("0.5 it's here --extra 1"), std::string::npos) << seen;  // quoted, appended
  std::string shown = Ok({"runs", "get", "-r", run_id, "--json"});
  for (const char* expected :
       {R"("status":"FINISHED")", R"({"key":"alpha","value":"0.5"})",
        R"({"key":"label","value":"it's here"})", R"({"key":"extra","value":"1"})",
        R"({"key":"mlflow.source.type","value":"PROJECT"})",
        R"({"key":"mlflow.project.entryPoint","value":"main"})",
        R"({"key":"mlflow.project.env","value":"local"})", R"("key":"loss")"}) {
    EXPECT_NE(shown.find(expected), std::string::npos) << expected << "\n" << shown;
  }

  // A failing command: exit 1, the run FAILED.
  Result failed = Run({"run", project, "-e", "fail"});
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.err.find("exit code 3"), std::string::npos) << failed.err;
  EXPECT_NE(Ok({"runs", "list"}).find("FAILED"), std::string::npos);

  // Typed parameters and required ones are checked before anything runs.
  Result typed = Run({"run", project, "-P", "depth=abc", "-P", "label=x"});
  EXPECT_EQ(typed.exit_code, 1);
  EXPECT_NE(typed.err.find("depth"), std::string::npos) << typed.err;
  Result required = Run({"run", project});
  EXPECT_EQ(required.exit_code, 1);
  EXPECT_NE(required.err.find("label"), std::string::npos) << required.err;
  Result entry = Run({"run", project, "-e", "nope"});
  EXPECT_EQ(entry.exit_code, 1);

  // Taking over an existing run, as a tuner hands one to each trial.
  std::string given = Ok({"runs", "create", "--run-name", "given"});
  EXPECT_EQ(Ok({"run", project, "--run-id", given, "-P", "label=t"}), given);
  EXPECT_NE(Ok({"runs", "get", "-r", given, "--json"}).find(R"("status":"FINISHED")"),
            std::string::npos);
}

// The shape of the tutorial's own project file, which MLflow runs: `MLProject` spelled so, a
// python_env.yaml, types MLflow does not define (str, int), a default that does not fit its type
// (`{type: int, default: 1.}`) and commands over several lines.
const char kTutorialProject[] = R"(name: loan_default

python_env: python_env.yaml

entry_points:
  train_rf:
    parameters:
      training_data: {type: str, default: "hemanthsai7/loandefault"}
      n_estimators: {type: int, default: 100}
      max_features: {type: str, default: sqrt}
    command: "echo rf {training_data}
      {n_estimators} {max_features} > rf.txt"
  train_hgbt:
    parameters:
      training_data: {type: str, default: "hemanthsai7/loandefault"}
      learning_rate: {type: float, default: 0.1}
      l2_regularization: {type: int, default: 1.}
      early_stopping: {type: bool, default: true}
    command: >
      echo hgbt {training_data} {learning_rate}
      {l2_regularization} {early_stopping} > hgbt.txt
  search_params:
    parameters:
      model_type: {type: str, default: "rf"}
      max_runs: {type: int, default: 10}
    command: |
      echo search {model_type} {max_runs} > search.txt
      echo done >> search.txt
)";

TEST_F(CliTest, RunsTheTutorialsProjectFileAsMlflowDoes) {
  std::string project = dir_ / "tutorial";
  WriteText(project + "/MLProject", kTutorialProject);
  WriteText(project + "/python_env.yaml", "python: \"3.11\"\ndependencies:\n  - mlflow==2.12.2\n");
  Result hgbt = Run({"run", project, "-e", "train_hgbt", "--experiment-name", "loan"});
  ASSERT_EQ(hgbt.exit_code, 0) << hgbt.err;
  EXPECT_EQ(ReadAll(project + "/hgbt.txt"), "hgbt hemanthsai7/loandefault 0.1 1.0 True\n");
  EXPECT_NE(hgbt.err.find("warning: " + project +
                          "/MLProject:17: the default of parameter 'l2_regularization' of entry "
                          "point 'train_hgbt' must be an int, but is '1.0'"),
            std::string::npos)
      << hgbt.err;
  EXPECT_NE(hgbt.err.find("type 'bool', which MLflow does not define"), std::string::npos)
      << hgbt.err;
  std::string params = Ok({"runs", "get", "-r", hgbt.out.substr(0, 32), "--json"});
  EXPECT_NE(params.find(R"({"key":"l2_regularization","value":"1.0"})"), std::string::npos)
      << params;

  Ok({"run", project, "-e", "train_rf", "-P", "n_estimators=50"});
  EXPECT_EQ(ReadAll(project + "/rf.txt"), "rf hemanthsai7/loandefault 50 sqrt\n");
  Ok({"run", project, "-e", "search_params", "-P", "model_type=hgbt"});
  EXPECT_EQ(ReadAll(project + "/search.txt"), "search hgbt 10\ndone\n");

  // Values given for the types Orchard knows are still checked before anything runs.
  Result typed = Run({"run", project, "-e", "train_rf", "-P", "n_estimators=many"});
  EXPECT_EQ(typed.exit_code, 1);
  EXPECT_NE(typed.err.find("parameter 'n_estimators' of entry point 'train_rf' must be an int"),
            std::string::npos)
      << typed.err;
}

// SIGTERM to `orchard run`: forwarded to the command's process group, the run KILLED, nothing
// left running.
TEST_F(CliTest, RunProjectInterruptedIsKilled) {
  std::string project = dir_ / "project";
  WriteText(project + "/MLproject", kProject);
  pid_t pid = Spawn({"run", project, "-e", "hang"}, {}, dir_ / "run.out", dir_ / "run.err");
  ASSERT_GT(pid, 0);
  // Readiness handshake: the command has started its child (bounded: 30 s).
  for (int i = 0; i < 3000 && !std::filesystem::exists(project + "/ready"); ++i) usleep(10000);
  ASSERT_TRUE(std::filesystem::exists(project + "/ready")) << ReadAll(dir_ / "run.err");
  std::string child = ReadAll(project + "/child.pid");
  while (!child.empty() && child.back() == '\n') child.pop_back();
  ASSERT_FALSE(child.empty());
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
  EXPECT_NE(ReadAll(dir_ / "run.err").find("KILLED"), std::string::npos);
  EXPECT_NE(Ok({"runs", "list"}).find("KILLED"), std::string::npos);
  // The background sleep was in the group: gone (or a zombie reaped by init, never running).
  pid_t sleeper = static_cast<pid_t>(std::stol(child));
  bool gone = false;
  for (int i = 0; i < 500 && !gone; ++i) {
    std::string state = ReadAll("/proc/" + child + "/stat");
    gone = kill(sleeper, 0) != 0 || state.find(") Z") != std::string::npos;
    if (!gone) usleep(10000);
  }
  EXPECT_TRUE(gone);
}

// A project in git: a bare repository reached by file://, a branch, a subfolder.
TEST_F(CliTest, RunProjectFromGit) {
  std::string work = dir_ / "work";
  WriteText(work + "/sub/MLproject",
            "name: g\nentry_points:\n  main:\n    command: \"orchard runs set-tag where git\"\n");
  auto git = [&](const std::string& args) {
    return std::system(
        ("cd " + work + " && git -c user.email=t@t -c user.name=t " + args + " >/dev/null 2>&1")
            .c_str());
  };
  ASSERT_EQ(git("init -q -b main ."), 0);
  ASSERT_EQ(git("add . && git -c user.email=t@t -c user.name=t commit -q -m one"), 0);
  ASSERT_EQ(git("checkout -q -b feature"), 0);
  ASSERT_EQ(std::system(("git clone -q --bare " + work + " " + (dir_ / "repo.git")).c_str()), 0);
  std::string commit;
  {
    std::string head_out = dir_ / "head.txt";
    ASSERT_EQ(std::system(("git -C " + work + " rev-parse HEAD > " + head_out).c_str()), 0);
    commit = ReadAll(head_out);
    while (!commit.empty() && commit.back() == '\n') commit.pop_back();
  }
  std::map<std::string, std::string> env = {{"ORCHARD_CACHE_DIR", dir_ / "cache"}};
  std::string run_id =
      Ok({"run", "file://" + (dir_ / "repo.git") + "#sub", "--version", "feature"}, env);
  std::string shown = Ok({"runs", "get", "-r", run_id, "--json"});
  EXPECT_NE(shown.find(R"({"key":"where","value":"git"})"), std::string::npos) << shown;
  EXPECT_NE(shown.find(R"({"key":"mlflow.source.git.commit","value":")" + commit),
            std::string::npos)
      << shown;
  Result missing = Run({"run", "file://" + (dir_ / "repo.git") + "#nope"}, env);
  EXPECT_EQ(missing.exit_code, 1);
  Result bad_version = Run({"run", "file://" + (dir_ / "repo.git") + "#sub", "-v", "nope"}, env);
  EXPECT_EQ(bad_version.exit_code, 1);
}

}  // namespace
}  // namespace orchard

namespace orchard {
namespace {

int CountOf(const std::string& text, const std::string& needle) {
  int count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

std::string ValueAfter(const std::string& text, const std::string& label) {
  size_t at = text.find(label);
  if (at == std::string::npos) return "";
  at += label.size();
  while (at < text.size() && text[at] == ' ') ++at;
  return text.substr(at, 32);
}

// In-process trials: one parent, N nested children (two at a time on one SQLite file), the best
// trial's parameters on the parent; a trial that fails is a FAILED child and the search goes on.
TEST_F(CliTest, TuneNestsTrialsUnderOneParent) {
  std::string csv = dir_ / "loan.csv";
  Ok({"datasets", "make-loan", "--rows", "2500", "-o", csv});
  std::string out =
      Ok({"tune", "--data", csv, "--model", "rf", "--max-trials", "4", "--sampler", "random",
          "--parallel", "2", "--param", "n_estimators=10", "--experiment-name", "search"});
  std::string parent = ValueAfter(out, "parent run");
  ASSERT_EQ(parent.size(), 32u) << out;
  std::string children =
      Ok({"runs", "search", "--experiment-name", "search", "--filter",
          "tags.mlflow.parentRunId = '" + parent + "'", "--order-by", "metrics.test_PR_AUC DESC"});
  EXPECT_EQ(CountOf(children, "FINISHED"), 4) << children;
  std::string best = ValueAfter(out, "best trial");
  EXPECT_NE(children.find("\n" + best), std::string::npos) << "the best trial sorts first";
  std::string shown = Ok({"runs", "get", "-r", parent, "--json"});
  EXPECT_NE(shown.find(R"("key":"best params")"), std::string::npos) << shown;
  EXPECT_NE(shown.find(R"("key":"max_depth")"), std::string::npos) << shown;
  EXPECT_NE(shown.find(R"("key":"best_run_id","value":")" + best), std::string::npos) << shown;
  std::string files = Ok({"artifacts", "list", "-r", parent});
  EXPECT_NE(files.find("trials.csv"), std::string::npos) << files;
  EXPECT_NE(files.find("objective.png"), std::string::npos) << files;
  EXPECT_EQ(CountOf(Ok({"runs", "list", "--experiment-name", "search"}), "FINISHED"), 5);
  // The parent says how its trials were drawn: TPE's random startup trials are numbered.
  EXPECT_NE(shown.find(R"({"key":"sampler","value":"random"})"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("startup_trials"), std::string::npos) << shown;
  std::string tpe =
      Ok({"tune", "--data", csv, "--model", "rf", "--max-trials", "2", "--startup-trials", "1",
          "--param", "n_estimators=5", "--experiment-name", "tpe"});
  EXPECT_NE(Ok({"runs", "get", "-r", ValueAfter(tpe, "parent run"), "--json"})
                .find(R"({"key":"startup_trials","value":"1"})"),
            std::string::npos);

  // A space whose second grid point the trainer refuses: that child FAILED, the other kept.
  std::ofstream(dir_ / "space.yaml") << "max_depth: {dist: choice, options: ['3', abc]}\n";
  std::string mixed = Ok({"tune", "--data", csv, "--space", dir_ / "space.yaml", "--sampler",
                          "grid", "--max-trials", "2", "--parallel", "1", "--param",
                          "n_estimators=5", "--experiment-name", "mixed"});
  std::string runs = Ok({"runs", "list", "--experiment-name", "mixed"});
  EXPECT_EQ(CountOf(runs, "FAILED"), 1) << runs;
  EXPECT_NE(mixed.find("max_depth=3"), std::string::npos) << mixed;
}

// Trials as project runs of an entry point, and the search itself a project run: exactly one
// top-level run, its children taken over by `orchard run --run-id`.
TEST_F(CliTest, TuneTrialsAsProjectRuns) {
  std::string project = dir_ / "project";
  WriteText(project + "/MLproject", R"(name: t
entry_points:
  trial:
    parameters:
      x: float
    command: "orchard runs log-metric score {x}"
  search:
    command: "orchard tune --project . --entry-point trial --space space.yaml --metric score --sampler random --max-trials 3"
)");
  WriteText(project + "/space.yaml", "x: {dist: uniform, low: 0, high: 1}\n");
  std::string parent = Ok({"run", project, "-e", "search", "--experiment-name", "p"});
  parent = parent.substr(parent.rfind('\n') + 1);
  ASSERT_EQ(parent.size(), 32u);
  std::string all = Ok({"runs", "list", "--experiment-name", "p"});
  EXPECT_EQ(CountOf(all, "FINISHED"), 4) << all;
  std::string children = Ok({"--json", "runs", "search", "--experiment-name", "p", "--filter",
                             "tags.mlflow.parentRunId = '" + parent + "'"});
  EXPECT_EQ(CountOf(children, R"("key":"mlflow.source.type","value":"PROJECT")"), 3) << children;
  EXPECT_EQ(CountOf(children, R"("key":"mlflow.project.entryPoint","value":"trial")"), 3);
  std::string shown = Ok({"runs", "get", "-r", parent, "--json"});
  EXPECT_NE(shown.find(R"("key":"best_score")"), std::string::npos) << shown;
  EXPECT_NE(shown.find(R"("key":"mlflow.project.entryPoint","value":"search")"), std::string::npos);
}

}  // namespace
}  // namespace orchard

namespace orchard {
namespace {

// --env-manager virtualenv: a venv with the system's packages (numpy comes from Debian), cached;
// a requirement nothing can provide is a clear error before the run starts.
TEST_F(CliTest, RunProjectInAVirtualenv) {
  std::string project = dir_ / "venv-project";
  WriteText(project + "/MLproject", R"(name: v
python_env: python_env.yaml
entry_points:
  main:
    command: "python -c 'import numpy, sys; print(sys.prefix)' > prefix.txt"
)");
  WriteText(project + "/python_env.yaml",
            "python: \"3.11\"\nbuild_dependencies: [pip]\ndependencies: [numpy]\n");
  std::map<std::string, std::string> env = {{"ORCHARD_CACHE_DIR", dir_ / "cache"}};
  Ok({"run", project, "--env-manager", "virtualenv"}, env);
  EXPECT_NE(ReadAll(project + "/prefix.txt").find(dir_ / "cache/virtualenvs/"), std::string::npos)
      << ReadAll(project + "/prefix.txt");
  // The second run reuses the venv.
  Result again = Run({"run", project, "--env-manager", "virtualenv"}, env);
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(again.err.find("creating a virtualenv"), std::string::npos) << again.err;

  WriteText(project + "/python_env.yaml",
            "python: \"3.11\"\ndependencies: [orchard-no-such-package==9.9]\n");
  Result missing = Run({"run", project, "--env-manager", "virtualenv"}, env);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("orchard-no-such-package==9.9"), std::string::npos) << missing.err;
}

// --no-wait: the run id at once; a detached runner ends the run.
TEST_F(CliTest, RunProjectWithoutWaiting) {
  std::string project = dir_ / "project";
  WriteText(project + "/MLproject",
            "name: w\nentry_points:\n  main:\n    command: \"orchard runs set-tag done yes\"\n");
  std::map<std::string, std::string> env = {{"ORCHARD_CACHE_DIR", dir_ / "cache"}};
  std::string run_id = Ok({"run", project, "--no-wait"}, env);
  ASSERT_EQ(run_id.size(), 32u) << run_id;
  std::string shown;
  for (int i = 0; i < 600; ++i) {  // bounded: 60 s
    shown = Ok({"runs", "get", "-r", run_id, "--json"});
    if (shown.find(R"("status":"FINISHED")") != std::string::npos) break;
    usleep(100000);
  }
  EXPECT_NE(shown.find(R"("status":"FINISHED")"), std::string::npos)
      << shown << ReadAll(dir_ / ("cache/runs/" + run_id + ".log"));
  EXPECT_NE(shown.find(R"({"key":"done","value":"yes"})"), std::string::npos);
}

}  // namespace
}  // namespace orchard

namespace orchard {
namespace {

// A data set with a strong signal, so that learning rates separate within a few rounds.
std::string StrongSignalCsv(const std::string& path) {
  std::string text = "x,noise,y\n";
  for (int i = 0; i < 2000; ++i) {
    double x = (i * 7919 % 1000) / 1000.0;
    double noise = (i * 104729 % 997) / 997.0;
    bool flip = i % 10 == 0;
    text += std::to_string(x) + "," + std::to_string(noise) + "," +
            ((x > 0.5) != flip ? "1" : "0") + "\n";
  }
  std::ofstream(path) << text;
  return path;
}

// --prune median stops an hgbt trial that learns too slowly; --resume continues a search.
TEST_F(CliTest, TunePrunesAndResumes) {
  std::string csv = StrongSignalCsv(dir_ / "strong.csv");
  WriteText(dir_ / "rates.yaml",
            "learning_rate: {dist: choice, options: ['0.3', '0.2', '0.0001']}\n");
  std::string pruned = Ok({"tune",
                           "--data",
                           csv,
                           "--target",
                           "y",
                           "--model",
                           "hgbt",
                           "--space",
                           dir_ / "rates.yaml",
                           "--sampler",
                           "grid",
                           "--max-trials",
                           "3",
                           "--parallel",
                           "1",
                           "--prune",
                           "median",
                           "--param",
                           "early_stopping=true",
                           "--param",
                           "max_iter=30",
                           "--experiment-name",
                           "prune"});
  std::string children = Ok({"--json", "runs", "search", "--experiment-name", "prune"});
  EXPECT_EQ(CountOf(children, R"("key":"orchard.pruned")"), 1) << children;
  EXPECT_NE(pruned.find("learning_rate=0.3"), std::string::npos) << pruned;

  std::string first = Ok({"tune", "--data", csv, "--target", "y", "--model", "hgbt", "--max-trials",
                          "2", "--sampler", "random", "--parallel", "1", "--param", "max_iter=5",
                          "--experiment-name", "resume"});
  std::string parent = ValueAfter(first, "parent run");
  // An interrupted trial, still RUNNING.
  Ok({"runs", "create", "--experiment-name", "resume", "--parent-run-id", parent, "--run-name",
      "trial-3"});
  Result resumed =
      Run({"tune", "--resume", parent, "--data", csv, "--target", "y", "--model", "hgbt",
           "--max-trials", "4", "--sampler", "random", "--parallel", "1", "--param", "max_iter=5"});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("2 trials done before"), std::string::npos) << resumed.err;
  std::string runs = Ok({"runs", "search", "--experiment-name", "resume", "--filter",
                         "tags.mlflow.parentRunId = '" + parent + "'"});
  EXPECT_EQ(CountOf(runs, "FINISHED"), 4) << runs;
  EXPECT_EQ(CountOf(runs, "KILLED"), 1) << runs;
  EXPECT_NE(runs.find("trial-4"), std::string::npos) << runs;
}

}  // namespace
}  // namespace orchard

namespace orchard {
namespace {

// The registry from the command line: the best trial of a search registered, promoted, aliased;
// models:/ URIs resolved (a version registered from another model's stage and alias).
TEST_F(CliTest, RegistryCommands) {
  std::string csv = dir_ / "loan.csv";
  Ok({"datasets", "make-loan", "--rows", "2000", "-o", csv});
  std::string out = Ok({"tune", "--data", csv, "--model", "rf", "--max-trials", "2", "--sampler",
                        "random", "--param", "n_estimators=5", "--experiment-name", "loan"});
  std::string parent = ValueAfter(out, "parent run");
  std::string best = Ok({"runs", "best", "--parent", parent, "--metric", "test_PR_AUC"});
  std::string best_id = best.substr(0, 32);
  EXPECT_EQ(best_id, ValueAfter(out, "best trial")) << best;
  EXPECT_NE(best.find("runs:/" + best_id + "/model"), std::string::npos);
  EXPECT_NE(Ok({"models", "register", "runs:/" + best_id + "/model", "--name", "loan_model"})
                .find("version 1"),
            std::string::npos);
  Ok({"models", "register", "runs:/" + best_id + "/model", "--name", "loan_model"});
  Ok({"models", "transition", "loan_model", "1", "production"});
  Ok({"models", "transition", "loan_model", "2", "Production", "--archive-existing"});
  Ok({"models", "alias", "loan_model", "champion", "2"});
  std::string versions = Ok({"models", "versions", "loan_model"});
  EXPECT_NE(versions.find("2        Production  @champion"), std::string::npos) << versions;
  EXPECT_NE(versions.find("1        Archived"), std::string::npos) << versions;
  // Removing the source run's files does not break the registered versions: they were copied.
  Ok({"runs", "delete", "-r", best_id});
  std::filesystem::remove_all(dir_ / ("orchard-artifacts/1/" + best_id));
  for (const std::string uri : {"models:/loan_model/Production", "models:/loan_model@champion",
                                "models:/loan_model/1", "models:/loan_model/latest"}) {
    EXPECT_NE(Ok({"models", "register", uri, "--name", "copy"}).find("registered copy"),
              std::string::npos)
        << uri;
  }
  EXPECT_NE(Ok({"models", "list"}).find("copy"), std::string::npos);
  Result stage = Run({"models", "register", "models:/loan_model/Staging", "--name", "copy"});
  EXPECT_EQ(stage.exit_code, 1);
  EXPECT_NE(stage.err.find("RESOURCE_DOES_NOT_EXIST"), std::string::npos) << stage.err;
  Result bad_uri = Run({"models", "register", "s3://bucket/x", "--name", "copy"});
  EXPECT_EQ(bad_uri.exit_code, 1);
  EXPECT_NE(bad_uri.err.find("runs:/<run_id>/<path>"), std::string::npos) << bad_uri.err;
  Ok({"models", "delete", "copy"});
  EXPECT_EQ(Ok({"models", "list"}).find("copy"), std::string::npos);
}

// Every command that writes a named file takes a bare file name (no folder part), relative to
// the current folder.
TEST_F(CliTest, OutputsNamedWithoutAFolder) {
  Ok({"datasets", "make-loan", "--rows", "600", "-o", "loan.csv"});
  ASSERT_TRUE(std::filesystem::is_regular_file(dir_ / "loan.csv"));
  Ok({"datasets", "fetch", dir_ / "loan.csv", "-o", "got.csv"});
  EXPECT_EQ(ReadAll(dir_ / "got.csv"), ReadAll(dir_ / "loan.csv"));
  std::string trained = Ok({"train", "--model", "rf", "--data", "got.csv", "--target",
                            "Loan Status", "--param", "n_estimators=5"});
  std::string run = ValueAfter(trained, "run_id");
  for (const char* output : {"predictions.csv", "predictions.json"}) {
    Ok({"models", "predict", "-m", "runs:/" + run + "/model", "-i", "loan.csv", "-o", output});
    EXPECT_GT(ReadAll(dir_ / output).size(), 600u) << output;
  }
  Ok({"artifacts", "download", "-r", run, "--path", "model", "-d", "fetched"});
  EXPECT_TRUE(std::filesystem::is_regular_file(dir_ / "fetched/model/MLmodel"));
  // No temporary files are left beside them.
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
  }
}

// The first `rows` data rows of a CSV, with its header.
std::string HeadRows(const std::string& path, int rows) {
  std::ifstream in(path);
  std::string line, out;
  for (int i = 0; i <= rows && std::getline(in, line); ++i) out += line + "\n";
  return out;
}

// models serve and models predict: the batch answers equal the served ones; --watch follows
// the Production stage to a new version under load without a failed request.
TEST_F(CliTest, ServeFollowsTheRegistryAndPredictMatchesIt) {
  std::string csv = dir_ / "loan.csv";
  Ok({"datasets", "make-loan", "--rows", "1500", "-o", csv});
  std::string first = Ok({"train", "--model", "hgbt", "--data", csv, "--target", "Loan Status",
                          "--experiment-name", "loan"});
  std::string second = Ok({"train", "--model", "rf", "--data", csv, "--target", "Loan Status",
                           "--experiment-name", "loan", "--param", "n_estimators=20"});
  for (const std::string& run : {ValueAfter(first, "run_id"), ValueAfter(second, "run_id")}) {
    Ok({"models", "register", "runs:/" + run + "/model", "--name", "loan_model"});
  }
  Ok({"models", "transition", "loan_model", "1", "Production"});
  std::string rows_csv = dir_ / "rows.csv";
  std::ofstream(rows_csv) << HeadRows(csv, 20);

  // Batch predictions of each version, as MLflow's JSON and as CSV.
  Ok({"models", "predict", "-m", "models:/loan_model/1", "-i", rows_csv, "-o", dir_ / "v1.json"});
  Ok({"models", "predict", "-m", "models:/loan_model/2", "-i", rows_csv, "-o", dir_ / "v2.json"});
  Ok({"models", "predict", "-m", "models:/loan_model/1", "-i", rows_csv, "-o", dir_ / "v1.csv"});
  std::string v1 = ReadAll(dir_ / "v1.json"), v2 = ReadAll(dir_ / "v2.json");
  ASSERT_TRUE(v1.starts_with("{\"predictions\":[[")) << v1;
  EXPECT_NE(v1, v2);
  std::string v1_csv = ReadAll(dir_ / "v1.csv");
  EXPECT_TRUE(v1_csv.starts_with("probability_0,probability_1\n")) << v1_csv;
  EXPECT_EQ(CountOf(v1_csv, "\n"), 21);
  // The JSON input shape gives the same answers.
  std::string labels = Ok({"models", "predict", "-m", "models:/loan_model/1", "-i", rows_csv,
                           "--predict-fn", "predict"});
  EXPECT_TRUE(labels.starts_with("{\"predictions\":[")) << labels;

  std::string out_path = dir_ / "serve.out", err_path = dir_ / "serve.err";
  pid_t pid = Spawn({"models", "serve", "-m", "models:/loan_model/Production", "-p", "0", "--watch",
                     "--watch-interval", "0.1"},
                    {}, out_path, err_path);
  ASSERT_GT(pid, 0);
  int port = WaitForPort(out_path);
  ASSERT_GT(port, 0) << ReadAll(err_path);
  std::string body = HeadRows(csv, 20);
  HttpResult served = Http(port, "POST", "/invocations", body, "text/csv");
  EXPECT_EQ(served.status, 200);
  EXPECT_EQ(served.body + "\n", v1);  // the server's answer is the batch's, byte for byte

  // Clients score without pause while version 2 is promoted.
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, after_swap{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 2; ++t) {
    clients.emplace_back([&] {
      while (!stop) {
        HttpResult reply = Http(port, "POST", "/invocations", body, "text/csv");
        if (reply.status != 200 || (reply.body + "\n" != v1 && reply.body + "\n" != v2)) {
          ++failures;
        } else if (reply.body + "\n" == v2) {
          ++after_swap;
        }
      }
    });
  }
  Ok({"models", "transition", "loan_model", "2", "Production", "--archive-existing"});
  bool swapped = false;
  for (int attempt = 0; attempt < 3000 && !swapped; ++attempt) {
    swapped =
        Http(port, "GET", "/version").body.find("\"model_version\":\"2\"") != std::string::npos;
    if (!swapped) usleep(10000);
  }
  EXPECT_TRUE(swapped) << ReadAll(out_path);
  while (after_swap.load() < 20 && failures.load() == 0) usleep(1000);
  stop = true;
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_NE(
      ReadAll(out_path).find("now serving models:/loan_model/Production, loan_model version 2"),
      std::string::npos)
      << ReadAll(out_path);
  ExpectCleanStop(pid);
  EXPECT_NE(ReadAll(out_path).find("stopped"), std::string::npos);

  // Mistakes are one-line errors, and leave no output file behind.
  Result pinned = Run({"models", "serve", "-m", "models:/loan_model/1", "--watch"});
  EXPECT_EQ(pinned.exit_code, 1);
  EXPECT_NE(pinned.err.find("--watch needs"), std::string::npos) << pinned.err;
  Result unknown = Run({"models", "serve", "-m", "models:/nobody/Production"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("RESOURCE_DOES_NOT_EXIST"), std::string::npos) << unknown.err;
  std::ofstream(dir_ / "narrow.csv") << "Grade,Term\nA,36\n";
  Result narrow = Run({"models", "predict", "-m", "models:/loan_model/1", "-i", dir_ / "narrow.csv",
                       "-o", dir_ / "narrow-out.csv"});
  EXPECT_EQ(narrow.exit_code, 1);
  EXPECT_NE(narrow.err.find("Model is missing inputs ['Loan Amount'"), std::string::npos)
      << narrow.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "narrow-out.csv"));
}

// The registry through a tracking server (http:// tracking URI): register a run's model (the
// server copies it), promote it, list it, and score by name (the files come through the proxy).
TEST_F(CliTest, RegistryAndScoringThroughAServer) {
  std::string out_path = dir_ / "server.out", err_path = dir_ / "server.err";
  pid_t pid =
      Spawn({"server", "--port", "0", "--backend-store-uri", "sqlite:///" + (dir_ / "team.db"),
             "--artifacts-destination", dir_ / "team-artifacts"},
            {}, out_path, err_path);
  ASSERT_GT(pid, 0);
  int port = WaitForPort(out_path);
  ASSERT_GT(port, 0) << ReadAll(err_path);
  std::map<std::string, std::string> remote = {
      {"MLFLOW_TRACKING_URI", "http://127.0.0.1:" + std::to_string(port)}};
  std::string csv = dir_ / "loan.csv";
  Ok({"datasets", "make-loan", "--rows", "1200", "-o", csv});
  std::string trained = Ok({"train", "--model", "rf", "--data", csv, "--target", "Loan Status",
                            "--param", "n_estimators=10", "--experiment-name", "loan"},
                           remote);
  std::string run = ValueAfter(trained, "run_id");
  EXPECT_NE(Ok({"models", "register", "runs:/" + run + "/model", "--name", "loan_model"}, remote)
                .find("registered loan_model version 1"),
            std::string::npos);
  Ok({"models", "transition", "loan_model", "1", "Production"}, remote);
  Ok({"models", "alias", "loan_model", "champion", "1"}, remote);
  std::string versions = Ok({"models", "versions", "loan_model"}, remote);
  EXPECT_NE(versions.find("Production  @champion"), std::string::npos) << versions;
  EXPECT_NE(versions.find("mlflow-artifacts:/1/" + run + "/artifacts/model"), std::string::npos)
      << versions;
  // The server holds its own copy.
  EXPECT_TRUE(std::filesystem::exists(dir_ / "team-artifacts/models/loan_model"));
  std::ofstream(dir_ / "rows.csv") << HeadRows(csv, 5);
  std::string by_name = Ok(
      {"models", "predict", "-m", "models:/loan_model@champion", "-i", dir_ / "rows.csv"}, remote);
  std::string by_run =
      Ok({"models", "predict", "-m", "runs:/" + run + "/model", "-i", dir_ / "rows.csv"}, remote);
  EXPECT_TRUE(by_name.starts_with("{\"predictions\":[[")) << by_name;
  EXPECT_EQ(by_name, by_run);
  Result missing = Run(
      {"models", "predict", "-m", "models:/loan_model/Staging", "-i", dir_ / "rows.csv"}, remote);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("RESOURCE_DOES_NOT_EXIST"), std::string::npos) << missing.err;
  // A scoring server following the stage through the tracking server: a new version promoted
  // there is fetched through the proxy and goes live.
  std::string serve_out = dir_ / "serve.out";
  pid_t serving = Spawn({"models", "serve", "-m", "models:/loan_model/Production", "-p", "0",
                         "--watch", "--watch-interval", "0.1"},
                        remote, serve_out, dir_ / "serve.err");
  ASSERT_GT(serving, 0);
  int serve_port = WaitForPort(serve_out);
  ASSERT_GT(serve_port, 0) << ReadAll(dir_ / "serve.err");
  Ok({"models", "register", "runs:/" + run + "/model", "--name", "loan_model"}, remote);
  Ok({"models", "transition", "loan_model", "2", "Production", "--archive-existing"}, remote);
  bool swapped = false;
  for (int attempt = 0; attempt < 3000 && !swapped; ++attempt) {
    swapped = Http(serve_port, "GET", "/version").body.find("\"model_version\":\"2\"") !=
              std::string::npos;
    if (!swapped) usleep(10000);
  }
  EXPECT_TRUE(swapped) << ReadAll(serve_out) << ReadAll(dir_ / "serve.err");
  HttpResult scored = Http(serve_port, "POST", "/invocations", HeadRows(csv, 5), "text/csv");
  EXPECT_EQ(scored.body + "\n", by_name + "\n");  // the same model files, now version 2
  kill(serving, SIGTERM);
  int serving_status = 0;
  waitpid(serving, &serving_status, 0);
  EXPECT_TRUE(WIFEXITED(serving_status) && WEXITSTATUS(serving_status) == 0);

  Ok({"models", "delete", "loan_model"}, remote);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "team-artifacts/models/loan_model") &&
               !std::filesystem::is_empty(dir_ / "team-artifacts/models/loan_model"));
  ExpectCleanStop(pid);
}

// Command lines written for mlflow server: a registry in its own database, an artifacts-only
// server, the web servers' options accepted with a warning, the rest refused with advice.
TEST_F(CliTest, ServerTakesMlflowServerCommandLines) {
  std::string out_path = dir_ / "server.out";
  std::string err_path = dir_ / "server.err";
  pid_t pid = Spawn({"server", "--port", "0", "--backend-store-uri", "sqlite:///tracking.db",
                     "--registry-store-uri", "sqlite:///registry.db", "--gunicorn-opts",
                     "--timeout 120", "--artifacts-destination", dir_ / "served"},
                    {}, out_path, err_path);
  ASSERT_GT(pid, 0);
  int port = WaitForPort(out_path);
  ASSERT_GT(port, 0) << ReadAll(err_path);
  EXPECT_NE(ReadAll(err_path).find("--gunicorn-opts '--timeout 120' is ignored"), std::string::npos)
      << ReadAll(err_path);
  HttpResult created =
      Http(port, "POST", "/api/2.0/mlflow/registered-models/create", R"({"name": "loan_model"})");
  EXPECT_EQ(created.status, 200) << created.body;
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  // The model is in the registry's database, not the tracking one.
  EXPECT_NE(Ok({"--tracking-uri", "sqlite:///registry.db", "models", "list"}).find("loan_model"),
            std::string::npos);
  EXPECT_EQ(Ok({"--tracking-uri", "sqlite:///tracking.db", "models", "list"}).find("loan_model"),
            std::string::npos);

  // Artifacts only: the proxy works, the tracking API answers 503, no database is made.
  pid =
      Spawn({"server", "--port", "0", "--artifacts-only", "--expose-prometheus",
             "--backend-store-uri", "sqlite:///never.db", "--artifacts-destination", dir_ / "only"},
            {}, out_path, err_path);
  ASSERT_GT(pid, 0);
  port = WaitForPort(out_path);
  ASSERT_GT(port, 0) << ReadAll(err_path);
  EXPECT_EQ(
      Http(port, "PUT", "/api/2.0/mlflow-artifacts/artifacts/a/b.txt", "kept", "text/plain").status,
      200);
  EXPECT_EQ(Http(port, "GET", "/api/2.0/mlflow-artifacts/artifacts/a/b.txt").body, "kept");
  HttpResult disabled = Http(port, "POST", "/api/2.0/mlflow/experiments/search", "{}");
  EXPECT_EQ(disabled.status, 503);
  EXPECT_NE(disabled.body.find("--artifacts-only"), std::string::npos) << disabled.body;
  EXPECT_NE(disabled.body.find("TEMPORARILY_UNAVAILABLE"), std::string::npos) << disabled.body;
  // --expose-prometheus (mlflow's flag) is accepted: /metrics is always there.
  EXPECT_NE(ReadAll(err_path).find("metrics are always served at /metrics"), std::string::npos);
  EXPECT_NE(Http(port, "GET", "/metrics").body.find("orchard_http_requests_total"),
            std::string::npos);
  kill(pid, SIGTERM);
  waitpid(pid, &status, 0);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "never.db"));

  // mlflow server's flags Orchard does not take: refused, saying what to do instead.
  Result dev = Run({"server", "--dev"});
  EXPECT_EQ(dev.exit_code, 1);
  EXPECT_NE(dev.err.find("--ui-dir"), std::string::npos) << dev.err;
}

// kill -9 of `models serve --watch` right as the stage moves (before, during or after the swap):
// the next start serves the new version, and removes what the killed server had downloaded.
TEST_F(CliTest, ServeWatchKilledDuringASwapRestartsClean) {
  std::string csv = dir_ / "loan.csv";
  Ok({"datasets", "make-loan", "--rows", "1500", "-o", csv});
  for (const char* trees : {"5", "20"}) {
    std::string trained = Ok({"train", "--model", "rf", "--data", csv, "--target", "Loan Status",
                              "--param", std::string("n_estimators=") + trees});
    Ok({"models", "register", "runs:/" + ValueAfter(trained, "run_id") + "/model", "--name",
        "loan_model"});
  }
  Ok({"models", "transition", "loan_model", "1", "Production"});
  std::string rows_csv = dir_ / "rows.csv";
  std::ofstream(rows_csv) << HeadRows(csv, 20);
  Ok({"models", "predict", "-m", "models:/loan_model/2", "-i", rows_csv, "-o", dir_ / "v2.json"});
  const std::string v2 = ReadAll(dir_ / "v2.json");
  // The servers' temporary folder: only theirs is in it.
  const std::string temp = dir_ / "tmp";
  std::filesystem::create_directory(temp);
  auto serve_folders = [&] {
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::directory_iterator(temp)) {
      found.push_back(entry.path().filename().string());
    }
    return found;
  };
  const std::vector<std::string> serve = {
      "models",           "serve", "-m", "models:/loan_model/Production", "-p", "0", "--watch",
      "--watch-interval", "0.05"};
  std::string out_path = dir_ / "serve.out", err_path = dir_ / "serve.err";
  pid_t pid = Spawn(serve, {{"TMPDIR", temp}}, out_path, err_path);
  ASSERT_GT(pid, 0);
  ASSERT_GT(WaitForPort(out_path), 0) << ReadAll(err_path);
  Ok({"models", "transition", "loan_model", "2", "Production", "--archive-existing"});
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_EQ(serve_folders().size(), 1u) << "the killed server's downloads are still there";
  const std::string killed_folder = serve_folders()[0];

  pid = Spawn(serve, {{"TMPDIR", temp}}, out_path, err_path);
  ASSERT_GT(pid, 0);
  int port = WaitForPort(out_path);
  ASSERT_GT(port, 0) << ReadAll(err_path);
  std::vector<std::string> folders = serve_folders();
  EXPECT_EQ(folders.size(), 1u);
  EXPECT_NE(folders.at(0), killed_folder) << "the abandoned folder is removed at start";
  HttpResult served = Http(port, "POST", "/invocations", HeadRows(csv, 20), "text/csv");
  EXPECT_EQ(served.status, 200);
  EXPECT_EQ(served.body + "\n", v2);  // the version Production names now
  kill(pid, SIGTERM);
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_TRUE(serve_folders().empty()) << "a clean stop removes its downloads";
}

// kill -9 in the middle of a search (two trials at a time): --resume finishes it with every
// trial counted once: the finished ones kept, the interrupted ones ended KILLED and run again.
TEST_F(CliTest, TuneKilledMidSearchResumes) {
  std::string csv = dir_ / "loan.csv";
  Ok({"datasets", "make-loan", "--rows", "800", "-o", csv});
  const std::vector<std::string> search = {
      "--data",     csv, "--target", "Loan Status",    "--model",   "rf", "--max-trials", "8",
      "--parallel", "2", "--param",  "n_estimators=5", "--sampler", "tpe"};
  std::vector<std::string> first = {"tune", "--experiment-name", "tunecrash", "--run-name",
                                    "search"};
  first.insert(first.end(), search.begin(), search.end());
  std::string out_path = dir_ / "tune.out", err_path = dir_ / "tune.err";
  pid_t pid = Spawn(first, {}, out_path, err_path);
  ASSERT_GT(pid, 0);
  // Killed once three trials are done (bounded wait: a trial takes well under a second).
  for (int i = 0;
       i < 6000 &&
       CountOf(ReadAll(err_path), "\ntrial ") + ReadAll(err_path).starts_with("trial ") < 3;
       ++i) {
    usleep(10000);
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the search ended before the kill: " << ReadAll(err_path);
  std::string parents = Ok({"--json", "runs", "search", "--experiment-name", "tunecrash",
                            "--filter", "attributes.run_name = 'search'"});
  size_t at = parents.find("\"run_id\":\"");
  ASSERT_NE(at, std::string::npos) << parents;
  std::string parent = parents.substr(at + 10, 32);

  std::vector<std::string> resume = {"tune", "--resume", parent};
  resume.insert(resume.end(), search.begin(), search.end());
  Result resumed = Run(resume);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  std::string children = Ok({"--json", "runs", "search", "--experiment-name", "tunecrash",
                             "--filter", "tags.mlflow.parentRunId = '" + parent + "'"});
  // Each trial's name and status, as "trial-3 KILLED". An interrupted trial keeps its number;
  // the trials run instead are numbered after every number used: no two runs share a name.
  std::set<std::string> names;
  std::string summary;
  int finished = 0, killed = 0, other = 0, runs = 0;
  const std::regex trial(R"re("run_name":"(trial-\d+)","user_id":"[^"]*","status":"(\w+)")re");
  for (auto it = std::sregex_iterator(children.begin(), children.end(), trial);
       it != std::sregex_iterator(); ++it) {
    summary += (*it)[1].str() + " " + (*it)[2].str() + "; ";
    names.insert((*it)[1]);
    ++runs;
    if ((*it)[2] == "FINISHED") {
      ++finished;
    } else if ((*it)[2] == "KILLED") {
      ++killed;
    } else {
      ++other;
    }
  }
  EXPECT_EQ(finished, 8) << summary;
  EXPECT_LE(killed, 2) << summary;
  EXPECT_EQ(other, 0) << summary;
  EXPECT_EQ(names.size(), static_cast<size_t>(runs)) << "a trial name used twice: " << summary;
}

// `orchard db backup` on SQLite while a server keeps writing: the copy is one consistent state
// (integrity checked) holding at least what was acknowledged before it began, and a store of
// its own; an existing file is never overwritten.
TEST_F(CliTest, DbBackupWhileTheServerWrites) {
  std::string db = dir_ / "live.db";
  std::string out_path = dir_ / "server.out", err_path = dir_ / "server.err";
  pid_t pid = Spawn(
      {"server", "--port", "0", "--backend-store-uri", "sqlite:///" + db, "--durability", "os"}, {},
      out_path, err_path);
  ASSERT_GT(pid, 0);
  int port = WaitForPort(out_path);
  ASSERT_GT(port, 0) << ReadAll(err_path);
  HttpResult run = Http(port, "POST", "/api/2.0/mlflow/runs/create", R"({"experiment_id": "0"})");
  ASSERT_EQ(run.status, 200) << run.body;
  std::string run_id = run.body.substr(run.body.find("\"run_id\":\"") + 10, 32);
  std::atomic<int> acknowledged{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int step = 0; !stop; ++step) {
      HttpResult logged =
          Http(port, "POST", "/api/2.0/mlflow/runs/log-metric",
               fmt::format(R"({{"run_id":"{}","key":"loss","value":{},"timestamp":1,"step":{}}})",
                           run_id, step, step));
      if (logged.status != 200) break;
      ++acknowledged;
    }
  });
  while (acknowledged < 200) usleep(1000);
  const int before = acknowledged;
  std::string backed_up = Ok({"db", "backup", dir_ / "copy.db", "--from", "sqlite:///" + db});
  const int during = acknowledged;
  stop = true;
  writer.join();
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_NE(backed_up.find("backed up sqlite:///"), std::string::npos) << backed_up;
  // The copy is a store: its metric history is a prefix of what was written.
  std::string history = Ok({"runs", "get", "--run-id", run_id},
                           {{"ORCHARD_TRACKING_URI", "sqlite:///" + (dir_ / "copy.db")}});
  EXPECT_NE(history.find(run_id), std::string::npos) << history;
  auto copy = SqliteConnection::Open(dir_ / "copy.db");
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  auto count = (*copy)->Prepare("SELECT count(*) FROM metrics");
  ASSERT_TRUE(count.ok());
  ASSERT_TRUE(*count->Step());
  const int64_t copied = count->ColumnInt(0);
  EXPECT_GE(copied, before);
  EXPECT_LE(copied, during + 1);  // + the write in flight when the count was read
  Result again = Run({"db", "backup", dir_ / "copy.db", "--from", "sqlite:///" + db});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
}

// `orchard db backup` on PostgreSQL runs pg_dump; pg_restore into another database gives the
// same store. The password in the URI reaches neither pg_dump's command line nor the output.
TEST_F(CliTest, DbBackupOfTheTeamStoreRestores) {
  if (testing::TestPostgresUri().empty()) GTEST_SKIP() << "!!! no PostgreSQL here: SKIPPED";
  const std::string base = testing::TestPostgresUri();
  auto admin = PgConnection::Open(*ParsePostgresUri(base));
  ASSERT_TRUE(admin.ok()) << admin.status().ToString();
  const std::string suffix = testing::SchemaNameFor(dir_.path());
  const std::string source_db = "backup_from_" + suffix, restored_db = "backup_to_" + suffix;
  for (const std::string& name : {source_db, restored_db}) {
    ASSERT_TRUE((*admin)->Exec("CREATE DATABASE " + name).ok());
  }
  auto uri_of = [&](const std::string& name) { return base.substr(0, base.rfind('/') + 1) + name; };
  std::string source = uri_of(source_db);
  source.replace(source.find("postgres@"), 9, "postgres:s3cret@");
  std::map<std::string, std::string> team = {{"MLFLOW_TRACKING_URI", source}};
  Ok({"experiments", "create", "--experiment-name", "kept-in-backup"}, team);
  std::string out = Ok({"db", "backup", dir_ / "store.dump"}, team);
  EXPECT_EQ(out.find("s3cret"), std::string::npos) << out;
  std::string restore_output;
  auto restored = RunCaptured(
      {"pg_restore", "--no-owner", "--dbname=" + uri_of(restored_db), dir_ / "store.dump"}, "",
      &restore_output);
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(*restored, 0) << restore_output;
  std::string listed = Ok({"experiments", "list"}, {{"MLFLOW_TRACKING_URI", uri_of(restored_db)}});
  EXPECT_NE(listed.find("kept-in-backup"), std::string::npos) << listed;
  for (const std::string& name : {source_db, restored_db}) {
    EXPECT_TRUE((*admin)->Exec("DROP DATABASE " + name + " WITH (FORCE)").ok());
  }
}

// The test run's Slurm cluster (scripts/test-slurm.sh, a CTest fixture): its config, or "" when
// there is none.
std::string TestSlurmConf() {
#ifdef ORCHARD_TEST_SLURM_CONF
  return std::filesystem::exists(ORCHARD_TEST_SLURM_CONF) ? ORCHARD_TEST_SLURM_CONF : "";
#else
  return "";
#endif
}

constexpr char kSlurmProject[] = R"(name: cluster
entry_points:
  ok:
    command: "echo from-the-job $MLFLOW_RUN_ID $MLFLOW_EXPERIMENT_ID; echo to-stderr >&2"
  fail:
    command: "echo going-wrong >&2; exit 3"
  sleep:
    command: "sleep 600"
)";

// `orchard run --backend slurm` on a real Slurm: a job that finishes, one that fails, one
// cancelled with scancel while nobody waits (then `runs sync-slurm`); the run follows each.
TEST_F(CliTest, ProjectRunsAsSlurmJobs) {
  const std::string conf = TestSlurmConf();
  if (conf.empty()) GTEST_SKIP() << "!!! no Slurm here (scripts/test-slurm.sh): SKIPPED";
  const std::map<std::string, std::string> env = {{"SLURM_CONF", conf}};
  std::string project = dir_ / "cluster";
  WriteText(project + "/MLproject", kSlurmProject);
  const std::string config = R"({"time": "5", "output_dir": ")" + (dir_ / "slurm-output") +
                             R"(", "sbatch_options": )"
                             R"(["--comment=orchard-test"], "setup": "export FROM_SETUP=yes"})";

  Result ok = Run({"run", project, "-e", "ok", "--backend", "slurm", "--backend-config", config,
                   "--experiment-name", "cluster"},
                  env);
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  std::string run_id = ok.out.substr(0, 32);
  EXPECT_NE(ok.err.find("submitted as Slurm job"), std::string::npos) << ok.err;
  std::string shown = Ok({"runs", "get", "-r", run_id, "--json"});
  for (const char* expected :
       {R"("status":"FINISHED")", R"({"key":"mlflow.project.backend","value":"slurm"})",
        R"({"key":"orchard.slurm.final_state","value":"COMPLETED"})",
        R"("key":"orchard.slurm.job_id")", R"("end_time":)"}) {
    EXPECT_NE(shown.find(expected), std::string::npos) << expected << "\n" << shown;
  }
  // The job's output, logged as the run's artifacts, shows the run's environment.
  Ok({"artifacts", "download", "-r", run_id, "--path", "slurm", "-d", dir_ / "logs"});
  EXPECT_NE(ReadAll(dir_ / "logs/slurm/stdout.txt").find("from-the-job " + run_id + " 1"),
            std::string::npos)
      << ReadAll(dir_ / "logs/slurm/stdout.txt");
  EXPECT_EQ(ReadAll(dir_ / "logs/slurm/stderr.txt"), "to-stderr\n");

  // A failing job: exit 1, the run FAILED with the job's state and exit code, its stderr kept.
  Result failed = Run({"run", project, "-e", "fail", "--backend", "slurm", "--backend-config",
                       config, "--experiment-name", "cluster"},
                      env);
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.err.find("ended FAILED"), std::string::npos) << failed.err;
  std::string failed_id = failed.err.substr(failed.err.find("=== Run ") + 8, 32);
  shown = Ok({"runs", "get", "-r", failed_id, "--json"});
  EXPECT_NE(shown.find(R"("status":"FAILED")"), std::string::npos) << shown;
  EXPECT_NE(shown.find(R"({"key":"orchard.slurm.reason","value":"FAILED)"), std::string::npos)
      << shown;
  EXPECT_NE(shown.find("exit code 3:0"), std::string::npos) << shown;
  Ok({"artifacts", "download", "-r", failed_id, "--path", "slurm", "-d", dir_ / "failed"});
  EXPECT_EQ(ReadAll(dir_ / "failed/slurm/stderr.txt"), "going-wrong\n");

  // Not waiting: the run id at once, SCHEDULED or RUNNING; cancelled with scancel, the sweep
  // marks it KILLED.
  Result started = Run({"run", project, "-e", "sleep", "--backend", "slurm", "--backend-config",
                        config, "--no-wait", "--experiment-name", "cluster"},
                       env);
  ASSERT_EQ(started.exit_code, 0) << started.err;
  std::string sleeping = started.out.substr(0, 32);
  shown = Ok({"runs", "get", "-r", sleeping, "--json"});
  EXPECT_TRUE(shown.find(R"("status":"SCHEDULED")") != std::string::npos ||
              shown.find(R"("status":"RUNNING")") != std::string::npos)
      << shown;
  std::string job_id = ValueAfter(shown, R"("key":"orchard.slurm.job_id","value":")");
  job_id = job_id.substr(0, job_id.find('"'));
  ASSERT_FALSE(job_id.empty()) << shown;
  std::string cancel = "SLURM_CONF=" + conf + " scancel " + job_id;
  ASSERT_EQ(std::system(cancel.c_str()), 0);
  // Bounded: Slurm takes a moment to record the cancellation.
  for (int attempt = 0; attempt < 600; ++attempt) {
    Ok({"runs", "sync-slurm"}, env);
    shown = Ok({"runs", "get", "-r", sleeping, "--json"});
    if (shown.find(R"("status":"KILLED")") != std::string::npos) break;
    usleep(100000);
  }
  EXPECT_NE(shown.find(R"("status":"KILLED")"), std::string::npos) << shown;
  EXPECT_NE(shown.find(R"({"key":"orchard.slurm.final_state","value":"CANCELLED"})"),
            std::string::npos)
      << shown;

  // A job Slurm no longer knows, with no final state seen: its run FAILED, saying why.
  std::string lost = Ok({"runs", "create", "--experiment-name", "cluster"});
  Ok({"runs", "set-tag", "-r", lost, "orchard.slurm.job_id", "999999"});
  Ok({"runs", "sync-slurm"}, env);
  shown = Ok({"runs", "get", "-r", lost, "--json"});
  EXPECT_NE(shown.find(R"("status":"FAILED")"), std::string::npos) << shown;
  EXPECT_NE(shown.find("job 999999 left Slurm without a final state seen"), std::string::npos)
      << shown;

  // A config Orchard cannot use is refused before anything is submitted.
  Result bad = Run({"run", project, "-e", "ok", "--backend", "slurm", "--backend-config",
                    R"({"partitions": "gpu"})"},
                   env);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("unknown Slurm config key 'partitions'"), std::string::npos) << bad.err;
}

// Slurm's time limits are whole minutes: a job over its minute is ended (TIMEOUT) and its run
// FAILED. A test of its own, so that it runs beside the others rather than before them.
TEST_F(CliTest, ASlurmJobOverItsTimeLimitFailsItsRun) {
  const std::string conf = TestSlurmConf();
  if (conf.empty()) GTEST_SKIP() << "!!! no Slurm here (scripts/test-slurm.sh): SKIPPED";
  std::string project = dir_ / "cluster";
  WriteText(project + "/MLproject", kSlurmProject);
  Result over = Run({"run", project, "-e", "sleep", "--backend", "slurm", "--backend-config",
                     R"({"time": "1", "output_dir": ")" + (dir_ / "out") + R"("})"},
                    {{"SLURM_CONF", conf}});
  EXPECT_EQ(over.exit_code, 1);
  EXPECT_NE(over.err.find("ended TIMEOUT"), std::string::npos) << over.err;
  EXPECT_NE(Ok({"runs", "list"}).find("FAILED"), std::string::npos);
}

constexpr char kSlurmSearchProject[] = R"(name: search
entry_points:
  trial:
    parameters:
      x: {type: float, default: 0.5}
      pause: {type: float, default: 0}
    command: "sleep {pause}; orchard runs log-metric -r $MLFLOW_RUN_ID score {x}"
)";

// The ids of the search's children that carry a Slurm job (one line each).
std::vector<std::string> SlurmTrials(const std::string& listing) {
  std::vector<std::string> ids;
  std::istringstream lines(listing);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() >= 32 && line.find_first_not_of("0123456789abcdef") >= 32) {
      ids.push_back(line.substr(0, 32));
    }
  }
  return ids;
}

// A search whose trials are Slurm jobs, two at a time; then one whose driver dies mid-search
// and is resumed, adopting the jobs still running.
TEST_F(CliTest, SearchesOnSlurm) {
  const std::string conf = TestSlurmConf();
  if (conf.empty()) GTEST_SKIP() << "!!! no Slurm here (scripts/test-slurm.sh): SKIPPED";
  const std::map<std::string, std::string> env = {{"SLURM_CONF", conf}};
  std::string project = dir_ / "search";
  WriteText(project + "/MLproject", kSlurmSearchProject);
  WriteText(dir_ / "space.yaml", "x: {dist: uniform, low: 0, high: 1}\n");
  const std::string config = R"({"time": "5", "output_dir": ")" + (dir_ / "jobs") + R"("})";
  auto search_args = [&](const std::string& experiment, int trials, const std::string& pause) {
    return std::vector<std::string>{"tune",
                                    "--project",
                                    project,
                                    "--entry-point",
                                    "trial",
                                    "--space",
                                    dir_ / "space.yaml",
                                    "--startup-trials",
                                    "2",
                                    "--max-trials",
                                    std::to_string(trials),
                                    "--parallel",
                                    "2",
                                    "--metric",
                                    "score",
                                    "--param",
                                    "pause=" + pause,
                                    "--backend",
                                    "slurm",
                                    "--backend-config",
                                    config,
                                    "--experiment-name",
                                    experiment};
  };
  auto children = [&](const std::string& experiment, const std::string& parent) {
    return Ok({"runs", "search", "--experiment-name", experiment, "--filter",
               "tags.mlflow.parentRunId = '" + parent + "' AND tags.orchard.slurm.job_id LIKE '%'"},
              env);
  };

  Result search = Run(search_args("six", 6, "0"), env);
  ASSERT_EQ(search.exit_code, 0) << search.err;
  const std::string parent = ValueAfter(search.out, "parent run");
  std::string listed = children("six", parent);
  EXPECT_EQ(SlurmTrials(listed).size(), 6u) << listed;
  EXPECT_EQ(CountOf(listed, "FINISHED"), 6) << listed;
  std::set<std::string> jobs;
  for (const std::string& trial : SlurmTrials(listed)) {
    std::string shown = Ok({"runs", "get", "-r", trial, "--json"});
    std::string job = ValueAfter(shown, R"("key":"orchard.slurm.job_id","value":")");
    jobs.insert(job.substr(0, job.find('"')));
  }
  EXPECT_EQ(jobs.size(), 6u) << "one job per trial";
  EXPECT_NE(search.out.find("best trial"), std::string::npos) << search.out;

  // The driver dies while two trials' jobs run; the resumed search adopts them.
  std::string out_path = dir_ / "tune.out", err_path = dir_ / "tune.err";
  pid_t driver = Spawn(search_args("resumed", 4, "4"), env, out_path, err_path);
  ASSERT_GT(driver, 0);
  std::string resumed_parent;
  for (int attempt = 0; attempt < 600; ++attempt) {
    std::string err = ReadAll(err_path);
    size_t at = err.find("search ");
    if (at != std::string::npos && resumed_parent.empty()) resumed_parent = err.substr(at + 7, 32);
    if (!resumed_parent.empty() && SlurmTrials(children("resumed", resumed_parent)).size() == 2) {
      break;
    }
    usleep(100000);
  }
  std::vector<std::string> running = SlurmTrials(children("resumed", resumed_parent));
  ASSERT_EQ(running.size(), 2u) << ReadAll(err_path);
  // The driver and the trial runners it started (all ours), at once. Stopped first, the driver
  // reaps no runner meanwhile, so no pid read below can pass to another process.
  kill(driver, SIGSTOP);
  std::vector<pid_t> runners;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(driver) + "/task")) {
    std::ifstream child_list(task.path() / "children");
    for (pid_t pid; child_list >> pid;) runners.push_back(pid);
  }
  for (pid_t pid : runners) kill(pid, SIGKILL);
  kill(driver, SIGKILL);
  int status = 0;
  waitpid(driver, &status, 0);
  std::vector<std::string> resume_args = search_args("resumed", 4, "4");
  resume_args.insert(resume_args.begin() + 1, {"--resume", resumed_parent});
  Result resumed = Run(resume_args, env);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("2 still running (adopted)"), std::string::npos) << resumed.err;
  listed = children("resumed", resumed_parent);
  std::vector<std::string> trials = SlurmTrials(listed);
  EXPECT_EQ(trials.size(), 4u) << listed;
  EXPECT_EQ(CountOf(listed, "FINISHED"), 4) << listed;
  for (const std::string& adopted : running) {
    EXPECT_NE(std::find(trials.begin(), trials.end(), adopted), trials.end()) << adopted;
  }
}

// The issue's own words: `orchard tune --data FILE --model rf --max-trials 4 --backend slurm
// --parallel 2` runs four trials as four jobs (each an `orchard train`) under one parent.
TEST_F(CliTest, TuneOnDataAsSlurmJobs) {
  const std::string conf = TestSlurmConf();
  if (conf.empty()) GTEST_SKIP() << "!!! no Slurm here (scripts/test-slurm.sh): SKIPPED";
  const std::map<std::string, std::string> env = {{"SLURM_CONF", conf}};
  std::string csv = dir_ / "loan.csv";
  Ok({"datasets", "make-loan", "--rows", "2000", "-o", csv});
  Result search = Run({"tune", "--data", csv, "--model", "rf", "--max-trials", "4", "--backend",
                       "slurm", "--parallel", "2", "--param", "n_estimators=5", "--backend-config",
                       R"({"time": "5", "shared_dir": ")" + (dir_ / "shared") + R"("})",
                       "--experiment-name", "loan"},
                      env);
  ASSERT_EQ(search.exit_code, 0) << search.err;
  const std::string parent = ValueAfter(search.out, "parent run");
  std::string listed =
      Ok({"runs", "search", "--experiment-name", "loan", "--filter",
          "tags.mlflow.parentRunId = '" + parent + "' AND tags.orchard.slurm.job_id LIKE '%'"});
  EXPECT_EQ(SlurmTrials(listed).size(), 4u) << listed;
  EXPECT_EQ(CountOf(listed, "FINISHED"), 4) << listed;
  // Each trial's job trained and logged into its run: the model is there.
  const std::string best = ValueAfter(search.out, "best trial");
  EXPECT_NE(Ok({"artifacts", "list", "-r", best}).find("model"), std::string::npos);
}

// A git project in a virtualenv on Slurm: the checkout and the venv go to the config's shared
// folder, which the job sees; the job runs in both.
TEST_F(CliTest, SlurmJobFromGitInAVirtualenv) {
  const std::string conf = TestSlurmConf();
  if (conf.empty()) GTEST_SKIP() << "!!! no Slurm here (scripts/test-slurm.sh): SKIPPED";
  std::string work = dir_ / "work";
  WriteText(work + "/MLproject", R"(name: g
python_env: python_env.yaml
entry_points:
  main:
    command: "echo in $PWD; python -c 'import sys; print(sys.prefix)'"
)");
  WriteText(work + "/python_env.yaml",
            "python: \"3.11\"\nbuild_dependencies: [pip]\ndependencies: [numpy]\n");
  ASSERT_EQ(std::system(("cd " + work +
                         " && git init -q -b main . && git add . && git -c user.email=t@t -c "
                         "user.name=t commit -q -m one >/dev/null 2>&1")
                            .c_str()),
            0);
  const std::string shared = dir_ / "shared";
  Result run = Run({"run", "file://" + work, "--env-manager", "virtualenv", "--backend", "slurm",
                    "--backend-config", R"({"time": "5", "shared_dir": ")" + shared + R"("})"},
                   {{"SLURM_CONF", conf}, {"ORCHARD_CACHE_DIR", dir_ / "cache"}});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string run_id = run.out.substr(0, 32);
  Ok({"artifacts", "download", "-r", run_id, "--path", "slurm", "-d", dir_ / "logs"});
  const std::string out = ReadAll(dir_ / "logs/slurm/stdout.txt");
  EXPECT_NE(out.find("in " + shared + "/projects/"), std::string::npos) << out;
  EXPECT_NE(out.find(shared + "/virtualenvs/"), std::string::npos) << out;
  EXPECT_TRUE(std::filesystem::exists(shared + "/slurm/" + run_id + ".out"));
}

// Two `orchard server` processes on one PostgreSQL database, written through both at once: no
// point lost, a param's second value refused on either, versions numbered 1..N, one version
// left in Production.
TEST_F(CliTest, TwoServersOnOnePostgresDatabase) {
  if (testing::TestPostgresUri().empty()) GTEST_SKIP() << "!!! no PostgreSQL here: SKIPPED";
  const std::string uri = testing::TestPostgresSchemaUri(testing::SchemaNameFor(dir_.path()));
  std::vector<pid_t> pids;
  std::vector<int> ports;
  for (int s = 0; s < 2; ++s) {
    std::string out_path = dir_ / ("server" + std::to_string(s) + ".out");
    pids.push_back(Spawn({"server", "--port", "0", "--backend-store-uri", uri,
                          "--artifacts-destination", dir_ / "shared"},
                         {}, out_path, dir_ / ("server" + std::to_string(s) + ".err")));
    ports.push_back(WaitForPort(out_path));
    ASSERT_GT(ports.back(), 0) << ReadAll(dir_ / ("server" + std::to_string(s) + ".err"));
  }
  HttpResult created = Http(ports[0], "POST", "/api/2.0/mlflow/runs/create", R"({})");
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string run_id = ValueAfter(created.body, R"("run_id":")");
  // The model the versions are made from, in the run's artifacts (the shared folder).
  ASSERT_EQ(Http(ports[0], "PUT",
                 "/api/2.0/mlflow-artifacts/artifacts/0/" + run_id + "/artifacts/model/MLmodel",
                 "artifact_path: model\n", "text/plain")
                .status,
            200);
  ASSERT_EQ(Http(ports[1], "POST", "/api/2.0/mlflow/registered-models/create",
                 R"({"name": "loan_model"})")
                .status,
            200);
  constexpr int kWriters = 4, kBatches = 25, kPoints = 40, kVersions = 6;
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      const int port = ports[w % 2];
      for (int b = 0; b < kBatches; ++b) {
        std::string body = R"({"run_id": ")" + run_id + R"(", "metrics": [)";
        for (int i = 0; i < kPoints; ++i) {
          body += (i ? "," : "") +
                  fmt::format(R"({{"key": "m{}", "value": {}, "timestamp": {}, "step": {}}})",
                              i % 5, w + b, 1700000000000 + i, w * 10000 + b * 100 + i);
        }
        body += fmt::format(R"(], "params": [{{"key": "p{}_{}", "value": "v"}}]}})", w, b);
        if (Http(port, "POST", "/api/2.0/mlflow/runs/log-batch", body).status != 200) ++failures;
      }
      for (int v = 0; v < kVersions / kWriters + (w < kVersions % kWriters); ++v) {
        HttpResult version =
            Http(port, "POST", "/api/2.0/mlflow/model-versions/create",
                 R"({"name": "loan_model", "source": "runs:/)" + run_id + R"(/model"})");
        if (version.status != 200) ++failures;
      }
    });
  }
  for (std::thread& t : writers) t.join();
  EXPECT_EQ(failures.load(), 0);
  // Every point, through the other server.
  int points = 0;
  for (int k = 0; k < 5; ++k) {
    HttpResult history = Http(ports[1], "GET",
                              "/api/2.0/mlflow/metrics/get-history?run_id=" + run_id +
                                  "&metric_key=m" + std::to_string(k) + "&max_results=100000");
    ASSERT_EQ(history.status, 200) << history.body;
    points += CountOf(history.body, R"("key":)");
  }
  EXPECT_EQ(points, kWriters * kBatches * kPoints);
  // A param's second value is refused by whichever server gets it.
  EXPECT_EQ(Http(ports[1], "POST", "/api/2.0/mlflow/runs/log-parameter",
                 R"({"run_id": ")" + run_id + R"(", "key": "p0_0", "value": "other"})")
                .status,
            400);
  // Versions 1..N, no gap or duplicate; then every version moved to Production at once, with
  // "archive existing": exactly one stays there.
  HttpResult versions =
      Http(ports[0], "GET", "/api/2.0/mlflow/model-versions/search?filter=name%3D%27loan_model%27");
  for (int v = 1; v <= kVersions; ++v) {
    EXPECT_EQ(CountOf(versions.body, fmt::format(R"("version":"{}")", v)), 1) << v;
  }
  EXPECT_EQ(CountOf(versions.body, R"("version":")"), kVersions) << versions.body;
  std::vector<std::thread> movers;
  for (int v = 1; v <= kVersions; ++v) {
    movers.emplace_back([&, v] {
      Http(ports[v % 2], "POST", "/api/2.0/mlflow/model-versions/transition-stage",
           fmt::format(R"({{"name": "loan_model", "version": "{}", "stage": "Production", )"
                       R"("archive_existing_versions": true}})",
                       v));
    });
  }
  for (std::thread& t : movers) t.join();
  versions =
      Http(ports[1], "GET", "/api/2.0/mlflow/model-versions/search?filter=name%3D%27loan_model%27");
  EXPECT_EQ(CountOf(versions.body, R"("current_stage":"Production")"), 1) << versions.body;
  for (pid_t pid : pids) {
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
  }
}

// The team store: the loan tutorial's search, registry and a server, all on PostgreSQL.
TEST_F(CliTest, TheLoanSearchOnPostgres) {
  if (testing::TestPostgresUri().empty()) GTEST_SKIP() << "!!! no PostgreSQL here: SKIPPED";
  // A password the trust-authenticated test server ignores: it must not show anywhere.
  std::string uri = testing::TestPostgresSchemaUri(testing::SchemaNameFor(dir_.path()));
  uri.replace(uri.find("postgres@"), 9, "postgres:s3cret@");
  EXPECT_NE(Ok({"db", "upgrade", uri}).find("upgraded from version 0 to 2"), std::string::npos);
  std::string current = Ok({"db", "upgrade", uri});
  EXPECT_NE(current.find("schema is current (version 2)"), std::string::npos) << current;
  EXPECT_EQ(current.find("s3cret"), std::string::npos) << current;

  std::map<std::string, std::string> team = {{"MLFLOW_TRACKING_URI", uri}};
  std::string csv = dir_ / "loan.csv";
  Ok({"datasets", "make-loan", "--rows", "2000", "-o", csv});
  std::string out =
      Ok({"tune", "--data", csv, "--model", "rf", "--max-trials", "3", "--sampler", "random",
          "--parallel", "2", "--param", "n_estimators=5", "--experiment-name", "loan"},
         team);
  std::string parent = ValueAfter(out, "parent run");
  std::string children =
      Ok({"runs", "search", "--experiment-name", "loan", "--filter",
          "tags.mlflow.parentRunId = '" + parent + "'", "--order-by", "metrics.test_PR_AUC DESC"},
         team);
  EXPECT_EQ(CountOf(children, "FINISHED"), 3) << children;
  std::string best = ValueAfter(out, "best trial");
  EXPECT_NE(children.find("\n" + best), std::string::npos) << "the best trial sorts first";
  Ok({"models", "register", "runs:/" + best + "/model", "--name", "loan_model"}, team);
  Ok({"models", "transition", "loan_model", "1", "Production"}, team);
  Ok({"models", "alias", "loan_model", "champion", "1"}, team);

  std::string out_path = dir_ / "server.out";
  pid_t pid = Spawn({"server", "--port", "0", "--backend-store-uri", uri, "--workers", "2",
                     "--artifacts-destination", dir_ / "served"},
                    {}, out_path, dir_ / "server.err");
  ASSERT_GT(pid, 0);
  int port = WaitForPort(out_path);
  ASSERT_GT(port, 0) << ReadAll(dir_ / "server.err");
  EXPECT_EQ(ReadAll(out_path).find("s3cret"), std::string::npos) << ReadAll(out_path);
  EXPECT_NE(ReadAll(out_path).find("postgres:***@"), std::string::npos) << ReadAll(out_path);
  HttpResult version = Http(port, "GET",
                            "/api/2.0/mlflow/registered-models/get-latest-versions?name=loan_model"
                            "&stages=Production");
  EXPECT_EQ(version.status, 200) << version.body;
  EXPECT_NE(version.body.find(R"("version":"1")"), std::string::npos) << version.body;
  HttpResult runs = Http(port, "POST", "/api/2.0/mlflow/runs/search",
                         R"({"experiment_ids": ["1"], "order_by": ["metrics.test_PR_AUC DESC"],)"
                         R"( "filter": "tags.mlflow.parentRunId = ')" +
                             parent + R"('"})");
  EXPECT_EQ(runs.status, 200) << runs.body;
  EXPECT_EQ(CountOf(runs.body, R"("run_uuid")"), 3) << runs.body;
  ExpectCleanStop(pid);
}

}  // namespace
}  // namespace orchard

namespace orchard {
namespace {

// orchard server --app-name basic-auth with MLflow's default configuration: the admin is created
// with the default password (and the server says so loudly), and the CLI manages users and
// permissions with MLflow's credential variables.
TEST_F(CliTest, BasicAuthServerAndUsersCommands) {
  std::string out_path = dir_ / "server.out", err_path = dir_ / "server.err";
  pid_t pid = Spawn({"server", "--port", "0", "--app-name", "basic-auth", "--backend-store-uri",
                     "sqlite:///" + (dir_ / "mlruns.db")},
                    {}, out_path, err_path);
  ASSERT_GT(pid, 0);
  int port = WaitForPort(out_path);
  ASSERT_GT(port, 0) << ReadAll(err_path);
  const std::string log = ReadAll(out_path) + ReadAll(err_path);
  EXPECT_NE(log.find("still has the default password"), std::string::npos) << log;
  const std::string uri = "http://127.0.0.1:" + std::to_string(port);
  auto as = [&](const std::string& user, const std::string& password) {
    return std::map<std::string, std::string>{{"MLFLOW_TRACKING_URI", uri},
                                              {"MLFLOW_TRACKING_USERNAME", user},
                                              {"MLFLOW_TRACKING_PASSWORD", password}};
  };
  Ok({"users", "create", "-u", "alice", "--password", "alice-pw"}, as("admin", "password"));
  Ok({"users", "create", "-u", "bob", "--password", "bob-pw"}, as("admin", "password"));
  const std::string id = Ok({"experiments", "create", "-n", "alice-exp"}, as("alice", "alice-pw"));
  EXPECT_NE(Ok({"users", "get", "-u", "alice"}, as("alice", "alice-pw"))
                .find(R"({"experiment_id":")" + id + R"(","user_id":2,"permission":"MANAGE"})"),
            std::string::npos);
  Ok({"users", "grant", "-u", "bob", "-x", id, "-p", "NO_PERMISSIONS"}, as("alice", "alice-pw"));
  Result refused = Run({"experiments", "get", "-x", id}, as("bob", "bob-pw"));
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("Permission denied"), std::string::npos) << refused.err;
  Ok({"users", "grant", "-u", "bob", "-x", id, "-p", "READ"}, as("alice", "alice-pw"));
  EXPECT_NE(Ok({"experiments", "get", "-x", id}, as("bob", "bob-pw")).find("alice-exp"),
            std::string::npos);
  Result anonymous = Run({"experiments", "list"}, {{"MLFLOW_TRACKING_URI", uri}});
  EXPECT_NE(anonymous.exit_code, 0);
  EXPECT_NE(anonymous.err.find("not authenticated"), std::string::npos) << anonymous.err;
  Result not_admin = Run({"users", "delete", "-u", "alice"}, as("bob", "bob-pw"));
  EXPECT_NE(not_admin.exit_code, 0);
  Ok({"users", "update-password", "-u", "admin", "--password", "n3w"}, as("admin", "password"));
  Ok({"users", "delete", "-u", "bob"}, as("admin", "n3w"));
  // The users' store is MLflow's default file, beside the server; no password in it in clear.
  std::ifstream users(dir_ / "basic_auth.db", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(users)), std::istreambuf_iterator<char>());
  EXPECT_FALSE(bytes.empty());
  EXPECT_EQ(bytes.find("alice-pw"), std::string::npos);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
}

}  // namespace
}  // namespace orchard

namespace orchard {
namespace {

// A password in a store URI or the tracking credentials never reaches an error message or the
// server's output.
TEST_F(CliTest, SecretsStayOutOfErrorsAndLogs) {
  const std::string uri = "postgresql://orchard:hunter2-secret@127.0.0.1:1/orchard";
  Result server = Run({"server", "--port", "0", "--backend-store-uri", uri});
  EXPECT_NE(server.exit_code, 0);
  EXPECT_EQ((server.out + server.err).find("hunter2"), std::string::npos) << server.err;
  Result listed = Run({"experiments", "list"}, {{"MLFLOW_TRACKING_URI", uri}});
  EXPECT_NE(listed.exit_code, 0);
  EXPECT_EQ((listed.out + listed.err).find("hunter2"), std::string::npos) << listed.err;
  // Credentials sent to a server that refuses them are not echoed back or logged.
  std::string out_path = dir_ / "auth.out", err_path = dir_ / "auth.err";
  pid_t pid = Spawn({"server", "--port", "0", "--app-name", "basic-auth", "--backend-store-uri",
                     "sqlite:///" + (dir_ / "mlruns.db"), "--access-log", "-"},
                    {}, out_path, err_path);
  ASSERT_GT(pid, 0);
  int port = WaitForPort(out_path);
  ASSERT_GT(port, 0) << ReadAll(err_path);
  Result wrong = Run({"experiments", "list"},
                     {{"MLFLOW_TRACKING_URI", "http://127.0.0.1:" + std::to_string(port)},
                      {"MLFLOW_TRACKING_USERNAME", "admin"},
                      {"MLFLOW_TRACKING_PASSWORD", "hunter2-wrong"}});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_EQ((wrong.out + wrong.err).find("hunter2"), std::string::npos) << wrong.err;
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  const std::string log = ReadAll(out_path) + ReadAll(err_path);
  EXPECT_NE(log.find("\"status\":401"), std::string::npos) << log;  // the access log ran
  EXPECT_EQ(log.find("hunter2"), std::string::npos) << log;
  EXPECT_EQ(log.find("Basic "), std::string::npos) << log;
}

}  // namespace
}  // namespace orchard

namespace orchard {
namespace {

// orchard gc removes deleted runs with their artifacts, and refuses to touch an active one.
TEST_F(CliTest, GcRemovesDeletedRunsAndTheirArtifacts) {
  const std::map<std::string, std::string> env = {
      {"ORCHARD_TRACKING_URI", "sqlite:///" + (dir_ / "gc.db")},
      {"ORCHARD_ARTIFACT_ROOT", dir_ / "artifacts"}};
  std::ofstream(dir_ / "notes.txt") << "notes";
  const std::string kept = Ok({"runs", "create"}, env);
  const std::string gone = Ok({"runs", "create"}, env);
  for (const std::string& run : {kept, gone}) {
    Ok({"artifacts", "log", dir_ / "notes.txt", "--run-id", run}, env);
    Ok({"runs", "log-metric", "--run-id", run, "loss", "0.5"}, env);
  }
  const std::string gone_artifacts = dir_ / ("artifacts/0/" + gone + "/artifacts/notes.txt");
  ASSERT_TRUE(std::filesystem::exists(gone_artifacts));
  Ok({"runs", "delete", "--run-id", gone}, env);
  // Named explicitly, an active run is refused, and nothing goes.
  Result refused = Run({"gc", "--run-ids", kept + "," + gone}, env);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("is not in `deleted` lifecycle stage"), std::string::npos)
      << refused.err;
  EXPECT_TRUE(std::filesystem::exists(gone_artifacts));
  // Too young for --older-than 1d: nothing.
  EXPECT_NE(Ok({"gc", "--older-than", "1d"}, env).find("0 runs and 0 experiments removed"),
            std::string::npos);
  EXPECT_NE(Run({"gc", "--older-than", "1x"}, env).exit_code, 0);
  const std::string removed = Ok({"gc"}, env);
  EXPECT_NE(removed.find("removed run " + gone), std::string::npos) << removed;
  EXPECT_NE(removed.find("1 runs and 0 experiments removed"), std::string::npos) << removed;
  EXPECT_FALSE(std::filesystem::exists(gone_artifacts));
  EXPECT_NE(Run({"runs", "get", "--run-id", gone}, env).exit_code, 0);
  EXPECT_NE(Ok({"runs", "get", "--run-id", kept}, env).find("loss"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir_ / ("artifacts/0/" + kept + "/artifacts/notes.txt")));
}

}  // namespace
}  // namespace orchard

namespace orchard {
namespace {

// orchard server --tls-cert/--tls-key, and every orchard command against it with MLflow's TLS
// variables: trusted through MLFLOW_TRACKING_SERVER_CERT_PATH (artifacts through the proxy
// too), refused with advice without it, accepted unverified with MLFLOW_TRACKING_INSECURE_TLS.
TEST_F(CliTest, TlsServerAndClients) {
  testing::TestCertificates certs = testing::MakeTestCertificates(dir_ / "certs");
  std::string out_path = dir_ / "server.out", err_path = dir_ / "server.err";
  pid_t pid =
      Spawn({"server", "--port", "0", "--backend-store-uri", "sqlite:///" + (dir_ / "mlruns.db"),
             "--tls-cert", certs.server_cert, "--tls-key", certs.server_key},
            {}, out_path, err_path);
  ASSERT_GT(pid, 0);
  int port = WaitForPort(out_path);
  ASSERT_GT(port, 0) << ReadAll(err_path);
  EXPECT_NE(ReadAll(out_path).find("listening on https://127.0.0.1:"), std::string::npos);
  const std::string uri = "https://127.0.0.1:" + std::to_string(port);
  const std::map<std::string, std::string> trusted = {
      {"MLFLOW_TRACKING_URI", uri}, {"MLFLOW_TRACKING_SERVER_CERT_PATH", certs.ca_cert}};
  const std::string run_id = Ok({"runs", "create", "--experiment-name", "tls"}, trusted);
  WriteText(dir_ / "note.txt", "over TLS");
  Ok({"artifacts", "log", "-r", run_id, dir_ / "note.txt"}, trusted);
  Ok({"artifacts", "download", "-r", run_id, "--path", "note.txt", "--dst", dir_ / "dl"}, trusted);
  EXPECT_EQ(ReadAll(dir_ / "dl/note.txt"), "over TLS");

  Result untrusted = Run({"experiments", "list"}, {{"MLFLOW_TRACKING_URI", uri}});
  EXPECT_NE(untrusted.exit_code, 0);
  EXPECT_NE(untrusted.err.find("MLFLOW_TRACKING_SERVER_CERT_PATH"), std::string::npos)
      << untrusted.err;
  EXPECT_NE(Ok({"experiments", "list"},
               {{"MLFLOW_TRACKING_URI", uri}, {"MLFLOW_TRACKING_INSECURE_TLS", "true"}})
                .find("tls"),
            std::string::npos);
  Result both = Run({"experiments", "list"}, {{"MLFLOW_TRACKING_URI", uri},
                                              {"MLFLOW_TRACKING_INSECURE_TLS", "true"},
                                              {"MLFLOW_TRACKING_SERVER_CERT_PATH", certs.ca_cert}});
  EXPECT_EQ(both.exit_code, 1);
  EXPECT_NE(both.err.find("only one"), std::string::npos) << both.err;
  // A key that is not the certificate's: refused at start, naming the file.
  Result wrong_key = Run({"server", "--port", "0", "--tls-cert", certs.server_cert, "--tls-key",
                          certs.other_name_key});
  EXPECT_NE(wrong_key.exit_code, 0);
  EXPECT_NE(wrong_key.err.find("does not belong"), std::string::npos) << wrong_key.err;
  Result half = Run({"server", "--port", "0", "--tls-cert", certs.server_cert});
  EXPECT_NE(half.exit_code, 0);
  EXPECT_NE(half.err.find("--tls-key"), std::string::npos) << half.err;
  ExpectCleanStop(pid);
}

}  // namespace
}  // namespace orchard
