// What the SQLite store's own tests share: a store in a fresh directory (SqliteEventStoreTest) and
// raw SQL run beside the store as an outside tool would. Events to put in it, Run and Insert come
// from the contract suite's header.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/metrics.h"
#include "domain/transaction.h"
#include "storage/by_id.h"
#include "storage/contract/store_contract.h"
#include "storage/sqlite/sqlite_event_store.h"
#include "storage/temp_dir.h"

namespace emm::storage {

class SqliteEventStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteEventStore> OpenStore() {
    SqliteOptions o;
    o.path = path_;
    o.full_sync = false;
    auto r = SqliteEventStore::Open(o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : nullptr;
  }

  Status Run(EventStore& store, EventStore::Work work) { return RunAlone(store, std::move(work)); }

  testing::TempDir dir_;
  std::string path_ = dir_.File("data/nested/em-metrics.db");
};

inline void ExecRaw(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

}  // namespace emm::storage
