#!/usr/bin/env bash
# The cost of --durability os against process on the SQLite store, side by side in one run:
# log-metric at 1, 8 and 32 connections (group commit shares a flush among concurrent writes)
# and log-batch (1,000 metrics) at 2, each pair measured back to back. Servers on free ports,
# traffic to 127.0.0.1 only.
# Usage: bench/durability_bench.sh [SECONDS_PER_LOAD]   (after a build)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
orchard="$repo/build/orchard"
load="$repo/build/bench/http_load"
seconds=${1:-5}
work=$(mktemp -d)
cleanup() {
  for pidfile in "$work"/*.pid; do
    [[ -f "$pidfile" ]] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

serve() {  # $1: durability; prints the port
  "$orchard" server --port 0 --durability "$1" --backend-store-uri "sqlite:///$work/$1.db" \
    --artifacts-destination "$work/$1-artifacts" >"$1.out" 2>&1 &
  echo $! >"$work/$1.pid"
  until grep -q 'listening on' "$1.out" 2>/dev/null; do sleep 0.01; done
  grep -o '127.0.0.1:[0-9]*' "$1.out" | head -1 | cut -d: -f2
}

declare -A port run
for mode in process os; do
  port[$mode]=$(serve "$mode")
  run[$mode]=$("$load" --port "${port[$mode]}" --scenario new-run)
  "$load" --port "${port[$mode]}" --scenario log-metric --connections 32 --seconds 2 \
    --run-id "${run[$mode]}" >/dev/null  # warm-up: the WAL file grows
done
for connections in 1 8 32; do
  for mode in process os; do
    echo "$mode, log-metric x$connections: $("$load" --port "${port[$mode]}" --scenario log-metric \
      --connections "$connections" --seconds "$seconds" --run-id "${run[$mode]}")"
  done
done
for mode in process os; do
  echo "$mode, log-batch x2: $("$load" --port "${port[$mode]}" --scenario log-batch \
    --connections 2 --seconds "$seconds" --run-id "${run[$mode]}")"
done
