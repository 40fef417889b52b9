// Pull request commands over a fake transaction: what each step stores and counts, the original's
// rules with its bugs fixed (every review counted, repeated transitions counted once), and the
// rebuild reproducing the live series.
#include "domain/pull_requests.h"

#include <gtest/gtest.h>

#include "domain/fake_transaction.h"

namespace emm::domain {
namespace {

using testing::FakeTransaction;

constexpr TimeMs kMin = 60000, kHour = 60 * kMin;
constexpr TimeMs kT0 = 1714557600000;  // 2024-05-01T10:00:00Z
constexpr TimeMs kNow = kT0 + 24 * kHour;

class PullRequestsTest : public ::testing::Test {
 protected:
  PullRequestsTest() : teams_(std::vector<Team>{}) {
    ctx_.teams = &teams_;
    ctx_.default_environment = "production";
    ctx_.now = kNow;
    ctx_.inconsistencies = &notes_;
  }

  void Open(const std::string& id, std::optional<int64_t> additions = std::nullopt,
            std::optional<int64_t> deletions = std::nullopt) {
    auto r = CreatePullRequest(tx_, ctx_, {id, "web-team", kT0, additions, deletions, "alice"});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, Outcome::kCreated);
  }
  Result<Outcome> Review(const std::string& id, TimeMs at, bool approved, int64_t comments) {
    return ReviewPullRequest(tx_, ctx_, {id, at, approved, comments, "bob"});
  }
  uint64_t Count(std::string_view metric) const { return tx_.Count(metric, "", "web-team", ""); }
  const SeriesState* Series(std::string_view metric) const {
    return tx_.Series(metric, "", "web-team", "");
  }

  TeamDirectory teams_;
  CommandContext ctx_;
  std::vector<Inconsistency> notes_;
  FakeTransaction tx_;
};

TEST_F(PullRequestsTest, OpeningCountsAndRecordsItsSizeWhenPositive) {
  Open("pr-1", 120, 0);  // 0 lines removed: no observation, as the original
  const PullRequest& pr = tx_.pull_requests.at("pr-1");
  EXPECT_EQ(pr.opened_at, kT0);
  EXPECT_EQ(pr.created_at, kNow);
  EXPECT_EQ(Count("pull_request_opened_count"), 1u);
  const SeriesState* added = Series("pull_request_loc_added");
  ASSERT_NE(added, nullptr);
  EXPECT_EQ(added->count, 1u);
  EXPECT_DOUBLE_EQ(added->sum, 120);
  // Lines have buckets of their own: 120 falls in (100, 300], the fifth.
  ASSERT_EQ(added->buckets.size(), BucketBounds(kPullRequestLocAdded).size() + 1);
  EXPECT_EQ(added->buckets[4], 1u);
  EXPECT_EQ(Series("pull_request_loc_removed"), nullptr);

  auto again = CreatePullRequest(tx_, ctx_, {"pr-1", "web-team", std::nullopt, {}, {}, ""});
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Count("pull_request_opened_count"), 1u);
}

TEST_F(PullRequestsTest, OpenedAtDefaultsToNow) {
  ASSERT_TRUE(CreatePullRequest(tx_, ctx_, {"pr-1", "web-team", std::nullopt, {}, {}, ""}).ok());
  EXPECT_EQ(tx_.pull_requests.at("pr-1").opened_at, kNow);
}

// The original counted only the first review; each one is a review.
TEST_F(PullRequestsTest, EveryReviewIsStoredAndCounted) {
  Open("pr-1");
  ASSERT_TRUE(Review("pr-1", kT0 + 30 * kMin, false, 4).ok());
  ASSERT_TRUE(Review("pr-1", kT0 + 2 * kHour, true, 0).ok());
  ASSERT_TRUE(Review("pr-1", kT0 + 3 * kHour, true, 1).ok());
  const PullRequest& pr = tx_.pull_requests.at("pr-1");
  EXPECT_EQ(pr.reviews, 3);
  EXPECT_EQ(pr.comments, 5);
  EXPECT_EQ(pr.first_review_at, kT0 + 30 * kMin);
  EXPECT_EQ(pr.first_approved_at, kT0 + 2 * kHour);
  EXPECT_EQ(tx_.reviews.size(), 3u);
  EXPECT_EQ(Count("pull_request_nb_comments_per_review"), 3u);
  const SeriesState* first = Series("pull_request_time_to_first_review");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->count, 1u);
  EXPECT_DOUBLE_EQ(first->sum, 1800);
  const SeriesState* approve = Series("pull_request_time_to_approve");
  ASSERT_NE(approve, nullptr);
  EXPECT_EQ(approve->count, 1u);
  EXPECT_DOUBLE_EQ(approve->sum, 7200);
}

