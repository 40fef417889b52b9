-- wrk script: GET /metrics (the Accept header comes from the command line, -H).
function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format(
    "RESULT scrapes_per_s=%.1f p50_ms=%.1f p99_ms=%.1f max_ms=%.1f requests=%d non2xx=%d " ..
    "mib_per_s=%.1f\n",
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests, summary.errors.status, summary.bytes / secs / 1048576))
end
