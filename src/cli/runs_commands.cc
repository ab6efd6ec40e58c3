// orchard runs create | get | list | search | delete | restore | log-param | log-metric |
//              set-tag | delete-tag | end | history
#include <charconv>

#include <fmt/format.h>

#include "base/clock.h"
#include "cli/cli_app.h"
#include "cli/output.h"
#include "entities/entity_json.h"
#include "store/tracking/search_filter_parser.h"

namespace orchard {
namespace {

void PrintRunJson(CliContext& context, const Run& run) {
  JsonWriter json;
  json.BeginObject().Key("run");
  WriteJson(json, run);
  context.out() << json.EndObject().str() << '\n';
}

void PrintRunText(CliContext& context, const Run& run) {
  std::ostream& out = context.out();
  const RunInfo& info = run.info;
  out << "run_id:          " << info.run_id << '\n'
      << "run_name:        " << info.run_name << '\n'
      << "experiment_id:   " << info.experiment_id << '\n'
      << "status:          " << RunStatusName(info.status) << '\n'
      << "user_id:         " << info.user_id << '\n'
      << "start_time:      " << FormatMillis(info.start_time) << '\n'
      << "end_time:        " << FormatMillis(info.end_time) << '\n'
      << "lifecycle_stage: " << LifecycleStageName(info.lifecycle_stage) << '\n'
      << "artifact_uri:    " << info.artifact_uri << "\n\n";
  Table params({"PARAM", "VALUE"});
  for (const Param& p : run.data.params) params.AddRow({p.key, p.value});
  params.Print(out);
  out << '\n';
  Table metrics({"METRIC", "VALUE", "STEP", "TIMESTAMP"});
  for (const Metric& m : run.data.metrics) {
    metrics.AddRow(
        {m.key, FormatDouble(m.value), std::to_string(m.step), FormatMillis(m.timestamp)});
  }
  metrics.Print(out);
  out << '\n';
  Table tags({"TAG", "VALUE"});
  for (const Tag& t : run.data.tags) tags.AddRow({t.key, t.value});
  tags.Print(out);
}

// A table of runs with one extra column per metric or param the search orders by.
void PrintRunPage(CliContext& context, const RunPage& page, const std::vector<OrderBy>& order) {
  if (context.json()) {
    JsonWriter json;
    json.BeginObject();
    if (!page.runs.empty()) {
      json.Key("runs").BeginArray();
      for (const Run& run : page.runs) WriteJson(json, run);
      json.EndArray();
    }
    if (!page.next_page_token.empty()) json.Field("next_page_token", page.next_page_token);
    context.out() << json.EndObject().str() << '\n';
    return;
  }
  std::vector<std::string> headers = {"RUN_ID", "NAME", "STATUS", "STARTED", "PARENT"};
  for (const OrderBy& key : order) {
    if (key.entity == FilterEntity::kMetric) headers.push_back("metrics." + key.key);
    if (key.entity == FilterEntity::kParam) headers.push_back("params." + key.key);
  }
  Table table(headers);
  for (const Run& run : page.runs) {
    std::vector<std::string> row = {
        run.info.run_id, run.info.run_name, std::string(RunStatusName(run.info.status)),
        FormatMillis(run.info.start_time), run.TagValue(kTagParentRunId).value_or("-")};
    for (const OrderBy& key : order) {
      std::string cell = "-";
      if (key.entity == FilterEntity::kMetric) {
        for (const Metric& m : run.data.metrics) {
          if (m.key == key.key) cell = FormatDouble(m.value);
        }
      } else if (key.entity == FilterEntity::kParam) {
        for (const Param& p : run.data.params) {
          if (p.key == key.key) cell = p.value;
        }
      } else {
        continue;
      }
      row.push_back(cell);
    }
    table.AddRow(std::move(row));
  }
  table.Print(context.out());
  if (!page.next_page_token.empty()) {
    context.out() << "more: --page-token " << page.next_page_token << '\n';
  }
}

StatusOr<double> ParseDouble(const std::string& text, const std::string& what) {
  if (text == "NaN" || text == "nan") return std::nan("");
  if (text == "Infinity" || text == "inf") return HUGE_VAL;
  if (text == "-Infinity" || text == "-inf") return -HUGE_VAL;
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return Status::InvalidParameter(fmt::format("{} must be a number, got '{}'", what, text));
  }
  return value;
}

}  // namespace

