// The value conversions every backend's rows share: each enum back from the text it is stored
// as, what text a table cannot hold reads as, histogram buckets, the missing first commit.
#include "storage/event_columns.h"

#include <gtest/gtest.h>

namespace emm::storage {
namespace {

using domain::DeploymentKind;
using domain::DeploymentStatus;
using domain::MetricKind;
using domain::TicketStatus;

TEST(EventColumnsTest, EveryEnumComesBackFromItsStoredText) {
  for (DeploymentStatus s : {DeploymentStatus::kStarted, DeploymentStatus::kDeployed}) {
    EXPECT_EQ(DeploymentStatusFromText(domain::DeploymentStatusName(s)), s);
  }
  for (DeploymentKind k :
       {DeploymentKind::kPlanned, DeploymentKind::kHotfix, DeploymentKind::kRollback}) {
    EXPECT_EQ(DeploymentKindFromText(domain::DeploymentKindName(k)), k);
  }
  for (TicketStatus s : {TicketStatus::kBacklog, TicketStatus::kTodo, TicketStatus::kDoing,
                         TicketStatus::kDone, TicketStatus::kCanceled, TicketStatus::kUnknown}) {
    EXPECT_EQ(TicketStatusFromText(domain::TicketStatusName(s)), s);
  }
  for (MetricKind k : {MetricKind::kCounter, MetricKind::kHistogram}) {
    EXPECT_EQ(MetricKindFromText(MetricKindText(k)), k);
  }
  EXPECT_EQ(MetricKindText(MetricKind::kHistogram), "histogram");
}

TEST(EventColumnsTest, TextNoTableHoldsReadsAsTheColumnsDefault) {
  EXPECT_EQ(DeploymentStatusFromText("queued"), DeploymentStatus::kStarted);
  EXPECT_EQ(DeploymentKindFromText(""), DeploymentKind::kPlanned);
  EXPECT_EQ(TicketStatusFromText("IN_REVIEW"), TicketStatus::kUnknown);
  EXPECT_EQ(MetricKindFromText("gauge"), MetricKind::kCounter);
}

TEST(EventColumnsTest, BucketsRoundTrip) {
  EXPECT_EQ(EncodeBuckets({1, 0, 3}), "1,0,3");
  EXPECT_EQ(DecodeBuckets("1,0,3"), (std::vector<uint64_t>{1, 0, 3}));
  EXPECT_EQ(EncodeBuckets({}), "");
  EXPECT_TRUE(DecodeBuckets("").empty());
  std::vector<uint64_t> big = {UINT64_MAX, 0, 42};
  EXPECT_EQ(DecodeBuckets(EncodeBuckets(big)), big);
}

TEST(EventColumnsTest, AMissingFirstCommitIsStoredAsTheSentinel) {
  EXPECT_EQ(FirstCommitOf(kNoFirstCommit), std::nullopt);
  EXPECT_EQ(FirstCommitOf(0), 0);
  EXPECT_EQ(FirstCommitOf(1700000000000), 1700000000000);
}

}  // namespace
}  // namespace emm::storage
