#include "auth/auth_config.h"

#include <fstream>

#include <fmt/format.h>

#include "auth/permission.h"
#include "base/text.h"

namespace orchard {

StatusOr<AuthConfig> ReadAuthConfig(const std::string& path) {
  AuthConfig config;
  if (path.empty()) return config;
  std::ifstream in(path);
  if (!in) {
    return Status::InvalidParameter(
        fmt::format("cannot read the auth configuration '{}' (MLFLOW_AUTH_CONFIG_PATH)", path));
  }
  std::string line, section;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string_view text = TrimSpace(line);
    if (text.empty() || text.starts_with('#') || text.starts_with(';')) continue;
    if (text.starts_with('[') && text.ends_with(']')) {
      section = std::string(TrimSpace(text.substr(1, text.size() - 2)));
      continue;
    }
    size_t equals = text.find_first_of("=:");
    if (equals == std::string_view::npos) {
      return Status::InvalidParameter(
          fmt::format("{}:{}: expected 'key = value', not '{}'", path, number, text));
    }
    if (section != "mlflow") continue;
    const std::string key = AsciiLower(TrimSpace(text.substr(0, equals)));
    const std::string value(TrimSpace(text.substr(equals + 1)));
    if (key == "default_permission") config.default_permission = value;
    if (key == "database_uri") config.database_uri = value;
    if (key == "admin_username") config.admin_username = value;
    if (key == "admin_password") config.admin_password = value;
    if (key == "authorization_function") config.authorization_function = value;
  }
  if (!ParsePermission(config.default_permission).ok()) {
    return Status::InvalidParameter(
        fmt::format("{}: default_permission: {}", path,
                    ParsePermission(config.default_permission).status().message()));
  }
  if (config.authorization_function != AuthConfig().authorization_function) {
    return Status::InvalidParameter(fmt::format(
        "{}: authorization_function '{}' cannot run in Orchard, which implements MLflow's basic "
        "authentication only; remove the key or set it to {}",
        path, config.authorization_function, AuthConfig().authorization_function));
  }
  if (config.admin_username.empty() || config.admin_password.empty()) {
    return Status::InvalidParameter(
        fmt::format("{}: admin_username and admin_password must not be empty", path));
  }
  return config;
}

}  // namespace orchard
