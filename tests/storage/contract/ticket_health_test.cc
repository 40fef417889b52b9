// The contract's team-health ticket read (the tickets of EventStore::LoadTeamHealthFacts): which
// tickets a range brings and what each carries, the team and project filters, a ticket moving team.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/contract/ticket_health_fixture.h"

namespace emm::storage {
namespace {

TEST_P(TicketHealthQueriesTest, EveryTicketWithAnEventInTheRange) {
  // Started before the range, first done in it; its estimate went 3 -> 5.
  Put("done-in", TicketStatus::kDoing, kFrom - kDay, kFrom - 2 * kDay, "ENG", 3);
  Put("done-in", TicketStatus::kDoing, kFrom - kDay + kHour, kFrom - 2 * kDay, "ENG", 5);
  Put("done-in", TicketStatus::kDone, kFrom + kDay, kFrom - 2 * kDay, "ENG", 5);
  // Created in the range, not done.
  Put("created-in", TicketStatus::kTodo, kFrom + kDay, kFrom + kDay);
  // Canceled in the range.
  Put("canceled-in", TicketStatus::kTodo, kFrom - 9 * kDay, kFrom - 10 * kDay);
  Put("canceled-in", TicketStatus::kCanceled, kFrom + 2 * kDay, kFrom - 10 * kDay);
  // Done before the range, re-opened in it (and done again after it: still first done before).
  Put("reopened-in", TicketStatus::kDone, kFrom - 5 * kDay, kFrom - 10 * kDay);
  Put("reopened-in", TicketStatus::kDoing, kFrom + 3 * kDay, kFrom - 10 * kDay);
  Put("reopened-in", TicketStatus::kDone, kTo + kDay, kFrom - 10 * kDay);
  // Nothing in the range.
  Put("done-before", TicketStatus::kDone, kFrom - kDay, kFrom - 2 * kDay);
  Put("after", TicketStatus::kDone, kTo, kTo);  // `to` is excluded
  Put("api", TicketStatus::kDone, kFrom + kDay, kFrom, "API");

  domain::TeamHealthFacts eng = Load({"ENG"});
  EXPECT_EQ(Ids(eng),
            (std::vector<std::string>{"canceled-in", "created-in", "done-in", "reopened-in"}));
  EXPECT_TRUE(eng.pull_requests.empty());

  const domain::TicketFact* done = Find(eng, "done-in");
  ASSERT_NE(done, nullptr);
  EXPECT_EQ(done->team_id, "ENG");
  EXPECT_EQ(done->project_id, "web");
  EXPECT_EQ(done->ticket_type, "Feature");
  EXPECT_EQ(done->status, TicketStatus::kDone);
  EXPECT_EQ(done->created_at, kFrom - 2 * kDay);
  EXPECT_EQ(done->started_at, kFrom - kDay);  // the first start, kept
  EXPECT_EQ(done->first_done_at, kFrom + kDay);
  EXPECT_EQ(done->finished_at, kFrom + kDay);
  EXPECT_EQ(done->initial_estimation, 3);
  EXPECT_EQ(done->final_estimation, 5);
  EXPECT_EQ(done->estimate_changes, 1u);
  EXPECT_FALSE(done->parent);
  EXPECT_FALSE(done->canceled_at.has_value());
  EXPECT_TRUE(done->reopened.empty());

  const domain::TicketFact* canceled = Find(eng, "canceled-in");
  ASSERT_NE(canceled, nullptr);
  EXPECT_EQ(canceled->status, TicketStatus::kCanceled);
  EXPECT_EQ(canceled->canceled_at, kFrom + 2 * kDay);

  const domain::TicketFact* reopened = Find(eng, "reopened-in");
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->reopened, std::vector<TimeMs>{kFrom + 3 * kDay});
  EXPECT_EQ(reopened->first_done_at, kFrom - 5 * kDay);
  EXPECT_EQ(reopened->finished_at, kTo + kDay);

  // Every team's; several teams; a team without tickets.
  EXPECT_EQ(Ids(Load({})), (std::vector<std::string>{"api", "canceled-in", "created-in",
                                                      "done-in", "reopened-in"}));
  EXPECT_EQ(Ids(Load({"API", "NOBODY"})), std::vector<std::string>{"api"});
}

TEST_P(TicketHealthQueriesTest, ProjectsParentsAndATicketThatMovesTeam) {
  Put("web-1", TicketStatus::kDone, kFrom + kDay, kFrom);
  project_ = "app";
  Put("app-1", TicketStatus::kDone, kFrom + kDay, kFrom);
  project_ = "";
  Put("none-1", TicketStatus::kDone, kFrom + kDay, kFrom);
  EXPECT_EQ(Ids(Load({"ENG"}, {"web", "app"})), (std::vector<std::string>{"app-1", "web-1"}));
  EXPECT_EQ(Ids(Load({"ENG"}, {"web"})), std::vector<std::string>{"web-1"});

  // A sub-issue names web-1 as its parent.
  parent_ = "uuid-web-1";
  Put("child", TicketStatus::kTodo, kFrom - kDay, kFrom - kDay);
  EXPECT_TRUE(Find(Load({"ENG"}), "web-1")->parent);
  EXPECT_FALSE(Find(Load({"ENG"}), "app-1")->parent);
  parent_.reset();

  // Canceled in the range at ENG, then moved to API: its cancellation is API's now.
  Put("moved", TicketStatus::kCanceled, kFrom + 2 * kDay, kFrom - 10 * kDay);
  Put("moved", TicketStatus::kCanceled, kTo + kDay, kFrom - 10 * kDay, "API");
  EXPECT_EQ(Find(Load({"ENG"}), "moved"), nullptr);
  const domain::TeamHealthFacts api = Load({"API"});
  ASSERT_NE(Find(api, "moved"), nullptr);
  EXPECT_EQ(Find(api, "moved")->canceled_at, kFrom + 2 * kDay);
}

EMM_STORE_CONTRACT(TicketHealthQueriesTest);

}  // namespace
}  // namespace emm::storage
