// Reads the durable metric state straight from the SQLite file the server writes, so end-to-end
// tests can check what a request counted. On PostgreSQL (e2e/backend.h), ReadSeries, StoredIds
// and QueryInt given <dir>/em.db read `dir`'s database instead (QueryInt's SQL must then suit
// both); IntegrityCheck and ExecSql are the file's only.
#pragma once

#include <cstdint>
#include <set>
#include <string>

namespace emm::e2e {

struct SeriesTotals {
  int64_t count = 0;  // counter value or histogram observations, summed over matching series
  double sum = 0;
  int64_t series = 0;   // matching rows
  std::string team_id;  // of the last matching row
};

// Series of `metric` for `project_id` (any team and environment).
SeriesTotals ReadSeries(const std::string& db_path, const std::string& metric,
                        const std::string& project_id);

// PRAGMA integrity_check of the file through a read-only connection that never checkpoints (safe
// beside a running server): "ok", or the problems found.
std::string IntegrityCheck(const std::string& db_path);

// The ids of every row of `table` (deployments, incidents).
std::set<std::string> StoredIds(const std::string& db_path, const std::string& table);

// The first column of the first row of `sql` as an integer (-1 when there is none).
int64_t QueryInt(const std::string& db_path, const std::string& sql);

// Runs SQL on the file (to fabricate databases the server must refuse).
bool ExecSql(const std::string& db_path, const std::string& sql);

}  // namespace emm::e2e
