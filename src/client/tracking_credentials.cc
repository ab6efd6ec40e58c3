#include "client/tracking_credentials.h"

#include <cstdlib>

#include "base/base64.h"

namespace orchard {

std::string TrackingAuthorizationFromEnv() {
  auto env = [](const char* name) {
    const char* value = std::getenv(name);
    return std::string(value != nullptr ? value : "");
  };
  if (std::string token = env("MLFLOW_TRACKING_TOKEN"); !token.empty()) return "Bearer " + token;
  std::string username = env("MLFLOW_TRACKING_USERNAME");
  std::string password = env("MLFLOW_TRACKING_PASSWORD");
  if (username.empty() && password.empty()) return "";
  return "Basic " + Base64Encode(username + ":" + password);
}

}  // namespace orchard
