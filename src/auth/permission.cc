#include "auth/permission.h"

#include <fmt/format.h>

namespace orchard {

StatusOr<Permission> ParsePermission(const std::string& name) {
  for (const Permission& permission : {kRead, kEdit, kManage, kNoPermissions}) {
    if (name == permission.name) return permission;
  }
  return Status::InvalidParameter(
      fmt::format("Invalid permission '{}'. Valid permissions are: ('READ', 'EDIT', 'MANAGE', "
                  "'NO_PERMISSIONS')",
                  name));
}

}  // namespace orchard
