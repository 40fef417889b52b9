#!/usr/bin/env bash
# Seeds the compose stack with two weeks of deployments and a few incidents, recorded with the CI
# client (docs/ci-client.md) run inside the em-metrics container, so the dashboards have data.
#   deploy/compose/seed.sh            # the stack up; each run adds another set (new ids)
# COMPOSE=docker-compose for Compose 1.x. EM_CLIENT replaces the command that runs the client
# (make test runs this script with the host's binary against a server of its own:
# tests/deploy/compose_check.py).
set -euo pipefail
cd "$(dirname "$0")"
DAYS=${DAYS:-14}
run=$(date -u +%s)

# Runs the client; its one-line status is shown only when it fails.
client() {
  local err
  if [ -n "${EM_CLIENT:-}" ]; then
    err=$($EM_CLIENT "$@" 2>&1 >/dev/null) || { echo "$err" >&2; return 1; }
  else
    # The container has the server's token (EM_METRICS_TOKEN_AUTH), which the client reads too.
    err=$(${COMPOSE:-docker compose} exec -T -e EM_METRICS_URL=http://127.0.0.1:3000 em-metrics \
      em-metrics "$@" 2>&1 >/dev/null) || { echo "$err" >&2; return 1; }
  fi
}

at() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
today=$(date -u -d 'today 14:00' +%s)

n=0
for ((day = DAYS; day >= 1; day--)); do
  for project in api billing web-app; do
    # web-app ships every day, api most days, billing twice a week.
    case $project in
      api) ((day % 3 == 0)) && continue ;;
      billing) ((day % 4 != 0)) && continue ;;
    esac
    n=$((n + 1))
    id="seed-$run-$project-$day"
    deployed=$((today - day * 86400))
    client deployment record --id "$id" --project-id "$project" --environment production \
      --first-commit-at "$(at $((deployed - (2 + n % 20) * 3600)))" \
      --deploy-start-at "$(at $((deployed - (5 + n % 10) * 60)))" \
      --deployed-at "$(at $deployed)"
    # One deployment in seven causes an incident, restored within a few hours.
    if ((n % 7 == 0)); then
      client incident open --project-id "$project" --deployment-id "$id" \
        --environment production --started-at "$(at $((deployed + 40 * 60)))" \
        --restored-at "$(at $((deployed + (1 + n % 4) * 3600)))"
    fi
  done
done
echo "seeded $n deployments and $((n / 7)) incidents over the last $DAYS days" >&2
