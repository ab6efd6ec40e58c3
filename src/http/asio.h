// The one way into Boost.Asio/Beast for Orchard. Boost 1.74's Asio under C++20 with GCC 12
// needs <utility> before it ("'exchange' is not a member of 'std'" in awaitable.hpp).
// Include only from .cc files of src/http/: Beast is heavy to compile.
#pragma once

#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
