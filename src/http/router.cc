#include "http/router.h"

namespace orchard {

void Router::Add(const std::string& method, const std::string& path, HttpHandler handler) {
  routes_[path][method] = std::move(handler);
}

void Router::AddPrefix(const std::string& method, const std::string& prefix, HttpHandler handler) {
  prefixes_[prefix][method] = std::move(handler);
}

Router::Match Router::FindMethod(const ByMethod& handlers, const std::string& method,
                                 const HttpHandler** handler) {
  auto by_method = handlers.find(method);
  if (by_method == handlers.end()) {
    // HEAD is answered as GET, as servers do.
    if (method == "HEAD") by_method = handlers.find("GET");
    if (by_method == handlers.end()) return Match::kWrongMethod;
  }
  *handler = &by_method->second;
  return Match::kFound;
}

Router::Match Router::Find(const std::string& method, const std::string& path,
                           const HttpHandler** handler) const {
  if (auto by_path = routes_.find(path); by_path != routes_.end()) {
    return FindMethod(by_path->second, method, handler);
  }
  // The longest matching prefix: the map is sorted, so walk back from the path's position.
  for (auto it = prefixes_.upper_bound(path); it != prefixes_.begin();) {
    --it;
    if (path.starts_with(it->first)) return FindMethod(it->second, method, handler);
  }
  return Match::kNotFound;
}

std::string Router::RouteOf(const std::string& path) const {
  if (routes_.contains(path)) return path;
  for (auto it = prefixes_.upper_bound(path); it != prefixes_.begin();) {
    --it;
    if (path.starts_with(it->first)) return it->first + "*";
  }
  return "other";
}

std::vector<std::pair<std::string, std::string>> Router::Routes() const {
  std::vector<std::pair<std::string, std::string>> routes;
  for (const auto& [path, handlers] : routes_) {
    for (const auto& [method, handler] : handlers) routes.emplace_back(method, path);
  }
  for (const auto& [prefix, handlers] : prefixes_) {
    for (const auto& [method, handler] : handlers) routes.emplace_back(method, prefix + "*");
  }
  return routes;
}

}  // namespace orchard
