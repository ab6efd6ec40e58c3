// Registered models and their versions: MLflow's model registry entities (plain data).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "entities/tag.h"

namespace orchard {

// MLflow's stages; input is case-insensitive ("production" is Production).
inline constexpr std::string_view kStages[] = {"None", "Staging", "Production", "Archived"};
// The stage's canonical spelling, or nullopt for an unknown one.
std::optional<std::string> CanonicalStage(std::string_view stage);

struct ModelVersion {
  std::string name;
  std::string version;  // "1", "2", ... as MLflow writes it
  int64_t creation_timestamp = 0;
  int64_t last_updated_timestamp = 0;
  std::string user_id;
  std::string current_stage = "None";
  std::string description;
  std::string source;  // as given: runs:/<id>/model, a path, ...
  std::string run_id;
  std::string status = "READY";  // copies are made before the version exists
  std::string storage_location;  // where the registry keeps the files
  std::vector<Tag> tags;
  std::vector<std::string> aliases;
};

struct RegisteredModel {
  std::string name;
  int64_t creation_timestamp = 0;
  int64_t last_updated_timestamp = 0;
  std::string user_id;
  std::string description;
  std::vector<Tag> tags;
  std::vector<std::pair<std::string, std::string>> aliases;  // alias, version
  std::vector<ModelVersion> latest_versions;                 // the newest per stage
};

}  // namespace orchard
