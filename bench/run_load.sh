#!/usr/bin/env bash
# Load harness for the core service (issue 1/8): acknowledged deployment writes per second at 32
# connections against a fresh SQLite file, the /health ceiling of the same machine in the same run,
# idle and peak RSS, and start-up time to the first /health 200.
#
#   make bench                       # builds, installs wrk if missing, runs this
#   bash bench/run_load.sh           # after `make build`
#   DURATION=20s CONNECTIONS=64 SQLITE_SYNC=normal bash bench/run_load.sh
#   eval "$(PG_DURABLE=1 bash bench/pg_server.sh start)" && bash bench/run_load.sh  # PostgreSQL
#
# With DATABASE_URL set the writes go to a fresh database on that server (bench/pg_server.sh
# creates it and drops it after; SQLITE_SYNC does not apply); when that server is
# bench/pg_server.sh's (PG_BENCH_DIR), the CPU per request counts PostgreSQL's processes too.
#
# Everything runs on 127.0.0.1; the server and wrk share the machine's cores.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/em-metrics}
PROBE=${PROBE:-build/emm_startup_probe}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
WRK_THREADS=${WRK_THREADS:-2}
SYNC=${SQLITE_SYNC:-full}
LOG_LEVEL=${EM_METRICS_LOG_LEVEL:-info}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk (or make bench)"; exit 1; }
[ -x "$BIN" ] || { echo "$BIN is missing: make build"; exit 1; }

tmp=$(mktemp -d /tmp/emm-bench-XXXXXX)
pid=""
db_url=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"
  [ -z "$db_url" ] || bash bench/pg_server.sh dropdb "$db_url"
}
trap cleanup EXIT

rss_kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }

echo "# em-metrics load harness  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
if [ -n "${DATABASE_URL:-}" ]; then
  db_url=$(bash bench/pg_server.sh newdb "$DATABASE_URL")
  store=(DATABASE_URL="$db_url")
  store_name="PostgreSQL $(psql -qAt "$db_url" -c 'SHOW server_version') (fsync=$(psql -qAt "$db_url" \
    -c 'SHOW fsync'), synchronous_commit=$(psql -qAt "$db_url" -c 'SHOW synchronous_commit'))"
else
  store=(SQLITE_DB="$tmp/bench.db" SQLITE_SYNC="$SYNC")
  store_name="SQLITE_SYNC=$SYNC"
fi
echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo); wrk $WRK_THREADS threads, $CONNECTIONS connections, $DURATION each; $store_name; log level $LOG_LEVEL"

[ -x "$PROBE" ] || { echo "$PROBE is missing: make build"; exit 1; }
"$PROBE" "$BIN" 20 "$tmp/probe"

port=$("$PROBE" --free-port)
env EM_METRICS_NO_AUTH=true HOST=127.0.0.1 PORT="$port" "${store[@]}" \
  EM_METRICS_LOG_LEVEL="$LOG_LEVEL" "$BIN" serve >"$tmp/server.log" 2>&1 &
pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 500); do
  curl -sf "$url/health" >/dev/null 2>&1 && break
  sleep 0.01
done
curl -sf "$url/health" >/dev/null || { echo "server did not start"; cat "$tmp/server.log"; exit 1; }
sleep 1
echo "RESULT idle_rss_mib=$(awk -v k="$(rss_kib "$pid" VmRSS)" 'BEGIN {printf "%.1f", k/1024}')"

# CPU per request of each phase, server and wrk apart: the two share the cores, so what one
# request costs in each bounds the rate (2 cores / (server + wrk) at full use). Server time from
# /proc; wrk's from the shell's children times (`times` run in this shell, not a subshell).
tck=$(getconf CLK_TCK)
server_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
# PostgreSQL's processes too when the server is bench/pg_server.sh's (PG_BENCH_DIR exported).
postgres_ticks() {
  local pm t=0 p
  [ -n "${db_url:-}" ] && [ -f "${PG_BENCH_DIR:-/nonexistent}/data/postmaster.pid" ] || { echo -1; return; }
  pm=$(head -1 "$PG_BENCH_DIR/data/postmaster.pid")
  for p in "$pm" $(pgrep -P "$pm"); do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$t"
}
child_s() {  # user + system seconds of children in a `times` output file
  awk 'NR == 2 { t = 0; for (i = 1; i <= 2; ++i) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
                 printf "%.3f", t }' "$1"
}
phase() {  # name script url
  local s0 s1 n p0 p1
  s0=$(server_ticks); p0=$(postgres_ticks); times >"$tmp/times0"
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$2" "$3" >"$tmp/wrk.out"
  times >"$tmp/times1"; s1=$(server_ticks); p1=$(postgres_ticks)
  grep RESULT "$tmp/wrk.out"
  n=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' "$tmp/wrk.out")
  awk -v n="$n" -v s=$((s1 - s0)) -v t="$tck" -v c0="$(child_s "$tmp/times0")" \
      -v c1="$(child_s "$tmp/times1")" -v p="$1" -v p0="$p0" -v p1="$p1" 'BEGIN {
    if (n > 0) printf "RESULT cpu_per_request phase=%s server_us=%.1f wrk_us=%.1f%s\n", p,
                      1e6 * s / t / n, 1e6 * (c1 - c0) / n,
                      p0 < 0 ? "" : sprintf(" postgres_us=%.1f", 1e6 * (p1 - p0) / t / n) }'
}
phase health bench/wrk/health.lua "$url/health"
phase writes bench/wrk/deployments.lua "$url"
# Where the writes' time went, from the server's own em_metrics_write_* counters: the average
# write waited queued_ms for its batch, each batch (items_per_batch writes) ran for batch_ms, then
# waited sync_wait_ms for the fdatasync covering it, which took fsync_ms.
curl -sf "$url/metrics" | awk '/^em_metrics_write_/ { v[$1] = $2 } END {
  b = v["em_metrics_write_batches_total"]; i = v["em_metrics_write_items_total"];
  s = v["em_metrics_write_syncs_total"];
  if (b > 0 && i > 0 && s > 0)
    printf "RESULT write_path items_per_batch=%.1f batches_per_sync=%.2f queued_ms=%.2f " \
           "batch_ms=%.2f sync_wait_ms=%.2f fsync_ms=%.2f\n", i / b, b / s,
           1000 * v["em_metrics_write_queued_seconds_total"] / i,
           1000 * v["em_metrics_write_batch_seconds_total"] / b,
           1000 * v["em_metrics_write_sync_wait_seconds_total"] / b,
           1000 * v["em_metrics_write_sync_seconds_total"] / s }'

echo "RESULT peak_rss_mib=$(awk -v k="$(rss_kib "$pid" VmHWM)" 'BEGIN {printf "%.1f", k/1024}')"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
if [ -n "$db_url" ]; then
  echo "RESULT db_size_mib=$(psql -qAt "$db_url" -c 'SELECT pg_database_size(current_database()) / 1048576')"
else
  echo "RESULT db_size_mib=$(du -m "$tmp/bench.db" | cut -f1)"
fi
