// The contract's team-health read of pull requests (EventStore::LoadTeamHealthFacts): which pull
// requests a range brings, with every review, and the team filter.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/contract/team_health_fixture.h"

namespace emm::storage {
namespace {

TEST_P(TeamHealthQueriesTest, EveryPullRequestWithAnEventInTheRangeAndAllItsReviews) {
  Open("opened", "web", kFrom + kDay);
  Open("merged", "web", kFrom - 10 * kDay);
  Merge("merged", kFrom + kHour);
  Open("closed", "web", kFrom - 10 * kDay);
  Close("closed", kFrom + kHour);
  // Opened before the range and still open after it, reviewed before and in it: both reviews.
  Open("reviewed", "web", kFrom - 10 * kDay, "dave");
  Review("reviewed", kFrom - 9 * kDay, "bob");
  Review("reviewed", kFrom + 2 * kDay, "carol", true);
  // Merged before the range, reviewed (after its merge) in it.
  Open("late-review", "web", kFrom - 10 * kDay);
  Merge("late-review", kFrom - 9 * kDay);
  Review("late-review", kFrom + kDay, "bob");
  // Nothing in the range: not read.
  Open("before", "web", kFrom - 10 * kDay);
  Merge("before", kFrom - kHour);
  Review("before", kFrom - 2 * kHour, "bob");
  // Opened in the range, reviewed "before" it was opened (a skewed clock): that review too.
  Open("skewed", "web", kFrom + kDay);
  Review("skewed", kFrom - kDay, "bob");
  Open("after", "web", kTo);  // `to` is excluded
  Open("api", "api", kFrom + kDay);

  domain::TeamHealthFacts web = Load({"web"});
  EXPECT_EQ(Ids(web), (std::vector<std::string>{"closed", "late-review", "merged", "opened",
                                                 "reviewed", "skewed"}));
  EXPECT_EQ(web.teams, std::vector<std::string>{"web"});
  const domain::PullRequestFact* reviewed = Find(web, "reviewed");
  ASSERT_NE(reviewed, nullptr);
  EXPECT_EQ(reviewed->author, "dave");
  EXPECT_EQ(reviewed->team_id, "web");
  EXPECT_EQ(reviewed->opened_at, kFrom - 10 * kDay);
  EXPECT_EQ(reviewed->additions, 10);
  EXPECT_EQ(reviewed->deletions, 2);
  ASSERT_EQ(reviewed->reviews.size(), 2u);  // in time order
  EXPECT_EQ(reviewed->reviews[0].reviewer, "bob");
  EXPECT_EQ(reviewed->reviews[0].reviewed_at, kFrom - 9 * kDay);
  EXPECT_FALSE(reviewed->reviews[0].approved);
  EXPECT_EQ(reviewed->reviews[1].reviewer, "carol");
  EXPECT_TRUE(reviewed->reviews[1].approved);
  EXPECT_EQ(Find(web, "merged")->merged_at, kFrom + kHour);
  EXPECT_EQ(Find(web, "closed")->closed_at, kFrom + kHour);
  EXPECT_FALSE(Find(web, "closed")->merged_at.has_value());
  ASSERT_EQ(Find(web, "skewed")->reviews.size(), 1u);
  EXPECT_EQ(Find(web, "skewed")->reviews[0].reviewed_at, kFrom - kDay);
  EXPECT_EQ(Find(web, "late-review")->reviews.size(), 1u);

  // Without a team: every team's.
  domain::TeamHealthFacts all = Load({});
  EXPECT_EQ(Ids(all), (std::vector<std::string>{"api", "closed", "late-review", "merged", "opened",
                                                 "reviewed", "skewed"}));
  EXPECT_TRUE(all.teams.empty());
  EXPECT_EQ(Ids(Load({"api", "nobody"})), std::vector<std::string>{"api"});
}

EMM_STORE_CONTRACT(TeamHealthQueriesTest);

}  // namespace
}  // namespace emm::storage
