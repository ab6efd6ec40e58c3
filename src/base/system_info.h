// Facts about the process and its host that tracking records (the OS user for mlflow.user).
#pragma once

#include <string>

namespace orchard {

// The login name of the effective user (getpwuid), or "unknown".
std::string CurrentUserName();

}  // namespace orchard
