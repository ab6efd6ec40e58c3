// OpenSSL contexts (through Boost.Asio) for the TLS settings of tls_options.h. Include only
// from .cc files of src/http/, after asio.h.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl.hpp>

#include "base/status.h"
#include "http/tls_options.h"

namespace orchard {

// TLS 1.2 or later with the certificate and key of `options` (checked to match).
// INVALID_PARAMETER_VALUE naming the file when one cannot be read or used.
StatusOr<std::unique_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const TlsServerOptions& options);

// TLS 1.2 or later, verifying the peer unless `options.insecure` (the host name is checked per
// connection: VerifyServerName). INVALID_PARAMETER_VALUE naming the file when one cannot be read.
StatusOr<std::unique_ptr<boost::asio::ssl::context>> MakeClientTlsContext(
    const TlsClientOptions& options);

// Why a handshake on `ssl` failed with `ec`, in words: the certificate check's own reason
// ("self-signed certificate") when that is what failed.
std::string DescribeTlsFailure(const boost::system::error_code& ec, SSL* ssl);

}  // namespace orchard
