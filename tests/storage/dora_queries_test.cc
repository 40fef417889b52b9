// The SQLite store's own DORA read paths (dora_queries.cc); the reads every backend shares are the
// contract's (contract/dora_test.cc).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/sqlite/sqlite_event_store.h"
#include "storage/store_fixture.h"

namespace emm::storage {
namespace {

using domain::Deployment;

// A deployment row written by hand (no packed dora_fact) is read from its columns: the figures
// match the full records instead of failing the whole range.
TEST_F(SqliteEventStoreTest, DoraFactsOfAHandWrittenRowComeFromItsColumns) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Insert(*store, std::vector<Deployment>{MakeDeployment("by-api", "p1", kT0 + kHour)});
  const std::string hand =
      "INSERT INTO deployments (id, project_id, team_id, environment, first_commit_at, "
      "deploy_start_at, deployed_at, status, created_at, kind, commit_sha, failed, recovered_at) "
      "VALUES ('by-hand', 'p1', 'team', 'production', " + std::to_string(kT0 - 3 * kHour) + ", " +
      std::to_string(kT0 - kHour) + ", " + std::to_string(kT0 + 2 * kHour) + ", 'deployed', " +
      std::to_string(kT0) + ", 'hotfix', '', 1, " + std::to_string(kT0 + 5 * kHour) + ")";
  ExecRaw(path_, hand.c_str());
  DoraQuery q{kT0, kT0 + 10 * kHour, {}, {}, {}};
  auto events = store->LoadDoraEvents(q);
  auto facts = store->LoadDoraFacts(q);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_TRUE(facts.ok()) << facts.status().ToString();
  ASSERT_EQ(facts->deployed.size(), 2u);
  EXPECT_EQ(Rows(*facts), Rows(domain::FactsOf(*events)));
  const auto& by_hand = facts->deployed[1];  // deployed after by-api
  EXPECT_EQ(by_hand.first_commit_at, kT0 - 3 * kHour);
  EXPECT_TRUE(by_hand.failed);
  EXPECT_TRUE(by_hand.rework);
  EXPECT_EQ(by_hand.recovered_at, std::optional<TimeMs>(kT0 + 5 * kHour));
}

}  // namespace
}  // namespace emm::storage
