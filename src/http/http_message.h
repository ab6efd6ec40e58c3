// HttpRequest and HttpResponse: the HTTP layer's plain-data view of one exchange. They carry no
// Boost types, so handlers compile without Beast. Thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orchard {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: "/api/2.0/mlflow/runs/get?run_id=abc"
  std::string path;    // percent-decoded path, no query string
  // Percent-decoded query parameters in order; repeated keys (and "key[]") kept as sent.
  std::vector<std::pair<std::string, std::string>> query;
  std::string content_type;                                  // the Content-Type header, or empty
  std::vector<std::pair<std::string, std::string>> headers;  // every header, as sent
  std::string body;
  // Set instead of `body` when the body was streamed to a file (HttpServerOptions::plan_body):
  // its path. The handler may move the file away; the server removes whatever is left after.
  std::string body_file;
  uint64_t body_bytes = 0;     // the body's size, in memory or in body_file
  std::string remote_address;  // the client's IP address, as the server saw it

  // The value of header `name` (case-insensitive), or nullopt.
  std::optional<std::string> Header(std::string_view name) const;
  // The first value of query parameter `key` (also matching "key[]").
  std::optional<std::string> QueryValue(std::string_view key) const;
  // Every value of query parameter `key` (and "key[]"), in order.
  std::vector<std::string> QueryValues(std::string_view key) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // When set, the body is this file instead of `body`, streamed from disk with no copy in
  // memory. A file that cannot be opened by then is answered 404.
  std::string file_path;
};

// Decodes %XX escapes (and '+' as a space when `plus_is_space`, as in query strings) into
// `out`. False on a bad escape.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string& out);

// Removes `prefix` ("/mlflow") from the front of `path`: "/mlflow/x" becomes "/x" and "/mlflow"
// becomes "/". False (path unchanged) when the path is not under the prefix. An empty prefix
// keeps every path.
bool StripPathPrefix(std::string_view prefix, std::string& path);

// Splits a request target into its decoded path and query parameters. Returns false when the
// target is malformed (bad percent escapes, not starting with '/').
bool ParseRequestTarget(std::string_view target, std::string& path,
                        std::vector<std::pair<std::string, std::string>>& query);

}  // namespace orchard
