// Key/value entities: run and experiment tags, and run params. Plain data.
#pragma once

#include <string>

namespace orchard {

// A tag on a run or an experiment. Tags are mutable and deletable.
struct Tag {
  std::string key;
  std::string value;
  bool operator==(const Tag&) const = default;
};

// A run parameter. Immutable once logged: the same value again is fine, another is an error.
struct Param {
  std::string key;
  std::string value;
  bool operator==(const Param&) const = default;
};

}  // namespace orchard
