#include "e2e/metric_state.h"

#include <sqlite3.h>

#include <functional>

#include "e2e/backend.h"
#include "storage/postgres/pg_connection.h"

namespace emm::e2e {
namespace {

using storage::postgres::PgConnection;
using storage::postgres::PgParams;
using storage::postgres::PgResult;

// A column's value, or `fallback` when it is not a number (a failure then, shown by the caller's
// expectation on the totals).
template <typename T>
T Or(const Result<T>& r, T fallback) {
  return r.ok() ? *r : fallback;
}

// On PostgreSQL (backend.h), `sql` run on the database standing in for `db_path`, each row handed
// to `row`; false when there is no such database (read the file instead). A failure is reported
// as a test failure.
bool ReadPostgres(const std::string& db_path, const std::string& sql, const PgParams& params,
                  const std::function<void(const PgResult&, int)>& row) {
  std::string url = DatabaseUrlForFile(db_path);
  if (url.empty()) return false;
  auto conn = PgConnection::Open(url);
  if (!conn.ok()) {
    ADD_FAILURE() << conn.status().ToString();
    return true;
  }
  auto r = (*conn)->Run("q", sql, params);
  if (!r.ok()) {
    ADD_FAILURE() << sql << ": " << r.status().ToString();
    return true;
  }
  for (int i = 0; i < r->rows(); ++i) row(*r, i);
  return true;
}

}  // namespace

SeriesTotals ReadSeries(const std::string& db_path, const std::string& metric,
                        const std::string& project_id) {
  SeriesTotals t;
  if (ReadPostgres(db_path,
                   "SELECT count, sum, team_id FROM metric_series WHERE metric = $1 AND "
                   "project_id = $2",
                   PgParams().Add(metric).Add(project_id), [&](const PgResult& r, int i) {
                     t.count += Or<int64_t>(r.Int64(i, 0), 0);
                     t.sum += Or<double>(r.Double(i, 1), 0);
                     t.team_id = std::string(r.Text(i, 2));
                     ++t.series;
                   })) {
    return t;
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return t;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT count, sum, team_id FROM metric_series WHERE metric = ?1 AND "
                     "project_id = ?2",
                     -1, &st, nullptr);
  sqlite3_bind_text(st, 1, metric.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, project_id.c_str(), -1, SQLITE_TRANSIENT);
  while (sqlite3_step(st) == SQLITE_ROW) {
    t.count += sqlite3_column_int64(st, 0);
    t.sum += sqlite3_column_double(st, 1);
    t.team_id = reinterpret_cast<const char*>(sqlite3_column_text(st, 2));
    ++t.series;
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return t;
}

namespace {

sqlite3* OpenReader(const std::string& db_path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  return db;
}

}  // namespace

std::string IntegrityCheck(const std::string& db_path) {
  sqlite3* db = OpenReader(db_path);
  if (!db) return "cannot open " + db_path;
  std::string out;
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr);
  while (rc == SQLITE_OK || rc == SQLITE_ROW) {
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) break;
    if (!out.empty()) out += "; ";
    out += reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  }
  if (rc != SQLITE_DONE) out += std::string(" [") + sqlite3_errmsg(db) + "]";
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

std::set<std::string> StoredIds(const std::string& db_path, const std::string& table) {
  std::set<std::string> ids;
  if (ReadPostgres(db_path, "SELECT id FROM " + table, PgParams(),
                   [&](const PgResult& r, int i) { ids.insert(std::string(r.Text(i, 0))); })) {
    return ids;
  }
  sqlite3* db = OpenReader(db_path);
  if (!db) return ids;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, ("SELECT id FROM " + table).c_str(), -1, &st, nullptr);
  while (sqlite3_step(st) == SQLITE_ROW) {
    ids.insert(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return ids;
}

int64_t QueryInt(const std::string& db_path, const std::string& sql) {
  int64_t v = -1;
  if (ReadPostgres(db_path, sql, PgParams(), [&](const PgResult& r, int i) {
        if (i == 0) v = Or<int64_t>(r.Int64(0, 0), -1);
      })) {
    return v;
  }
  sqlite3* db = OpenReader(db_path);
  if (!db) return v;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    v = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

bool ExecSql(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  bool ok = sqlite3_open(db_path.c_str(), &db) == SQLITE_OK &&
            sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  sqlite3_close(db);
  return ok;
}

}  // namespace emm::e2e
