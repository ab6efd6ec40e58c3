#include "db/durability.h"

#include <fmt/format.h>

namespace orchard {

StatusOr<Durability> ParseDurability(std::string_view name) {
  if (name == "process") return Durability::kProcess;
  if (name == "os") return Durability::kOs;
  return Status::InvalidParameter(fmt::format(
      "--durability '{}' is not known: choose process (survives a crash of the server) or os "
      "(survives a crash of the machine or a power loss too)",
      name));
}

}  // namespace orchard
