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
# On PostgreSQL (issue 14's targets: (a) p95 <= 100 ms, (b) p95 <= 30 ms), a throwaway server:
#   eval "$(bash bench/pg_server.sh start)"
#   bash bench/dora_query.sh                          # fills $DATABASE_URL, then the same queries
#   PG_FILLED=/tmp/x bash bench/dora_query.sh         # reuse: filled with FILL_SIDECAR=/tmp/x
#   bash bench/pg_server.sh stop "$PG_BENCH_DIR"
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/em-metrics}
FILL=${FILL:-build/emm_dora_fill}
PROBE=${PROBE:-build/emm_startup_probe}
DEPLOYMENTS=${DEPLOYMENTS:-1000000}
INCIDENTS=${INCIDENTS:-100000}
RUNS=${RUNS:-40}

tmp=$(mktemp -d /tmp/emm-dora-XXXXXX)
. bench/query_lib.sh
fill_once "deployments=$DEPLOYMENTS incidents=$INCIDENTS" "$FILL" "$DEPLOYMENTS" "$INCIDENTS"
serve

measure() {  # name query
  local name=$1 query=$2
  time_get "query=$name" "/api/v1/metrics/dora?$query"
  python3 -c "import json,sys; r=json.load(open('$tmp/body.json')); print('RESULT query=$name deployments=%d lead_time_median_s=%s' % (r['deployment_frequency']['count'], r['lead_time_for_changes']['median']))"
}
measure all_projects_90d "from=2026-08-03T00:00:00Z&to=2026-11-01T00:00:00Z"
measure one_team_year_weekly "team=team-03&from=2025-11-01T00:00:00Z&to=2026-11-01T00:00:00Z&interval=week"
measure all_projects_90d_previous_deployment "from=2026-08-03T00:00:00Z&to=2026-11-01T00:00:00Z&link=previous_deployment"

measure_list() {  # name query: GET /api/v1/deployments
  local name=$1 query=$2 rows
  curl -sf "$url/api/v1/deployments?$query" -o "$tmp/list.json"
  rows=$(python3 -c "import json; print(len(json.load(open('$tmp/list.json'))))")
  time_get "list=$name rows=$rows" "/api/v1/deployments?$query"
}
measure_list one_project_first_page "project_id=project-42&limit=50"
measure_list one_project_offset_2000 "project_id=project-42&limit=50&offset=2000"
measure_list one_project_production_2026 "project_id=project-42&environment=production&from=2026-01-01T00:00:00Z&limit=50"
