// The basic-auth app's configuration, read as MLflow's: an INI file named by
// MLFLOW_AUTH_CONFIG_PATH, section [mlflow], with MLflow's keys and defaults
// (mlflow/server/auth/basic_auth.ini):
//   default_permission = READ          what a user may do where no permission is recorded
//   database_uri = sqlite:///basic_auth.db   the users' store (SQLite or PostgreSQL)
//   admin_username = admin             created at first start
//   admin_password = password
//   authorization_function = mlflow.server.auth:authenticate_request_basic_auth
// Any other authorization_function is refused at start: Orchard implements basic auth only.
#pragma once

#include <string>

#include "base/status.h"

namespace orchard {

struct AuthConfig {
  std::string default_permission = "READ";
  std::string database_uri = "sqlite:///basic_auth.db";
  std::string admin_username = "admin";
  std::string admin_password = "password";
  std::string authorization_function = "mlflow.server.auth:authenticate_request_basic_auth";
};

inline constexpr char kDefaultAdminPassword[] = "password";

// Reads `path` (empty: MLflow's defaults). Unknown keys are ignored, as configparser does.
StatusOr<AuthConfig> ReadAuthConfig(const std::string& path);

}  // namespace orchard
