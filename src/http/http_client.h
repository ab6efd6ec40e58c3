// HttpClient: a blocking HTTP/1.1 (and HTTPS) client with one keep-alive connection (Boost.Beast,
// behind this interface), reconnecting once when the server closed it. Thread-safe: requests are
// serialised on the connection.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "http/http_message.h"
#include "http/tls_options.h"

namespace orchard {

class HttpClient {
 public:
  // `base_url`: "http://host:port" or "https://host:port" (a path prefix is allowed); `tls`
  // applies to https. INVALID_PARAMETER_VALUE for another URL or a TLS file that cannot be used.
  static StatusOr<std::unique_ptr<HttpClient>> Create(const std::string& base_url,
                                                      const TlsClientOptions& tls = {});
  ~HttpClient();

  // Sent as the Authorization header of every request from now on (empty: none).
  void SetAuthorization(std::string value);

  // Sends `method target` (target is appended to the base URL's path) with a JSON body.
  // TEMPORARILY_UNAVAILABLE when the server cannot be reached.
  StatusOr<HttpResponse> Send(const std::string& method, const std::string& target,
                              const std::string& body);
  // The same with another Content-Type (empty: none sent).
  StatusOr<HttpResponse> Send(const std::string& method, const std::string& target,
                              const std::string& body, const std::string& content_type);

  // Sends the local file as the body, streamed from disk (sendfile: no copy in memory).
  // INVALID_PARAMETER_VALUE when the file cannot be read.
  StatusOr<HttpResponse> SendFile(const std::string& method, const std::string& target,
                                  const std::string& local_file, const std::string& content_type);

  // GETs `target`; a 200 body is streamed into `local_file` (through a temporary file beside
  // it and a rename, so a failed download leaves nothing behind) and the returned body is
  // empty. Any other status returns its body in memory, for the error message.
  StatusOr<HttpResponse> Download(const std::string& target, const std::string& local_file);

 private:
  class Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Whether `url` is http:// or https://, what HttpClient reaches.
inline bool IsHttpUrl(std::string_view url) {
  return url.starts_with("http://") || url.starts_with("https://");
}

// Percent-encodes a query parameter value.
std::string UrlEncode(std::string_view text);

}  // namespace orchard
