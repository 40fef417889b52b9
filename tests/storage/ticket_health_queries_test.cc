// The SQLite store's own team-health ticket read paths: migration 11's status change teams (the
// trigger, a database from before upgraded). The read itself is the contract's
// (contract/ticket_health_test.cc).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain/tickets.h"
#include "storage/contract/ticket_health_fixture.h"
#include "storage/sqlite_backend.h"
#include "storage/sqlite_file.h"
#include "storage/store_fixture.h"

namespace emm::storage {
namespace {

// The SQLite backend only: these tests write its file beside the store.
class SqliteTicketHealthQueriesTest : public TicketHealthQueriesTest {
 protected:
  const std::string& path() { return static_cast<SqliteBackend&>(backend()).path(); }
};

// A status change written by something other than em-metrics (the sqlite3 shell) lacks its team:
// the trigger sets it, so the team's range finds the re-opening.
TEST_P(SqliteTicketHealthQueriesTest, AStatusChangeWrittenWithoutItsTeamIsFoundByTheTrigger) {
  Put("old", TicketStatus::kDone, kFrom - 5 * kDay, kFrom - 10 * kDay);
  ExecRaw(path(), ("INSERT INTO ticket_status_changes (ticket_id, from_status, to_status, "
                   "changed_at, recorded_at) VALUES ('old', 'DONE', 'TODO', " +
                   std::to_string(kFrom + kDay) + ", 0)")
                      .c_str());
  const domain::TeamHealthFacts eng = Load({"ENG"});
  ASSERT_EQ(Ids(eng), std::vector<std::string>{"old"});
  EXPECT_EQ(Find(eng, "old")->reopened, std::vector<TimeMs>{kFrom + kDay});
}

INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteTicketHealthQueriesTest,
                         ::testing::Values(SqliteBackend::Param()), BackendName);

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
