#!/usr/bin/env bash
# The tutorial's 10-trial searches end to end, as the main job runs them:
#   orchard run examples/loan -e search_params -P model_type=rf|hgbt
# on the generated 67,463-row loan file (fixed seeds), three times each, wall time of the whole
# `orchard run`, and the best trial's test PR AUC. Usage: bench/tune_bench.sh [REPEATS]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
orchard="$repo/build/orchard"
repeats=${1:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ORCHARD_CACHE_DIR="$work/cache"
for setup in rf:none hgbt:none hgbt:median; do
  model=${setup%:*}
  prune=${setup#*:}
  for i in $(seq "$repeats"); do
    export ORCHARD_TRACKING_URI="sqlite:///$work/$model-$prune-$i.db"
    export ORCHARD_ARTIFACT_ROOT="$work/artifacts-$model-$prune-$i"
    start=$(date +%s%N)
    "$orchard" run "$repo/examples/loan" -e search_params --experiment-name loan \
      -P model_type="$model" -P prune="$prune" >"$work/out.txt" 2>"$work/err.txt"
    millis=$(( ($(date +%s%N) - start) / 1000000 ))
    best=$(sed -n 's/^best trial .*test_PR_AUC \([0-9.]*\)$/\1/p' "$work/out.txt")
    echo "$model search (prune $prune) $i: $millis ms, best test PR AUC $best"
  done
done
