// When an OTLP export is tried again, after what wait. The OTLP/HTTP rules: only 429, 502, 503,
// 504 and failures to connect or get an answer are retryable; everything else (400 above all)
// is final. A Retry-After header (seconds or an HTTP-date) wins over the computed backoff.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

#include "common/time.h"

namespace emm::exporting {

enum class Verdict {
  kAccepted,   // 2xx
  kRetryable,  // 429/502/503/504, or no answer (status 0)
  kRejected,   // any other status: the collector will not take this body, ever
};

// `status` 0 means no HTTP answer (connection refused, reset, timeout).
Verdict Classify(int status);

// Milliseconds to wait according to a Retry-After value: delay-seconds ("120") or an IMF-fixdate
// ("Wed, 21 Oct 2015 07:28:00 GMT") relative to `now`. nullopt when absent or unparsable; a date in
// the past is 0.
std::optional<int64_t> ParseRetryAfter(std::string_view value, TimeMs now);

// Exponential backoff with full jitter: attempt n waits a random time in [base/2, base] with
// base = min(initial * 2^n, max). Deterministic for a given seed (tests).
class Backoff {
 public:
  Backoff(int64_t initial_ms, int64_t max_ms, uint64_t seed = std::random_device{}())
      : initial_ms_(initial_ms), max_ms_(max_ms), rng_(seed) {}
  int64_t NextDelayMs();
  void Reset() { attempt_ = 0; }
  int attempt() const { return attempt_; }

 private:
  int64_t initial_ms_;
  int64_t max_ms_;
  int attempt_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace emm::exporting
