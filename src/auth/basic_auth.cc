#include "auth/basic_auth.h"

#include <simdjson.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <map>

#include <fmt/format.h>

#include "base/base64.h"
#include "base/json_writer.h"
#include "server/mlflow_reply.h"
#include "server/request_fields.h"

namespace orchard {
namespace {

using Need = AuthRule::Need;
using Resource = AuthRule::Resource;

constexpr std::string_view kApiPrefixes[] = {"/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"};
constexpr std::string_view kProxyPrefixes[] = {"/api/2.0/mlflow-artifacts/artifacts",
                                               "/ajax-api/2.0/mlflow-artifacts/artifacts"};
constexpr auto kSignInLifetime = std::chrono::seconds(60);
constexpr size_t kMaxCachedSignIns = 10000;

// The MLflow endpoint a route is for ("runs/get"), or "" when it is not one.
std::string EndpointOf(const std::string& route) {
  for (std::string_view prefix : kApiPrefixes) {
    if (route.starts_with(prefix)) return route.substr(prefix.size());
  }
  return "";
}

// Every MLflow endpoint's rule, as MLflow's auth app has it (mlflow/server/auth/__init__.py),
// plus the ones it leaves unchecked (runs/search, the bulk history, logging inputs).
const std::map<std::string, AuthRule>& EndpointRules() {
  static const std::map<std::string, AuthRule> rules = {
      {"experiments/create", {Need::kSignedIn}},
      {"experiments/get", {Need::kRead, Resource::kExperimentId}},
      {"experiments/get-by-name", {Need::kRead, Resource::kExperimentName}},
      {"experiments/search", {Need::kSignedIn}},  // filtered after
      {"experiments/update", {Need::kUpdate, Resource::kExperimentId}},
      {"experiments/set-experiment-tag", {Need::kUpdate, Resource::kExperimentId}},
      {"experiments/delete", {Need::kDelete, Resource::kExperimentId}},
      {"experiments/restore", {Need::kDelete, Resource::kExperimentId}},
      {"runs/create", {Need::kUpdate, Resource::kExperimentId}},
      {"runs/get", {Need::kRead, Resource::kRunId}},
      {"runs/search", {Need::kRead, Resource::kExperimentIds}},
      {"runs/update", {Need::kUpdate, Resource::kRunId}},
      {"runs/log-batch", {Need::kUpdate, Resource::kRunId}},
      {"runs/log-inputs", {Need::kUpdate, Resource::kRunId}},
      {"runs/log-metric", {Need::kUpdate, Resource::kRunId}},
      {"runs/log-model", {Need::kUpdate, Resource::kRunId}},
      {"runs/log-parameter", {Need::kUpdate, Resource::kRunId}},
      {"runs/set-tag", {Need::kUpdate, Resource::kRunId}},
      {"runs/delete-tag", {Need::kUpdate, Resource::kRunId}},
      {"runs/delete", {Need::kDelete, Resource::kRunId}},
      {"runs/restore", {Need::kDelete, Resource::kRunId}},
      {"metrics/get-history", {Need::kRead, Resource::kRunId}},
      {"metrics/get-history-bulk-interval", {Need::kRead, Resource::kRunIds}},
      {"artifacts/list", {Need::kRead, Resource::kRunId}},
      {"registered-models/create", {Need::kSignedIn}},
      {"registered-models/get", {Need::kRead, Resource::kModelName}},
      {"registered-models/get-latest-versions", {Need::kRead, Resource::kModelName}},
      {"registered-models/search", {Need::kSignedIn}},  // filtered after
      {"registered-models/update", {Need::kUpdate, Resource::kModelName}},
      {"registered-models/rename", {Need::kUpdate, Resource::kModelName}},
      {"registered-models/set-tag", {Need::kUpdate, Resource::kModelName}},
      {"registered-models/delete-tag", {Need::kUpdate, Resource::kModelName}},
      {"registered-models/delete", {Need::kDelete, Resource::kModelName}},
      {"model-versions/create", {Need::kUpdate, Resource::kModelName}},
      {"model-versions/get", {Need::kRead, Resource::kModelName}},
      {"model-versions/get-download-uri", {Need::kRead, Resource::kModelName}},
      {"model-versions/search", {Need::kSignedIn}},  // filtered after
      {"model-versions/update", {Need::kUpdate, Resource::kModelName}},
      {"model-versions/transition-stage", {Need::kUpdate, Resource::kModelName}},
      {"model-versions/set-tag", {Need::kUpdate, Resource::kModelName}},
      {"model-versions/delete-tag", {Need::kDelete, Resource::kModelName}},
      {"model-versions/delete", {Need::kDelete, Resource::kModelName}},
      {"users/create", {Need::kAdmin}},
      {"users/get", {Need::kSelfOrAdmin}},
      {"users/current", {Need::kSignedIn}},
      {"users/update-password", {Need::kSelfOrAdmin}},
      {"users/update-admin", {Need::kAdmin}},
      {"users/delete", {Need::kAdmin}},
  };
  return rules;
}

}  // namespace

std::optional<AuthRule> AuthRuleFor(const std::string& method, const std::string& route) {
  if (route == "/health" || route == "/" || route == "/index.html" || route == "/static-files/*") {
    return AuthRule{Need::kOpen};
  }
  if (route == "/version" || route == "/metrics") return AuthRule{Need::kSignedIn};
  if (route == "/get-artifact") return AuthRule{Need::kRead, Resource::kRunId};
  for (std::string_view prefix : kProxyPrefixes) {
    if (route == prefix) return AuthRule{Need::kRead, Resource::kArtifactListing};
    if (route == std::string(prefix) + "/*") {
      if (method == "GET") return AuthRule{Need::kRead, Resource::kArtifactPath};
      if (method == "PUT") return AuthRule{Need::kUpdate, Resource::kArtifactPath};
      if (method == "DELETE") return AuthRule{Need::kDelete, Resource::kArtifactPath};
      return std::nullopt;
    }
  }
  const std::string endpoint = EndpointOf(route);
  if (endpoint.empty()) return std::nullopt;
  if (endpoint == "registered-models/alias") {
    if (method == "GET") return AuthRule{Need::kRead, Resource::kModelName};
    if (method == "POST") return AuthRule{Need::kUpdate, Resource::kModelName};
    return AuthRule{Need::kDelete, Resource::kModelName};
  }
  if (endpoint.starts_with("experiments/permissions/")) {
    return AuthRule{Need::kManage, Resource::kExperimentId};
  }
  if (endpoint.starts_with("registered-models/permissions/")) {
    return AuthRule{Need::kManage, Resource::kModelName};
  }
  auto found = EndpointRules().find(endpoint);
  if (found == EndpointRules().end()) return std::nullopt;
  return found->second;
}

BasicAuth::BasicAuth(AuthConfig config, std::unique_ptr<UserStore> users, TrackingStore* tracking,
                     RegistryStore* registry)
    : config_(std::move(config)),
      default_permission_(*ParsePermission(config_.default_permission)),
      users_(std::move(users)),
      tracking_(tracking),
      registry_(registry) {
  cache_key_.resize(crypto_generichash_KEYBYTES);
  randombytes_buf(cache_key_.data(), cache_key_.size());
}

StatusOr<std::unique_ptr<BasicAuth>> BasicAuth::Create(const AuthConfig& config,
                                                       TrackingStore* tracking,
                                                       RegistryStore* registry) {
  if (sodium_init() < 0) return Status::Internal("libsodium could not start");
  ORCHARD_RETURN_IF_ERROR(ParsePermission(config.default_permission).status());
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<UserStore> users, UserStore::Open(config.database_uri));
  StatusOr<AuthUser> admin = users->GetUser(config.admin_username);
  if (!admin.ok()) {
    if (admin.status().code() != ErrorCode::kResourceDoesNotExist) return admin.status();
    ORCHARD_RETURN_IF_ERROR(
        users->CreateUser(config.admin_username, config.admin_password, /*is_admin=*/true)
            .status());
    spdlog::info("Created the admin user '{}' in the users' store", config.admin_username);
  }
  StatusOr<std::optional<AuthUser>> still_default =
      users->Authenticate(config.admin_username, kDefaultAdminPassword);
  if (still_default.ok() && still_default->has_value()) {
    spdlog::warn(
        "!!! The admin user '{}' still has the default password: anyone can sign in as admin. "
        "Change it now: orchard users update-password --username {} (or MLflow's "
        "AuthServiceClient.update_user_password) !!!",
        config.admin_username, config.admin_username);
  }
  return std::unique_ptr<BasicAuth>(new BasicAuth(config, std::move(users), tracking, registry));
}

