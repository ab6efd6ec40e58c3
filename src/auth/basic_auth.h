// BasicAuth: MLflow's basic-auth app (`mlflow server --app-name basic-auth`) for orchard server.
// Every request but /health and the UI's files needs `Authorization: Basic ...` of a user in
// the UserStore (401 with WWW-Authenticate otherwise); then every route has a rule
// (RuleFor) saying what the user needs: to be signed in, to be an admin, or a permission on the
// experiment or registered model the request names. Admins may do everything. Where no
// permission is recorded, AuthConfig::default_permission applies. A refusal is 403 with
// MLflow's JSON error shape (PERMISSION_DENIED).
//
// Better than MLflow's app: a route without a rule is refused to all but admins (and a test
// fails), runs/search and the bulk history check every experiment and run they read, and a
// registered model's permissions follow it when renamed.
//
// After a handler (After): the creator of an experiment or model gets MANAGE on it; a renamed
// model's permissions move with it; a deleted model's are dropped; searches of experiments,
// registered models and model versions keep only what the user may read. Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "auth/auth_config.h"
#include "auth/permission.h"
#include "auth/user_store.h"
#include "http/http_message.h"
#include "http/router.h"
#include "store/registry/registry_store.h"
#include "store/tracking/tracking_store.h"

namespace orchard {

// What a route needs, and where the resource it is about comes from.
struct AuthRule {
  enum class Need {
    kOpen,         // no credentials (health, the UI's files)
    kSignedIn,     // any user
    kAdmin,        // an admin
    kSelfOrAdmin,  // the user named by "username", or an admin
    kRead,         // a permission on the resource
    kUpdate,
    kDelete,
    kManage,
  };
  enum class Resource {
    kNone,
    kExperimentId,     // experiment_id
    kExperimentIds,    // experiment_ids (every one)
    kExperimentName,   // experiment_name
    kRunId,            // run_id (or run_uuid): its experiment
    kRunIds,           // run_ids (every one)
    kModelName,        // name
    kArtifactPath,     // the proxy's path: <experiment id>/..., or models/<name>/...
    kArtifactListing,  // the proxy listing's ?path=
  };
  Need need = Need::kAdmin;
  Resource resource = Resource::kNone;
};

// The rule for a route as the router knows it (a prefix route ends with "*"); nullopt when the
// route has none (it is then refused to all but admins).
std::optional<AuthRule> AuthRuleFor(const std::string& method, const std::string& route);

class BasicAuth {
 public:
  // Opens the users' store and creates the admin when missing. Logs a warning while the admin
  // still has the default password.
  static StatusOr<std::unique_ptr<BasicAuth>> Create(const AuthConfig& config,
                                                     TrackingStore* tracking,
                                                     RegistryStore* registry);

  // The refusal for `request`, or nullopt when it may go on (`user` is then the sender; empty
  // for an open route). `route` is the router's pattern for the request's path.
  std::optional<HttpResponse> Check(const HttpRequest& request, const std::string& route,
                                    AuthUser& user);
  // Bookkeeping and filtering after a successful answer (see the file comment).
  void After(const HttpRequest& request, const AuthUser& user, HttpResponse& response);

  // MLflow's user and permission endpoints (users/..., experiments/permissions/...,
  // registered-models/permissions/...).
  void AddRoutes(Router& router);

  UserStore& users() { return *users_; }

 private:
  BasicAuth(AuthConfig config, std::unique_ptr<UserStore> users, TrackingStore* tracking,
            RegistryStore* registry);

  // The user these credentials name, from a cache of recent sign-ins (argon2id is slow on
  // purpose); nullopt when they are wrong.
  std::optional<AuthUser> SignIn(const std::string& authorization);
  void ForgetSignIns();
  Permission ExperimentPermission(const AuthUser& user, const std::string& experiment_id);
  Permission ModelPermission(const AuthUser& user, const std::string& name);
  StatusOr<bool> Allowed(const HttpRequest& request, const AuthRule& rule, const AuthUser& user);
  void FilterSearch(const char* list_key, bool by_model, const AuthUser& user,
                    HttpResponse& response);

  AuthConfig config_;
  Permission default_permission_;
  std::unique_ptr<UserStore> users_;
  TrackingStore* tracking_;
  RegistryStore* registry_;
  // Recent sign-ins by a keyed hash of the credentials (never the password itself).
  struct CachedSignIn {
    AuthUser user;
    std::chrono::steady_clock::time_point expires;
  };
  std::mutex cache_mutex_;
  std::unordered_map<std::string, CachedSignIn> cache_;
  std::string cache_key_;
};

}  // namespace orchard
