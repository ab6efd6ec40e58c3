// The YAML files Orchard reads from users: MLproject, search spaces and MLmodel (through the
// package reader, which also reads preprocessing.json). The first byte picks the reader.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "project/mlproject.h"
#include "train/model_package.h"
#include "tuning/search_space.h"

namespace {

const std::filesystem::path& PackageFolder() {
  static const std::filesystem::path folder = [] {
    auto path =
        std::filesystem::temp_directory_path() / ("orchard-fuzz-yaml-" + std::to_string(getpid()));
    std::filesystem::create_directories(path);
    return path;
  }();
  return folder;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      if (auto spec = orchard::ParseProject(text, "/project"); spec.ok()) {
        for (const orchard::EntryPoint& entry : spec->entry_points) {
          (void)orchard::ResolveEntryPoint(entry, {{"alpha", "0.5"}, {"x", "{y}"}}, "/work");
        }
      }
      break;
    case 1:
      (void)orchard::ParseSearchSpace(text);
      break;
    case 2: {
      // MLmodel, with the package's preprocessing.json being the same text.
      std::ofstream(PackageFolder() / "MLmodel", std::ios::binary | std::ios::trunc) << text;
      (void)orchard::ReadOrchardPackage(PackageFolder().string());
      break;
    }
    case 3:
      (void)orchard::Preprocessor::FromJson(text);
      break;
  }
  return 0;
}
