#!/usr/bin/env bash
# The loan search three ways on this machine: trials trained here one at a time, here two at a
# time, and as Slurm jobs two at a time (a single-node Slurm, scripts/test-slurm.sh). Prints the
# wall time of each, Slurm's own start-up (an empty job, submitted to ended), and what Orchard
# adds per trial beyond it. The same trials each way (random sampler, fixed seed).
# Usage: bench/slurm_bench.sh [TRIALS]   (after a build; as root, with slurm-wlm and munge)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
orchard="$repo/build/orchard"
trials=${1:-20}
work=$(mktemp -d)
cleanup() {
  "$repo/scripts/test-slurm.sh" stop "$work/slurm" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"$repo/scripts/test-slurm.sh" start "$work/slurm" >/dev/null
export SLURM_CONF="$work/slurm/slurm.conf"
cd "$work"
"$orchard" datasets make-loan -o loan.csv >/dev/null  # the tutorial's size: 67,463 rows

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
search() {  # $1: experiment; the rest: extra flags. Prints the wall time in ms.
  local name=$1
  shift
  local start
  start=$(now_ms)
  "$orchard" tune --data loan.csv --model rf --max-trials "$trials" --sampler random --seed 42 \
    --experiment-name "$name" "$@" >"$name.out" 2>"$name.err"
  echo $(( $(now_ms) - start ))
}

sequential=$(search sequential --parallel 1 --threads 2)
parallel=$(search parallel --parallel 2 --threads 1)
slurm=$(search slurm --parallel 2 --threads 1 --backend slurm \
  --backend-config "{\"shared_dir\": \"$work/shared\"}")
# Slurm's own start-up: an empty job from submission to its end, three times.
empty=0
for _ in 1 2 3; do
  start=$(now_ms)
  sbatch --wait --quiet --output=/dev/null --wrap true
  empty=$(( empty + $(now_ms) - start ))
done
empty=$(( empty / 3 ))
echo "trials: $trials (rf, loan data, random sampler)"
echo "local, one at a time (2 threads each):  $sequential ms"
echo "local, two at a time (1 thread each):   $parallel ms"
echo "Slurm, two jobs at a time (1 thread):   $slurm ms"
echo "Slurm's own start-up per job (empty job): $empty ms"
awk -v s="$slurm" -v p="$parallel" -v n="$trials" -v e="$empty" 'BEGIN {
  per = (s - p) * 2 / n
  printf "extra wall time per trial on Slurm: %.0f ms; beyond Slurm'"'"'s own start-up: %.0f ms\n", per, per - e
}'
