// Looks at a SQLite file the way an outside tool would, for storage tests: a read-only
// connection that never checkpoints (safe beside a store that is writing).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "storage/sqlite/maintenance.h"
#include "storage/sqlite/migrations.h"

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

// Writes at `path` a database as an older em-metrics left it: every migration before `version`
// applied and recorded, then `rows` (SQL) run. "" when done, else SQLite's message.
inline std::string WriteDatabaseBefore(const std::string& path, int version,
                                       const std::string& rows) {
  std::string sql =
      "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
      "applied_at INTEGER NOT NULL);";
  for (const sqlite::Migration& m : sqlite::Migrations()) {
    if (m.version >= version) break;
    sql += m.sql;
    sql += "INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", 'm', 0);";
  }
  sql += rows;
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    return "cannot open " + path;
  }
  // Migration 4 calls the store's emm_dora_fact() on the rows it finds: none here, so a stub will
  // do.
  sqlite3_create_function(
      db, "emm_dora_fact", 5, SQLITE_UTF8, nullptr,
      [](sqlite3_context* c, int, sqlite3_value**) { sqlite3_result_null(c); }, nullptr, nullptr);
  char* err = nullptr;
  std::string out;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    out = err != nullptr ? err : "failed";
  }
  sqlite3_free(err);
  sqlite3_close(db);
  return out;
}

}  // namespace emm::storage::testing
