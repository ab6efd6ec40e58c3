#!/usr/bin/env bash
# The artifact proxy on loopback: one large file uploaded with `orchard artifacts log` and
# downloaded with `orchard artifacts download` through `orchard server`; throughput of each,
# and the server's resident memory (current and peak) before and after. Traffic goes to
# 127.0.0.1 only. Usage: bench/proxy_bench.sh [MEBIBYTES]   (default 2048; after a build)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
orchard="$repo/build/orchard"
mib=${1:-2048}
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

cd "$work"
echo "writing a ${mib} MiB file of random bytes..."
head -c "$((mib * 1024 * 1024))" /dev/urandom >big.bin
"$orchard" server --port 0 --workers 4 --backend-store-uri "sqlite:///$work/bench.db" \
  --artifacts-destination "$work/served" >server.out 2>&1 &
pid=$!
until grep -q 'listening on' server.out 2>/dev/null; do sleep 0.01; done
port=$(grep -o '127.0.0.1:[0-9]*' server.out | head -1 | cut -d: -f2)
export ORCHARD_TRACKING_URI="http://127.0.0.1:$port"
memory() { awk '/VmRSS|VmHWM/ { printf "%s %.1f MiB  ", $1, $2 / 1024 } END { print "" }' "/proc/$pid/status"; }
run_id=$("$orchard" runs create --run-name proxy-bench)
echo "server before: $(memory)"
elapsed() { awk -v s="$1" -v e="$2" -v m="$mib" 'BEGIN { t = (e - s) / 1e9; printf "%.2f s, %.0f MB/s\n", t, m * 1.048576 / t }'; }
start=$(date +%s%N)
"$orchard" artifacts log -r "$run_id" big.bin
end=$(date +%s%N)
echo "upload:   $(elapsed "$start" "$end")"
echo "server after upload: $(memory)"
start=$(date +%s%N)
"$orchard" artifacts download -r "$run_id" --path big.bin -d fetched >/dev/null
end=$(date +%s%N)
echo "download: $(elapsed "$start" "$end")"
echo "server after download: $(memory)"
cmp big.bin fetched/big.bin && echo "the downloaded copy is identical"
"$orchard" runs end -r "$run_id"
