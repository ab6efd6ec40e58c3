// The credentials MLflow's clients send to a tracking server, from the same environment
// variables: MLFLOW_TRACKING_TOKEN (a bearer token), else MLFLOW_TRACKING_USERNAME and
// MLFLOW_TRACKING_PASSWORD (basic authentication). Sent only to the tracking server's URL.
#pragma once

#include <string>

#include "http/http_client.h"

namespace orchard {

// The Authorization header value, or "" when none is set.
std::string TrackingAuthorizationFromEnv();

// Gives `client` the credentials of the environment.
inline void UseTrackingCredentials(HttpClient& client) {
  client.SetAuthorization(TrackingAuthorizationFromEnv());
}

}  // namespace orchard
