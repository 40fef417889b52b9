#!/usr/bin/env bash
# Cost of GET /metrics (issue 2/8) with SERIES DORA series in the database (default 10,000): one
# deployment per project, recorded as deployed, makes 4 series (deployment_started and
# deployment_frequency counters, deployment_duration and lead_time_for_changes histograms), so
# SERIES/4 projects are posted over HTTP to a fresh SQLite file. Then: body size and Prometheus
# sample lines per format, the time of one scrape, scrapes/s and latency under wrk at CONNECTIONS
# (1: one scraper, back to back), the server's CPU time per scrape, and its RSS before and after;
# three cases: text 0.0.4, OpenMetrics, and text 0.0.4 gzipped (Accept-Encoding: gzip).
#
#   make build && bash bench/metrics_scrape.sh
#   SERIES=40000 DURATION=20s CONNECTIONS=4 bash bench/metrics_scrape.sh
#
# Everything runs on 127.0.0.1; the server, curl and wrk share the machine's cores.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/em-metrics}
PROBE=${PROBE:-build/emm_startup_probe}
SERIES=${SERIES:-10000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-1}
WRK_THREADS=${WRK_THREADS:-1}
# What Prometheus 2.42 sends (it prefers OpenMetrics).
OM_ACCEPT='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,'
OM_ACCEPT+='text/plain;version=0.0.4;q=0.5,*/*;q=0.1'

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk (or make bench)"; exit 1; }
[ -x "$BIN" ] || { echo "$BIN is missing: make build"; exit 1; }
[ -x "$PROBE" ] || { echo "$PROBE is missing: make build"; exit 1; }

tmp=$(mktemp -d /tmp/emm-bench-metrics-XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

# Arithmetic on decimals, printf-formatted: calc FORMAT EXPRESSION
calc() { awk "BEGIN {printf \"$1\", $2}"; }
rss_mib() { awk -v k="$2" '$1 == k":" {printf "%.1f", $2/1024}' "/proc/$1/status"; }
# User + system CPU time of a process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

projects=$(( (SERIES + 3) / 4 ))
echo "# em-metrics /metrics harness  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo); $projects projects x 4 = $((projects * 4)) DORA series; wrk $WRK_THREADS threads, $CONNECTIONS connections, $DURATION per format"

port=$("$PROBE" --free-port)
EM_METRICS_NO_AUTH=true HOST=127.0.0.1 PORT=$port SQLITE_DB="$tmp/bench.db" \
  EM_METRICS_LOG_LEVEL=warn "$BIN" serve >"$tmp/server.log" 2>&1 &
pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 500); do
  curl -sf "$url/health" >/dev/null 2>&1 && break
  sleep 0.01
done
curl -sf "$url/health" >/dev/null || { echo "server did not start"; cat "$tmp/server.log"; exit 1; }

# One curl process posts every deployment (32 at a time, keep-alive); lead times spread over the
# buckets, from a minute to about three months.
awk -v n="$projects" -v url="$url/api/v1/deployments" '
  function iso(t) { return strftime("%Y-%m-%dT%H:%M:%SZ", t, 1) }
  BEGIN {
    deployed = 1727740800  # 2024-10-01T00:00:00Z
    for (i = 0; i < n; i++) {
      if (i > 0) print "next"
      lead = 60 + (i * 7919) % 8000000
      printf "url = \"%s\"\nheader = \"Content-Type: application/json\"\n", url
      printf "output = \"/dev/null\"\nwrite-out = \"%%{http_code}\\\\n\"\n"
      printf "data = \"{\\\"id\\\":\\\"bench-%d\\\",\\\"project_id\\\":\\\"project-%05d\\\",", i, i
      printf "\\\"first_commit_at\\\":\\\"%s\\\",", iso(deployed - lead)
      printf "\\\"deploy_start_at\\\":\\\"%s\\\",", iso(deployed - 300)
      printf "\\\"deployed_at\\\":\\\"%s\\\"}\"\n", iso(deployed)
    }
  }' >"$tmp/requests.curl"
t0=$(date +%s.%N)
curl --no-progress-meter --parallel --parallel-max 32 -K "$tmp/requests.curl" >"$tmp/codes.txt"
t1=$(date +%s.%N)
created=$(grep -c '^201$' "$tmp/codes.txt" || true)
if [ "$created" != "$projects" ]; then
  echo "only $created of $projects deployments were created"; sort "$tmp/codes.txt" | uniq -c; exit 1
fi
echo "RESULT fill_deployments=$projects fill_s=$(calc %.2f "$t1 - $t0")"
sleep 1
echo "RESULT rss_before_mib=$(rss_mib "$pid" VmRSS)"

# text-gzip: the text format with Accept-Encoding: gzip, as Prometheus asks (body_mib is then
# the compressed size on the wire).
for format in text openmetrics text-gzip; do
  accept='text/plain'
  [ "$format" = openmetrics ] && accept=$OM_ACCEPT
  encoding='identity'
  [ "$format" = text-gzip ] && encoding='gzip'
  curl -s -H "Accept: $accept" -H "Accept-Encoding: $encoding" -o "$tmp/body.$format" \
    -w '%{http_code} %{time_total} %{content_type}\n' "$url/metrics" >"$tmp/one.$format"
  read -r code secs ctype <"$tmp/one.$format" || true
  [ "$code" = 200 ] || { echo "GET /metrics ($format) answered $code"; exit 1; }
  bytes=$(stat -c %s "$tmp/body.$format")
  [ "$format" = text-gzip ] && { gzip -dc <"$tmp/body.$format" >"$tmp/plain.$format"; mv "$tmp/plain.$format" "$tmp/body.$format"; }
  dora=$(grep -cE '^[a-z_]+(_total|_count)\{project_id=' "$tmp/body.$format" || true)
  samples=$(grep -vc '^#' "$tmp/body.$format" || true)
  echo "# $format: Content-Type: $ctype"
  echo "RESULT format=$format dora_series=$dora sample_lines=$samples" \
    "body_mib=$(calc %.2f "$bytes / 1048576")" \
    "first_scrape_ms=$(calc %.1f "$secs * 1000")"
  ticks0=$(cpu_ticks "$pid")
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -H "Accept: $accept" \
    -H "Accept-Encoding: $encoding" -s bench/wrk/metrics.lua "$url/metrics" >"$tmp/wrk.$format"
  ticks=$(( $(cpu_ticks "$pid") - ticks0 ))
  requests=$(grep -o 'requests=[0-9]*' "$tmp/wrk.$format" | cut -d= -f2)
  grep RESULT "$tmp/wrk.$format" | sed "s/^RESULT /RESULT format=$format /"
  echo "RESULT format=$format" \
    "server_cpu_ms_per_scrape=$(calc %.1f "$ticks * 1000 / $(getconf CLK_TCK) / $requests")"
done

echo "RESULT rss_after_mib=$(rss_mib "$pid" VmRSS) peak_rss_mib=$(rss_mib "$pid" VmHWM)"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
echo "RESULT db_size_mib=$(du -m "$tmp/bench.db" | cut -f1)"
