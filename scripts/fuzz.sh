#!/usr/bin/env bash
# Fuzzing with libFuzzer (clang, AddressSanitizer and UndefinedBehaviorSanitizer):
#   scripts/fuzz.sh TARGET SECONDS [libFuzzer flags...]   one target, for SECONDS
#   scripts/fuzz.sh --smoke [SECONDS]                      every target in turn (10 s each)
#   scripts/fuzz.sh --list                                 the targets
# Builds build-fuzz/ first (clang and its libFuzzer runtime are installed when missing). Each run
# starts from the committed seeds (fuzz/corpus/TARGET, read only) plus what earlier runs found
# (build-fuzz/corpus/TARGET). A crash leaves its input in build-fuzz/crashes/ and fails.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(fuzz_search_filter fuzz_rest fuzz_http_target fuzz_csv fuzz_yaml fuzz_invocations
         fuzz_artifact_path fuzz_model_json)
usage() {
  echo "usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer flags...] | --smoke [SECONDS] | --list" >&2
  exit 2
}
[[ $# -ge 1 ]] || usage
if [[ $1 == --list ]]; then printf '%s\n' "${targets[@]}"; exit 0; fi

missing=()
for package in clang libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  echo "orchard: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DORCHARD_FUZZ=ON >/dev/null
cmake --build build-fuzz --target fuzzers -- -j"$(nproc)" |
  grep -vE '^\[[0-9]+/[0-9]+\] |^ninja: no work to do' || true

run() {
  local target=$1 seconds=$2
  shift 2
  local found="build-fuzz/corpus/$target" crashes="build-fuzz/crashes/"
  mkdir -p "$found" "$crashes"
  local seeds=()
  [[ -d "fuzz/corpus/$target" ]] && seeds=("fuzz/corpus/$target")
  echo "== $target, ${seconds} s"
  # New inputs go to the first folder; the seeds are only read. -timeout: one input taking
  # longer than 10 s is a hang; -rss_limit_mb: more memory than that is a finding too.
  local log="build-fuzz/$target.log" status=0
  "build-fuzz/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$crashes$target-" "$@" "$found" "${seeds[@]}" \
    >"$log" 2>&1 || status=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' "$log" || true
  if ((status != 0)); then
    echo "$target failed (exit $status); the end of its log ($log):" >&2
    tail -n 40 "$log" >&2
  fi
  return "$status"
}

if [[ $1 == --smoke ]]; then
  seconds=${2:-10}
  failed=()
  for target in "${targets[@]}"; do run "$target" "$seconds" || failed+=("$target"); done
  if ((${#failed[@]} > 0)); then
    echo "fuzz smoke runs failed: ${failed[*]} (inputs in build-fuzz/crashes/)" >&2
    exit 1
  fi
  echo "fuzz smoke runs: ${#targets[@]} targets, ${seconds} s each, no crash"
  exit 0
fi
[[ $# -ge 2 ]] || usage
target=$1 seconds=$2
shift 2
[[ " ${targets[*]} " == *" $target "* ]] || { echo "unknown target '$target'; see --list" >&2; exit 2; }
run "$target" "$seconds" "$@"
