// Helpers for error messages about YAML files: what a node is, in words ("a list", "a mapping",
// "'text'", "an empty value"), and where an error is. Header-only, for the modules that read
// YAML files.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace orchard {

inline std::string DescribeYamlNode(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Scalar:
      return fmt::format("'{}'", node.Scalar());
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "an empty value";
  }
  return "an empty value";
}

// "source:line" of a YAML error (just the source when it has no position).
inline std::string YamlErrorPlace(std::string_view source, const YAML::Exception& error) {
  return error.mark.is_null() ? std::string(source)
                              : fmt::format("{}:{}", source, error.mark.line + 1);
}

}  // namespace orchard
