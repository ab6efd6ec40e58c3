// orchard experiments create | list | get | rename | delete | restore | set-tag
#include <fmt/format.h>

#include "cli/cli_app.h"
#include "cli/output.h"
#include "entities/entity_json.h"

namespace orchard {
namespace {

void PrintExperiment(CliContext& context, const Experiment& experiment) {
  if (context.json()) {
    JsonWriter json;
    json.BeginObject().Key("experiment");
    WriteJson(json, experiment);
    json.EndObject();
    context.out() << json.str() << '\n';
    return;
  }
  std::ostream& out = context.out();
  out << "experiment_id:     " << experiment.experiment_id << '\n'
      << "name:              " << experiment.name << '\n'
      << "artifact_location: " << experiment.artifact_location << '\n'
      << "lifecycle_stage:   " << LifecycleStageName(experiment.lifecycle_stage) << '\n'
      << "creation_time:     " << FormatMillis(experiment.creation_time) << '\n'
      << "last_update_time:  " << FormatMillis(experiment.last_update_time) << '\n';
  for (const Tag& tag : experiment.tags)
    out << "tag:               " << tag.key << " = " << tag.value << '\n';
}

}  // namespace

void AddExperimentsCommands(CLI::App& app, CliContext& context) {
  CLI::App* group = app.add_subcommand("experiments", "Create, list and manage experiments");
  group->require_subcommand(1);

  {
    auto* cmd = group->add_subcommand("create", "Create an experiment; prints its id");
    auto name = std::make_shared<std::string>();
    auto location = std::make_shared<std::string>();
    auto tags = std::make_shared<std::vector<std::string>>();
    cmd->add_option("-n,--name,--experiment-name", *name, "Experiment name")->required();
    cmd->add_option("--artifact-location", *location,
                    "Where its runs' artifacts go (default: <artifact root>/<id>)");
    cmd->add_option("--tag", *tags, "A tag KEY=VALUE (repeatable)");
    cmd->callback([&context, name, location, tags] {
      context.action = [&context, name, location, tags]() -> Status {
        CreateExperimentRequest request{.name = *name, .artifact_location = *location};
        for (const std::string& text : *tags) {
          ORCHARD_ASSIGN_OR_RETURN(Tag tag, ParseKeyValue(text, "--tag"));
          request.tags.push_back(std::move(tag));
        }
        ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
        ORCHARD_ASSIGN_OR_RETURN(std::string id, client->store().CreateExperiment(request));
        if (context.json()) {
          context.out() << JsonWriter().BeginObject().Field("experiment_id", id).EndObject().str()
                        << '\n';
        } else {
          context.out() << id << '\n';
        }
        return Status::Ok();
      };
    });
  }
  {
    auto* cmd = group->add_subcommand("list", "List experiments");
    auto view = std::make_shared<std::string>("active_only");
    auto max_results = std::make_shared<int>(1000);
    cmd->add_option("--view", *view, "active_only, deleted_only or all")
        ->check(CLI::IsMember({"active_only", "deleted_only", "all", "active", "deleted"},
                              CLI::ignore_case));
    cmd->add_option("--max-results", *max_results, "At most this many");
    cmd->callback([&context, view, max_results] {
      context.action = [&context, view, max_results]() -> Status {
        ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
        SearchExperimentsRequest request{.view_type = ParseViewType(*view).value(),
                                         .max_results = *max_results};
        ORCHARD_ASSIGN_OR_RETURN(ExperimentPage page, client->store().SearchExperiments(request));
        if (context.json()) {
          JsonWriter json;
          json.BeginObject();
          WriteJsonList(json, "experiments", page.experiments);
          if (!page.next_page_token.empty()) json.Field("next_page_token", page.next_page_token);
          context.out() << json.EndObject().str() << '\n';
          return Status::Ok();
        }
        Table table({"ID", "NAME", "STAGE", "CREATED", "ARTIFACT_LOCATION"});
        for (const Experiment& e : page.experiments) {
          table.AddRow({e.experiment_id, e.name, std::string(LifecycleStageName(e.lifecycle_stage)),
                        FormatMillis(e.creation_time), e.artifact_location});
        }
        table.Print(context.out());
        return Status::Ok();
      };
    });
  }
  {
    auto* cmd = group->add_subcommand("get", "Show one experiment, by id or by name");
    auto id = std::make_shared<std::string>();
    auto name = std::make_shared<std::string>();
    auto* id_option = cmd->add_option("-x,--experiment-id", *id, "Experiment id");
    cmd->add_option("-n,--name,--experiment-name", *name, "Experiment name")->excludes(id_option);
    cmd->callback([&context, id, name] {
      context.action = [&context, id, name]() -> Status {
        if (id->empty() && name->empty()) {
          return Status::InvalidParameter("give --experiment-id or --name");
        }
        ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
        ORCHARD_ASSIGN_OR_RETURN(Experiment experiment,
                                 id->empty() ? client->store().GetExperimentByName(*name)
                                             : client->store().GetExperiment(*id));
        PrintExperiment(context, experiment);
        return Status::Ok();
      };
    });
  }
  {
    auto* cmd = group->add_subcommand("rename", "Rename an experiment");
    auto id = std::make_shared<std::string>();
    auto new_name = std::make_shared<std::string>();
    cmd->add_option("-x,--experiment-id", *id, "Experiment id")->required();
    cmd->add_option("--new-name", *new_name, "The new name")->required();
    cmd->callback([&context, id, new_name] {
      context.action = [&context, id, new_name]() -> Status {
        ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
        return client->store().RenameExperiment(*id, *new_name);
      };
    });
  }
  for (const bool is_delete : {true, false}) {
    auto* cmd = group->add_subcommand(is_delete ? "delete" : "restore",
                                      is_delete ? "Delete an experiment and its runs (restorable)"
                                                : "Restore a deleted experiment and its runs");
    auto id = std::make_shared<std::string>();
    cmd->add_option("-x,--experiment-id", *id, "Experiment id")->required();
    cmd->callback([&context, id, is_delete] {
      context.action = [&context, id, is_delete]() -> Status {
        ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
        return is_delete ? client->store().DeleteExperiment(*id)
                         : client->store().RestoreExperiment(*id);
      };
    });
  }
  {
    auto* cmd = group->add_subcommand("set-tag", "Set a tag on an experiment");
    auto id = std::make_shared<std::string>();
    auto key = std::make_shared<std::string>();
    auto value = std::make_shared<std::string>();
    cmd->add_option("-x,--experiment-id", *id, "Experiment id")->required();
    cmd->add_option("key", *key, "Tag key")->required();
    cmd->add_option("value", *value, "Tag value")->required();
    cmd->callback([&context, id, key, value] {
      context.action = [&context, id, key, value]() -> Status {
        ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
        return client->store().SetExperimentTag(*id, {*key, *value});
      };
    });
  }
}

}  // namespace orchard