void AddRunsCommands(CLI::App& app, CliContext& context) {
  CLI::App* group = app.add_subcommand("runs", "Create, inspect, search and log to runs");
  group->require_subcommand(1);
  AddRunsBestCommand(*group, context);
  AddRunsSyncSlurmCommand(*group, context);

  {
    struct Options {
      ExperimentChoice experiment;
      std::string run_name, parent_run_id, user, source_name;
      std::vector<std::string> tags;
    };
    auto options = std::make_shared<Options>();
    auto* cmd = group->add_subcommand("create", "Start a run (status RUNNING); prints its id");
    options->experiment.AddTo(cmd);
    cmd->add_option("--run-name", options->run_name, "Run name (default: a random name)");
    cmd->add_option("--parent-run-id", options->parent_run_id,
                    "Nest the run under this run (tag mlflow.parentRunId)");
    cmd->add_option("--tag", options->tags, "A tag KEY=VALUE (repeatable)");
    cmd->add_option("--user", options->user, "mlflow.user (default: the OS user)");
    cmd->add_option("--source-name", options->source_name, "mlflow.source.name");
    cmd->callback([&context, options] {
      context.action = [&context, options]() -> Status {
        ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
        StartRunOptions start{.run_name = options->run_name,
                              .parent_run_id = options->parent_run_id,
                              .user = options->user,
                              .source_name = options->source_name};
        ORCHARD_ASSIGN_OR_RETURN(start.experiment_id, options->experiment.Resolve(*client, true));
        for (const std::string& text : options->tags) {
          ORCHARD_ASSIGN_OR_RETURN(Tag tag, ParseKeyValue(text, "--tag"));
          start.tags.push_back(std::move(tag));
        }
        ORCHARD_ASSIGN_OR_RETURN(ActiveRun run, client->StartRun(start));
        std::string run_id = run.run_id();
        // The run outlives this command: later commands log to it and end it.
        run.Release();
        if (context.json()) {
          ORCHARD_ASSIGN_OR_RETURN(Run created, client->store().GetRun(run_id));
          PrintRunJson(context, created);
        } else {
          context.out() << run_id << '\n';
        }
        return Status::Ok();
      };
    });
  }
  {
    auto run_id = std::make_shared<std::string>();
    auto* cmd = group->add_subcommand("get", "Show a run: info, params, latest metrics, tags");
    AddRunIdOption(cmd, *run_id);
    cmd->callback([&context, run_id] {
      context.action = [&context, run_id]() -> Status {
        ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
        ORCHARD_ASSIGN_OR_RETURN(Run run, client->store().GetRun(*run_id));
        if (context.json()) {
          PrintRunJson(context, run);
        } else {
          PrintRunText(context, run);
        }
        return Status::Ok();
      };
    });
  }
  for (const bool is_search : {false, true}) {
    struct Options {
      ExperimentChoice experiment;
      std::vector<std::string> experiment_ids;
      std::string filter, view = "active_only", page_token;
      std::vector<std::string> order_by;
      int max_results = 1000;
    };
    auto options = std::make_shared<Options>();
    auto* cmd = group->add_subcommand(
        is_search ? "search" : "list",
        is_search ? "Search runs with MLflow's filter language, e.g. --filter \"metrics.acc > "
                    "0.9 AND tags.mlflow.parentRunId = '<id>'\" --order-by \"metrics.acc DESC\""
                  : "List the runs of an experiment, newest first");
    options->experiment.AddTo(cmd);
    cmd->add_option("--view", options->view, "active_only, deleted_only or all")
        ->check(CLI::IsMember({"active_only", "deleted_only", "all", "active", "deleted"},
                              CLI::ignore_case));
    cmd->add_option("--max-results", options->max_results, "At most this many runs per page");
    if (is_search) {
      cmd->add_option("--experiment-ids", options->experiment_ids,
                      "Search these experiments (comma-separated or repeated)")
          ->delimiter(',');
      cmd->add_option("--filter", options->filter,
                      "Filter expression (MLflow's search syntax, plus OR and parentheses)");
      cmd->add_option("--order-by", options->order_by,
                      "Order key such as \"metrics.acc DESC\" (repeatable)");
      cmd->add_option("--page-token", options->page_token, "Continue a previous search");
    }
    cmd->callback([&context, options] {
      context.action = [&context, options]() -> Status {
        ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
        SearchRunsRequest request{.view_type = ParseViewType(options->view).value(),
                                  .max_results = options->max_results,
                                  .page_token = options->page_token};
        if (!options->experiment_ids.empty()) {
          request.experiment_ids = options->experiment_ids;
        } else {
          ORCHARD_ASSIGN_OR_RETURN(std::string id, options->experiment.Resolve(*client, false));
          request.experiment_ids = {id};
        }
        ORCHARD_ASSIGN_OR_RETURN(request.filter, ParseSearchFilter(options->filter));
        for (const std::string& text : options->order_by) {
          ORCHARD_ASSIGN_OR_RETURN(OrderBy order, ParseOrderBy(text));
          request.order_by.push_back(std::move(order));
        }
        ORCHARD_ASSIGN_OR_RETURN(RunPage page, client->store().SearchRuns(request));
        PrintRunPage(context, page, request.order_by);
        return Status::Ok();
      };
    });
  }
  for (const bool is_delete : {true, false}) {
    auto run_id = std::make_shared<std::string>();
    auto* cmd =
        group->add_subcommand(is_delete ? "delete" : "restore",
                              is_delete ? "Delete a run (restorable)" : "Restore a deleted run");
    AddRunIdOption(cmd, *run_id);
    cmd->callback([&context, run_id, is_delete] {
      context.action = [&context, run_id, is_delete]() -> Status {
        ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
        return is_delete ? client->store().DeleteRun(*run_id) : client->store().RestoreRun(*run_id);
      };
    });
  }
  {
    struct Options {
      std::string run_id, key, value;
    };
    auto options = std::make_shared<Options>();
    auto* cmd = group->add_subcommand("log-param", "Log a parameter (immutable once logged)");
    AddRunIdOption(cmd, options->run_id);
    cmd->add_option("key", options->key, "Parameter name")->required();
    cmd->add_option("value", options->value, "Parameter value")->required();
    cmd->callback([&context, options] {
      context.action = [&context, options]() -> Status {
        ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
        return client->store().LogParam(options->run_id, {options->key, options->value});
      };
    });
  }
  {
    struct Options {
      std::string run_id, key, value;
      int64_t step = 0;
      int64_t timestamp = -1;
    };
    auto options = std::make_shared<Options>();
    auto* cmd = group->add_subcommand("log-metric", "Log one metric value at a step");
    AddRunIdOption(cmd, options->run_id);
    cmd->add_option("key", options->key, "Metric name")->required();
    cmd->add_option("value", options->value, "Value (a number, NaN or Infinity)")->required();
    cmd->add_option("--step", options->step, "Step (default 0)");
    cmd->add_option("--timestamp", options->timestamp, "Time in ms since the epoch (default now)");
    cmd->callback([&context, options] {
      context.action = [&context, options]() -> Status {
        ORCHARD_ASSIGN_OR_RETURN(double value, ParseDouble(options->value, "the metric value"));
        ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
        int64_t timestamp = options->timestamp < 0 ? NowMillis() : options->timestamp;
        return client->store().LogMetric(options->run_id,
                                         {options->key, value, timestamp, options->step});
      };
    });
  }
  for (const bool is_delete : {false, true}) {
    struct Options {
      std::string run_id, key, value;
    };
    auto options = std::make_shared<Options>();
    auto* cmd = group->add_subcommand(is_delete ? "delete-tag" : "set-tag",
                                      is_delete ? "Delete a run tag" : "Set a run tag");
    AddRunIdOption(cmd, options->run_id);
    cmd->add_option("key", options->key, "Tag name")->required();
    if (!is_delete) cmd->add_option("value", options->value, "Tag value")->required();
    cmd->callback([&context, options, is_delete] {
      context.action = [&context, options, is_delete]() -> Status {
        ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
        if (is_delete) return client->store().DeleteTag(options->run_id, options->key);
        return client->store().SetTag(options->run_id, {options->key, options->value});
      };
    });
  }
  {
    struct Options {
      std::string run_id, status = "FINISHED";
    };
    auto options = std::make_shared<Options>();
    auto* cmd = group->add_subcommand("end", "End a run with a status and the current time");
    AddRunIdOption(cmd, options->run_id);
    cmd->add_option("--status", options->status, "FINISHED, FAILED or KILLED")
        ->check(CLI::IsMember({"FINISHED", "FAILED", "KILLED"}, CLI::ignore_case));
    cmd->callback([&context, options] {
      context.action = [&context, options]() -> Status {
        ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
        return client->store()
            .UpdateRun({.run_id = options->run_id,
                        .status = ParseRunStatus(options->status).value(),
                        .end_time = NowMillis()})
            .status();
      };
    });
  }
  {
    struct Options {
      std::string run_id, key;
    };
    auto options = std::make_shared<Options>();
    auto* cmd = group->add_subcommand("history", "Every logged value of one metric");
    AddRunIdOption(cmd, options->run_id);
    cmd->add_option("key", options->key, "Metric name")->required();
    cmd->callback([&context, options] {
      context.action = [&context, options]() -> Status {
        ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
        ORCHARD_ASSIGN_OR_RETURN(std::vector<Metric> history,
                                 client->store().GetMetricHistory(options->run_id, options->key));
        if (context.json()) {
          JsonWriter json;
          json.BeginObject();
          WriteJsonList(json, "metrics", history);
          context.out() << json.EndObject().str() << '\n';
          return Status::Ok();
        }
        Table table({"STEP", "VALUE", "TIMESTAMP"});
        for (const Metric& m : history) {
          table.AddRow({std::to_string(m.step), FormatDouble(m.value), FormatMillis(m.timestamp)});
        }
        table.Print(context.out());
        return Status::Ok();
      };
    });
  }
}

}  // namespace orchard
