#!/usr/bin/env bash
# The main job: installs what is missing, builds, then runs the tutorial's loan pipeline
# (examples/loan_demo.sh) in ./demo-output with its own store: a 10-trial random-forest search
# as one parent run with ten nested trials.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
exec ./examples/loan_demo.sh "${1:-demo-output}"
