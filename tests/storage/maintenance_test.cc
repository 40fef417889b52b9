#include "storage/sqlite/maintenance.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "storage/sqlite/sqlite_event_store.h"
#include "storage/sqlite_file.h"
#include "storage/temp_dir.h"
#include "storage/write_queue.h"

namespace emm::storage::sqlite {
namespace {

using testing::CountRows;
using testing::TempDir;

std::unique_ptr<SqliteEventStore> OpenStore(const std::string& path) {
  SqliteOptions o;
  o.path = path;
  o.full_sync = false;
  o.checkpoint_pages = 64;
  auto r = SqliteEventStore::Open(o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

Status Insert(WriteQueue& q, int n) {
  domain::Deployment d;
  d.id = "d" + std::to_string(n);
  d.project_id = "p";
  d.environment = "e";
  d.commit_sha = std::string(200, 'x');
  return q.Run([d](domain::Transaction& tx) { return tx.InsertDeployment(d); });
}

TEST(CheckDatabaseTest, AFreshDatabaseIsIntact) {
  TempDir dir;
  std::string path = dir.File("em.db");
  ASSERT_NE(OpenStore(path), nullptr);
  for (bool quick : {false, true}) {
    auto r = CheckDatabase(path, quick);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->ok()) << r->problems.front();
  }
}

TEST(CheckDatabaseTest, AMissingFileIsNotFound) {
  TempDir dir;
  auto r = CheckDatabase(dir.File("nope.db"), false);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
}

// A zeroed b-tree page (what the WAL-reset race leaves behind) is reported, not a tool failure.
TEST(CheckDatabaseTest, AZeroedPageIsReported) {
  TempDir dir;
  std::string path = dir.File("em.db");
  {
    auto store = OpenStore(path);
    ASSERT_NE(store, nullptr);
    WriteQueue q(store.get());
    for (int i = 0; i < 300; ++i) ASSERT_TRUE(Insert(q, i).ok());
  }
  int64_t root = 0;
  {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT rootpage FROM sqlite_master WHERE name = 'deployments'", -1,
                       &st, nullptr);
    if (sqlite3_step(st) == SQLITE_ROW) root = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
  ASSERT_GT(root, 1);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp((root - 1) * 4096);
    std::string zeros(4096, '\0');
    f.write(zeros.data(), zeros.size());
  }
  for (bool quick : {false, true}) {
    auto r = CheckDatabase(path, quick);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_FALSE(r->ok());
    std::string all;
    for (const auto& p : r->problems) all += p + "\n";
    EXPECT_NE(all.find("Page " + std::to_string(root)), std::string::npos) << all;
  }
}

// The copy is one consistent snapshot, taken while writes go on, and passes its own check.
TEST(BackupDatabaseTest, ACopyTakenWhileWritingIsConsistentAndChecked) {
  TempDir dir;
  std::string path = dir.File("em.db");
  auto store = OpenStore(path);
  ASSERT_NE(store, nullptr);
  WriteQueue q(store.get());
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(Insert(q, i).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> acked{500};
  std::thread writer([&] {
    for (int i = 500; !stop.load(); ++i) {
      if (Insert(q, i).ok()) acked.fetch_add(1);
    }
  });
  std::vector<std::string> copies;
  for (int i = 0; i < 3; ++i) {
    std::string dest = dir.File("backup-" + std::to_string(i) + ".db");
    int before = acked.load();
    auto r = BackupDatabase(path, dest);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_GE(r->deployments, before);
    EXPECT_EQ(r->deployments, CountRows(dest));
    EXPECT_EQ(r->bytes, static_cast<int64_t>(std::filesystem::file_size(dest)));
    copies.push_back(dest);
  }
  stop = true;
  writer.join();
  q.Stop();
  for (const auto& c : copies) {
    auto check = CheckDatabase(c, false);
    ASSERT_TRUE(check.ok());
    EXPECT_TRUE(check->ok());
    EXPECT_FALSE(std::filesystem::exists(c + ".partial"));
  }
  // The copy is a database em-metrics opens as it is: restoring is copying it back.
  auto restored = OpenStore(copies.back());
  ASSERT_NE(restored, nullptr);
  auto d = restored->GetDeployment("d499");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->has_value());
}

TEST(BackupDatabaseTest, NeverOverwritesAFileAndNeedsItsDirectory) {
  TempDir dir;
  std::string path = dir.File("em.db");
  ASSERT_NE(OpenStore(path), nullptr);
  std::ofstream(dir.File("taken.db")) << "precious";
  EXPECT_EQ(BackupDatabase(path, dir.File("taken.db")).status().code(),
            StatusCode::kAlreadyExists);
  std::ifstream in(dir.File("taken.db"));
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
  EXPECT_EQ(BackupDatabase(path, dir.File("no/such/dir/b.db")).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(BackupDatabase(dir.File("missing.db"), dir.File("b.db")).status().code(),
            StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir.File("b.db")));
}

}  // namespace
}  // namespace emm::storage::sqlite
