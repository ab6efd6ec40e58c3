#!/usr/bin/env bash
# Mixed load against each server for MINUTES (bench/soak.cc): errors, p99 latency and the
# server's RSS every 10 s, as a CSV and PNG charts in OUT (default ./soak-results).
#   tracking: `orchard server` on SQLite, 8 connections of log-metric, log-batch, search,
#             get-history, artifact upload and download, registry reads;
#   scoring:  `orchard models serve` of a small random forest, 8 connections of /invocations
#             (100-row dataframe_split bodies), with /health and /metrics.
# Servers on free ports; traffic to 127.0.0.1 only.
# Usage: bench/soak.sh MINUTES [OUT] [tracking|scoring|both]   (after a build)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
orchard="$repo/build/orchard"
soak="$repo/build/bench/soak"
minutes=${1:?usage: bench/soak.sh MINUTES [OUT] [tracking|scoring|both]}
out=$(mkdir -p "${2:-soak-results}" && cd "${2:-soak-results}" && pwd)
which=${3:-both}
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

start() {  # $1: name, then the orchard command; prints the port
  local name=$1
  shift
  "$orchard" "$@" >"$name.out" 2>&1 &
  echo $! >"$work/$name.pid"
  until grep -q 'listening on' "$name.out" 2>/dev/null; do sleep 0.05; done
  grep -o '127.0.0.1:[0-9]*' "$name.out" | head -1 | cut -d: -f2
}

if [[ $which == tracking || $which == both ]]; then
  port=$(start tracking server --port 0 --backend-store-uri "sqlite:///$work/soak.db" \
    --artifacts-destination "$work/artifacts")
  mkdir -p "$out/tracking"
  "$soak" --kind tracking --port "$port" --pid "$(cat tracking.pid)" --minutes "$minutes" \
    --out "$out/tracking" | tee "$out/tracking/soak.txt"
  kill "$(cat tracking.pid)"
fi

if [[ $which == scoring || $which == both ]]; then
  "$orchard" datasets make-loan --rows 2000 -o loan.csv >/dev/null
  run=$("$orchard" --tracking-uri "sqlite:///$work/models.db" train --model rf --data loan.csv \
    --target "Loan Status" --param n_estimators=50 | awk '/run_id/ { print $NF }')
  python3 - loan.csv >body.json <<'PY'
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1])))
header, data = rows[0], rows[1:101]
def value(text):
    try:
        return float(text)
    except ValueError:
        return text
print(json.dumps({"dataframe_split": {"columns": header,
                                      "data": [[value(v) for v in row] for row in data]}}))
PY
  port=$(start scoring --tracking-uri "sqlite:///$work/models.db" models serve \
    -m "runs:/$run/model" --port 0)
  mkdir -p "$out/scoring"
  "$soak" --kind scoring --body-file body.json --port "$port" --pid "$(cat scoring.pid)" \
    --minutes "$minutes" --out "$out/scoring" | tee "$out/scoring/soak.txt"
fi
