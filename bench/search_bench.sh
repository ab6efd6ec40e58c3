#!/usr/bin/env bash
# runs/search over REST on loopback, as the tutorial searches (a metric filter, ordered by the
# metric, top 100), over 10,000 and then 100,000 runs, each with a test_PR_AUC metric.
# Populating takes a minute or two. Traffic goes to 127.0.0.1 only.
# Usage: bench/search_bench.sh [SECONDS_PER_LOAD]   (after a build)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
orchard="$repo/build/orchard"
load="$repo/build/bench/http_load"
seconds=${1:-5}
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

cd "$work"
"$orchard" server --port 0 --workers 4 --backend-store-uri "sqlite:///$work/bench.db" >server.out 2>&1 &
pid=$!
until grep -q 'listening on' server.out 2>/dev/null; do sleep 0.01; done
port=$(grep -o '127.0.0.1:[0-9]*' server.out | head -1 | cut -d: -f2)
total=0
for runs in 10000 100000; do
  echo "populating to $runs runs..."
  "$load" --port "$port" --scenario populate --count $((runs - total))
  total=$runs
  "$load" --port "$port" --scenario search --connections 1 --seconds "$seconds"
done
