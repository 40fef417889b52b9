// Looks at a SQLite file the way an outside tool would, for storage tests: a read-only
// connection that never checkpoints (safe beside a store that is writing).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "storage/sqlite/maintenance.h"

namespace emm::storage::testing {

// "ok", or what PRAGMA integrity_check found (or why it could not run).
inline std::string IntegrityCheck(const std::string& path) {
  auto r = sqlite::CheckDatabase(path, /*quick=*/false);
  if (!r.ok()) return r.status().ToString();
  std::string out;
  for (const auto& p : r->problems) out += (out.empty() ? "" : "; ") + p;
  return out.empty() ? "ok" : out;
}

// Rows of `table`; -1 when the file or table cannot be read.
inline int64_t CountRows(const std::string& path, const std::string& table = "deployments") {
  sqlite3* db = nullptr;
  int64_t n = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, ("SELECT count(*) FROM " + table).c_str(), -1, &st, nullptr) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return n;
}

}  // namespace emm::storage::testing
