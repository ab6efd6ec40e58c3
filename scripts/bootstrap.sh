#!/usr/bin/env bash
# Installs the Debian packages Orchard needs (only those missing; quiet when none are), then
# configures and builds into build/. Idempotent. Used by scripts/demo.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config git
  libsqlite3-dev libpq-dev libcli11-dev libspdlog-dev libfmt-dev libsimdjson-dev libboost-dev
  libyaml-cpp-dev libxgboost-dev libcurl4-openssl-dev libarchive-dev libssl-dev
  libcairo2-dev fonts-dejavu-core
  libsodium-dev    # argon2id password hashes for basic-auth users
  libgtest-dev libgmock-dev libbenchmark-dev
  python3-xgboost  # tests check that a saved booster loads in XGBoost's Python package
  python3-pandas python3-yaml  # tests load packages through their python_function loader
  python3-venv     # orchard run --env-manager virtualenv
  python3          # examples/loan/score_request.py: the tutorial's scoring client
)
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} > 0)); then
  echo "orchard: installing Debian packages: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# The web UI (web/) builds with node 18 or later and npm. Debian's nodejs and npm are installed
# only when there is no node at all: Debian's npm conflicts with NodeSource's nodejs, which ships
# its own npm.
if ! command -v node >/dev/null 2>&1; then
  echo "orchard: installing node and npm (Debian's nodejs, npm)"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    nodejs npm >/dev/null
elif ! command -v npm >/dev/null 2>&1; then
  if dpkg-query -W -f='${Version}' nodejs 2>/dev/null | grep -q nodesource; then
    echo "orchard: node is installed without npm; install npm for this node, then run again" >&2
    exit 1
  fi
  echo "orchard: installing npm (Debian's)"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    npm >/dev/null
fi
# npm ci only when the lock file changed since the last install.
if [[ ! -f web/node_modules/.package-lock.json ||
      web/package-lock.json -nt web/node_modules/.package-lock.json ]]; then
  (cd web && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
(cd web && npm run --silent build >/dev/null)

# Warnings are errors in CI and by default here; ORCHARD_WERROR=OFF relaxes a local build.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-Release}" \
  -DORCHARD_WERROR="${ORCHARD_WERROR:-ON}" >/dev/null
cmake --build build -- -j"$(nproc)" | grep -vE '^\[[0-9]+/[0-9]+\] |^ninja: no work to do' || true
test -x build/orchard