std::optional<AuthUser> BasicAuth::SignIn(const std::string& authorization) {
  std::string_view value = authorization;
  if (value.size() < 6 || (value.substr(0, 6) != "Basic " && value.substr(0, 6) != "basic ")) {
    return std::nullopt;
  }
  std::optional<std::string> decoded = Base64Decode(value.substr(6));
  if (!decoded) return std::nullopt;
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  const std::string username = decoded->substr(0, colon);
  const std::string password = decoded->substr(colon + 1);
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(decoded->data()),
                     decoded->size(), reinterpret_cast<const unsigned char*>(cache_key_.data()),
                     cache_key_.size());
  const std::string key(reinterpret_cast<const char*>(digest), sizeof digest);
  sodium_memzero(decoded->data(), decoded->size());
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(cache_mutex_);
    auto cached = cache_.find(key);
    if (cached != cache_.end() && cached->second.expires > now) return cached->second.user;
  }
  StatusOr<std::optional<AuthUser>> user = users_->Authenticate(username, password);
  if (!user.ok() || !user->has_value()) return std::nullopt;
  std::lock_guard lock(cache_mutex_);
  if (cache_.size() >= kMaxCachedSignIns) cache_.clear();
  cache_[key] = {**user, now + kSignInLifetime};
  return **user;
}

