// The path checks between a client and the server's files: artifact paths, and the sources
// model-versions/create copies from. Beyond "no crash", the fuzzer checks the promises: a
// normalized artifact path never climbs out ('..', absolute), and an accepted version source is a
// folder inside the one run's artifacts that exist here.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "scratch_stores.h"
#include "server/version_source.h"
#include "store/artifact/artifact_repo.h"

namespace fs = std::filesystem;

namespace {

struct Stores : orchard::fuzzing::ScratchStores {
  fs::path run_root;
  std::string run_id;
};

Stores& TheStores() {
  static Stores* stores = [] {
    auto* made = new Stores{orchard::fuzzing::OpenScratchStores("fuzz-paths")};
    auto run = made->tracking->CreateRun({});
    if (!run.ok()) std::abort();
    made->run_id = run->info.run_id;
    made->run_root = made->dir / "artifacts" / "0" / made->run_id / "artifacts";
    fs::create_directories(made->run_root / "model" / "data");
    std::ofstream(made->run_root / "model" / "MLmodel") << "artifact_path: model\n";
    fs::create_directories(made->dir / "artifacts" / "models" / "m" / "x" / "model");
    fs::create_directories(made->dir / "outside");
    return made;
  }();
  return *stores;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto normalized = orchard::NormalizeArtifactPath(text);
  if (normalized.ok()) {
    const fs::path path(*normalized);
    for (const fs::path& part : path) {
      if (part == "..") std::abort();
    }
    if (path.is_absolute()) std::abort();
  }
  Stores& stores = TheStores();
  const std::string run_id = data[0] % 2 == 0 ? stores.run_id : "";
  auto source =
      orchard::ResolveVersionSource({.tracking = stores.tracking.get(),
                                     .registry = stores.registry.get(),
                                     .artifacts_destination = (stores.dir / "artifacts").string()},
                                    text, run_id);
  if (source.ok()) {
    const fs::path relative = fs::path(source->folder)
                                  .lexically_normal()
                                  .lexically_relative(stores.run_root.lexically_normal());
    if (relative.empty() || *relative.begin() == "..") {
      std::fprintf(stderr, "accepted '%s' -> %s\n", text.c_str(), source->folder.c_str());
      std::abort();
    }
  }
  return 0;
}
