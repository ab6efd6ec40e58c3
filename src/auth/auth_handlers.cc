// MLflow's user and permission endpoints (mlflow/server/auth/__init__.py and routes.py), with
// its request fields and answers, so MLflow's AuthServiceClient manages users unchanged. Who may
// call each is BasicAuth's rule (AuthRuleFor); these only do the work.
#include <fmt/format.h>

#include "auth/basic_auth.h"
#include "base/json_writer.h"
#include "server/mlflow_reply.h"
#include "server/mlflow_route.h"

namespace orchard {
namespace {

void WriteExperimentPermission(JsonWriter& json, const ExperimentPermissionRecord& record) {
  json.BeginObject()
      .Field("experiment_id", record.experiment_id)
      .Field("user_id", record.user_id)
      .Field("permission", record.permission)
      .EndObject();
}

void WriteModelPermission(JsonWriter& json, const ModelPermissionRecord& record) {
  json.BeginObject()
      .Field("name", record.name)
      .Field("user_id", record.user_id)
      .Field("permission", record.permission)
      .EndObject();
}

// {"user": {...}} as MLflow's users/get answers, and, when set, the default permission beside
// it (users/current).
StatusOr<std::string> UserReply(UserStore& users, const AuthUser& user,
                                const char* default_permission = nullptr) {
  ORCHARD_ASSIGN_OR_RETURN(auto experiments, users.ExperimentPermissionsOf(user.id));
  ORCHARD_ASSIGN_OR_RETURN(auto models, users.ModelPermissionsOf(user.id));
  JsonWriter json;
  json.BeginObject().Key("user").BeginObject();
  json.Field("id", user.id).Field("username", user.username).Key("is_admin").Bool(user.is_admin);
  json.Key("experiment_permissions").BeginArray();
  for (const auto& record : experiments) WriteExperimentPermission(json, record);
  json.EndArray().Key("registered_model_permissions").BeginArray();
  for (const auto& record : models) WriteModelPermission(json, record);
  json.EndArray().EndObject();
  if (default_permission != nullptr) json.Field("default_permission", default_permission);
  return json.EndObject().Take();
}

// "is_admin" as a JSON boolean or, as MLflow's client may send it, the text "true"/"false".
StatusOr<bool> IsAdminField(const RequestFields& fields) {
  StatusOr<std::optional<bool>> flag = fields.Bool("is_admin");
  if (flag.ok() && flag->has_value()) return **flag;
  ORCHARD_ASSIGN_OR_RETURN(std::string text, fields.RequiredString("is_admin"));
  if (text == "true" || text == "True" || text == "1") return true;
  if (text == "false" || text == "False" || text == "0") return false;
  return InvalidField("is_admin", "true or false");
}

constexpr char kEmpty[] = "{}";

}  // namespace

void BasicAuth::AddRoutes(Router& router) {
  UserStore& users = *users_;
  auto route = [&router](const char* method, const char* path, FieldsHandler handler) {
    AddMlflowRoute(router, method, path, std::move(handler));
  };
  route("POST", "users/create", [&users](const RequestFields& fields) -> StatusOr<std::string> {
    ORCHARD_ASSIGN_OR_RETURN(std::string username, fields.RequiredString("username"));
    ORCHARD_ASSIGN_OR_RETURN(std::string password, fields.RequiredString("password"));
    ORCHARD_ASSIGN_OR_RETURN(AuthUser user, users.CreateUser(username, password));
    return UserReply(users, user);
  });
  route("GET", "users/get", [&users](const RequestFields& fields) -> StatusOr<std::string> {
    ORCHARD_ASSIGN_OR_RETURN(std::string username, fields.RequiredString("username"));
    ORCHARD_ASSIGN_OR_RETURN(AuthUser user, users.GetUser(username));
    return UserReply(users, user);
  });
  // Orchard's own (MLflow's app has none): the signed-in user with their permissions and the
  // default, so the UI can show who is signed in and hide what they may not do.
  for (const char* prefix : {"/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"}) {
    router.Add(
        "GET", std::string(prefix) + "users/current", [this, &users](const HttpRequest& request) {
          std::optional<AuthUser> user = SignIn(request.Header("Authorization").value_or(""));
          if (!user) {
            return ErrorReply(Status(ErrorCode::kUnauthenticated, "Not signed in"));
          }
          StatusOr<std::string> body = UserReply(users, *user, default_permission_.name);
          return body.ok() ? JsonReply(std::move(body).value()) : ErrorReply(body.status());
        });
  }
  route("PATCH", "users/update-password",
        [this, &users](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string username, fields.RequiredString("username"));
          ORCHARD_ASSIGN_OR_RETURN(std::string password, fields.RequiredString("password"));
          ORCHARD_RETURN_IF_ERROR(users.UpdatePassword(username, password));
          ForgetSignIns();
          return std::string(kEmpty);
        });
  route("PATCH", "users/update-admin",
        [this, &users](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string username, fields.RequiredString("username"));
          ORCHARD_ASSIGN_OR_RETURN(bool is_admin, IsAdminField(fields));
          ORCHARD_RETURN_IF_ERROR(users.UpdateAdmin(username, is_admin));
          ForgetSignIns();
          return std::string(kEmpty);
        });
  route("DELETE", "users/delete",
        [this, &users](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string username, fields.RequiredString("username"));
          ORCHARD_RETURN_IF_ERROR(users.DeleteUser(username));
          ForgetSignIns();
          return std::string(kEmpty);
        });

  // Permissions on experiments and registered models: the same four endpoints each.
  struct Kind {
    const char* path;  // "experiments" or "registered-models"
    const char* key;   // the field naming the resource
    bool model;
  };
  for (const Kind kind :
       {Kind{"experiments", "experiment_id", false}, Kind{"registered-models", "name", true}}) {
    const std::string base = std::string(kind.path) + "/permissions/";
    AddMlflowRoute(
        router, "POST", base + "create",
        [&users, kind](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string key, fields.RequiredString(kind.key));
          ORCHARD_ASSIGN_OR_RETURN(std::string username, fields.RequiredString("username"));
          ORCHARD_ASSIGN_OR_RETURN(std::string permission, fields.RequiredString("permission"));
          JsonWriter json;
          json.BeginObject();
          if (kind.model) {
            ORCHARD_ASSIGN_OR_RETURN(ModelPermissionRecord record,
                                     users.CreateModelPermission(key, username, permission));
            WriteModelPermission(json.Key("registered_model_permission"), record);
          } else {
            ORCHARD_ASSIGN_OR_RETURN(ExperimentPermissionRecord record,
                                     users.CreateExperimentPermission(key, username, permission));
            WriteExperimentPermission(json.Key("experiment_permission"), record);
          }
          return json.EndObject().Take();
        });
    AddMlflowRoute(router, "GET", base + "get",
                   [&users, kind](const RequestFields& fields) -> StatusOr<std::string> {
                     ORCHARD_ASSIGN_OR_RETURN(std::string key, fields.RequiredString(kind.key));
                     ORCHARD_ASSIGN_OR_RETURN(std::string username,
                                              fields.RequiredString("username"));
                     JsonWriter json;
                     json.BeginObject();
                     if (kind.model) {
                       ORCHARD_ASSIGN_OR_RETURN(ModelPermissionRecord record,
                                                users.GetModelPermission(key, username));
                       WriteModelPermission(json.Key("registered_model_permission"), record);
                     } else {
                       ORCHARD_ASSIGN_OR_RETURN(ExperimentPermissionRecord record,
                                                users.GetExperimentPermission(key, username));
                       WriteExperimentPermission(json.Key("experiment_permission"), record);
                     }
                     return json.EndObject().Take();
                   });
    AddMlflowRoute(
        router, "PATCH", base + "update",
        [&users, kind](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string key, fields.RequiredString(kind.key));
          ORCHARD_ASSIGN_OR_RETURN(std::string username, fields.RequiredString("username"));
          ORCHARD_ASSIGN_OR_RETURN(std::string permission, fields.RequiredString("permission"));
          ORCHARD_RETURN_IF_ERROR(
              kind.model ? users.UpdateModelPermission(key, username, permission)
                         : users.UpdateExperimentPermission(key, username, permission));
          return std::string(kEmpty);
        });
    AddMlflowRoute(
        router, "DELETE", base + "delete",
        [&users, kind](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string key, fields.RequiredString(kind.key));
          ORCHARD_ASSIGN_OR_RETURN(std::string username, fields.RequiredString("username"));
          ORCHARD_RETURN_IF_ERROR(kind.model ? users.DeleteModelPermission(key, username)
                                             : users.DeleteExperimentPermission(key, username));
          return std::string(kEmpty);
        });
  }
}

}  // namespace orchard
