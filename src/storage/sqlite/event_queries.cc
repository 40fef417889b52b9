#include "storage/sqlite/event_queries.h"

#include <sqlite3.h>

#include "storage/sqlite/statements.h"

namespace emm::storage::sqlite {

using domain::Deployment;
using domain::Incident;
using domain::SeriesKey;
using domain::SeriesState;

Result<std::vector<domain::PullRequest>> ListPullRequests(Statements& db,
                                                          const PullRequestQuery& q) {
  std::string sql = std::string("SELECT ") + kPullRequestColumns + " FROM pull_requests";
  if (q.team_id) sql += " WHERE team_id = ?3";
  sql += " ORDER BY opened_at, id LIMIT ?1 OFFSET ?2";
  std::vector<domain::PullRequest> out;
  EMM_RETURN_IF_ERROR(db.Query(
      sql,
      [&](sqlite3_stmt* st) {
        sqlite3_bind_int64(st, 1, q.limit);
        sqlite3_bind_int64(st, 2, q.offset);
        if (q.team_id) BindText(st, 3, *q.team_id);
      },
      [&](sqlite3_stmt* st) {
        out.push_back(ReadRow<domain::PullRequest>(st));
        return Status::Ok();
      }));
  return out;
}

Result<std::vector<Deployment>> ListDeployments(Statements& db, const DeploymentQuery& q) {
  // The order is (deployed_at, id) with deployments not yet deployed last, by id. It is read in
  // two parts so that the first walks time-ordered indexes instead of sorting the table.
  // Deployed deployments of a project are found through its (team, project, environment) groups
  // (migration 5 dropped the per-project index to make writes cheaper).
  std::string group_filter;
  if (q.project_id) {
    group_filter = " AND group_id IN (SELECT id FROM dora_groups WHERE project_id = ?1";
    if (q.environment) group_filter += " AND environment = ?2";
    group_filter += ")";
  } else if (q.environment) {
    group_filter = " AND environment = ?2";
  }
  std::string filters;
  if (q.project_id) filters += " AND project_id = ?1";
  if (q.environment) filters += " AND environment = ?2";
  auto bind_filters = [&](sqlite3_stmt* st) {
    if (q.project_id) BindText(st, 1, *q.project_id);
    if (q.environment) BindText(st, 2, *q.environment);
  };
  std::string time_filter;
  if (q.from) time_filter += " AND deployed_at >= ?3";
  if (q.to) time_filter += " AND deployed_at < ?4";
  std::vector<Deployment> out;
  auto collect = [&](sqlite3_stmt* st) {
    out.push_back(ReadRow<Deployment>(st));
    return Status::Ok();
  };

  // A project has few groups (one per team and environment it deploys with): each is read in
  // order from deployments_dora_by_group and SQLite merges them (a compound SELECT whose arms
  // are ordered: no sort, and LIMIT stops the merge early). Past kMaxMergedGroups, one query
  // with an IN filter (SQLite sorts what matches).
  constexpr size_t kMaxMergedGroups = 32;
  std::vector<int64_t> groups;
  if (q.project_id) {
    EMM_RETURN_IF_ERROR(db.Query(std::string("SELECT id FROM dora_groups WHERE project_id = ?1") +
                                     (q.environment ? " AND environment = ?2" : "") +
                                     " ORDER BY id",
                                 bind_filters, [&](sqlite3_stmt* st) {
                                   groups.push_back(sqlite3_column_int64(st, 0));
                                   return Status::Ok();
                                 }));
  }
  auto bind_page = [&](sqlite3_stmt* st) {
    if (q.from) sqlite3_bind_int64(st, 3, *q.from);
    if (q.to) sqlite3_bind_int64(st, 4, *q.to);
    sqlite3_bind_int64(st, 5, q.limit);
    sqlite3_bind_int64(st, 6, q.offset);
  };
  if (q.project_id && groups.empty()) {
    // Nothing of this project (in this environment) was ever stored: no deployed part.
  } else if (q.project_id && groups.size() <= kMaxMergedGroups) {
    // Parameters ?7.. are the group ids, so the SQL text (and its cached statement) depends only
    // on how many groups there are.
    std::string merged;
    for (size_t i = 0; i < groups.size(); ++i) {
      if (i) merged += " UNION ALL ";
      merged += std::string("SELECT ") + kDeploymentColumns +
                " FROM deployments INDEXED BY deployments_dora_by_group WHERE group_id = ?" +
                std::to_string(7 + i) + " AND deployed_at IS NOT NULL" + time_filter;
    }
    EMM_RETURN_IF_ERROR(db.Query(
        merged + " ORDER BY deployed_at, id LIMIT ?5 OFFSET ?6",
        [&](sqlite3_stmt* st) {
          bind_page(st);
          for (size_t i = 0; i < groups.size(); ++i) {
            sqlite3_bind_int64(st, static_cast<int>(7 + i), groups[i]);
          }
        },
        collect));
  } else {
    EMM_RETURN_IF_ERROR(db.Query(
        std::string("SELECT ") + kDeploymentColumns +
            " FROM deployments WHERE deployed_at IS NOT NULL" + group_filter + time_filter +
            " ORDER BY deployed_at, id LIMIT ?5 OFFSET ?6",
        [&](sqlite3_stmt* st) {
          bind_filters(st);
          bind_page(st);
        },
        collect));
  }
  // A time range excludes what is not deployed; a full page needs nothing more.
  if (q.from || q.to || static_cast<int64_t>(out.size()) >= q.limit) return out;

  // How many deployed rows the offset skipped: known unless the page came back empty.
  int64_t deployed_total = q.offset + static_cast<int64_t>(out.size());
  if (out.empty() && q.offset > 0) {
    EMM_RETURN_IF_ERROR(
        db.Query("SELECT count(*) FROM deployments WHERE deployed_at IS NOT NULL" + group_filter,
                 bind_filters, [&](sqlite3_stmt* st) {
                   deployed_total = sqlite3_column_int64(st, 0);
                   return Status::Ok();
                 }));
  }
  const int64_t rest_offset = q.offset > deployed_total ? q.offset - deployed_total : 0;
  const int64_t rest_limit = q.limit - static_cast<int64_t>(out.size());
  EMM_RETURN_IF_ERROR(db.Query(
      std::string("SELECT ") + kDeploymentColumns + " FROM deployments WHERE deployed_at IS NULL" +
          filters + " ORDER BY id LIMIT ?5 OFFSET ?6",
      [&](sqlite3_stmt* st) {
        bind_filters(st);
        sqlite3_bind_int64(st, 5, rest_limit);
        sqlite3_bind_int64(st, 6, rest_offset);
      },
      collect));
  return out;
}

Result<std::vector<Incident>> ListIncidents(Statements& db, const IncidentQuery& q) {
  std::string sql = std::string("SELECT ") + kIncidentColumns + " FROM incidents WHERE 1 = 1";
  if (q.filter == IncidentFilter::kInProgress) sql += " AND restored_at IS NULL";
  if (q.filter == IncidentFilter::kUnfinished) {
    sql += " AND (finished_at IS NULL OR restored_at IS NULL)";
  }
  if (q.project_id) sql += " AND project_id = ?1";
  sql += " ORDER BY started_at, id";
  std::vector<Incident> out;
  Status s = db.Query(
      sql,
      [&](sqlite3_stmt* st) {
        if (q.project_id) BindText(st, 1, *q.project_id);
      },
      [&](sqlite3_stmt* st) {
        out.push_back(ReadRow<Incident>(st));
        return Status::Ok();
      });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<SeriesState>> ListSeries(Statements& db) {
  std::vector<SeriesState> out;
  Status s = db.Query(std::string("SELECT ") + kSeriesColumns +
                          " FROM metric_series ORDER BY metric, project_id, team_id, environment, "
                          "ticket_type",
                      nullptr, [&](sqlite3_stmt* st) {
                        out.push_back(ReadRow<SeriesState>(st));
                        return Status::Ok();
                      });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<domain::ExportMark>> ListExportMarks(Statements& db) {
  std::vector<domain::ExportMark> out;
  Status s = db.Query(std::string("SELECT ") + kExportMarkColumns + " FROM export_marks", nullptr,
                      [&](sqlite3_stmt* st) {
                        out.push_back(ReadRow<domain::ExportMark>(st));
                        return Status::Ok();
                      });
  if (!s.ok()) return s;
  return out;
}

}  // namespace emm::storage::sqlite
