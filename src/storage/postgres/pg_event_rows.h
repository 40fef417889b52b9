// How the event and metric-state tables' rows are bound to PgParams and read back from a PgResult
// row (deployments, incidents, pull requests and their reviews, tickets and their histories,
// metric series, export marks), in the column order of storage/event_columns.h, the lists and
// value conversions every backend shares (SQLite's counterpart: sqlite/event_rows.h). Internal to
// the PostgreSQL store; its write transaction and its reads both use them.
#pragma once

#include <string>

#include "common/status.h"
#include "domain/events.h"
#include "domain/metrics.h"
#include "domain/transaction.h"
#include "storage/event_columns.h"
#include "storage/postgres/pg_connection.h"

namespace emm::storage::postgres {

// Reads one row's columns left to right, from `col`; the first error (a column that does not
// parse) is kept and returned by status(), the values read after it are defaults.
class PgRow {
 public:
  PgRow(const PgResult& r, int row, int col = 0) : r_(r), row_(row), col_(col) {}

  std::string Text() { return std::string(r_.Text(row_, col_++)); }
  std::optional<std::string> OptText() { return r_.OptionalText(row_, col_++); }
  int64_t Int();
  std::optional<int64_t> OptInt();
  double Double();
  std::optional<double> OptDouble();
  bool IsNull() const { return r_.IsNull(row_, col_); }
  void Skip() { ++col_; }
  const Status& status() const { return status_; }

 private:
  template <typename T>
  T Keep(Result<T> v);

  const PgResult& r_;
  int row_;
  int col_;
  Status status_ = Status::Ok();
};

// The columns of kDeploymentColumns (13), kIncidentColumns (9), kPullRequestColumns (13),
// kTicketColumns (17) in order: $1, $2, ... of a statement that starts with them.
void AddDeployment(PgParams& p, const domain::Deployment& d);
void AddIncident(PgParams& p, const domain::Incident& i);
void AddPullRequest(PgParams& p, const domain::PullRequest& pr);
void AddTicket(PgParams& p, const domain::Ticket& t);
// metric, project_id, team_id, environment, ticket_type (5).
void AddSeriesKey(PgParams& p, const domain::SeriesKey& k);
// The series key (5), then kind, start_ms, updated_ms, count, sum, min, max, buckets (8).
void AddSeries(PgParams& p, const domain::SeriesState& s);
// The series key (5), then series_start_ms, acked_ms, count, sum, buckets (5).
void AddExportMark(PgParams& p, const domain::ExportMark& m);

// Readers of a row whose columns from `row`'s position are the table's column list (for the
// reviews, changes and marks: the columns named beside them).
Result<domain::Deployment> ReadDeployment(PgRow row);
Result<domain::Incident> ReadIncident(PgRow row);
Result<domain::PullRequest> ReadPullRequest(PgRow row);
Result<domain::Ticket> ReadTicket(PgRow row);
Result<domain::SeriesState> ReadSeries(PgRow row);  // kSeriesColumns
constexpr const char* kReviewColumns = "pull_request_id, reviewed_at, approved, comments, reviewer";
Result<domain::PullRequestReview> ReadReview(PgRow row);
constexpr const char* kStatusChangeColumns =
    "ticket_id, from_status, to_status, changed_at, recorded_at";
Result<domain::TicketStatusChange> ReadStatusChange(PgRow row);
// (alias, deployment_id, at) and (source, id, received_at): what a copy moves.
Result<domain::DeploymentAlias> ReadDeploymentAlias(PgRow row);
Result<domain::Delivery> ReadDelivery(PgRow row);
constexpr const char* kEstimationChangeColumns =
    "ticket_id, from_estimation, to_estimation, changed_at, recorded_at";
Result<domain::TicketEstimationChange> ReadEstimationChange(PgRow row);
constexpr const char* kExportMarkColumns =
    "metric, project_id, team_id, environment, ticket_type, series_start_ms, acked_ms, count, "
    "sum, buckets";
Result<domain::ExportMark> ReadExportMark(PgRow row);

// Every row of `r` through `read`, in order; the first error stops.
template <typename T>
Result<std::vector<T>> ReadAll(const PgResult& r, Result<T> (*read)(PgRow)) {
  std::vector<T> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    Result<T> v = read(PgRow(r, i));
    if (!v.ok()) return v.status();
    out.push_back(std::move(v).value());
  }
  return out;
}

// ReadAll on a statement's result, or its error.
template <typename T>
Result<std::vector<T>> Rows(Result<PgResult> r, Result<T> (*read)(PgRow)) {
  if (!r.ok()) return r.status();
  return ReadAll(*r, read);
}

}  // namespace emm::storage::postgres
