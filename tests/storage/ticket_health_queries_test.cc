// The team-health ticket read (the tickets of EventStore::LoadTeamHealthFacts) on a real SQLite
// store, tickets written by the upsert the Linear webhook runs: which tickets a range brings and
// what each carries, the team and project filters, a ticket moving team, and migration 11's status
// change teams (the trigger, a database from before upgraded).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain/tickets.h"
#include "storage/sqlite_file.h"
#include "storage/store_fixture.h"

namespace emm::storage {
namespace {

using domain::TicketStatus;
using domain::TicketUpdate;

constexpr TimeMs kDay = 24 * kHour;
constexpr TimeMs kFrom = 1714521600000;  // 2024-05-01T00:00:00Z
constexpr TimeMs kTo = kFrom + 7 * kDay;

std::vector<std::string> Ids(const domain::TeamHealthFacts& f) {
  return SortedIds(f.tickets);
}

const domain::TicketFact* Find(const domain::TeamHealthFacts& f, const std::string& id) {
  return FindById(f.tickets, id);
}

class TicketHealthQueriesTest : public SqliteEventStoreTest {
 protected:
  void SetUp() override {
    store_ = OpenStore();
    ASSERT_NE(store_, nullptr);
  }

  // Upserts the ticket as a Linear delivery of this state at `at` would.
  void Put(const std::string& id, TicketStatus status, TimeMs at, TimeMs created,
           const std::string& team = "ENG", std::optional<double> estimate = std::nullopt) {
    TicketUpdate u;
    u.id = id;
    u.external_id = "uuid-" + id;
    u.team_id = team;
    u.project_id = project_;
    u.created_at = created;
    u.updated_at = at;
    u.status = status;
    u.ticket_type = "Feature";
    u.estimation = estimate;
    u.parent_ticket_id = parent_;
    if (status == TicketStatus::kDoing) u.started_at = at;
    if (status == TicketStatus::kDone) u.finished_at = at;
    Status s = Run(*store_, [&](domain::Transaction& tx) {
      return domain::UpsertTicket(tx, ctx_, u).status();
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  domain::TeamHealthFacts Load(std::vector<std::string> ticket_teams,
                               std::vector<std::string> projects = {}) {
    TeamHealthQuery q{kFrom, kTo, {}};
    q.ticket_teams = std::move(ticket_teams);
    q.projects = std::move(projects);
    q.pull_requests = false;
    auto facts = store_->LoadTeamHealthFacts(q);
    EXPECT_TRUE(facts.ok()) << facts.status().ToString();
    return facts.ok() ? std::move(*facts) : domain::TeamHealthFacts{};
  }

  const domain::TeamDirectory teams_{std::vector<domain::Team>{}};
  domain::CommandContext ctx_{&teams_, "production", kTo + 30 * kDay};
  std::string project_ = "web";
  std::optional<std::string> parent_;
  std::unique_ptr<SqliteEventStore> store_;
};

TEST_F(TicketHealthQueriesTest, EveryTicketWithAnEventInTheRange) {
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

TEST_F(TicketHealthQueriesTest, ProjectsParentsAndATicketThatMovesTeam) {
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

// A status change written by something other than em-metrics (the sqlite3 shell) lacks its team:
// the trigger sets it, so the team's range finds the re-opening.
TEST_F(TicketHealthQueriesTest, AStatusChangeWrittenWithoutItsTeamIsFoundByTheTrigger) {
  Put("old", TicketStatus::kDone, kFrom - 5 * kDay, kFrom - 10 * kDay);
  ExecRaw(path_, ("INSERT INTO ticket_status_changes (ticket_id, from_status, to_status, "
                  "changed_at, recorded_at) VALUES ('old', 'DONE', 'TODO', " +
                  std::to_string(kFrom + kDay) + ", 0)")
                     .c_str());
  const domain::TeamHealthFacts eng = Load({"ENG"});
  ASSERT_EQ(Ids(eng), std::vector<std::string>{"old"});
  EXPECT_EQ(Find(eng, "old")->reopened, std::vector<TimeMs>{kFrom + kDay});
}

// A database from before (schema 9: status changes without their team) is upgraded: its
// cancellations and re-openings get their ticket's team and are found by the range they fall in.
TEST(TicketHealthMigrationTest, StatusChangesOfAnOlderDatabaseGetTheirTeams) {
  constexpr int kTicketHealth = 11;
  testing::TempDir dir;
  const std::string path = dir.File("em.db");
  const std::string in_range = std::to_string(kFrom + kHour);
  const std::string rows =
      "INSERT INTO tickets (id, team_id, created_at, status, first_done_at, recorded_at) VALUES "
      "('ENG-1', 'ENG', 0, 'CANCELED', 1, 0), ('ENG-2', 'ENG', 0, 'TODO', 1, 0);"
      "INSERT INTO ticket_status_changes (ticket_id, from_status, to_status, changed_at, "
      "recorded_at) VALUES ('ENG-1', 'TODO', 'CANCELED', " + in_range + ", 0), "
      "('ENG-2', 'DONE', 'TODO', " + in_range + ", 0);";
  ASSERT_EQ(testing::WriteDatabaseBefore(path, kTicketHealth, rows), "");

  SqliteOptions o;
  o.path = path;
  o.full_sync = false;
  auto store = SqliteEventStore::Open(o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_FALSE((*store)->applied_migrations().empty());
  EXPECT_EQ((*store)->applied_migrations().front(), kTicketHealth);
  TeamHealthQuery q{kFrom, kTo, {}};
  q.ticket_teams = {"ENG"};
  auto facts = (*store)->LoadTeamHealthFacts(q);
  ASSERT_TRUE(facts.ok()) << facts.status().ToString();
  EXPECT_EQ(Ids(*facts), (std::vector<std::string>{"ENG-1", "ENG-2"}));
  EXPECT_EQ(Find(*facts, "ENG-1")->canceled_at, kFrom + kHour);
  EXPECT_EQ(Find(*facts, "ENG-2")->reopened, std::vector<TimeMs>{kFrom + kHour});
}

}  // namespace
}  // namespace emm::storage
