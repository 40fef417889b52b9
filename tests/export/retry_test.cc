#include "export/retry.h"

#include <gtest/gtest.h>

namespace emm::exporting {
namespace {

TEST(RetryTest, OnlyTheOtlpRetryableStatusesAreRetried) {
  EXPECT_EQ(Classify(200), Verdict::kAccepted);
  EXPECT_EQ(Classify(204), Verdict::kAccepted);
  for (int s : {0, 429, 502, 503, 504}) EXPECT_EQ(Classify(s), Verdict::kRetryable) << s;
  for (int s : {400, 401, 403, 404, 413, 415, 500, 501}) {
    EXPECT_EQ(Classify(s), Verdict::kRejected) << s;
  }
}

TEST(RetryTest, RetryAfterSecondsOrHttpDate) {
  const TimeMs now = 1445412480000;  // Wed, 21 Oct 2015 07:28:00 GMT
  EXPECT_EQ(ParseRetryAfter("120", now), 120000);
  EXPECT_EQ(ParseRetryAfter(" 2 ", now), 2000);
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now), 30000);
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now), 0);  // in the past
  EXPECT_EQ(ParseRetryAfter("", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-5", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Foo 2015 07:28:30 GMT", now), std::nullopt);
}

TEST(RetryTest, BackoffDoublesWithJitterUpToTheCap) {
  Backoff b(1000, 8000, 42);
  const int64_t bases[] = {1000, 2000, 4000, 8000, 8000, 8000};
  for (int64_t base : bases) {
    int64_t d = b.NextDelayMs();
    EXPECT_GE(d, base / 2);
    EXPECT_LE(d, base);
  }
  b.Reset();
  EXPECT_LE(b.NextDelayMs(), 1000);
}

TEST(RetryTest, JitterSpreadsTheDelays) {
  Backoff a(1000, 1000, 1), b(1000, 1000, 2);
  bool differ = false;
  for (int i = 0; i < 10; ++i) differ = differ || a.NextDelayMs() != b.NextDelayMs();
  EXPECT_TRUE(differ);
}

}  // namespace
}  // namespace emm::exporting
