// PythonTextOfYamlScalar: the text MLflow passes to a command for an MLproject default, which is
// Python's str() of the value PyYAML read. MLflow loads MLproject with yaml.safe_load (YAML 1.1
// resolution), so an unquoted `1.` is the float 1.0 and reaches the command as "1.0", `yes` is
// True ("True"), `0x10` is 16 and `~` is None ("None"). Quoted scalars stay as written.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace orchard {

// `text` is the scalar as written; `quoted` says whether it was in quotes (or had an explicit
// tag: PyYAML resolves only plain scalars).
std::string PythonTextOfYamlScalar(std::string_view text, bool quoted);

// Python's repr of a finite or infinite double ("1.0", "0.1", "1e+16", "1.5e-05", "inf", "nan").
std::string PythonFloatRepr(double value);

}  // namespace orchard
