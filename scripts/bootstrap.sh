#!/usr/bin/env bash
# Installs the Debian packages Orchard needs (only those missing; quiet when none are), then
# configures and builds into build/. Idempotent. Used by scripts/demo.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config git
  libsqlite3-dev libcli11-dev libspdlog-dev libfmt-dev libsimdjson-dev libboost-dev
  libyaml-cpp-dev libxgboost-dev libcurl4-openssl-dev libarchive-dev libssl-dev
  libcairo2-dev fonts-dejavu-core
  libgtest-dev libgmock-dev libbenchmark-dev
  python3-xgboost  # tests check that a saved booster loads in XGBoost's Python package
  python3-pandas python3-yaml  # tests load packages through their python_function loader
  python3-venv     # orchard run --env-manager virtualenv
  python3          # examples/loan/score_request.py: the tutorial's scoring client
)
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} > 0)); then
  echo "orchard: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# Warnings are errors in CI and by default here; ORCHARD_WERROR=OFF relaxes a local build.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-Release}" \
  -DORCHARD_WERROR="${ORCHARD_WERROR:-ON}" >/dev/null
cmake --build build -- -j"$(nproc)" | grep -vE '^\[[0-9]+/[0-9]+\] |^ninja: no work to do' || true
test -x build/orchard
