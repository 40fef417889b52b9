#!/usr/bin/env bash
# Team-health query latency (issue 12): fills a SQLite database with 1,000,000 pull requests and
# their reviews (about 2 per pull request) and 200,000 tickets with their history over 3 years
# and 50 teams of 8 people (build/emm_team_health_fill), starts the server on it with the
# matching teams file, and times
#   (a) GET /api/v1/metrics/team-health for one team over a year, pull request and ticket figures
#       (the target: p95 <= 50 ms),
#   (b) (a) with interval=week (53 buckets),
#   (c) GET /api/v1/metrics/team-health/explain?metric=time_to_merge for (a), first page,
#   (d) the same with metric=innovation_ratio (the team's tickets only),
#   (e) every team over 90 days,
# RUNS times each, one request at a time, printing p50/p95/max in ms (curl's time_total).
#
#   make build && bash bench/team_health_query.sh
#   PULL_REQUESTS=100000 TICKETS=20000 RUNS=50 bash bench/team_health_query.sh
#   DB=/tmp/th/bench.db bash bench/team_health_query.sh   # reuse a filled database
# On PostgreSQL, a throwaway server (bench/pg_server.sh):
#   eval "$(bash bench/pg_server.sh start)"
#   bash bench/team_health_query.sh                   # fills $DATABASE_URL, then the same queries
#   PG_FILLED=/tmp/x bash bench/team_health_query.sh  # reuse: filled with FILL_SIDECAR=/tmp/x
#   bash bench/pg_server.sh stop "$PG_BENCH_DIR"
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/em-metrics}
FILL=${FILL:-build/emm_team_health_fill}
PROBE=${PROBE:-build/emm_startup_probe}
PULL_REQUESTS=${PULL_REQUESTS:-1000000}
TEAMS=${TEAMS:-50}
TICKETS=${TICKETS:-200000}
RUNS=${RUNS:-40}

tmp=$(mktemp -d /tmp/emm-team-health-XXXXXX)
. bench/query_lib.sh
fill_once "pull_requests=$PULL_REQUESTS teams=$TEAMS tickets=$TICKETS" "$FILL" "$PULL_REQUESTS" \
  "$TEAMS" "$TICKETS"
serve

measure() {  # name path-and-query
  local name=$1 target=$2
  time_get "query=$name" "$target"
  python3 - "$tmp/body.json" "$name" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
p, t = r.get("pull_requests"), r.get("tickets")
if p:
    print("RESULT query=%s opened=%d merged=%d engineers=%s merged_per_engineer_per_week=%s "
          "time_to_merge_median_s=%s tickets_finished=%d canceled=%d reopened=%d "
          "innovation_ratio=%s estimate_drift_median=%s" % (sys.argv[2], p["opened"], p["merged"],
          p["engineers"]["count"], p["merged_per_engineer_per_week"]["value"],
          p["time_to_merge"]["median"], t["throughput"]["finished"], t["throughput"]["canceled"],
          t["throughput"]["reopened"], t["innovation_ratio"]["value"],
          t["estimate_drift"]["median"]))
else:
    print("RESULT query=%s counted_total=%d page=%d" % (sys.argv[2], r["total"], len(r["counted"])))
PY
}
year="team=team-17&from=2025-11-01T00:00:00Z&to=2026-11-01T00:00:00Z"
measure one_team_year "/api/v1/metrics/team-health?$year"
measure one_team_year_weekly "/api/v1/metrics/team-health?$year&interval=week"
measure one_team_year_explain_time_to_merge "/api/v1/metrics/team-health/explain?$year&metric=time_to_merge"
measure one_team_year_explain_innovation_ratio "/api/v1/metrics/team-health/explain?$year&metric=innovation_ratio"
measure all_teams_90d "/api/v1/metrics/team-health?from=2026-08-03T00:00:00Z&to=2026-11-01T00:00:00Z"