TEST_F(PullRequestsTest, AnUnknownPullRequestIsNotFound) {
  EXPECT_EQ(Review("ghost", kT0, true, 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ClosePullRequest(tx_, ctx_, {"ghost", std::nullopt}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(MergePullRequest(tx_, ctx_, {"ghost", std::nullopt}).status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(tx_.series.empty());
}

TEST_F(PullRequestsTest, MergingRecordsTimeToMergeAndReviewsOnceEvenWhenRepeated) {
  Open("pr-1");
  ASSERT_TRUE(Review("pr-1", kT0 + kHour, true, 2).ok());
  ASSERT_TRUE(Review("pr-1", kT0 + 2 * kHour, true, 0).ok());
  auto merged = MergePullRequest(tx_, ctx_, {"pr-1", kT0 + 5 * kHour});
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(*merged, Outcome::kUpdated);
  auto again = MergePullRequest(tx_, ctx_, {"pr-1", kT0 + 9 * kHour});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, Outcome::kUnchanged);
  EXPECT_EQ(tx_.pull_requests.at("pr-1").merged_at, kT0 + 5 * kHour);
  EXPECT_EQ(Count("pull_request_merged_count"), 1u);
  const SeriesState* ttm = Series("pull_request_time_to_merge");
  ASSERT_NE(ttm, nullptr);
  EXPECT_DOUBLE_EQ(ttm->sum, 5 * 3600);
  const SeriesState* reviews = Series("pull_request_nb_reviews_per_pr");
  ASSERT_NE(reviews, nullptr);
  EXPECT_DOUBLE_EQ(reviews->sum, 2);
  // A merged pull request is not closed afterwards.
  auto closed = ClosePullRequest(tx_, ctx_, {"pr-1", std::nullopt});
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(*closed, Outcome::kUnchanged);
  EXPECT_EQ(Count("pull_request_closed_count"), 0u);
}

TEST_F(PullRequestsTest, ClosingCountsOnce) {
  Open("pr-1");
  ASSERT_TRUE(ClosePullRequest(tx_, ctx_, {"pr-1", std::nullopt}).ok());
  auto again = ClosePullRequest(tx_, ctx_, {"pr-1", kT0});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, Outcome::kUnchanged);
  EXPECT_EQ(tx_.pull_requests.at("pr-1").closed_at, kNow);
  EXPECT_EQ(Count("pull_request_closed_count"), 1u);
}

// A skewed clock: a merge before the pull request was opened is stored, counted, noted, and gives
// no duration.
TEST_F(PullRequestsTest, TimesBeforeOpeningGiveNoDuration) {
  Open("pr-1");
  ASSERT_TRUE(Review("pr-1", kT0 - kMin, true, 0).ok());
  ASSERT_TRUE(MergePullRequest(tx_, ctx_, {"pr-1", kT0 - kMin}).ok());
  EXPECT_EQ(Count("pull_request_merged_count"), 1u);
  EXPECT_EQ(Series("pull_request_time_to_merge"), nullptr);
  EXPECT_EQ(Series("pull_request_time_to_first_review"), nullptr);
  EXPECT_EQ(Series("pull_request_time_to_approve"), nullptr);
  ASSERT_EQ(notes_.size(), 2u);
  EXPECT_EQ(notes_[0].field, "reviewed_at");
  EXPECT_EQ(notes_[1].field, "merged_at");
  EXPECT_EQ(notes_[1].kind, "pull_request");
}

// rebuild-metrics recomputes the pull request series from the stored pull requests and reviews.
TEST_F(PullRequestsTest, TheRebuildReproducesTheLiveSeries) {
  Open("pr-1", 40, 7);
  ASSERT_TRUE(Review("pr-1", kT0 + kHour, false, 3).ok());
  ASSERT_TRUE(Review("pr-1", kT0 + 2 * kHour, true, 0).ok());
  ASSERT_TRUE(MergePullRequest(tx_, ctx_, {"pr-1", kT0 + 3 * kHour}).ok());
  Open("pr-2");
  ASSERT_TRUE(ClosePullRequest(tx_, ctx_, {"pr-2", kT0 + kHour}).ok());
  const auto live = tx_.series;
  ASSERT_TRUE(RebuildMetrics(tx_, ctx_).ok());
  ASSERT_EQ(tx_.series.size(), live.size());
  for (const auto& [key, state] : live) {
    auto it = tx_.series.find(key);
    ASSERT_NE(it, tx_.series.end()) << key.metric;
    EXPECT_EQ(it->second.count, state.count) << key.metric;
    EXPECT_DOUBLE_EQ(it->second.sum, state.sum) << key.metric;
    EXPECT_EQ(it->second.buckets, state.buckets) << key.metric;
  }
}

}  // namespace
}  // namespace emm::domain
