// What the HTTP layer reads from a request line before any handler runs: the target split into
// a percent-decoded path and query parameters, and the --static-prefix check.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/http_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  if (!orchard::ParseRequestTarget(target, path, query)) return 0;
  orchard::StripPathPrefix("/mlflow", path);
  orchard::HttpRequest request{.method = "GET", .target = std::string(target), .path = path};
  request.query = std::move(query);
  (void)request.QueryValues("run_id");
  return 0;
}
