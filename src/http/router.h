// Router: a table from (method, path) to handler. Knows HTTP only, nothing of MLflow.
// Built once at start-up, then read concurrently: thread-safe for lookups after the last Add.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "http/http_message.h"

namespace orchard {

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class Router {
 public:
  // Registers `handler` for exact `path` and `method`.
  void Add(const std::string& method, const std::string& path, HttpHandler handler);
  // Registers `handler` for every path that starts with `prefix` (exact paths win; then the
  // longest prefix).
  void AddPrefix(const std::string& method, const std::string& prefix, HttpHandler handler);

  enum class Match { kFound, kWrongMethod, kNotFound };
  // The handler for the request; kWrongMethod when the path exists under other methods.
  Match Find(const std::string& method, const std::string& path, const HttpHandler** handler) const;
  // The route `path` falls under, for metrics: the exact path registered, the prefix followed by
  // "*", or "other". A bounded set, however many ids the paths hold.
  std::string RouteOf(const std::string& path) const;
  // Every route as (method, RouteOf's name for it): exact paths, then prefixes with "*".
  std::vector<std::pair<std::string, std::string>> Routes() const;

 private:
  using ByMethod = std::map<std::string, HttpHandler>;
  static Match FindMethod(const ByMethod& handlers, const std::string& method,
                          const HttpHandler** handler);

  std::map<std::string, ByMethod> routes_;    // path -> method -> handler
  std::map<std::string, ByMethod> prefixes_;  // prefix -> method -> handler
};

}  // namespace orchard
