#include "storage/postgres/pg_event_queries.h"

#include <string>

#include "storage/event_columns.h"
#include "storage/postgres/pg_event_rows.h"

namespace emm::storage::postgres {
namespace {

template <typename T>
Result<std::vector<T>> Rows(Result<PgResult> r, Result<T> (*read)(PgRow)) {
  if (!r.ok()) return r.status();
  return ReadAll(*r, read);
}

}  // namespace

Result<std::vector<domain::SeriesState>> ListSeries(PgConnection& conn) {
  static const std::string sql =
      std::string("SELECT ") + kSeriesColumns +
      " FROM metric_series ORDER BY metric, project_id, team_id, environment, ticket_type";
  return Rows(conn.Run("emm_list_series", sql, PgParams()), &ReadSeries);
}

Result<std::vector<domain::ExportMark>> ListExportMarks(PgConnection& conn) {
  static const std::string sql = std::string("SELECT ") + kExportMarkColumns + " FROM export_marks";
  return Rows(conn.Run("emm_list_export_marks", sql, PgParams()), &ReadExportMark);
}

// In the order stored, as PgWriteTransaction's ForEachTicket*Change.
Result<TicketHistory> GetTicketHistory(PgConnection& conn, std::string_view id) {
  static const std::string statuses =
      std::string("SELECT ") + kStatusChangeColumns +
      " FROM ticket_status_changes WHERE ticket_id = $1 ORDER BY recorded_at, ctid";
  static const std::string estimations =
      std::string("SELECT ") + kEstimationChangeColumns +
      " FROM ticket_estimation_changes WHERE ticket_id = $1 ORDER BY recorded_at, ctid";
  TicketHistory out;
  auto s = Rows(conn.Run("emm_ticket_statuses", statuses, PgParams().Add(id)), &ReadStatusChange);
  if (!s.ok()) return s.status();
  out.statuses = std::move(s).value();
  auto e = Rows(conn.Run("emm_ticket_estimations", estimations, PgParams().Add(id)),
                &ReadEstimationChange);
  if (!e.ok()) return e.status();
  out.estimations = std::move(e).value();
  return out;
}

}  // namespace emm::storage::postgres
