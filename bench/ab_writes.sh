#!/usr/bin/env bash
# A/B of the write workload: alternates two em-metrics binaries (A, B) on fresh SQLite files, N
# rounds of wrk with bench/wrk/deployments.lua (32 connections by default), and prints each run's
# writes/s and p99. The VM's speed drifts by 10-15% over minutes, so alternating runs compare two
# builds better than two separate bench/run_load.sh sessions.
#
#   git stash && make build && cp build/em-metrics /tmp/em-a && git stash pop && make build
#   bash bench/ab_writes.sh /tmp/em-a build/em-metrics
#   ROUNDS=6 DURATION=10s CONNECTIONS=64 bash bench/ab_writes.sh A_BIN B_BIN
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { echo "usage: $0 A_BIN B_BIN"; exit 2; }
PROBE=${PROBE:-build/emm_startup_probe}
ROUNDS=${ROUNDS:-4}
DURATION=${DURATION:-8s}
CONNECTIONS=${CONNECTIONS:-32}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk (or make bench)"; exit 1; }
[ -x "$PROBE" ] || { echo "$PROBE is missing: make build"; exit 1; }

run() {  # label binary
  local tmp port pid
  tmp=$(mktemp -d /tmp/emm-ab-XXXXXX)
  port=$("$PROBE" --free-port)
  EM_METRICS_NO_AUTH=true HOST=127.0.0.1 PORT=$port SQLITE_DB="$tmp/bench.db" "$2" serve \
    >"$tmp/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 500); do curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.01; done
  echo "$1 $(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s bench/wrk/deployments.lua \
    "http://127.0.0.1:$port" | grep RESULT | awk '{print $2, $4}')"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$tmp"
}
for _ in $(seq 1 "$ROUNDS"); do
  run A "$1"
  run B "$2"
done
