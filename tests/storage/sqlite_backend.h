// The SQLite store as a contract backend: a database file in a fresh directory per test.
#pragma once

#include <memory>
#include <string>

#include "storage/contract/store_contract.h"
#include "storage/sqlite/sqlite_event_store.h"
#include "storage/temp_dir.h"

namespace emm::storage {

class SqliteBackend final : public StoreBackend {
 public:
  Result<std::unique_ptr<EventStore>> OpenFresh() override { return Open(); }
  Result<std::unique_ptr<EventStore>> Reopen() override { return Open(); }

  // For SQLite-only tests that write the file as an outside tool would.
  const std::string& path() const { return path_; }

  static StoreBackendParam Param() {
    return {"Sqlite", [] { return std::make_unique<SqliteBackend>(); }};
  }

 private:
  Result<std::unique_ptr<EventStore>> Open() {
    SqliteOptions o;
    o.path = path_;
    o.full_sync = false;  // durability across power loss is SQLite's own test (durability_test)
    auto r = SqliteEventStore::Open(o);
    if (!r.ok()) return r.status();
    return std::unique_ptr<EventStore>(std::move(r).value());
  }

  testing::TempDir dir_;
  std::string path_ = dir_.File("data/nested/em-metrics.db");
};

}  // namespace emm::storage