void BasicAuth::ForgetSignIns() {
  std::lock_guard lock(cache_mutex_);
  cache_.clear();
}

Permission BasicAuth::ExperimentPermission(const AuthUser& user, const std::string& experiment_id) {
  StatusOr<ExperimentPermissionRecord> record =
      users_->GetExperimentPermission(experiment_id, user.username);
  if (!record.ok()) return default_permission_;
  StatusOr<Permission> permission = ParsePermission(record->permission);
  return permission.ok() ? *permission : kNoPermissions;
}

Permission BasicAuth::ModelPermission(const AuthUser& user, const std::string& name) {
  StatusOr<ModelPermissionRecord> record = users_->GetModelPermission(name, user.username);
  if (!record.ok()) return default_permission_;
  StatusOr<Permission> permission = ParsePermission(record->permission);
  return permission.ok() ? *permission : kNoPermissions;
}

namespace {

bool Grants(const Permission& permission, Need need) {
  switch (need) {
    case Need::kRead:
      return permission.can_read;
    case Need::kUpdate:
      return permission.can_update;
    case Need::kDelete:
      return permission.can_delete;
    case Need::kManage:
      return permission.can_manage;
    default:
      return false;
  }
}

// The proxy path's resource: an experiment id ("1/<run>/artifacts/...") or a registered model
// ("models/<name>/..."); nullopt for anything else (admins only).
struct ArtifactOwner {
  bool model = false;
  std::string id;
};

std::optional<ArtifactOwner> OwnerOfArtifactPath(std::string_view path) {
  while (path.starts_with('/')) path.remove_prefix(1);
  std::string_view first = path.substr(0, path.find('/'));
  if (!first.empty() && first.find_first_not_of("0123456789") == std::string_view::npos) {
    return ArtifactOwner{false, std::string(first)};
  }
  if (first == "models" && path.size() > 7) {
    std::string_view rest = path.substr(7);
    std::string_view name = rest.substr(0, rest.find('/'));
    if (!name.empty()) return ArtifactOwner{true, std::string(name)};
  }
  return std::nullopt;
}

}  // namespace

