#include <gtest/gtest.h>

#include <deque>

#include "cli/client.h"

namespace emm::cli {
namespace {

class ScriptedTransport : public net::HttpTransport {
 public:
  explicit ScriptedTransport(std::deque<int> statuses) : statuses_(std::move(statuses)) {}
  net::OutboundResponse Send(const net::OutboundRequest&) override {
    net::OutboundResponse r;
    r.status = statuses_.empty() ? 201 : statuses_.front();
    if (!statuses_.empty()) statuses_.pop_front();
    ++sent;
    return r;
  }
  int sent = 0;

 private:
  std::deque<int> statuses_;
};

RetryPolicy Fast() {
  RetryPolicy p;
  p.initial_backoff_ms = 1;
  p.max_backoff_ms = 2;
  return p;
}

TEST(ClientRetryTest, RetriesBusyAndUnreachableThenSucceeds) {
  ScriptedTransport t({503, 0, 502, 429});
  int attempts = 0;
  EXPECT_EQ(SendWithRetry(t, {}, Fast(), &attempts).status, 201);
  EXPECT_EQ(attempts, 5);
}

TEST(ClientRetryTest, OtherStatusesAreFinal) {
  for (int status : {400, 401, 404, 409, 500, 504}) {
    ScriptedTransport t({status});
    int attempts = 0;
    EXPECT_EQ(SendWithRetry(t, {}, Fast(), &attempts).status, status);
    EXPECT_EQ(attempts, 1) << status;
  }
}

TEST(ClientRetryTest, BoundedAttemptsAndTime) {
  ScriptedTransport t({503, 503, 503, 503, 503, 503});
  RetryPolicy p = Fast();
  p.max_attempts = 3;
  int attempts = 0;
  EXPECT_EQ(SendWithRetry(t, {}, p, &attempts).status, 503);
  EXPECT_EQ(attempts, 3);

  ScriptedTransport slow({503, 503, 503});
  p.max_attempts = 10;
  p.initial_backoff_ms = 1000;
  p.max_backoff_ms = 1000;
  p.max_total_ms = 100;  // the first wait already passes it
  EXPECT_EQ(SendWithRetry(slow, {}, p, &attempts).status, 503);
  EXPECT_EQ(attempts, 1);
}

}  // namespace
}  // namespace emm::cli
