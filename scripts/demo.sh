#!/usr/bin/env bash
# The main job: installs what is missing, builds, then runs the tracking demo
# (examples/tracking_demo.sh) in ./demo-output with its own store.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
exec ./examples/tracking_demo.sh "${1:-demo-output}"
