-- wrk script: GET /health, the HTTP ceiling of the machine (no database work).
function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format("RESULT health_per_s=%.0f p50_ms=%.2f p99_ms=%.2f requests=%d non2xx=%d\n",
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.errors.status))
end
