#include "storage/sqlite/sqlite_status.h"

#include <sqlite3.h>

#include <atomic>

#include "common/log.h"

namespace emm::storage::sqlite {
namespace {

// A damaged file is logged once (with its path), however many requests run into it.
void LogDamagedOnce(const std::string& path, const std::string& error) {
  static std::atomic<bool> logged{false};
  if (logged.exchange(true)) return;
  log::Error("the database file is damaged: stop em-metrics and run `em-metrics check`",
             {{"sqlite_db", path}, {"error", error}});
}

}  // namespace

std::string FileOf(sqlite3* db) {
  const char* f = db ? sqlite3_db_filename(db, "main") : nullptr;
  return f && *f ? f : "the database";
}

Status FromSqlite(sqlite3* db, int rc, std::string_view what) {
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: {
      std::string path = FileOf(db);
      LogDamagedOnce(path, msg);
      return Status::DataLoss("the database file " + path + " is damaged (" + msg +
                              "); the operator should stop em-metrics and run `em-metrics check` "
                              "(docs/operations.md)");
    }
    case SQLITE_FULL:
      return Status::ResourceExhausted("the disk holding " + FileOf(db) +
                                       " is full; nothing was stored: retry once space is freed (" +
                                       msg + ")");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return Status::Unavailable(std::move(msg));
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
        return Status::AlreadyExists("id", std::move(msg));
      }
      return Status::Internal(std::move(msg));
    default:
      return Status::Internal(std::move(msg));
  }
}

}  // namespace emm::storage::sqlite
