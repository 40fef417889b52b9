// The SQLite store's own team-health read paths: migration 9's review teams (the trigger, a
// database from before upgraded). The read itself is the contract's (contract/team_health_test.cc).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <vector>

#include "domain/pull_requests.h"
#include "storage/contract/team_health_fixture.h"
#include "storage/sqlite/sqlite_event_store.h"
#include "storage/sqlite_backend.h"
#include "storage/sqlite_file.h"
#include "storage/temp_dir.h"

namespace emm::storage {
namespace {

// The SQLite backend only: these tests write its file beside the store.
class SqliteTeamHealthQueriesTest : public TeamHealthQueriesTest {
 protected:
  const std::string& path() { return static_cast<SqliteBackend&>(backend()).path(); }
};

// Rows written by something other than em-metrics (the sqlite3 shell) lack the review's team and
// opening time: the trigger sets them, so both the review's own range and its pull request's find
// it.
TEST_P(SqliteTeamHealthQueriesTest, AReviewWrittenWithoutItsTeamIsFoundByTheTrigger) {
  Open("before", "web", kFrom - 10 * kDay);
  Open("in", "web", kFrom + kDay);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
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

INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteTeamHealthQueriesTest,
                         ::testing::Values(SqliteBackend::Param()), BackendName);

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
