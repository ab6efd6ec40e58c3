#!/usr/bin/env bash
# kill -9 rounds against `orchard server` (tests/crash_test.cc) beyond the test suite's 20:
#   scripts/crash-test.sh [ROUNDS]     (default 200; needs a built tree: cmake --build build)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-200}"
cmake --build build --target crash_test orchard >/dev/null
ORCHARD_CRASH_ROUNDS="$rounds" build/tests/crash_test
