// Certificates made at test time (OpenSSL, EC P-256, valid from an hour ago for a day), written
// as PEM files into a folder: a CA, a server certificate it signed for localhost and 127.0.0.1,
// a client certificate it signed (certificate and key in one file, as MLflow's client reads
// it), and a self-signed server certificate that no CA vouches for.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace orchard::testing {

struct TestCertificates {
  std::string ca_cert;      // the CA's certificate
  std::string server_cert;  // signed by the CA: DNS localhost, IP 127.0.0.1
  std::string server_key;
  std::string client_pem;       // signed by the CA: the certificate, then its key
  std::string other_name_cert;  // signed by the CA for another host (other.example) only
  std::string other_name_key;
  std::string self_signed_cert;  // for 127.0.0.1, signed by nobody trusted
  std::string self_signed_key;
};

namespace certificates_detail {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

inline Key NewKey() {
  Key key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (!key) throw std::runtime_error("cannot make a test key");
  return key;
}

inline void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (extension == nullptr) throw std::runtime_error(std::string("bad extension ") + value);
  X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
}

// A certificate for `key` named `common_name`, signed by `issuer` (null: by itself).
inline Cert NewCert(EVP_PKEY* key, const char* common_name, X509* issuer, EVP_PKEY* issuer_key,
                    bool is_ca, const char* alt_names, long serial) {
  Cert cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  AddExtension(cert.get(), signer, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "CA:FALSE");
  AddExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (is_ca) {
    AddExtension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExtension(cert.get(), signer, NID_ext_key_usage, "serverAuth,clientAuth");
  }
  if (alt_names != nullptr) AddExtension(cert.get(), signer, NID_subject_alt_name, alt_names);
  if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) == 0) {
    throw std::runtime_error("cannot sign a test certificate");
  }
  return cert;
}

inline void WritePem(const std::string& path, X509* cert, EVP_PKEY* key) {
  FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) throw std::runtime_error("cannot write " + path);
  if (cert != nullptr) PEM_write_X509(file, cert);
  if (key != nullptr) PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(file);
}

}  // namespace certificates_detail

inline TestCertificates MakeTestCertificates(const std::filesystem::path& dir) {
  using namespace certificates_detail;
  std::filesystem::create_directories(dir);
  TestCertificates out;
  auto path = [&](const char* name) { return (dir / name).string(); };
  Key ca_key = NewKey();
  Cert ca = NewCert(ca_key.get(), "Orchard test CA", nullptr, nullptr, true, nullptr, 1);
  WritePem(out.ca_cert = path("ca.pem"), ca.get(), nullptr);

  Key server_key = NewKey();
  Cert server = NewCert(server_key.get(), "localhost", ca.get(), ca_key.get(), false,
                        "DNS:localhost,IP:127.0.0.1", 2);
  WritePem(out.server_cert = path("server.pem"), server.get(), nullptr);
  WritePem(out.server_key = path("server-key.pem"), nullptr, server_key.get());

  Key client_key = NewKey();
  Cert client =
      NewCert(client_key.get(), "orchard-client", ca.get(), ca_key.get(), false, nullptr, 3);
  WritePem(out.client_pem = path("client.pem"), client.get(), client_key.get());

  Key other_key = NewKey();
  Cert other = NewCert(other_key.get(), "other.example", ca.get(), ca_key.get(), false,
                       "DNS:other.example", 4);
  WritePem(out.other_name_cert = path("other.pem"), other.get(), nullptr);
  WritePem(out.other_name_key = path("other-key.pem"), nullptr, other_key.get());

  Key self_key = NewKey();
  Cert self = NewCert(self_key.get(), "127.0.0.1", nullptr, nullptr, false,
                      "DNS:localhost,IP:127.0.0.1", 5);
  WritePem(out.self_signed_cert = path("self.pem"), self.get(), nullptr);
  WritePem(out.self_signed_key = path("self-key.pem"), nullptr, self_key.get());
  return out;
}

}  // namespace orchard::testing
