// orchard models register | transition | alias | list | get | versions | delete, and
// orchard runs best: the model registry from the command line.

#include <fmt/format.h>

#include "base/clock.h"
#include "cli/cli_app.h"
#include "cli/output.h"
#include "pipeline/model_uri.h"
#include "store/registry/stored_copy.h"
#include "store/tracking/search_filter_parser.h"

namespace orchard {
namespace {

void PrintVersions(std::ostream& out, const std::vector<ModelVersion>& versions) {
  Table table({"VERSION", "STAGE", "ALIASES", "RUN_ID", "SOURCE"});
  for (const ModelVersion& v : versions) {
    std::string aliases;
    for (const std::string& alias : v.aliases) aliases += (aliases.empty() ? "@" : ", @") + alias;
    table.AddRow({v.version, v.current_stage, aliases.empty() ? "-" : aliases,
                  v.run_id.empty() ? "-" : v.run_id, v.source});
  }
  table.Print(out);
}

template <typename Fn>
void Action(CLI::App* cmd, CliContext& context, Fn fn) {
  cmd->callback([&context, cmd, fn] { context.action = [&context, fn]() { return fn(context); }; });
}

}  // namespace

void AddModelsCommands(CLI::App& app, CliContext& context) {
  CLI::App* group = app.add_subcommand(
      "models", "The model registry and scoring: register, promote, alias, serve, predict");
  group->require_subcommand(1);
  {
    struct Options {
      std::string source, name;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = group->add_subcommand(
        "register",
        "Register a model (runs:/<run_id>/model, a models:/ URI or a folder) as a new version");
    cmd->add_option("source", o->source, "The model to register")->required();
    cmd->add_option("--name", o->name, "The registered model's name (created when missing)")
        ->required();
    Action(cmd, context, [o](CliContext& context) -> Status {
      ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
      ORCHARD_ASSIGN_OR_RETURN(RegistryStore * registry, context.registry());
      ORCHARD_ASSIGN_OR_RETURN(ModelVersion version,
                               RegisterModel(o->source, o->name, *client, *registry,
                                             context.tracking_config().artifact_root));
      context.out() << fmt::format("registered {} version {} (models:/{}/{})\n", version.name,
                                   version.version, version.name, version.version);
      return Status::Ok();
    });
  }
  {
    struct Options {
      std::string name, version, stage;
      bool archive_existing = false;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = group->add_subcommand(
        "transition", "Move a version to a stage: None, Staging, Production or Archived");
    cmd->add_option("name", o->name, "Registered model")->required();
    cmd->add_option("version", o->version, "Version number")->required();
    cmd->add_option("stage", o->stage, "Target stage (any case)")->required();
    cmd->add_flag("--archive-existing", o->archive_existing,
                  "Move the other versions in that stage (Staging or Production) to Archived");
    Action(cmd, context, [o](CliContext& context) -> Status {
      ORCHARD_ASSIGN_OR_RETURN(RegistryStore * registry, context.registry());
      ORCHARD_ASSIGN_OR_RETURN(
          ModelVersion version,
          registry->TransitionStage(o->name, o->version, o->stage, o->archive_existing));
      context.out() << fmt::format("{} version {} is now in {}\n", version.name, version.version,
                                   version.current_stage);
      return Status::Ok();
    });
  }
  {
    struct Options {
      std::string name, alias, version;
      bool remove = false;
    };
    auto o = std::make_shared<Options>();
    auto* cmd =
        group->add_subcommand("alias", "Point an alias (models:/<name>@<alias>) at a version");
    cmd->add_option("name", o->name, "Registered model")->required();
    cmd->add_option("alias", o->alias, "Alias, e.g. champion")->required();
    cmd->add_option("version", o->version, "Version number (omit with --delete)");
    cmd->add_flag("--delete", o->remove, "Remove the alias");
    Action(cmd, context, [o](CliContext& context) -> Status {
      ORCHARD_ASSIGN_OR_RETURN(RegistryStore * registry, context.registry());
      if (o->remove) return registry->DeleteAlias(o->name, o->alias);
      if (o->version.empty()) return Status::InvalidParameter("give the version the alias names");
      return registry->SetAlias(o->name, o->alias, o->version);
    });
  }
  {
    auto* cmd = group->add_subcommand("list", "List registered models and their latest versions");
    Action(cmd, context, [](CliContext& context) -> Status {
      ORCHARD_ASSIGN_OR_RETURN(RegistryStore * registry, context.registry());
      ORCHARD_ASSIGN_OR_RETURN(std::vector<RegisteredModel> models,
                               registry->ListRegisteredModels());
      Table table({"NAME", "LATEST VERSIONS", "ALIASES", "UPDATED"});
      for (const RegisteredModel& model : models) {
        std::string latest, aliases;
        for (const ModelVersion& v : model.latest_versions) {
          latest += (latest.empty() ? "" : ", ") + v.current_stage + ": " + v.version;
        }
        for (const auto& [alias, version] : model.aliases) {
          aliases += (aliases.empty() ? "@" : ", @") + alias + "=" + version;
        }
        table.AddRow({model.name, latest.empty() ? "-" : latest, aliases.empty() ? "-" : aliases,
                      FormatMillis(model.last_updated_timestamp)});
      }
      table.Print(context.out());
      return Status::Ok();
    });
  }
  for (const char* name : {"get", "versions"}) {
    auto model = std::make_shared<std::string>();
    auto* cmd = group->add_subcommand(name, "Show a registered model's versions, newest first");
    cmd->add_option("name", *model, "Registered model")->required();
    Action(cmd, context, [model](CliContext& context) -> Status {
      ORCHARD_ASSIGN_OR_RETURN(RegistryStore * registry, context.registry());
      ORCHARD_ASSIGN_OR_RETURN(std::vector<ModelVersion> versions,
                               registry->ListModelVersions(*model));
      PrintVersions(context.out(), versions);
      return Status::Ok();
    });
  }
  {
    auto model = std::make_shared<std::string>();
    auto* cmd =
        group->add_subcommand("delete", "Delete a registered model, its versions and files");
    cmd->add_option("name", *model, "Registered model")->required();
    Action(cmd, context, [model](CliContext& context) -> Status {
      ORCHARD_ASSIGN_OR_RETURN(RegistryStore * registry, context.registry());
      ORCHARD_ASSIGN_OR_RETURN(std::vector<ModelVersion> versions,
                               registry->ListModelVersions(*model));
      ORCHARD_RETURN_IF_ERROR(registry->DeleteRegisteredModel(*model));
      for (const ModelVersion& v : versions) RemoveStoredCopy(v.storage_location);
      return Status::Ok();
    });
  }
  AddModelServingCommands(*group, context);
}

void AddRunsBestCommand(CLI::App& runs, CliContext& context) {
  struct Options {
    ExperimentChoice experiment;
    std::string parent, metric = "test_PR_AUC";
    bool minimize = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = runs.add_subcommand(
      "best",
      "Print the best run by a metric (of a search's children with --parent) and its "
      "model URI");
  o->experiment.AddTo(cmd);
  cmd->add_option("--parent", o->parent, "Only the children of this run (a search)");
  cmd->add_option("--metric", o->metric, "The metric to rank by");
  cmd->add_flag("--minimize", o->minimize, "Lowest is best (default: highest)");
  Action(cmd, context, [o](CliContext& context) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
    SearchRunsRequest request{.max_results = 1};
    if (!o->parent.empty()) {
      ORCHARD_ASSIGN_OR_RETURN(Run parent, client->store().GetRun(o->parent));
      request.experiment_ids = {parent.info.experiment_id};
    } else {
      ORCHARD_ASSIGN_OR_RETURN(std::string id, o->experiment.Resolve(*client, false));
      request.experiment_ids = {id};
    }
    std::string filter = fmt::format("metrics.`{}` > -1e308", o->metric);
    if (!o->parent.empty()) {
      filter += fmt::format(" AND tags.mlflow.parentRunId = '{}'", o->parent);
    }
    ORCHARD_ASSIGN_OR_RETURN(request.filter, ParseSearchFilter(filter));
    ORCHARD_ASSIGN_OR_RETURN(
        OrderBy order,
        ParseOrderBy(fmt::format("metrics.`{}` {}", o->metric, o->minimize ? "ASC" : "DESC")));
    request.order_by = {order};
    ORCHARD_ASSIGN_OR_RETURN(RunPage page, client->store().SearchRuns(request));
    if (page.runs.empty()) {
      return Status::NotFound(fmt::format("no run logs the metric '{}' there", o->metric));
    }
    const Run& best = page.runs.front();
    double value = 0;
    for (const Metric& metric : best.data.metrics) {
      if (metric.key == o->metric) value = metric.value;
    }
    context.out() << fmt::format("{}\t{}\t{} {}\truns:/{}/model\n", best.info.run_id,
                                 best.info.run_name, o->metric, value, best.info.run_id);
    return Status::Ok();
  });
}

}  // namespace orchard
