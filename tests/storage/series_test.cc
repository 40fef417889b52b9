// The SQLite writer's series cache, dropped when another writer commits (series and export marks
// round trip, and undone with a failed item, in the contract: contract/series_test.cc).
#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "storage/sqlite/sqlite_event_store.h"
#include "storage/store_fixture.h"

namespace emm::storage {
namespace {

// The writer caches metric series between batches. A commit by another process (here: a second
// store on the same file, as rebuild-metrics would be) must not be overwritten from that cache.
TEST(SqliteSeriesCacheTest, AnotherWritersCommitInvalidatesTheCache) {
  testing::TempDir dir;
  SqliteOptions o;
  o.path = dir.File("em.db");
  o.full_sync = false;
  auto a = SqliteEventStore::Open(o);
  auto b = SqliteEventStore::Open(o);
  ASSERT_TRUE(a.ok() && b.ok());
  const domain::SeriesKey key{"deployment_started", "p", "", "e"};
  auto bump = [&](SqliteEventStore& store) {
    EventStore::Work w = [&](domain::Transaction& tx) {
      auto found = tx.FindSeries(key);
      if (!found.ok()) return found.status();
      domain::SeriesState s = found->has_value()
                                  ? **found
                                  : domain::SeriesState::Empty(domain::kDeploymentStarted, key, 1);
      s.Fold(1, 2);
      return tx.PutSeries(s);
    };
    ASSERT_TRUE(store.RunBatch(std::span(&w, 1)).front().ok());
  };
  bump(**a);  // a caches count 1
  bump(**b);  // b reads 1 from the file, writes 2
  bump(**a);  // a must see 2, write 3
  auto series = (*a)->ListSeries();
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 1u);
  EXPECT_EQ(series->front().count, 3u);
}

}  // namespace
}  // namespace emm::storage
