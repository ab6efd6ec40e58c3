#include "entities/run.h"

namespace orchard {

std::optional<std::string> Run::TagValue(const std::string& key) const {
  for (const Tag& tag : data.tags) {
    if (tag.key == key) return tag.value;
  }
  return std::nullopt;
}

}  // namespace orchard
