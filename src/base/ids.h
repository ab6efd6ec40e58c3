// Identifiers: run ids (32 lowercase hex digits from the OS CSPRNG, like MLflow's uuid4().hex)
// and random run names ("adjective-animal-NNN", like MLflow's). Thread-safe.
#pragma once

#include <string>

namespace orchard {

// 128 random bits as 32 lowercase hex digits.
std::string NewRunId();
// A readable random name such as "brave-otter-417".
std::string NewRunName();
// True when `id` is 32 lowercase hex digits.
bool IsValidRunId(const std::string& id);

}  // namespace orchard
