#include "base/system_info.h"

#include <pwd.h>
#include <unistd.h>

namespace orchard {

std::string CurrentUserName() {
  if (const passwd* entry = getpwuid(geteuid()); entry != nullptr && entry->pw_name != nullptr) {
    return entry->pw_name;
  }
  return "unknown";
}

}  // namespace orchard
