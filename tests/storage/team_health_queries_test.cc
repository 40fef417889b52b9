// The team-health read (EventStore::LoadTeamHealthFacts) on a real SQLite store: which pull
// requests a range brings, with every review, the team filter, and migration 9's review teams.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <vector>

#include "domain/pull_requests.h"
#include "storage/by_id.h"
#include "storage/sqlite/sqlite_event_store.h"
#include "storage/sqlite_file.h"
#include "storage/temp_dir.h"

namespace emm::storage {
namespace {

constexpr TimeMs kHour = 3600 * 1000, kDay = 24 * kHour;
constexpr TimeMs kFrom = 1714521600000;  // 2024-05-01T00:00:00Z
constexpr TimeMs kTo = kFrom + 7 * kDay;

std::vector<std::string> Ids(const domain::TeamHealthFacts& f) {
  return SortedIds(f.pull_requests);
}

const domain::PullRequestFact* Find(const domain::TeamHealthFacts& f, const std::string& id) {
  return FindById(f.pull_requests, id);
}

class TeamHealthQueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteOptions o;
    o.path = dir_.File("em.db");
    o.full_sync = false;
    auto store = SqliteEventStore::Open(o);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }

  // Runs the pull request commands, as the routes do.
  void Run(std::function<Result<domain::Outcome>(domain::Transaction&, domain::CommandContext&)>
               command) {
    EventStore::Work w = [&](domain::Transaction& tx) {
      domain::CommandContext ctx{&teams_, "production", kTo + 30 * kDay};
      return command(tx, ctx).status();
    };
    Status s = store_->RunBatch(std::span(&w, 1)).front();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void Open(std::string id, std::string team, TimeMs at, std::string author = "alice") {
    Run([&](auto& tx, auto& ctx) {
      return domain::CreatePullRequest(tx, ctx, {id, team, at, 10, 2, author});
    });
  }
  void Review(std::string id, TimeMs at, std::string reviewer, bool approved = false) {
    Run([&](auto& tx, auto& ctx) {
      return domain::ReviewPullRequest(tx, ctx, {id, at, approved, 0, reviewer});
    });
  }
  void Merge(std::string id, TimeMs at) {
    Run([&](auto& tx, auto& ctx) { return domain::MergePullRequest(tx, ctx, {id, at}); });
  }
  void Close(std::string id, TimeMs at) {
    Run([&](auto& tx, auto& ctx) { return domain::ClosePullRequest(tx, ctx, {id, at}); });
  }
  domain::TeamHealthFacts Load(std::vector<std::string> teams) {
    auto facts = store_->LoadTeamHealthFacts({kFrom, kTo, std::move(teams)});
    EXPECT_TRUE(facts.ok()) << facts.status().ToString();
    return facts.ok() ? std::move(*facts) : domain::TeamHealthFacts{};
  }

  testing::TempDir dir_;
  domain::TeamDirectory teams_{std::vector<domain::Team>{}};
  std::unique_ptr<SqliteEventStore> store_;
};

TEST_F(TeamHealthQueriesTest, EveryPullRequestWithAnEventInTheRangeAndAllItsReviews) {
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

// Rows written by something other than em-metrics (the sqlite3 shell) lack the review's team and
// opening time: the trigger sets them, so both the review's own range and its pull request's find
// it.
TEST_F(TeamHealthQueriesTest, AReviewWrittenWithoutItsTeamIsFoundByTheTrigger) {
  Open("before", "web", kFrom - 10 * kDay);
  Open("in", "web", kFrom + kDay);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("em.db").c_str(), &db), SQLITE_OK);
  const std::string in_range = std::to_string(kFrom + 2 * kDay);
  ASSERT_EQ(sqlite3_exec(db,
                         ("INSERT INTO pull_request_reviews (pull_request_id, reviewed_at, "
                          "approved, comments, reviewer) VALUES ('before', " + in_range +
                          ", 1, 0, 'bob'), ('in', " + in_range + ", 0, 0, 'carol')")
                             .c_str(),
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  domain::TeamHealthFacts web = Load({"web"});
  ASSERT_EQ(Ids(web), (std::vector<std::string>{"before", "in"}));
  ASSERT_EQ(Find(web, "before")->reviews.size(), 1u);
  ASSERT_EQ(Find(web, "in")->reviews.size(), 1u);
  EXPECT_EQ(Find(web, "in")->reviews[0].reviewer, "carol");
}

// A database from before team health (schema 8: reviews without their team) is upgraded: its
// reviews get their pull request's team and are found by the range they fall in.
TEST(TeamHealthMigrationTest, ReviewsOfAnOlderDatabaseGetTheirTeams) {
  constexpr int kTeamHealth = 9;
  testing::TempDir dir;
  const std::string path = dir.File("em.db");
  const std::string rows =
      "INSERT INTO pull_requests (id, team_id, opened_at, created_at, author) VALUES ('old', "
      "'web', " + std::to_string(kFrom - 10 * kDay) + ", 0, 'alice');"
      "INSERT INTO pull_request_reviews (pull_request_id, reviewed_at, approved, comments, "
      "reviewer) VALUES ('old', " + std::to_string(kFrom + kHour) + ", 0, 0, 'bob');";
  ASSERT_EQ(testing::WriteDatabaseBefore(path, kTeamHealth, rows), "");

  SqliteOptions o;
  o.path = path;
  o.full_sync = false;
  auto store = SqliteEventStore::Open(o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->applied_migrations().front(), kTeamHealth);
  auto facts = (*store)->LoadTeamHealthFacts({kFrom, kTo, {"web"}});
  ASSERT_TRUE(facts.ok()) << facts.status().ToString();
  EXPECT_EQ(Ids(*facts), std::vector<std::string>{"old"});
}

}  // namespace
}  // namespace emm::storage
