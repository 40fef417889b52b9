#!/usr/bin/env bash
# DORA query latency (issue 3/8): fills a SQLite database with 1,000,000 deployments and 100,000
# incidents over 3 years and 200 projects (build/emm_dora_fill), starts the server on it, and
# times GET /api/v1/metrics/dora for
#   (a) all projects over the last 90 days,
#   (b) one team over a year with interval=week (the issue's two targets: p95 <= 50 ms), and
#   (c) (a) with link=previous_deployment (every unlinked incident matched to a deployment),
#   (d) GET /api/v1/deployments of one project (its groups merged in time order), first page and
#       a page 2,000 rows in,
# RUNS times each, one request at a time, printing p50/p95/max in ms. A database from before
# schema version 4 is upgraded on the server's first start (timed below).
#
#   make build && bash bench/dora_query.sh
#   DEPLOYMENTS=100000 INCIDENTS=10000 RUNS=50 bash bench/dora_query.sh
#   DB=/tmp/dora/bench.db bash bench/dora_query.sh   # reuse a filled database
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/em-metrics}
FILL=${FILL:-build/emm_dora_fill}
PROBE=${PROBE:-build/emm_startup_probe}
DEPLOYMENTS=${DEPLOYMENTS:-1000000}
INCIDENTS=${INCIDENTS:-100000}
RUNS=${RUNS:-40}

tmp=$(mktemp -d /tmp/emm-dora-XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

db=${DB:-}
if [ -z "$db" ]; then
  db="$tmp/bench.db"
  t0=$(date +%s.%N)
  "$FILL" "$db" "$DEPLOYMENTS" "$INCIDENTS" >/dev/null
  echo "RESULT fill deployments=$DEPLOYMENTS incidents=$INCIDENTS seconds=$(echo "$(date +%s.%N) - $t0" | bc)"
fi
echo "RESULT db_size_mib=$(du -m "$db" | cut -f1)"

port=$("$PROBE" --free-port)
EM_METRICS_NO_AUTH=true HOST=127.0.0.1 PORT=$port SQLITE_DB="$db" CONFIG="$db.teams.json" \
  EM_METRICS_LOG_LEVEL=warn "$BIN" serve >"$tmp/server.log" 2>&1 &
pid=$!
url="http://127.0.0.1:$port"
t0=$(date +%s.%N)
for _ in $(seq 1 6000); do curl -sf "$url/health" >/dev/null 2>&1 && break; sleep 0.01; done
echo "RESULT start_seconds=$(echo "$(date +%s.%N) - $t0" | bc) (includes any schema upgrade)"

measure() {  # name query
  local name=$1 query=$2
  curl -sf "$url/api/v1/metrics/dora?$query" -o "$tmp/body.json"  # warm the page cache
  for _ in $(seq 1 "$RUNS"); do
    curl -sf -o /dev/null -w '%{time_total}\n' "$url/api/v1/metrics/dora?$query"
  done | sort -n | awk -v name="$name" '{ t[NR] = $1 * 1000 } END {
    p50 = t[int(NR * 0.50 + 0.5)]; p95 = t[int(NR * 0.95 + 0.5)];
    printf "RESULT query=%s runs=%d p50_ms=%.1f p95_ms=%.1f max_ms=%.1f\n", name, NR, p50, p95, t[NR] }'
  python3 -c "import json,sys; r=json.load(open('$tmp/body.json')); print('RESULT query=$name deployments=%d lead_time_median_s=%s' % (r['deployment_frequency']['count'], r['lead_time_for_changes']['median']))"
}
measure all_projects_90d "from=2026-08-03T00:00:00Z&to=2026-11-01T00:00:00Z"
measure one_team_year_weekly "team=team-03&from=2025-11-01T00:00:00Z&to=2026-11-01T00:00:00Z&interval=week"
measure all_projects_90d_previous_deployment "from=2026-08-03T00:00:00Z&to=2026-11-01T00:00:00Z&link=previous_deployment"

measure_list() {  # name query: GET /api/v1/deployments
  local name=$1 query=$2
  curl -sf "$url/api/v1/deployments?$query" -o "$tmp/list.json"
  for _ in $(seq 1 "$RUNS"); do
    curl -sf -o /dev/null -w '%{time_total}\n' "$url/api/v1/deployments?$query"
  done | sort -n | awk -v name="$name" -v rows="$(python3 -c "import json; print(len(json.load(open('$tmp/list.json'))))")" '{ t[NR] = $1 * 1000 } END {
    p50 = t[int(NR * 0.50 + 0.5)]; p95 = t[int(NR * 0.95 + 0.5)];
    printf "RESULT list=%s rows=%d runs=%d p50_ms=%.1f p95_ms=%.1f max_ms=%.1f\n", name, rows, NR, p50, p95, t[NR] }'
}
measure_list one_project_first_page "project_id=project-42&limit=50"
measure_list one_project_offset_2000 "project_id=project-42&limit=50&offset=2000"
measure_list one_project_production_2026 "project_id=project-42&environment=production&from=2026-01-01T00:00:00Z&limit=50"
