#include "http/tls_context.h"

#include <sys/stat.h>

#include <cstdio>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace orchard {

namespace ssl = boost::asio::ssl;

namespace {

// A readable regular file (or, with `folder_ok`, a folder), or an error naming what it is for.
Status CheckReadable(const std::string& path, const std::string& what, bool folder_ok = false) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return Status::InvalidParameter(
        fmt::format("cannot read the {} '{}': no such file", what, path));
  }
  if (S_ISDIR(info.st_mode) && folder_ok) return Status::Ok();
  FILE* file = S_ISREG(info.st_mode) ? std::fopen(path.c_str(), "rb") : nullptr;
  if (file == nullptr) {
    return Status::InvalidParameter(
        fmt::format("cannot read the {} '{}': not a readable file", what, path));
  }
  std::fclose(file);
  return Status::Ok();
}

Status Unusable(const std::string& path, const std::string& what,
                const boost::system::error_code& ec) {
  return Status::InvalidParameter(
      fmt::format("cannot use the {} '{}': {}", what, path, ec.message()));
}

// Old protocol versions are refused both ways; OpenSSL's defaults choose the ciphers.
void RequireModernTls(ssl::context& context) {
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
}

// The certificate chain and the private key that goes with it, checked against each other.
Status UseCertificateAndKey(ssl::context& context, const std::string& cert_file,
                            const std::string& key_file, const std::string& what) {
  ORCHARD_RETURN_IF_ERROR(CheckReadable(cert_file, what + " certificate"));
  ORCHARD_RETURN_IF_ERROR(CheckReadable(key_file, what + " private key"));
  boost::system::error_code ec;
  context.use_certificate_chain_file(cert_file, ec);
  if (ec) return Unusable(cert_file, what + " certificate (PEM)", ec);
  context.use_private_key_file(key_file, ssl::context::pem, ec);
  // OpenSSL checks the pair as it loads the key ("key values mismatch"), and again below.
  if (ec && ec.message().find("mismatch") == std::string::npos) {
    return Unusable(key_file, what + " private key (PEM)", ec);
  }
  if (ec || SSL_CTX_check_private_key(context.native_handle()) != 1) {
    ERR_clear_error();
    return Status::InvalidParameter(fmt::format(
        "the private key '{}' does not belong to the certificate '{}'", key_file, cert_file));
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<ssl::context>> MakeServerTlsContext(const TlsServerOptions& options) {
  if (options.cert_file.empty() || options.key_file.empty()) {
    return Status::InvalidParameter(
        "TLS needs both a certificate (--tls-cert) and its private key (--tls-key)");
  }
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  RequireModernTls(*context);
  ORCHARD_RETURN_IF_ERROR(
      UseCertificateAndKey(*context, options.cert_file, options.key_file, "TLS"));
  if (!options.client_ca_file.empty()) {
    ORCHARD_RETURN_IF_ERROR(CheckReadable(options.client_ca_file, "client CA certificates"));
    boost::system::error_code ec;
    context->load_verify_file(options.client_ca_file, ec);
    if (ec) return Unusable(options.client_ca_file, "client CA certificates (PEM)", ec);
    context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  }
  return context;
}

StatusOr<std::unique_ptr<ssl::context>> MakeClientTlsContext(const TlsClientOptions& options) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  RequireModernTls(*context);
  boost::system::error_code ec;
  if (options.insecure) {
    context->set_verify_mode(ssl::verify_none);
  } else {
    context->set_verify_mode(ssl::verify_peer);
    if (options.server_ca_path.empty()) {
      context->set_default_verify_paths(ec);
      if (ec) return Unusable("(system default)", "CA certificates", ec);
    } else {
      const std::string& path = options.server_ca_path;
      ORCHARD_RETURN_IF_ERROR(CheckReadable(path, "server CA bundle", /*folder_ok=*/true));
      struct stat info {};
      if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
        context->add_verify_path(path, ec);
      } else {
        context->load_verify_file(path, ec);
      }
      if (ec) return Unusable(path, "server CA bundle (PEM)", ec);
    }
  }
  if (!options.client_cert_file.empty()) {
    // One file with both, as MLflow's client reads it.
    ORCHARD_RETURN_IF_ERROR(UseCertificateAndKey(*context, options.client_cert_file,
                                                 options.client_cert_file, "client"));
  }
  return context;
}

std::string DescribeTlsFailure(const boost::system::error_code& ec, SSL* ssl) {
  if (ssl != nullptr) {
    long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) {
      return fmt::format("the server's certificate was refused: {}",
                         X509_verify_cert_error_string(verify));
    }
  }
  return ec.message();
}

}  // namespace orchard
