// orchard users create | get | update-password | update-admin | delete | grant | revoke
// The basic-auth app's users and permissions, managed over the tracking server's REST API (as
// MLflow's AuthServiceClient does), signed in with MLFLOW_TRACKING_USERNAME and
// MLFLOW_TRACKING_PASSWORD. A new password is read from --password, else from the first line
// of standard input, so it need not appear in the shell's history or the process list.
#include <iostream>

#include <fmt/format.h>

#include "base/json_writer.h"
#include "cli/cli_app.h"
#include "client/http_error.h"
#include "client/tracking_credentials.h"
#include "http/http_client.h"

namespace orchard {
namespace {

StatusOr<std::unique_ptr<HttpClient>> ServerClient(CliContext& context) {
  const std::string uri = context.ConfiguredTrackingUri();
  if (!IsHttpUrl(uri)) {
    return Status::InvalidParameter(fmt::format(
        "orchard users manages the users of a server started with --app-name basic-auth: set "
        "--tracking-uri (or MLFLOW_TRACKING_URI) to its http:// or https:// address, not '{}'",
        uri.empty() ? "the local default store" : uri));
  }
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<HttpClient> client, OpenTrackingHttpClient(uri));
  return client;
}

// Sends one request; prints the reply body (JSON) or `done` for an empty one.
Status Call(CliContext& context, const std::string& method, const std::string& target,
            const std::string& body, const std::string& what, const std::string& done) {
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<HttpClient> client, ServerClient(context));
  ORCHARD_ASSIGN_OR_RETURN(HttpResponse reply,
                           client->Send(method, "/api/2.0/mlflow/" + target, body));
  if (reply.status != 200) return StatusOfErrorReply(reply, what);
  if (reply.body == "{}" || reply.body.empty()) {
    context.out() << (context.json() ? "{}" : done) << '\n';
  } else {
    context.out() << reply.body << '\n';
  }
  return Status::Ok();
}

std::string Json(std::initializer_list<std::pair<const char*, std::string>> fields) {
  JsonWriter json;
  json.BeginObject();
  for (const auto& [key, value] : fields) json.Field(key, value);
  return json.EndObject().Take();
}

StatusOr<std::string> NewPassword(const std::string& flag) {
  if (!flag.empty()) return flag;
  std::string line;
  if (!std::getline(std::cin, line) || line.empty()) {
    return Status::InvalidParameter(
        "give the new password with --password, or on the first line of standard input");
  }
  return line;
}

}  // namespace

