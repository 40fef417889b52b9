#!/usr/bin/env bash
# A/B of the write workload: alternates two em-metrics binaries (A, B) on fresh SQLite files, N
# rounds of wrk with bench/wrk/deployments.lua (32 connections by default), and prints each run's
# writes/s and p99. The VM's speed drifts by 10-15% over minutes, so alternating runs compare two
# builds better than two separate bench/run_load.sh sessions.
#
#   git stash && make build && cp build/em-metrics /tmp/em-a && git stash pop && make build
#   bash bench/ab_writes.sh /tmp/em-a build/em-metrics
#   ROUNDS=6 DURATION=10s CONNECTIONS=64 bash bench/ab_writes.sh A_BIN B_BIN
#
# On PostgreSQL: with DATABASE_URL set, each run gets a fresh database on that server (created and
# dropped by bench/pg_server.sh, which also starts a throwaway server: PG_DURABLE=1 for figures
# that mean anything). REPLICAS=2 starts two servers on the run's database and runs wrk against
# each at once (CONNECTIONS each): the line gives the sum of their writes/s and the larger p99.
#
#   eval "$(PG_DURABLE=1 bash bench/pg_server.sh start)" && bash bench/ab_writes.sh A_BIN B_BIN
#   REPLICAS=2 bash bench/ab_writes.sh A_BIN B_BIN
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { echo "usage: $0 A_BIN B_BIN"; exit 2; }
PROBE=${PROBE:-build/emm_startup_probe}
ROUNDS=${ROUNDS:-4}
DURATION=${DURATION:-8s}
CONNECTIONS=${CONNECTIONS:-32}
REPLICAS=${REPLICAS:-1}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk (or make bench)"; exit 1; }
[ -x "$PROBE" ] || { echo "$PROBE is missing: make build"; exit 1; }

run() {  # label binary
  local tmp store url="" ports=() pids=() i
  tmp=$(mktemp -d /tmp/emm-ab-XXXXXX)
  if [ -n "${DATABASE_URL:-}" ]; then
    url=$(bash bench/pg_server.sh newdb "$DATABASE_URL")
    store=(DATABASE_URL="$url")
  else
    [ "$REPLICAS" = 1 ] || { echo "REPLICAS needs DATABASE_URL (one SQLite file, one server)"; exit 2; }
    store=(SQLITE_DB="$tmp/bench.db")
  fi
  for i in $(seq 1 "$REPLICAS"); do
    ports+=("$("$PROBE" --free-port)")
    env EM_METRICS_NO_AUTH=true HOST=127.0.0.1 PORT="${ports[-1]}" "${store[@]}" "$2" serve \
      >"$tmp/server$i.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 500); do curl -sf "http://127.0.0.1:${ports[-1]}/health" >/dev/null 2>&1 && break; sleep 0.01; done
  done
  local wrks=()
  for i in "${!ports[@]}"; do
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s bench/wrk/deployments.lua \
      "http://127.0.0.1:${ports[$i]}" -- "r$i" >"$tmp/wrk$i.out" &
    wrks+=($!)
  done
  wait "${wrks[@]}"
  # One replica: its line as before. Several: the sum of writes/s, the larger p99, any non-2xx.
  echo "$1 $(cat "$tmp"/wrk*.out | grep RESULT | awk '{
    for (f = 2; f <= NF; ++f) { split($f, kv, "="); v[kv[1]] = kv[2] }
    sum += v["writes_per_s"]; bad += v["non2xx"]; if (v["p99_ms"] + 0 > max + 0) max = v["p99_ms"] }
    END { printf "writes_per_s=%d p99_ms=%s%s\n", sum, max, bad ? " non2xx=" bad : "" }')"
  kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
  [ -z "$url" ] || bash bench/pg_server.sh dropdb "$url"
  [ -n "${KEEP_TMP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
for _ in $(seq 1 "$ROUNDS"); do
  run A "$1"
  run B "$2"
done
