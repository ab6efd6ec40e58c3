#!/usr/bin/env bash
# Scoring benchmarks for the default hgbt and rf loan models (trained here on the synthetic
# 67,463-row file): single-row /invocations latency at 1 connection and throughput at 32 over
# loopback, in-memory scoring of 10k parsed rows beside XGBoost's own prediction, model load
# time, and `models predict` CSV to CSV. Traffic goes to 127.0.0.1 only.
# Usage: bench/serve_bench.sh [SECONDS_PER_LOAD]   (after a build)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
orchard="$repo/build/orchard"
load="$repo/build/bench/http_load"
scoring="$repo/build/bench/scoring_bench"
seconds=${1:-5}
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
export ORCHARD_TRACKING_URI="sqlite:///$work/bench.db" ORCHARD_ARTIFACT_ROOT="$work/artifacts"

"$orchard" datasets make-loan --rows 67463 --seed 42 -o loan.csv >/dev/null
# The tutorial's request: the first row, every column but the target.
python3 "$repo/examples/loan/score_request.py" --request-only loan.csv >request.json

for model in hgbt rf; do
  run=$("$orchard" train --model "$model" --data loan.csv --target "Loan Status" \
    --experiment-name bench 2>/dev/null | sed -n 's/^run_id //p')
  folder="$work/artifacts/1/$run/artifacts/model"
  echo "== $model (run $run; $(du -sh "$folder/model.json" | cut -f1) of trees)"
  "$orchard" models serve -m "runs:/$run/model" -p 0 -w 2 >serve.out 2>&1 &
  pid=$!
  until grep -q 'listening on' serve.out 2>/dev/null; do sleep 0.01; done
  port=$(grep -o '127.0.0.1:[0-9]*' serve.out | head -1 | cut -d: -f2)
  sed -n 's/.*(\(.*\))$/serve: \1/p' serve.out
  "$load" --port "$port" --scenario invocations --body-file request.json --connections 1 \
    --seconds 2 >/dev/null  # warm-up
  "$load" --port "$port" --scenario invocations --body-file request.json --connections 1 \
    --seconds "$seconds"
  "$load" --port "$port" --scenario invocations --body-file request.json --connections 32 \
    --seconds "$seconds"
  awk '/VmRSS/ { printf "server RSS after the load: %.1f MiB\n", $2 / 1024 }' "/proc/$pid/status"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
  "$scoring" "$folder" loan.csv --benchmark_min_time=1 2>/dev/null |
    grep -E '^(load|score|trees|xgboost|one_row)'
  start=$(date +%s%N)
  "$orchard" models predict -m "runs:/$run/model" -i loan.csv -o predictions.csv 2>predict.err
  millis=$(( ($(date +%s%N) - start) / 1000000 ))
  echo "models predict, 67,463 rows CSV to CSV: $millis ms in all ($((67463 * 1000 / millis)) rows/s end to end)"
  sed 's/^/  /' predict.err
done
