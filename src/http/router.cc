#include "http/router.h"

namespace orchard {

void Router::Add(const std::string& method, const std::string& path, HttpHandler handler) {
  routes_[path][method] = std::move(handler);
}

Router::Match Router::Find(const std::string& method, const std::string& path,
                           const HttpHandler** handler) const {
  auto by_path = routes_.find(path);
  if (by_path == routes_.end()) return Match::kNotFound;
  auto by_method = by_path->second.find(method);
  if (by_method == by_path->second.end()) {
    // HEAD is answered as GET, as servers do.
    if (method == "HEAD") by_method = by_path->second.find("GET");
    if (by_method == by_path->second.end()) return Match::kWrongMethod;
  }
  *handler = &by_method->second;
  return Match::kFound;
}

}  // namespace orchard
