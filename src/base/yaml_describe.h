// Helpers for the modules that read YAML files: what a node is, in words ("a list", "a mapping",
// "'text'", "an empty value"), where an error is, and reading a document with yaml-cpp's
// exceptions turned into Status values. Header-only.
#pragma once

#include <yaml-cpp/yaml.h>

#include <exception>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "base/status.h"

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

// Loads the YAML text `yaml` (named `source` in messages) and returns `read(root)`. A syntax
// error is INVALID_PARAMETER_VALUE "<source>:<line>: not valid YAML: ...; <hint>"; an error
// while reading the nodes "<source>:<line>: cannot read the <what>: ...".
template <typename Read>
auto ReadYamlDocument(std::string_view yaml, std::string_view source, std::string_view what,
                      std::string_view hint, Read read) -> decltype(read(YAML::Node())) {
  try {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
      return Status::InvalidParameter(
          fmt::format("{}: not valid YAML: {}; {}", YamlErrorPlace(source, e), e.msg, hint));
    }
    return read(root);
  } catch (const YAML::Exception& e) {
    return Status::InvalidParameter(
        fmt::format("{}: cannot read the {}: {}", YamlErrorPlace(source, e), what, e.msg));
  } catch (const std::exception& e) {
    return Status::Internal(fmt::format("{}: cannot read the {}: {}", source, what, e.what()));
  }
}

}  // namespace orchard
