#!/usr/bin/env bash
# /health latency on fresh connections while hostile clients hold each server (bench/
# attack_bench.cc): 50 slowloris connections, then 1,000 idle ones too, then a client that stops
# reading a 256 MiB download (tracking server) as well. Goal: under 100 ms.
# Servers on free ports; traffic to 127.0.0.1 only.
# Usage: bench/attack_bench.sh [REQUESTS]   (after a build)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
orchard="$repo/build/orchard"
bench="$repo/build/bench/attack_bench"
requests=${1:-200}
work=$(mktemp -d)
cleanup() {
  [[ -f "$work/server.pid" ]] && kill "$(cat "$work/server.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
"$orchard" server --port 0 --backend-store-uri "sqlite:///$work/bench.db" \
  --artifacts-destination "$work/artifacts" >server.out 2>&1 &
echo $! >server.pid
until grep -q 'listening on' server.out 2>/dev/null; do sleep 0.05; done
port=$(grep -o '127.0.0.1:[0-9]*' server.out | head -1 | cut -d: -f2)
head -c $((256 << 20)) /dev/zero >big.bin
curl -s -o /dev/null -T big.bin "http://127.0.0.1:$port/api/2.0/mlflow-artifacts/artifacts/big.bin"
echo "tracking server:"
"$bench" --port "$port" --requests "$requests" \
  --download /api/2.0/mlflow-artifacts/artifacts/big.bin
