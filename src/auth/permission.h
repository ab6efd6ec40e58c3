// MLflow's permissions (mlflow/server/auth/permissions.py): what each lets a user do with an
// experiment (and its runs and artifacts) or a registered model (and its versions).
#pragma once

#include <string>

#include "base/status.h"

namespace orchard {

struct Permission {
  const char* name;
  bool can_read, can_update, can_delete, can_manage;
};

inline constexpr Permission kRead{"READ", true, false, false, false};
inline constexpr Permission kEdit{"EDIT", true, true, false, false};
inline constexpr Permission kManage{"MANAGE", true, true, true, true};
inline constexpr Permission kNoPermissions{"NO_PERMISSIONS", false, false, false, false};

// By name; INVALID_PARAMETER_VALUE with MLflow's message otherwise.
StatusOr<Permission> ParsePermission(const std::string& name);

}  // namespace orchard
