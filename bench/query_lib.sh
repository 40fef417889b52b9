# What the query harnesses share (dora_query.sh, team_health_query.sh); sourced, not run.
# Expects BIN, PROBE and RUNS set, and `tmp` a scratch directory.

pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

# fill_once WHAT FILL ARGS...: runs `FILL $tmp/bench.db ARGS...` unless DB names a filled
# database; sets `db` and prints the fill time (labelled WHAT) and the file's size.
# With DATABASE_URL set (PostgreSQL, e.g. from bench/pg_server.sh), fills that database instead,
# its teams file at $tmp/bench.teams.json; PG_FILLED=PREFIX reuses a database an earlier fill
# wrote, whose teams file is PREFIX.teams.json (the fill's FILL_SIDECAR).
fill_once() {
  local what=$1 fill=$2 target t0
  shift 2
  if [ -n "${DATABASE_URL:-}" ]; then
    db=${PG_FILLED:-$tmp/bench}
    target=$DATABASE_URL
  else
    db=${DB:-}
    target=$tmp/bench.db
  fi
  if [ -z "${DB:-}${PG_FILLED:-}" ]; then
    [ -n "${DATABASE_URL:-}" ] || db=$target
    t0=$(date +%s.%N)
    FILL_SIDECAR=$db "$fill" "$target" "$@" >/dev/null
    echo "RESULT fill $what seconds=$(echo "$(date +%s.%N) - $t0" | bc)"
    # What autovacuum does a while after a bulk load, done now: the planner's statistics.
    if [ -n "${DATABASE_URL:-}" ]; then psql -q "$DATABASE_URL" -c 'VACUUM ANALYZE'; fi
  fi
  if [ -n "${DATABASE_URL:-}" ]; then
    echo "RESULT db_size_mib=$(psql "$DATABASE_URL" -Atc 'SELECT pg_database_size(current_database()) / 1048576')"
  else
    echo "RESULT db_size_mib=$(du -m "$db" | cut -f1)"
  fi
}

# serve: starts $BIN on $db (or DATABASE_URL's database) with the fill's teams file ($db.teams.json) on a free port, no auth,
# and waits for /health; sets `url` and `pid`, prints the start time.
serve() {
  local port t0
  port=$("$PROBE" --free-port)
  local store=(SQLITE_DB="$db")
  [ -n "${DATABASE_URL:-}" ] && store=(DATABASE_URL="$DATABASE_URL")
  env EM_METRICS_NO_AUTH=true HOST=127.0.0.1 PORT=$port "${store[@]}" CONFIG="$db.teams.json" \
    EM_METRICS_LOG_LEVEL=warn "$BIN" serve >"$tmp/server.log" 2>&1 &
  pid=$!
  url="http://127.0.0.1:$port"
  t0=$(date +%s.%N)
  for _ in $(seq 1 6000); do curl -sf "$url/health" >/dev/null 2>&1 && break; sleep 0.01; done
  echo "RESULT start_seconds=$(echo "$(date +%s.%N) - $t0" | bc) (includes any schema upgrade)"
}

# time_get LABEL TARGET: GETs $url$TARGET once into $tmp/body.json (warming the page cache), then
# RUNS times, one request at a time; prints "RESULT LABEL runs=N p50_ms= p95_ms= max_ms=" from
# curl's time_total.
time_get() {
  local label=$1 target=$2
  curl -sf "$url$target" -o "$tmp/body.json"
  for _ in $(seq 1 "$RUNS"); do
    curl -sf -o /dev/null -w '%{time_total}\n' "$url$target"
  done | sort -n | awk -v label="$label" '{ t[NR] = $1 * 1000 } END {
    p50 = t[int(NR * 0.50 + 0.5)]; p95 = t[int(NR * 0.95 + 0.5)];
    printf "RESULT %s runs=%d p50_ms=%.1f p95_ms=%.1f max_ms=%.1f\n", label, NR, p50, p95, t[NR] }'
}
