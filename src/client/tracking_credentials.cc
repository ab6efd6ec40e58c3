#include "client/tracking_credentials.h"

#include <cstdlib>

#include <fmt/format.h>

#include "base/base64.h"
#include "base/text.h"

namespace orchard {

namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return std::string(value != nullptr ? value : "");
}

}  // namespace

std::string TrackingAuthorizationFromEnv() {
  if (std::string token = Env("MLFLOW_TRACKING_TOKEN"); !token.empty()) return "Bearer " + token;
  std::string username = Env("MLFLOW_TRACKING_USERNAME");
  std::string password = Env("MLFLOW_TRACKING_PASSWORD");
  if (username.empty() && password.empty()) return "";
  return "Basic " + Base64Encode(username + ":" + password);
}

StatusOr<TlsClientOptions> TrackingTlsFromEnv() {
  TlsClientOptions tls;
  std::string insecure = AsciiLower(Env("MLFLOW_TRACKING_INSECURE_TLS"));
  if (insecure == "true" || insecure == "1") {
    tls.insecure = true;
  } else if (!insecure.empty() && insecure != "false" && insecure != "0") {
    return Status::InvalidParameter(
        fmt::format("MLFLOW_TRACKING_INSECURE_TLS must be true or false, not '{}'", insecure));
  }
  tls.server_ca_path = Env("MLFLOW_TRACKING_SERVER_CERT_PATH");
  tls.client_cert_file = Env("MLFLOW_TRACKING_CLIENT_CERT_PATH");
  if (tls.insecure && !tls.server_ca_path.empty()) {
    return Status::InvalidParameter(
        "MLFLOW_TRACKING_INSECURE_TLS and MLFLOW_TRACKING_SERVER_CERT_PATH are both set; only one "
        "of them may be: skip the certificate check, or check it against that CA bundle");
  }
  return tls;
}

StatusOr<std::unique_ptr<HttpClient>> OpenTrackingHttpClient(const std::string& base_url) {
  TlsClientOptions tls;
  if (base_url.starts_with("https://")) {
    ORCHARD_ASSIGN_OR_RETURN(tls, TrackingTlsFromEnv());
  }
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<HttpClient> client, HttpClient::Create(base_url, tls));
  client->SetAuthorization(TrackingAuthorizationFromEnv());
  return client;
}

}  // namespace orchard
