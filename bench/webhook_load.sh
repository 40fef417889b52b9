#!/usr/bin/env bash
# Webhook ingestion harness (issue 12): signed GitHub pull_request deliveries (opened, then
# merged) at 32 connections against a fresh SQLite file, with the /health ceiling of the same
# server in the same run. Deliveries are padded to a real one's size (~25 KB); each is verified
# (HMAC-SHA256), parsed, and stored durably before its 2xx.
#
#   bash bench/webhook_load.sh                  # after `make build`
#   SECONDS_EACH=20 CONNECTIONS=64 BODY_BYTES=2000 bash bench/webhook_load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/em-metrics}
CLIENT=${CLIENT:-build/emm_webhook_load}
PROBE=${PROBE:-build/emm_startup_probe}
SECONDS_EACH=${SECONDS_EACH:-10}
CONNECTIONS=${CONNECTIONS:-32}
BODY_BYTES=${BODY_BYTES:-25000}
SYNC=${SQLITE_SYNC:-full}
SECRET=bench-secret

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk (or make bench)"; exit 1; }
for f in "$BIN" "$CLIENT" "$PROBE"; do [ -x "$f" ] || { echo "$f is missing: make build"; exit 1; }; done

tmp=$(mktemp -d /tmp/emm-webhook-bench-XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

# 20 authors u0..u19 in 4 teams, as the client sends them.
python3 - "$tmp/teams.json" <<'PY'
import json, sys
teams = {f"team-{t}": {"projects": [], "users": [{"github_username": f"u{u}"}
         for u in range(20) if u % 4 == t]} for t in range(4)}
json.dump({"teams": teams}, open(sys.argv[1], "w"))
PY

echo "# em-metrics webhook harness  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "# machine: $(nproc) cores; $CONNECTIONS connections, ${SECONDS_EACH}s each; bodies $BODY_BYTES bytes; SQLITE_SYNC=$SYNC"
port=$("$PROBE" --free-port)
EM_METRICS_NO_AUTH=true HOST=127.0.0.1 PORT=$port SQLITE_DB="$tmp/bench.db" SQLITE_SYNC="$SYNC" \
  GITHUB_WEBHOOK_SECRET=$SECRET CONFIG="$tmp/teams.json" EM_METRICS_LOG_LEVEL=warn \
  "$BIN" serve >"$tmp/server.log" 2>&1 &
pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 500); do curl -sf "$url/health" >/dev/null 2>&1 && break; sleep 0.01; done
curl -sf "$url/health" >/dev/null || { echo "server did not start"; cat "$tmp/server.log"; exit 1; }

wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" -s bench/wrk/health.lua "$url/health" | grep RESULT
"$CLIENT" "$port" "$SECRET" "$CONNECTIONS" "$SECONDS_EACH" "$BODY_BYTES"
db_counts=$(sqlite3 "$tmp/bench.db" "SELECT count(*) || ' merged=' || count(merged_at) FROM pull_requests")
echo "RESULT stored pull_requests=$db_counts"