StatusOr<bool> BasicAuth::Allowed(const HttpRequest& request, const AuthRule& rule,
                                  const AuthUser& user) {
  if (rule.need == Need::kSignedIn) return true;
  if (rule.need == Need::kAdmin) return false;  // admins were let through before
  if (rule.resource == Resource::kArtifactPath || rule.resource == Resource::kArtifactListing) {
    std::string path;
    if (rule.resource == Resource::kArtifactListing) {
      path = request.QueryValue("path").value_or("");
    } else {
      for (std::string_view prefix : kProxyPrefixes) {
        if (request.path.starts_with(prefix)) path = request.path.substr(prefix.size());
      }
    }
    std::optional<ArtifactOwner> owner = OwnerOfArtifactPath(path);
    if (!owner) return false;
    return Grants(
        owner->model ? ModelPermission(user, owner->id) : ExperimentPermission(user, owner->id),
        rule.need);
  }
  // The fields name the resource; a request that lacks them is left to its handler's error.
  StatusOr<RequestFields> fields = RequestFields::Parse(request);
  if (!fields.ok()) return true;
  if (rule.need == Need::kSelfOrAdmin) {
    StatusOr<std::optional<std::string>> username = fields->String("username");
    return username.ok() && username->value_or("") == user.username;
  }
  auto experiment_of_run = [&](const std::string& run_id) -> std::optional<std::string> {
    if (tracking_ == nullptr) return std::nullopt;
    StatusOr<Run> run = tracking_->GetRun(run_id);
    if (!run.ok()) return std::nullopt;
    return run->info.experiment_id;
  };
  switch (rule.resource) {
    case Resource::kExperimentId: {
      ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> id, fields->String("experiment_id"));
      if (!id) return true;
      return Grants(ExperimentPermission(user, *id), rule.need);
    }
    case Resource::kExperimentIds: {
      ORCHARD_ASSIGN_OR_RETURN(std::vector<std::string> ids, fields->StringList("experiment_ids"));
      for (const std::string& id : ids) {
        if (!Grants(ExperimentPermission(user, id), rule.need)) return false;
      }
      return true;
    }
    case Resource::kExperimentName: {
      ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> name, fields->String("experiment_name"));
      if (!name || tracking_ == nullptr) return true;
      StatusOr<Experiment> experiment = tracking_->GetExperimentByName(*name);
      if (!experiment.ok()) return true;  // its handler answers 404
      return Grants(ExperimentPermission(user, experiment->experiment_id), rule.need);
    }
    case Resource::kRunId: {
      ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> run_id, fields->String("run_id"));
      if (!run_id) {
        ORCHARD_ASSIGN_OR_RETURN(run_id, fields->String("run_uuid"));
      }
      if (!run_id) return true;
      std::optional<std::string> experiment = experiment_of_run(*run_id);
      if (!experiment) return true;  // its handler answers 404
      return Grants(ExperimentPermission(user, *experiment), rule.need);
    }
    case Resource::kRunIds: {
      ORCHARD_ASSIGN_OR_RETURN(std::vector<std::string> run_ids, fields->StringList("run_ids"));
      for (const std::string& run_id : run_ids) {
        std::optional<std::string> experiment = experiment_of_run(run_id);
        if (experiment && !Grants(ExperimentPermission(user, *experiment), rule.need)) {
          return false;
        }
      }
      return true;
    }
    case Resource::kModelName: {
      ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> name, fields->String("name"));
      if (!name) return true;
      return Grants(ModelPermission(user, *name), rule.need);
    }
    default:
      return false;
  }
}

