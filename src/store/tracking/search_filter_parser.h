// The search language: text to Filter and OrderBy values, the one parser the CLI, the client
// library and the server share.
//
// Grammar (MLflow's, mlflow/utils/search_utils.py):
//   filter   := conj (OR conj)*             OR and parentheses: beyond MLflow
//   conj     := primary (AND primary)*
//   primary  := '(' filter ')' | clause
//   clause   := entity '.' key comparator value
//   entity   := metrics | metric | params | param | tags | tag | attributes | attribute | attr
//               | run | datasets | dataset   (a bare key is an attribute)
//   key      := identifier ('.' identifier)* | `backquoted` | "double quoted"
//   value    := number | 'string' | "string" | '(' string (',' string)* ')'
//   order_by := entity '.' key [ASC | DESC]
// Keywords are case-insensitive. Errors are INVALID_PARAMETER_VALUE naming the offending token.
#pragma once

#include <string_view>

#include "base/status.h"
#include "store/tracking/filter.h"

namespace orchard {

StatusOr<Filter> ParseSearchFilter(std::string_view text);
StatusOr<OrderBy> ParseOrderBy(std::string_view text);

// The text that parses back to `filter` / `order` (for sending a search to a server).
std::string FormatSearchFilter(const Filter& filter);
std::string FormatOrderBy(const OrderBy& order);

}  // namespace orchard
