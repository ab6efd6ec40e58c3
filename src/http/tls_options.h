// TLS settings of the HTTP layer, as plain data (no OpenSSL or Boost types): what a server
// presents and asks of its clients, and what a client trusts and presents.
#pragma once

#include <string>

namespace orchard {

// A server's TLS: set cert_file and key_file to serve HTTPS only (TLS 1.2 or later).
struct TlsServerOptions {
  std::string cert_file;  // PEM: the server's certificate, then any intermediates
  std::string key_file;   // PEM: its private key
  // Set: clients must present a certificate signed by one of these CAs (PEM), mutual TLS.
  std::string client_ca_file;

  bool enabled() const { return !cert_file.empty() || !key_file.empty(); }
};

// A client's TLS, for https:// URLs, with the meaning of MLflow's environment variables.
struct TlsClientOptions {
  // MLFLOW_TRACKING_INSECURE_TLS: neither the certificate nor the host name is checked.
  bool insecure = false;
  // MLFLOW_TRACKING_SERVER_CERT_PATH: the CA bundle (a PEM file, or a folder of hashed
  // certificates) the server's certificate must chain to; empty: the system's CAs.
  std::string server_ca_path;
  // MLFLOW_TRACKING_CLIENT_CERT_PATH: a PEM file holding this client's certificate and its
  // private key, presented when the server asks for one.
  std::string client_cert_file;
};

}  // namespace orchard
