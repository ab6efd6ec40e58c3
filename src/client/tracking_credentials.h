// What MLflow's clients send to, and trust of, a tracking server, from the same environment
// variables:
//   MLFLOW_TRACKING_TOKEN (a bearer token), else MLFLOW_TRACKING_USERNAME and
//   MLFLOW_TRACKING_PASSWORD (basic authentication);
//   for https://, MLFLOW_TRACKING_INSECURE_TLS, MLFLOW_TRACKING_SERVER_CERT_PATH and
//   MLFLOW_TRACKING_CLIENT_CERT_PATH (tls_options.h).
// Sent only to the tracking server's URL.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "http/http_client.h"
#include "http/tls_options.h"

namespace orchard {

// The Authorization header value, or "" when none is set.
std::string TrackingAuthorizationFromEnv();

// The TLS settings. INVALID_PARAMETER_VALUE, as in MLflow, for an MLFLOW_TRACKING_INSECURE_TLS
// that is not true/false, or when it is true and MLFLOW_TRACKING_SERVER_CERT_PATH is set too.
StatusOr<TlsClientOptions> TrackingTlsFromEnv();

// A client of the tracking server at `base_url` (http:// or https://) with the environment's
// credentials and TLS settings.
StatusOr<std::unique_ptr<HttpClient>> OpenTrackingHttpClient(const std::string& base_url);

}  // namespace orchard