std::optional<HttpResponse> BasicAuth::Check(const HttpRequest& request, const std::string& route,
                                             AuthUser& user) {
  std::optional<AuthRule> rule = AuthRuleFor(request.method, route);
  if (rule && rule->need == Need::kOpen) return std::nullopt;
  std::optional<std::string> authorization = request.Header("Authorization");
  std::optional<AuthUser> signed_in;
  if (authorization) signed_in = SignIn(*authorization);
  if (!signed_in) {
    HttpResponse reply = ErrorReply(
        Status(ErrorCode::kUnauthenticated,
               "You are not authenticated. Please see "
               "https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on "
               "how to authenticate."));
    reply.status = 401;
    reply.headers.emplace_back("WWW-Authenticate", "Basic realm=\"mlflow\"");
    return reply;
  }
  user = *signed_in;
  if (user.is_admin) return std::nullopt;
  // A route without a rule is for admins only: nothing is open by omission.
  StatusOr<bool> allowed = rule ? Allowed(request, *rule, user) : StatusOr<bool>(false);
  if (!allowed.ok()) return ErrorReply(allowed.status());
  if (*allowed) return std::nullopt;
  HttpResponse reply = ErrorReply(Status(ErrorCode::kPermissionDenied, "Permission denied"));
  reply.status = 403;
  return reply;
}

void BasicAuth::FilterSearch(const char* list_key, bool by_model, const AuthUser& user,
                             HttpResponse& response) {
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  if (parser.parse(response.body).get(root) != simdjson::SUCCESS) return;
  JsonWriter json;
  json.BeginObject();
  for (auto field : root) {
    if (field.key != list_key) {
      json.Key(field.key).Raw(simdjson::minify(field.value));
      continue;
    }
    json.Key(field.key).BeginArray();
    simdjson::dom::array items;
    if (field.value.get(items) == simdjson::SUCCESS) {
      for (simdjson::dom::element item : items) {
        std::string_view id;
        const char* key = by_model ? "name" : "experiment_id";
        if (item[key].get(id) != simdjson::SUCCESS) continue;
        const Permission permission = by_model ? ModelPermission(user, std::string(id))
                                               : ExperimentPermission(user, std::string(id));
        if (permission.can_read) json.Raw(simdjson::minify(item));
      }
    }
    json.EndArray();
  }
  response.body = json.EndObject().Take();
}

void BasicAuth::After(const HttpRequest& request, const AuthUser& user, HttpResponse& response) {
  if (response.status != 200 || user.username.empty()) return;
  const std::string endpoint = EndpointOf(request.path);
  if (endpoint.empty()) return;
  if (endpoint == "experiments/search") {
    if (!user.is_admin) FilterSearch("experiments", false, user, response);
    return;
  }
  if (endpoint == "registered-models/search") {
    if (!user.is_admin) FilterSearch("registered_models", true, user, response);
    return;
  }
  if (endpoint == "model-versions/search") {
    if (!user.is_admin) FilterSearch("model_versions", true, user, response);
    return;
  }
  StatusOr<RequestFields> fields = RequestFields::Parse(request);
  if (!fields.ok()) return;
  if (endpoint == "experiments/create") {
    simdjson::dom::parser parser;
    std::string_view id;
    if (parser.parse(response.body)["experiment_id"].get(id) != simdjson::SUCCESS) return;
    Status granted =
        users_->CreateExperimentPermission(std::string(id), user.username, kManage.name).status();
    if (!granted.ok())
      spdlog::warn("cannot grant MANAGE on experiment {}: {}", id, granted.message());
    return;
  }
  StatusOr<std::optional<std::string>> name = fields->String("name");
  if (!name.ok() || !name->has_value()) return;
  Status done = Status::Ok();
  if (endpoint == "registered-models/create") {
    done = users_->CreateModelPermission(**name, user.username, kManage.name).status();
  } else if (endpoint == "registered-models/rename") {
    StatusOr<std::optional<std::string>> new_name = fields->String("new_name");
    if (new_name.ok() && new_name->has_value()) {
      done = users_->RenameModelPermissions(**name, **new_name);
    }
  } else if (endpoint == "registered-models/delete") {
    done = users_->DeleteModelPermissions(**name);
  }
  if (!done.ok()) spdlog::warn("permissions of model '{}': {}", **name, done.message());
}

}  // namespace orchard
