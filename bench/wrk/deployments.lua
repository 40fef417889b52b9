-- wrk script: every connection creates unique deployments and marks them deployed.
-- Requests alternate: create deployment N, mark deployment N - LAG deployed (LAG keeps the mark
-- well behind its create, which may still be in flight on another connection).
local threads = {}
local next_tid = 0

function setup(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + tid)
  -- args[1] (wrk ... -- NAME) tells apart wrk processes started in the same second, whose seeds
  -- would be equal (bench/ab_writes.sh's REPLICAS).
  prefix = string.format("b%s%d-%d-", args[1] or "", tid, math.random(1, 1000000000))
  -- wrk calls request() once per thread before connecting and never sends that request, so
  -- create 1 is never sent: marks start at 2.
  created, marked, n = 0, 1, 0
  lag = 256
  create_headers = { ["Content-Type"] = "application/json" }
end

function request()
  n = n + 1
  if n % 2 == 1 or created <= lag + 1 then
    created = created + 1
    local body = string.format(
      '{"id":"%s%d","project_id":"bench-%d","first_commit_at":"2024-05-01T10:00:00Z"}',
      prefix, created, created % 50)
    return wrk.format("POST", "/api/v1/deployments", create_headers, body)
  end
  marked = marked + 1
  return wrk.format("POST", "/api/v1/deployments/" .. prefix .. marked .. "/deployed",
                    create_headers, '{"create_if_not_exists":false}')
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local bad = summary.errors.status
  local sock = summary.errors.connect + summary.errors.read + summary.errors.write +
               summary.errors.timeout
  io.write(string.format(
    "RESULT writes_per_s=%.0f p50_ms=%.2f p99_ms=%.2f requests=%d non2xx=%d socket_errors=%d\n",
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, bad, sock))
end
