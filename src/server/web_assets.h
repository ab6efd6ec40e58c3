// The built web UI (web/dist), compiled into the binary by cmake/embed_web_assets.cmake: each
// file's path under the UI's root ("/index.html", "/static-files/app-3f2a9c1b.js"), its bytes
// and, when the build made one, its gzip form. Empty when the UI was not built. Immutable data;
// thread-safe.
#pragma once

#include <span>
#include <string_view>

namespace orchard {

struct WebAsset {
  std::string_view path;
  std::string_view data;
  std::string_view gzip;  // empty: none
};

std::span<const WebAsset> EmbeddedWebAssets();

}  // namespace orchard
