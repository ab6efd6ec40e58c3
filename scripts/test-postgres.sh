#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test run, on 127.0.0.1 and a free port.
#
#   scripts/test-postgres.sh start STATE_DIR [--durable]   initdb + start; writes STATE_DIR/uri
#   scripts/test-postgres.sh stop STATE_DIR                stops it and removes its data
#
# The cluster lives in its own folder under the temp dir (owned by the postgres user when run as
# root, since initdb refuses root), with fsync off: it holds nothing worth keeping. --durable
# keeps PostgreSQL's defaults (fsync and synchronous_commit on), as a team runs it, for
# benchmarks. When
# PostgreSQL is not installed, `start` says so loudly and writes no uri; the suites that need it
# then skip.
set -euo pipefail
command=${1:?usage: test-postgres.sh start|stop STATE_DIR}
state=${2:?usage: test-postgres.sh start|stop STATE_DIR}
fsync=off
if [[ ${3:-} == --durable ]]; then fsync=on; fi
# The postgres user cannot enter a private working folder: run from the root, with an absolute
# state path.
state=$(realpath -m "$state")
cd /

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop() {
  if [[ -f "$state/datadir" ]]; then
    local data
    data=$(cat "$state/datadir")
    if [[ -f "$data/pgdata/postmaster.pid" ]]; then
      as_owner "$bin/pg_ctl" -D "$data/pgdata" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$data"
  fi
  rm -rf "$state"
}

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
case "$command" in
  stop)
    stop
    ;;
  start)
    stop
    mkdir -p "$state"
    if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
      echo "!!! PostgreSQL is not installed (apt-get install postgresql): the PostgreSQL suites" \
        "are SKIPPED" >&2
      exit 0
    fi
    data=$(mktemp -d "${TMPDIR:-/tmp}/orchard-pg.XXXXXX")
    echo "$data" >"$state/datadir"
    if [[ $(id -u) -eq 0 ]]; then chown postgres "$data"; fi
    as_owner "$bin/initdb" -D "$data/pgdata" -A trust -U postgres --no-sync -E UTF8 \
      >"$state/initdb.log" 2>&1 || { cat "$state/initdb.log" >&2; exit 1; }
    # A free port: bind port 0, read it back; retry if another process takes it meanwhile.
    for attempt in 1 2 3 4 5; do
      port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      if as_owner "$bin/pg_ctl" -D "$data/pgdata" -w -t 60 -l "$data/server.log" \
        -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=$fsync -c max_connections=200" \
        start >/dev/null; then
        break
      fi
      if [[ $attempt -eq 5 ]]; then cat "$data/server.log" >&2; exit 1; fi
    done
    as_owner "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
      -c "CREATE DATABASE orchard_test" >/dev/null
    echo "postgresql://postgres@127.0.0.1:$port/orchard_test" >"$state/uri"
    echo "PostgreSQL for the tests: postgresql://postgres@127.0.0.1:$port/orchard_test"
    ;;
  *)
    echo "usage: test-postgres.sh start|stop STATE_DIR" >&2
    exit 2
    ;;
esac
