#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test (CTest).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
