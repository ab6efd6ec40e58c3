#!/usr/bin/env bash
# Server benchmarks on loopback: cold start, RSS idle and under load, log-metric at 1 and 32
# connections, REST log-batch, 1,000 runs created over REST. Bounded in time; sends traffic to
# 127.0.0.1 only. Usage: bench/server_bench.sh [SECONDS_PER_LOAD]   (after a build)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
orchard="$repo/build/orchard"
load="$repo/build/bench/http_load"
seconds=${1:-5}
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

cd "$work"
start_ns=$(date +%s%N)
"$orchard" server --port 0 --workers 4 --backend-store-uri "sqlite:///$work/bench.db" >server.out 2>&1 &
pid=$!
until grep -q 'listening on' server.out 2>/dev/null; do sleep 0.001; done
port=$(grep -o '127.0.0.1:[0-9]*' server.out | head -1 | cut -d: -f2)
"$load" --port "$port" --scenario wait-health >/dev/null
echo "cold start until /health answers: $(( ($(date +%s%N) - start_ns) / 1000000 )) ms"
rss() { awk '/VmRSS/ { printf "%.1f MiB\n", $2 / 1024 }' "/proc/$pid/status"; }
echo "RSS idle: $(rss)"
run_id=$("$load" --port "$port" --scenario new-run)
# Warm-up: the first seconds of writes grow the WAL file (file extension on every commit); once
# SQLite checkpoints and reuses it, writes settle at their steady cost. Measure after that.
"$load" --port "$port" --scenario log-metric --connections 32 --seconds 4 --run-id "$run_id" >/dev/null
"$load" --port "$port" --scenario log-metric --connections 1 --seconds "$seconds" --run-id "$run_id"
"$load" --port "$port" --scenario log-metric --connections 32 --seconds "$seconds" --run-id "$run_id"
echo "RSS after 32-connection load: $(rss)"
"$load" --port "$port" --scenario log-batch --connections 2 --seconds "$seconds" --run-id "$run_id"
"$load" --port "$port" --scenario create-runs --connections 1 --count 1000
echo "RSS at the end: $(rss)"
