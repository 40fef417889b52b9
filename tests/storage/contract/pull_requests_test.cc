// The contract for pull requests: they and their reviews round trip, and the metric state they
// produce survives a reopen and a rebuild.
#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "domain/pull_requests.h"
#include "storage/contract/store_contract.h"

namespace emm::storage {
namespace {

using domain::Transaction;

// Pull requests and every review are stored, and the metric state they produce,
// with the size histogram's own buckets, survives a reopen and a rebuild.
TEST_P(StoreContractTest, PullRequestsAndReviewsRoundTripAndRebuild) {
  const domain::TeamDirectory teams(std::vector<domain::Team>{});
  domain::CommandContext ctx{&teams, "production", kT0 + 10 * kHour};
  std::vector<domain::SeriesState> live;
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(Run(*store, [&](Transaction& tx) {
                  return domain::CreatePullRequest(tx, ctx, {"pr-1", "web", kT0, 120, 3, "alice"})
                      .status();
                }).ok());
    ASSERT_TRUE(Run(*store, [&](Transaction& tx) {
                  return domain::ReviewPullRequest(tx, ctx, {"pr-1", kT0 + kHour, false, 2, "bob"})
                      .status();
                }).ok());
    ASSERT_TRUE(Run(*store, [&](Transaction& tx) {
                  return domain::ReviewPullRequest(tx, ctx, {"pr-1", kT0 + 2 * kHour, true, 0, "carol"})
                      .status();
                }).ok());
    ASSERT_TRUE(Run(*store, [&](Transaction& tx) {
                  return domain::MergePullRequest(tx, ctx, {"pr-1", kT0 + 3 * kHour}).status();
                }).ok());
    auto dup = Run(*store, [&](Transaction& tx) {
      return domain::CreatePullRequest(tx, ctx, {"pr-1", "web", kT0, {}, {}, ""}).status();
    });
    EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists);
    auto series = store->ListSeries();
    ASSERT_TRUE(series.ok());
    live = *series;
  }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::optional<domain::PullRequest> pr;
  std::vector<domain::PullRequestReview> reviews;
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) {
                auto found = tx.FindPullRequest("pr-1");
                if (!found.ok()) return found.status();
                pr = *found;
                return tx.ForEachPullRequestReview([&](const domain::PullRequestReview& r) {
                  reviews.push_back(r);
                  return Status::Ok();
                });
              }).ok());
  ASSERT_TRUE(pr.has_value());
  EXPECT_EQ(pr->team_id, "web");
  EXPECT_EQ(pr->opened_at, kT0);
  EXPECT_EQ(pr->merged_at, kT0 + 3 * kHour);
  EXPECT_EQ(pr->first_review_at, kT0 + kHour);
  EXPECT_EQ(pr->first_approved_at, kT0 + 2 * kHour);
  EXPECT_EQ(pr->reviews, 2);
  EXPECT_EQ(pr->comments, 2);
  EXPECT_EQ(pr->additions, 120);
  EXPECT_EQ(pr->deletions, 3);
  EXPECT_FALSE(pr->closed_at.has_value());
  EXPECT_EQ(pr->author, "alice");
  ASSERT_EQ(reviews.size(), 2u);
  EXPECT_TRUE(reviews[1].approved);
  EXPECT_EQ(reviews[0].reviewer, "bob");
  EXPECT_EQ(reviews[1].reviewer, "carol");

  const auto find = [](const std::vector<domain::SeriesState>& v, std::string_view metric) {
    for (const auto& s : v) {
      if (s.key.metric == metric) return &s;
    }
    return static_cast<const domain::SeriesState*>(nullptr);
  };
  const domain::SeriesState* added = find(live, "pull_request_loc_added");
  ASSERT_NE(added, nullptr);
  EXPECT_EQ(added->buckets.size(), domain::BucketBounds(domain::kPullRequestLocAdded).size() + 1);
  // The rebuild gives the same state from the stored pull requests and reviews.
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) { return domain::RebuildMetrics(tx, ctx); }).ok());
  auto rebuilt = store->ListSeries();
  ASSERT_TRUE(rebuilt.ok());
  for (const auto& s : live) {
    const domain::SeriesState* r = find(*rebuilt, s.key.metric);
    ASSERT_NE(r, nullptr) << s.key.metric;
    EXPECT_EQ(r->count, s.count) << s.key.metric;
    EXPECT_DOUBLE_EQ(r->sum, s.sum) << s.key.metric;
    EXPECT_EQ(r->buckets, s.buckets) << s.key.metric;
  }
}

}  // namespace
}  // namespace emm::storage
