// The web UI's files over HTTP: index.html at "/" and the bundle under "/static-files/", from
// the copy built into the binary (web_assets.h) or, for UI development, from a folder (the
// output of `npm run build` in web/). Each answer carries its content type and an ETag (a
// matching If-None-Match is 304); names with a content hash are cached for a year, index.html
// is revalidated every time; gzip goes to clients that accept it. Thread-safe after
// AddWebUiRoutes.
#pragma once

#include <string>

#include "http/router.h"

namespace orchard {

struct WebUiConfig {
  // Empty: the built-in copy. Else a folder holding index.html and static-files/.
  std::string folder;
};

void AddWebUiRoutes(Router& router, const WebUiConfig& config);

}  // namespace orchard
