// The text of src/train/orchard_pyfunc.py, built into the binary: every model package carries it
// as code/orchard_pyfunc.py, the loader of its python_function flavor (docs/model-format.md).
#pragma once

#include <string_view>

namespace orchard {

std::string_view PyfuncModuleSource();

}  // namespace orchard
