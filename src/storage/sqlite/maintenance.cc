#include "storage/sqlite/maintenance.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>

#include "storage/sqlite/sqlite_status.h"

namespace emm::storage::sqlite {
namespace {

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, CloseDb>;

// A connection that only reads and never checkpoints, not even on close: it may run beside a
// server writing the same file (docs/storage.md, "Checkpoints").
Result<Db> OpenReader(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::NotFound("no database file at " + path);
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) return FromSqlite(raw, rc, "opening " + path);
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 5000);
  sqlite3_db_config(raw, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  return db;
}

// Runs `sql`, handing each row's first column (as text) to `row`.
Status Each(sqlite3* db, const std::string& sql, const std::function<void(std::string)>& row) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr);
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> st(raw, sqlite3_finalize);
  if (rc != SQLITE_OK) return FromSqlite(db, rc, "preparing " + sql);
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(raw, 0);
    row(text ? reinterpret_cast<const char*>(text) : "");
  }
  if (rc != SQLITE_DONE) return FromSqlite(db, rc, sql);
  return Status::Ok();
}

Result<int64_t> Count(sqlite3* db, const std::string& table) {
  int64_t n = 0;
  EMM_RETURN_IF_ERROR(Each(db, "SELECT count(*) FROM " + table,
                           [&](std::string v) { n = std::stoll(v); }));
  return n;
}

Status SyncPath(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
  if (fd < 0) return Status::Unavailable("cannot open " + path + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::Unavailable("fsync " + path + ": " + std::strerror(err));
  return Status::Ok();
}

}  // namespace

Result<CheckReport> CheckDatabase(const std::string& path, bool quick, int max_problems) {
  auto db = OpenReader(path);
  if (!db.ok()) return db.status();
  CheckReport report;
  std::string sql = std::string(quick ? "PRAGMA quick_check(" : "PRAGMA integrity_check(") +
                    std::to_string(max_problems) + ")";
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db->get(), sql.c_str(), -1, &raw, nullptr);
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> st(raw, sqlite3_finalize);
  while (rc == SQLITE_OK || rc == SQLITE_ROW) {
    rc = sqlite3_step(raw);
    if (rc != SQLITE_ROW) break;
    const unsigned char* text = sqlite3_column_text(raw, 0);
    std::string line = text ? reinterpret_cast<const char*>(text) : "";
    if (line != "ok") report.problems.push_back(std::move(line));
  }
  if (rc == SQLITE_DONE) return report;
  // A file so damaged that the check itself stops is a finding, not a failure of the tool.
  if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB) {
    report.problems.push_back(std::string("the check stopped: ") + sqlite3_errmsg(db->get()));
    return report;
  }
  return FromSqlite(db->get(), rc, sql);
}

Result<BackupReport> BackupDatabase(const std::string& path, const std::string& dest) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dest, ec)) {
    return Status::AlreadyExists("dest", dest + " exists already; name a new file");
  }
  fs::path dir = fs::path(dest).parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, ec)) return Status::NotFound("no directory " + dir.string());
  auto db = OpenReader(path);
  if (!db.ok()) return db.status();

  // Written under a temporary name, renamed once checked: `dest` is whole or absent.
  std::string partial = dest + ".partial";
  fs::remove(partial, ec);
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db->get(), "VACUUM INTO ?1", -1, &raw, nullptr);
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> st(raw, sqlite3_finalize);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(raw, 1, partial.c_str(), -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(raw);
  }
  if (rc != SQLITE_DONE) {
    Status s = FromSqlite(db->get(), rc, "writing " + partial);
    fs::remove(partial, ec);
    return s;
  }
  st.reset();
  db->reset();

  auto remove_partial = [&](Status s) -> Status {
    fs::remove(partial, ec);
    return s;
  };
  if (Status s = SyncPath(partial, false); !s.ok()) return remove_partial(s);
  auto check = CheckDatabase(partial, /*quick=*/false, 5);
  if (!check.ok()) return remove_partial(check.status());
  if (!check->ok()) {
    return remove_partial(
        Status::DataLoss("the copy failed its integrity check: " + check->problems.front()));
  }
  BackupReport report;
  {
    auto copy = OpenReader(partial);
    if (!copy.ok()) return remove_partial(copy.status());
    auto deployments = Count(copy->get(), "deployments");
    auto incidents = Count(copy->get(), "incidents");
    if (!deployments.ok()) return remove_partial(deployments.status());
    if (!incidents.ok()) return remove_partial(incidents.status());
    report.deployments = *deployments;
    report.incidents = *incidents;
  }
  fs::rename(partial, dest, ec);
  if (ec) return remove_partial(Status::Unavailable("cannot rename to " + dest + ": " + ec.message()));
  if (Status s = SyncPath(dir.string(), true); !s.ok()) return s;
  report.bytes = static_cast<int64_t>(fs::file_size(dest, ec));
  return report;
}

}  // namespace emm::storage::sqlite
