#!/usr/bin/env bash
# Copy time (issue 14): fills a SQLite database with DEPLOYMENTS deployments and INCIDENTS
# incidents (build/emm_dora_fill, the DORA query bench's dataset), then times
#   (a) `em-metrics copy` of it into TO (default: a new SQLite file beside it), verification
#       (row counts and DORA figures) included, and
#   (b) the same command again over the finished target: what a resumed copy costs to skip what
#       is there already.
# Prints RESULT lines with the seconds, the records a second and the copy's peak memory.
#
#   make build && bash bench/copy.sh
#   DEPLOYMENTS=100000 INCIDENTS=10000 bash bench/copy.sh
#   TO=postgres://emm:secret@127.0.0.1:5432/emm bash bench/copy.sh   # an empty database
#   DB=/tmp/dora/bench.db BATCH=5000 bash bench/copy.sh               # reuse a filled database
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/em-metrics}
FILL=${FILL:-build/emm_dora_fill}
DEPLOYMENTS=${DEPLOYMENTS:-1000000}
INCIDENTS=${INCIDENTS:-100000}
BATCH=${BATCH:-10000}

tmp=$(mktemp -d /tmp/emm-copy-XXXXXX)
. bench/query_lib.sh
fill_once "deployments=$DEPLOYMENTS incidents=$INCIDENTS" "$FILL" "$DEPLOYMENTS" "$INCIDENTS"
TO=${TO:-sqlite:$tmp/target.db}
records=$(sqlite3 "$db" "SELECT (SELECT count(*) FROM deployments) + (SELECT count(*) FROM incidents)")

run_copy() {  # label
  local label=$1 t0 s rss=""
  local cmd=("$BIN" copy --from "sqlite:$db" --to "$TO" --batch "$BATCH")
  [ -x /usr/bin/time ] && cmd=(/usr/bin/time -f '%M' -o "$tmp/rss" "${cmd[@]}")
  t0=$(date +%s.%N)
  if ! "${cmd[@]}" >"$tmp/$label.out" 2>"$tmp/$label.err"; then
    cat "$tmp/$label.err" "$tmp/$label.out" >&2
    exit 1
  fi
  s=$(echo "$(date +%s.%N) - $t0" | bc)
  [ -f "$tmp/rss" ] && rss=" peak_rss_mib=$(( $(cat "$tmp/rss") / 1024 ))"
  echo "RESULT $label records=$records batch=$BATCH seconds=$s" \
    "records_per_s=$(echo "$records / $s" | bc)$rss"
}
run_copy copy
tail -n 1 "$tmp/copy.err"
run_copy recopy
grep -m2 -E '^(deployments|incidents) ' "$tmp/recopy.out"
