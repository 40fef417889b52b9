#include "common/log.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace emm::log {
namespace {

class FakeClock final : public Clock {
 public:
  TimeMs NowMs() const override { return now; }
  TimeMs now = 1'000'000;
};

// Sends the process's log lines to a temporary file for the life of the fixture.
class RateLimitedLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/emm-log-test-XXXXXX";
    fd_ = mkstemp(tmpl);
    ASSERT_GE(fd_, 0);
    path_ = tmpl;
    Configure(Level::kInfo, Format::kJson, fd_);
  }
  void TearDown() override {
    Flush();
    Configure(Level::kInfo, Format::kAuto, 1);
    close(fd_);
    unlink(path_.c_str());
  }

  std::vector<std::string> Lines() {
    Flush();
    std::ifstream in(path_);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

  RateLimitedLog::Options Opts() {
    RateLimitedLog::Options o;
    o.msg = "accept failed";
    o.recovered_msg = "accepting connections again";
    o.interval_ms = 5000;
    o.clock = &clock_;
    return o;
  }

  FakeClock clock_;
  int fd_ = -1;
  std::string path_;
};

bool Has(const std::string& line, const std::string& part) {
  return line.find(part) != std::string::npos;
}

TEST_F(RateLimitedLogTest, FirstOccurrenceIsWrittenAtOnceWithItsFields) {
  RateLimitedLog log(Opts());
  EXPECT_TRUE(log.Hit({{"error", "Too many open files"}}));
  auto lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(Has(lines[0], R"("level":"warn")")) << lines[0];
  EXPECT_TRUE(Has(lines[0], R"("msg":"accept failed")")) << lines[0];
  EXPECT_TRUE(Has(lines[0], R"("error":"Too many open files","count":1})")) << lines[0];
}

TEST_F(RateLimitedLogTest, RepeatsWithinTheIntervalAreCountedOnTheNextLine) {
  RateLimitedLog log(Opts());
  EXPECT_TRUE(log.Hit({{"error", "e"}}));
  for (int i = 0; i < 100000; ++i) {
    clock_.now += i % 1000 == 0 ? 1 : 0;  // well inside the 5 s
    EXPECT_FALSE(log.Hit({{"error", "e"}}));
  }
  EXPECT_EQ(Lines().size(), 1u);
  clock_.now += 5000;
  EXPECT_TRUE(log.Hit({{"error", "e"}}));
  auto lines = Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(Has(lines[1], R"("count":100001})")) << lines[1];
  EXPECT_EQ(log.total(), 100002);
}

TEST_F(RateLimitedLogTest, AtMostOneLinePerIntervalUnderSteadyRepeats) {
  RateLimitedLog log(Opts());
  // One occurrence every millisecond for a minute.
  for (int i = 0; i < 60000; ++i, ++clock_.now) log.Hit({{"error", "e"}});
  EXPECT_EQ(Lines().size(), 12u);  // t = 0, 5 s, ..., 55 s
}

TEST_F(RateLimitedLogTest, RecoveryIsOneInfoLineWithTheCountAndDuration) {
  RateLimitedLog log(Opts());
  EXPECT_FALSE(log.Recovered());  // nothing happened: nothing to say
  log.Hit({{"error", "e"}});
  clock_.now += 1000;
  log.Hit({{"error", "e"}});
  log.Hit({{"error", "e"}});
  clock_.now += 5000;
  EXPECT_TRUE(log.Recovered());
  EXPECT_FALSE(log.Recovered());  // said once
  auto lines = Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(Has(lines[1], R"("level":"info")")) << lines[1];
  EXPECT_TRUE(Has(lines[1], R"("msg":"accepting connections again","count":3,"duration_ms":6000})"))
      << lines[1];
}

TEST_F(RateLimitedLogTest, RecoveryWaitsForTheIntervalAndFlappingStaysBounded) {
  RateLimitedLog log(Opts());
  // Fails and recovers every 10 ms for 20 s: one line per interval, not two per flap.
  for (int i = 0; i < 2000; ++i) {
    log.Hit({{"error", "e"}});
    clock_.now += 5;
    log.Recovered();
    clock_.now += 5;
  }
  auto lines = Lines();
  EXPECT_LE(lines.size(), 5u);
  EXPECT_GE(lines.size(), 4u);
  // A recovery held back is written by the first Recovered() once the interval has passed; its
  // duration ends when the condition cleared, not when the line could be written.
  const TimeMs began = 1'000'000;
  const TimeMs cleared = clock_.now - 5;
  clock_.now += 5000;
  EXPECT_TRUE(log.Recovered());
  lines = Lines();
  EXPECT_TRUE(Has(lines.back(), "accepting connections again")) << lines.back();
  EXPECT_TRUE(Has(lines.back(), "\"duration_ms\":" + std::to_string(cleared - began) + "}"))
      << lines.back();
}

TEST_F(RateLimitedLogTest, ANewConditionAfterRecoveryIsWrittenOnceTheIntervalHasPassed) {
  RateLimitedLog log(Opts());
  log.Hit({{"error", "e"}});
  clock_.now += 5000;
  ASSERT_TRUE(log.Recovered());
  clock_.now += 6000;
  EXPECT_TRUE(log.Hit({{"error", "f"}}));
  auto lines = Lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(Has(lines[2], R"("error":"f","count":1})")) << lines[2];
}

TEST_F(RateLimitedLogTest, AClockThatGoesBackDoesNotSilenceIt) {
  RateLimitedLog log(Opts());
  log.Hit({{"error", "e"}});
  clock_.now -= 3'600'000;
  EXPECT_TRUE(log.Hit({{"error", "e"}}));
}

}  // namespace
}  // namespace emm::log
