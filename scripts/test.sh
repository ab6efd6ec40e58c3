#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test (CTest); then the C++
# suites again under AddressSanitizer + UndefinedBehaviorSanitizer and (server, store and tuner)
# under ThreadSanitizer; then a smoke run of every fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
# The browser tests drive Debian's Chromium (never a downloaded browser); the team-store suites
# run against a throwaway PostgreSQL server and the Slurm ones against a single-node Slurm
# cluster (scripts/test-postgres.sh, scripts/test-slurm.sh, both started by CTest).
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
command -v slurmctld >/dev/null 2>&1 || missing+=(slurm-wlm)
command -v munged >/dev/null 2>&1 || missing+=(munge)
if ((${#missing[@]} > 0)); then
  echo "orchard: installing Debian packages for the tests: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null || echo "orchard: could not install ${missing[*]}; their suites will be skipped" >&2
fi
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
# The sanitizer builds (their own build folders) and every fuzz target for a short smoke run
# (their own clang build, with ASan and UBSan); skipped when CTest was given a selection
# (./scripts/test.sh -R Registry).
if [[ $# -eq 0 ]]; then
  ./scripts/sanitize.sh address
  ./scripts/sanitize.sh thread
  ./scripts/fuzz.sh --smoke 10
fi
