// The contract's remaining reads: pull requests listed and got, the annotations' timeline, and
// whether a ticket has children.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/contract/store_contract.h"

namespace emm::storage {
namespace {

using domain::Transaction;

domain::PullRequest MakePullRequest(std::string id, std::string team, TimeMs opened_at) {
  domain::PullRequest pr;
  pr.id = std::move(id);
  pr.team_id = std::move(team);
  pr.author = "alice";
  pr.opened_at = opened_at;
  pr.created_at = opened_at;
  return pr;
}

// Oldest opened first, then by id; the team filter; paging.
TEST_P(StoreContractTest, PullRequestsAreListedInOpeningOrderAndGotFieldForField) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  domain::PullRequest full = MakePullRequest("full", "web", kT0 + kHour);
  full.author = "";
  full.closed_at = kT0 + 2 * kHour;
  full.first_review_at = kT0 + 3 * kHour;
  full.first_approved_at = kT0 + 4 * kHour;
  full.reviews = 3;
  full.comments = 7;
  full.additions = 120;
  full.deletions = 0;
  full.created_at = kT0 + 5 * kHour;
  const std::vector<domain::PullRequest> prs = {
      MakePullRequest("late", "web", kT0 + 3 * kHour), full,
      MakePullRequest("b-tie", "api", kT0), MakePullRequest("a-tie", "web", kT0)};
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) {
                for (const auto& pr : prs) EMM_RETURN_IF_ERROR(tx.InsertPullRequest(pr));
                return Status::Ok();
              }).ok());

  auto list = [&](PullRequestQuery q) {
    auto r = store->ListPullRequests(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? Ids(*r) : std::vector<std::string>{};
  };
  EXPECT_EQ(list({}), (std::vector<std::string>{"a-tie", "b-tie", "full", "late"}));
  EXPECT_EQ(list({"web"}), (std::vector<std::string>{"a-tie", "full", "late"}));
  EXPECT_EQ(list({std::nullopt, 2, 1}), (std::vector<std::string>{"b-tie", "full"}));
  EXPECT_EQ(list({"nobody"}), std::vector<std::string>{});

  auto got = store->GetPullRequest("full");
  ASSERT_TRUE(got.ok() && got->has_value());
  const domain::PullRequest& g = **got;
  EXPECT_EQ(g.team_id, "web");
  EXPECT_EQ(g.author, "");
  EXPECT_EQ(g.opened_at, kT0 + kHour);
  EXPECT_EQ(g.closed_at, kT0 + 2 * kHour);
  EXPECT_FALSE(g.merged_at.has_value());
  EXPECT_EQ(g.first_review_at, kT0 + 3 * kHour);
  EXPECT_EQ(g.first_approved_at, kT0 + 4 * kHour);
  EXPECT_EQ(g.reviews, 3);
  EXPECT_EQ(g.comments, 7);
  EXPECT_EQ(g.additions, 120);
  EXPECT_EQ(g.deletions, 0);
  EXPECT_EQ(g.created_at, kT0 + 5 * kHour);
  auto missing = store->GetPullRequest("nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

// Deployments deployed in [from, to), incidents started or restored in it, each in time order.
TEST_P(StoreContractTest, TheTimelineHoldsWhatHappenedInTheRangeInTimeOrder) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const TimeMs from = kT0, to = kT0 + 10 * kHour;
  Insert(*store, std::vector<domain::Deployment>{
                     MakeDeployment("late", "p1", from + 5 * kHour),
                     MakeDeployment("b-early", "p1", from), MakeDeployment("a-early", "p1", from),
                     MakeDeployment("on-to", "p1", to), MakeDeployment("before", "p1", from - 1),
                     MakeDeployment("never", "p1")});
  Insert(*store, std::vector<domain::Incident>{
                     MakeIncident("restored-in", from - 5 * kHour, from + kHour, std::nullopt),
                     MakeIncident("started-in", from + 2 * kHour, std::nullopt, std::nullopt),
                     MakeIncident("both-before", from - 5 * kHour, from - 1, std::nullopt),
                     MakeIncident("started-on-to", to, std::nullopt, std::nullopt)});
  auto timeline = store->LoadTimeline({from, to, {}, {}, {}});
  ASSERT_TRUE(timeline.ok()) << timeline.status().ToString();
  EXPECT_EQ(Ids(timeline->first), (std::vector<std::string>{"a-early", "b-early", "late"}));
  EXPECT_EQ(Ids(timeline->second), (std::vector<std::string>{"restored-in", "started-in"}));
  auto other = store->LoadTimeline({from, to, {"p2"}, {}, {}});
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_TRUE(other->first.empty());
  EXPECT_TRUE(other->second.empty());
}

TEST_P(StoreContractTest, ATicketHasChildrenWhenAnotherNamesItsExternalIdAsParent) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  domain::Ticket parent, child;
  parent.id = "ENG-1";
  parent.external_id = "uuid-1";
  parent.team_id = "ENG";
  child = parent;
  child.id = "ENG-2";
  child.external_id = "uuid-2";
  child.parent_ticket_id = "uuid-1";
  bool of_parent = false, of_child = true, by_readable_id = true;
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) -> Status {
                EMM_RETURN_IF_ERROR(tx.PutTicket(parent));
                EMM_RETURN_IF_ERROR(tx.PutTicket(child));
                auto a = tx.HasChildTickets("uuid-1");
                auto b = tx.HasChildTickets("uuid-2");
                auto c = tx.HasChildTickets("ENG-1");
                if (!a.ok() || !b.ok() || !c.ok()) return Status::Internal("HasChildTickets");
                of_parent = *a;
                of_child = *b;
                by_readable_id = *c;
                return Status::Ok();
              }).ok());
  EXPECT_TRUE(of_parent);
  EXPECT_FALSE(of_child);
  EXPECT_FALSE(by_readable_id);
}

}  // namespace
}  // namespace emm::storage
