#include "storage/postgres/pg_event_queries.h"

#include <cstdint>
#include <string>

#include "storage/event_columns.h"
#include "storage/postgres/pg_dora_queries.h"  // PgStatement
#include "storage/postgres/pg_event_rows.h"

namespace emm::storage::postgres {

using domain::Deployment;
using domain::Incident;
using domain::SeriesState;

// SQLite's order and paging (sqlite/event_queries.cc): by (deployed_at, id), the deployments not
// yet deployed last by id, read in two parts so that the first walks a time-ordered index.
Result<std::vector<domain::Deployment>> ListDeployments(PgConnection& conn,
                                                        const DeploymentQuery& q) {
  // Deployed deployments of a project through its (team, project, environment) groups: the group
  // index holds (group_id, deployed_at, id); there is no per-project index (migration 5).
  auto filtered = [&](PgStatement& st, bool deployed) {
    if (deployed && q.project_id) {
      st += " AND group_id IN (SELECT id FROM dora_groups WHERE project_id = " +
            st.Param(*q.project_id);
      if (q.environment) st += " AND environment = " + st.Param(*q.environment);
      st += ")";
      return;
    }
    if (q.project_id) st += " AND project_id = " + st.Param(*q.project_id);
    if (q.environment) st += " AND environment = " + st.Param(*q.environment);
  };
  const std::string select = std::string("SELECT ") + kDeploymentColumns + " FROM deployments";
  PgStatement page("emm_list_deployed");
  auto range = [&](PgStatement& st) {
    if (q.from) st += " AND deployed_at >= " + st.Param(*q.from);
    if (q.to) st += " AND deployed_at < " + st.Param(*q.to);
  };
  if (q.project_id) {
    // A project's page, as SQLite merges its groups' ordered ranges: each group's first
    // offset+limit keys from an index-only scan of deployments_dora_by_group (the inner LATERAL),
    // the page picked from those, and only the page's rows read from the table. Filtering the
    // table by group and sorting read all of a project's ~5,000 rows (docs/performance.md).
    page += "SELECT " + Prefixed(kDeploymentColumns, "d") +
            " FROM deployments d JOIN (SELECT x.id, x.deployed_at FROM dora_groups g CROSS JOIN "
            "LATERAL (SELECT id, deployed_at FROM deployments WHERE group_id = g.id AND "
            "deployed_at IS NOT NULL";
    range(page);
    // offset may be up to INT64_MAX (the API's bound): the sum saturates.
    const int64_t first = q.offset > INT64_MAX - q.limit ? INT64_MAX : q.offset + q.limit;
    page += " ORDER BY deployed_at, id LIMIT " + page.Param(first) +
            ") x WHERE g.project_id = " + page.Param(*q.project_id);
    if (q.environment) page += " AND g.environment = " + page.Param(*q.environment);
    page += " ORDER BY x.deployed_at, x.id LIMIT " + page.Param(q.limit) + " OFFSET " +
            page.Param(q.offset) + ") k ON d.id = k.id ORDER BY k.deployed_at, k.id";
  } else {
    page += select + " WHERE deployed_at IS NOT NULL";
    filtered(page, true);
    range(page);
    page += " ORDER BY deployed_at, id LIMIT " + page.Param(q.limit) + " OFFSET " +
            page.Param(q.offset);
  }
  auto out = Rows(page.Run(conn), &ReadRow<Deployment>);
  if (!out.ok()) return out;
  // A time range excludes what is not deployed; a full page needs nothing more.
  if (q.from || q.to || static_cast<int64_t>(out->size()) >= q.limit) return out;

  // How many deployed rows the offset skipped: known unless the page came back empty.
  int64_t deployed_total = q.offset + static_cast<int64_t>(out->size());
  if (out->empty() && q.offset > 0) {
    PgStatement count("emm_count_deployed");
    count += "SELECT count(*) FROM deployments WHERE deployed_at IS NOT NULL";
    filtered(count, true);
    auto r = count.Run(conn);
    if (!r.ok()) return r.status();
    auto n = r->Int64(0, 0);
    if (!n.ok()) return n.status();
    deployed_total = *n;
  }
  const int64_t rest_offset = q.offset > deployed_total ? q.offset - deployed_total : 0;
  const int64_t rest_limit = q.limit - static_cast<int64_t>(out->size());
  PgStatement rest("emm_list_undeployed");
  rest += select + " WHERE deployed_at IS NULL";
  filtered(rest, false);
  rest += " ORDER BY id LIMIT " + rest.Param(rest_limit) + " OFFSET " + rest.Param(rest_offset);
  auto more = Rows(rest.Run(conn), &ReadRow<Deployment>);
  if (!more.ok()) return more.status();
  for (auto& d : *more) out->push_back(std::move(d));
  return out;
}

Result<std::vector<domain::Incident>> ListIncidents(PgConnection& conn, const IncidentQuery& q) {
  PgStatement st("emm_list_incidents");
  st += std::string("SELECT ") + kIncidentColumns + " FROM incidents WHERE true";
  if (q.filter == IncidentFilter::kInProgress) st += " AND restored_at IS NULL";
  if (q.filter == IncidentFilter::kUnfinished) {
    st += " AND (finished_at IS NULL OR restored_at IS NULL)";
  }
  if (q.project_id) st += " AND project_id = " + st.Param(*q.project_id);
  st += " ORDER BY started_at, id";
  return Rows(st.Run(conn), &ReadRow<Incident>);
}

Result<std::vector<domain::SeriesState>> ListSeries(PgConnection& conn) {
  static const std::string sql =
      std::string("SELECT ") + kSeriesColumns +
      " FROM metric_series ORDER BY metric, project_id, team_id, environment, ticket_type";
  return Rows(conn.Run("emm_list_series", sql, PgParams()), &ReadRow<SeriesState>);
}

Result<std::vector<domain::ExportMark>> ListExportMarks(PgConnection& conn) {
  static const std::string sql = std::string("SELECT ") + kExportMarkColumns + " FROM export_marks";
  return Rows(conn.Run("emm_list_export_marks", sql, PgParams()), &ReadRow<domain::ExportMark>);
}

// In the order stored (seq: SQLite's rowid), as PgWriteTransaction's ForEachTicket*Change.
Result<TicketHistory> GetTicketHistory(PgConnection& conn, std::string_view id) {
  static const std::string statuses =
      std::string("SELECT ") + kStatusChangeColumns +
      " FROM ticket_status_changes WHERE ticket_id = $1 ORDER BY seq";
  static const std::string estimations =
      std::string("SELECT ") + kEstimationChangeColumns +
      " FROM ticket_estimation_changes WHERE ticket_id = $1 ORDER BY seq";
  TicketHistory out;
  auto s = Rows(conn.Run("emm_ticket_statuses", statuses, PgParams().Add(id)),
                &ReadRow<domain::TicketStatusChange>);
  if (!s.ok()) return s.status();
  out.statuses = std::move(s).value();
  auto e = Rows(conn.Run("emm_ticket_estimations", estimations, PgParams().Add(id)),
                &ReadRow<domain::TicketEstimationChange>);
  if (!e.ok()) return e.status();
  out.estimations = std::move(e).value();
  return out;
}

}  // namespace emm::storage::postgres
