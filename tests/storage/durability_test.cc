// What the SQLite store keeps (data across a reopen and reads seeing commits are the contract's:
// contract/records_test.cc): Sync() in both modes, and checkpoints that keep the write-ahead log
// bounded without holding up a write.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "storage/sqlite/sqlite_event_store.h"
#include "storage/store_fixture.h"
#include "storage/temp_dir.h"

namespace emm::storage {
namespace {

using domain::Deployment;
using domain::Incident;
using domain::SeriesState;
using domain::Transaction;

TEST(SqliteSyncTest, SyncSucceedsAfterCommitsInBothModes) {
  for (bool full : {true, false}) {
    testing::TempDir dir;
    SqliteOptions o;
    o.path = dir.File("s/em.db");
    o.full_sync = full;
    auto store = SqliteEventStore::Open(o);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EventStore::Work w = [](domain::Transaction& tx) {
      domain::Deployment d;
      d.id = "a";
      d.project_id = "p";
      d.environment = "e";
      return tx.InsertDeployment(d);
    };
    ASSERT_TRUE((*store)->RunBatch(std::span(&w, 1)).front().ok());
    Status s = (*store)->Sync();
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_TRUE((*store)->Sync().ok());  // again, with the descriptor kept open
  }
}

// Writes `batches` batches of `rows` deployments whose ids end with `pad` (to make them big).
void WriteDeployments(SqliteEventStore& store, int batches, int rows, const std::string& pad) {
  for (int batch = 0; batch < batches; ++batch) {
    EventStore::Work w = [&, batch](domain::Transaction& tx) {
      for (int i = 0; i < rows; ++i) {
        domain::Deployment d;
        d.id = std::to_string(batch) + "-" + std::to_string(i) + pad;
        d.project_id = "p";
        d.environment = "e";
        EMM_RETURN_IF_ERROR(tx.InsertDeployment(d));
      }
      return Status::Ok();
    };
    ASSERT_TRUE(store.RunBatch(std::span(&w, 1)).front().ok());
  }
}

// Commits never checkpoint; the writer must between batches, or the log would grow forever and
// the database file would never receive the data.
TEST(SqliteCheckpointTest, ABigLogIsCheckpointedIntoTheDatabaseFile) {
  testing::TempDir dir;
  SqliteOptions o;
  o.path = dir.File("em.db");
  o.full_sync = false;
  auto store = SqliteEventStore::Open(o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const auto db_size = [&] { return std::filesystem::file_size(o.path); };
  const uintmax_t empty_size = db_size();
  // About 24 MiB of rows: well past the checkpoint threshold (4000 pages, 16 MiB).
  const std::string pad(1000, 'x');
  WriteDeployments(**store, 60, 400, pad);
  EXPECT_GT((*store)->checkpoints(), 0u);
  EXPECT_GE(db_size(), 16u * 1024 * 1024) << "database file was " << empty_size << " bytes";
  auto found = (*store)->GetDeployment("59-399" + pad);
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->has_value());
}

// Under writes that never pause, the log must still be started over (reused) rather than grow
// with everything ever written: the writer checkpoints between two batches, so the next commit
// starts the log from its beginning. Its size is bounded by the threshold plus one batch.
TEST(SqliteCheckpointTest, TheLogStaysBoundedUnderSustainedWrites) {
  testing::TempDir dir;
  SqliteOptions o;
  o.path = dir.File("em.db");
  o.full_sync = false;
  o.checkpoint_pages = 250;  // 1 MiB
  auto store = SqliteEventStore::Open(o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  WriteDeployments(**store, 200, 20, std::string(3000, 'y'));  // ~25 MiB, back to back
  const uintmax_t wal = std::filesystem::file_size(o.path + "-wal");
  // 250 pages of 4 KiB plus one batch (~60 KiB of rows and index) and frame headers.
  EXPECT_LT(wal, 2u * 1024 * 1024) << "the log was never restarted";
  auto found = (*store)->GetDeployment("199-19" + std::string(3000, 'y'));
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->has_value());
}

// An outside reader (the sqlite3 CLI, a backup tool) that holds one snapshot for long keeps the
// log from starting over, but never holds up a write; once it lets go, the log starts over and
// its file is cut back.
TEST(SqliteCheckpointTest, ALongReaderDelaysTheLogsRestartButNoWrite) {
  testing::TempDir dir;
  SqliteOptions o;
  o.path = dir.File("em.db");
  o.full_sync = false;
  o.checkpoint_pages = 250;  // 1 MiB; the file is cut back to 4 MiB
  auto store = SqliteEventStore::Open(o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  WriteDeployments(**store, 2, 20, "a");

  sqlite3* reader = nullptr;
  ASSERT_EQ(sqlite3_open_v2(o.path.c_str(), &reader, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM deployments;", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  // Every batch commits while the snapshot is held (WriteDeployments asserts each one).
  WriteDeployments(**store, 200, 20, std::string(3000, 'b'));  // ~25 MiB
  const uintmax_t held = std::filesystem::file_size(o.path + "-wal");
  EXPECT_GT(held, 8u * 1024 * 1024) << "the log started over under a reader's snapshot";
  ASSERT_EQ(sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(reader);

  WriteDeployments(**store, 200, 20, std::string(3000, 'c'));
  const uintmax_t after = std::filesystem::file_size(o.path + "-wal");
  EXPECT_LE(after, 4u * 1024 * 1024 + 256 * 1024) << "held " << held;
  auto found = (*store)->GetDeployment("199-19" + std::string(3000, 'b'));
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->has_value());
}

}  // namespace
}  // namespace emm::storage
