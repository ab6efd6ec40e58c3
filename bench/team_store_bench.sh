#!/usr/bin/env bash
# The team store against the embedded one, side by side in one run, on loopback:
#   - log-metric at 32 connections and log-batch (1,000 metrics) at 2, on SQLite and on
#     PostgreSQL (fsync and synchronous_commit on, as a team runs it);
#   - two servers on one PostgreSQL database against one server (the load split between them);
#   - the tutorial's search (the children of one parent, by test_PR_AUC, top 100) over 100,000
#     runs in groups of 100 under 1,000 parents, on both stores.
# Starts its own PostgreSQL (scripts/test-postgres.sh --durable) and servers on free ports;
# traffic goes to 127.0.0.1 only. Populating 100,000 runs twice takes a few minutes.
# Usage: bench/team_store_bench.sh [SECONDS_PER_LOAD] [RUNS]   (after a build)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
orchard="$repo/build/orchard"
load="$repo/build/bench/http_load"
seconds=${1:-5}
runs=${2:-100000}
work=$(mktemp -d)
cleanup() {
  # The servers' pids are in files: serve() runs in a subshell ($(...)), so a variable it set
  # would not reach this shell.
  for pidfile in "$work"/*.pid; do
    [[ -f "$pidfile" ]] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  "$repo/scripts/test-postgres.sh" stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
"$repo/scripts/test-postgres.sh" start "$work/pg" --durable >/dev/null
pg=$(cat "$work/pg/uri")

# Starts a server on store $1 (log file $2), with its default --workers (4 on SQLite, 16 on
# PostgreSQL) or $3; prints its port.
serve() {
  "$orchard" server --port 0 ${3:+--workers "$3"} --backend-store-uri "$1" >"$2" 2>&1 &
  echo $! >"$work/$2.pid"
  until grep -q 'listening on' "$2" 2>/dev/null; do sleep 0.01; done
  grep -o '127.0.0.1:[0-9]*' "$2" | head -1 | cut -d: -f2
}

writes() {  # $1: label, $2: port
  local run_id
  run_id=$("$load" --port "$2" --scenario new-run)
  # Warm-up (SQLite's WAL file grows during the first seconds; PostgreSQL fills its caches).
  "$load" --port "$2" --scenario log-metric --connections 32 --seconds 3 --run-id "$run_id" >/dev/null
  echo "$1: $("$load" --port "$2" --scenario log-metric --connections 32 --seconds "$seconds" --run-id "$run_id")"
  echo "$1: $("$load" --port "$2" --scenario log-batch --connections 2 --seconds "$seconds" --run-id "$run_id")"
}

sqlite_port=$(serve "sqlite:///$work/bench.db" sqlite.out)
pg_port=$(serve "$pg" pg.out)
pg4_port=$(serve "$pg" pg4.out 4)
writes sqlite "$sqlite_port"
writes postgresql "$pg_port"
writes "postgresql --workers 4" "$pg4_port"

# Two servers on one database: 16 connections to each at once, against 32 to one.
second_port=$(serve "$pg" pg2.out)
run_id=$("$load" --port "$pg_port" --scenario new-run)
echo "postgresql, one server: $("$load" --port "$pg_port" --scenario log-metric --connections 32 --seconds "$seconds" --run-id "$run_id")"
"$load" --port "$pg_port" --scenario log-metric --connections 16 --seconds "$seconds" --run-id "$run_id" >one.txt &
"$load" --port "$second_port" --scenario log-metric --connections 16 --seconds "$seconds" --run-id "$run_id" >two.txt
wait %% 2>/dev/null || true
echo "postgresql, two servers: $(cat one.txt) | $(cat two.txt)"
awk '{ for (i = 1; i <= NF; ++i) if ($i ~ /^req\/s=/) { split($i, a, "="); sum += a[2] } }
     END { printf "postgresql, two servers: %.0f req/s in all\n", sum }' one.txt two.txt

# The tutorial's search over many runs, on a fresh experiment of each store.
for store in sqlite postgresql; do
  port=$sqlite_port
  if [[ $store == postgresql ]]; then port=$pg_port; fi
  echo "$store: populating $runs runs in groups of 100..."
  "$load" --port "$port" --scenario populate --count "$runs" --group-size 100
  middle="parent-$((runs / 200))"
  echo "$store: $("$load" --port "$port" --scenario search-children --parent "$middle" --seconds "$seconds")"
  echo "$store: $("$load" --port "$port" --scenario search --seconds "$seconds")"
done
