// The CI client: `em-metrics deployment start|finish|record` and `em-metrics incident
// open|restore|finish` call a running server's API, so a pipeline needs no curl glue
// (docs/ci-client.md). Exit codes: 0 accepted, 1 refused by the server, 2 usage error,
// 3 unreachable or retries exhausted.
#pragma once

#include <cstdint>
#include <string>

#include "config/settings.h"
#include "net/http_transport.h"

namespace emm::cli {

constexpr int kClientOk = 0;
constexpr int kClientRefused = 1;
constexpr int kClientUsage = 2;
constexpr int kClientUnreachable = 3;

struct RetryPolicy {
  int max_attempts = 5;
  int64_t max_total_ms = 60000;  // no new attempt starts after this
  int64_t initial_backoff_ms = 500;
  int64_t max_backoff_ms = 10000;
};

// 429, 502, 503 and no answer at all are tried again; everything else is final.
bool IsRetryable(int status);

// Sends `request` until it is answered with something final or the policy runs out. The last
// response (status 0 when none came) and, in `attempts`, how many were made.
net::OutboundResponse SendWithRetry(net::HttpTransport& transport,
                                    const net::OutboundRequest& request, const RetryPolicy& policy,
                                    int* attempts);

// argv[1] is "deployment" or "incident".
int ClientMain(int argc, char** argv, const config::GetEnv& env);

}  // namespace emm::cli