void AddUsersCommands(CLI::App& app, CliContext& context) {
  CLI::App* group = app.add_subcommand(
      "users",
      "Manage the users and permissions of a server started with --app-name basic-auth "
      "(signed in with MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD)");
  group->require_subcommand(1);
  auto username = std::make_shared<std::string>();
  auto password = std::make_shared<std::string>();

  auto* create = group->add_subcommand("create", "Create a user (admins only)");
  create->add_option("-u,--username", *username, "The new user's name")->required();
  create->add_option("--password", *password, "Its password (default: read from stdin)");
  create->callback([&context, username, password] {
    context.action = [&context, username, password]() -> Status {
      ORCHARD_ASSIGN_OR_RETURN(std::string secret, NewPassword(*password));
      return Call(context, "POST", "users/create",
                  Json({{"username", *username}, {"password", secret}}), "create the user", "");
    };
  });

  auto* get = group->add_subcommand("get", "Show a user and their permissions");
  get->add_option("-u,--username", *username, "The user")->required();
  get->callback([&context, username] {
    context.action = [&context, username]() -> Status {
      return Call(context, "GET", "users/get?username=" + UrlEncode(*username), "", "get the user",
                  "");
    };
  });

  auto* update = group->add_subcommand("update-password",
                                       "Change a user's password (your own, or any as an admin)");
  update->add_option("-u,--username", *username, "The user")->required();
  update->add_option("--password", *password, "The new password (default: read from stdin)");
  update->callback([&context, username, password] {
    context.action = [&context, username, password]() -> Status {
      ORCHARD_ASSIGN_OR_RETURN(std::string secret, NewPassword(*password));
      return Call(context, "PATCH", "users/update-password",
                  Json({{"username", *username}, {"password", secret}}), "change the password",
                  "password changed");
    };
  });

  auto admin = std::make_shared<bool>(false);
  auto* update_admin =
      group->add_subcommand("update-admin", "Make a user an admin, or not (admins only)");
  update_admin->add_option("-u,--username", *username, "The user")->required();
  update_admin->add_option("--admin", *admin, "true or false")->required();
  update_admin->callback([&context, username, admin] {
    context.action = [&context, username, admin]() -> Status {
      JsonWriter json;
      json.BeginObject().Field("username", *username).Key("is_admin").Bool(*admin).EndObject();
      return Call(context, "PATCH", "users/update-admin", json.Take(), "change the admin flag",
                  *admin ? "now an admin" : "no longer an admin");
    };
  });

  auto* remove = group->add_subcommand("delete", "Delete a user (admins only)");
  remove->add_option("-u,--username", *username, "The user")->required();
  remove->callback([&context, username] {
    context.action = [&context, username]() -> Status {
      return Call(context, "DELETE", "users/delete", Json({{"username", *username}}),
                  "delete the user", "deleted");
    };
  });

  // Permissions: on an experiment (-x) or a registered model (-m); grant creates or changes.
  auto experiment = std::make_shared<std::string>();
  auto model = std::make_shared<std::string>();
  auto permission = std::make_shared<std::string>();
  auto resource = [experiment, model]() -> StatusOr<std::pair<std::string, std::string>> {
    if (experiment->empty() == model->empty()) {
      return Status::InvalidParameter("name either --experiment-id or --model");
    }
    if (!experiment->empty()) return std::pair{std::string("experiments"), *experiment};
    return std::pair{std::string("registered-models"), *model};
  };
  auto* grant = group->add_subcommand(
      "grant", "Give a user READ, EDIT, MANAGE or NO_PERMISSIONS on an experiment or a model");
  auto* revoke = group->add_subcommand(
      "revoke", "Remove a user's permission on an experiment or a model (the default applies)");
  for (CLI::App* cmd : {grant, revoke}) {
    cmd->add_option("-u,--username", *username, "The user")->required();
    cmd->add_option("-x,--experiment-id", *experiment, "The experiment");
    cmd->add_option("-m,--model", *model, "The registered model");
  }
  grant->add_option("-p,--permission", *permission, "READ, EDIT, MANAGE or NO_PERMISSIONS")
      ->required()
      ->check(CLI::IsMember({"READ", "EDIT", "MANAGE", "NO_PERMISSIONS"}));
  grant->callback([&context, username, permission, resource] {
    context.action = [&context, username, permission, resource]() -> Status {
      ORCHARD_ASSIGN_OR_RETURN(auto target, resource());
      const char* key = target.first == "experiments" ? "experiment_id" : "name";
      const std::string body =
          Json({{key, target.second}, {"username", *username}, {"permission", *permission}});
      // Changed when the user has one already, created otherwise.
      ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<HttpClient> client, ServerClient(context));
      ORCHARD_ASSIGN_OR_RETURN(
          HttpResponse updated,
          client->Send("PATCH", "/api/2.0/mlflow/" + target.first + "/permissions/update", body));
      if (updated.status == 200) {
        context.out() << (context.json() ? "{}" : *permission + " granted") << '\n';
        return Status::Ok();
      }
      if (updated.status != 404) return StatusOfErrorReply(updated, "grant the permission");
      return Call(context, "POST", target.first + "/permissions/create", body,
                  "grant the permission", "");
    };
  });
  revoke->callback([&context, username, resource] {
    context.action = [&context, username, resource]() -> Status {
      ORCHARD_ASSIGN_OR_RETURN(auto target, resource());
      const char* key = target.first == "experiments" ? "experiment_id" : "name";
      return Call(context, "DELETE", target.first + "/permissions/delete",
                  Json({{key, target.second}, {"username", *username}}), "revoke the permission",
                  "revoked");
    };
  });
}

}  // namespace orchard
