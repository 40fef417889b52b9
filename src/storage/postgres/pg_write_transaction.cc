#include "storage/postgres/pg_write_transaction.h"

#include <algorithm>

#include "storage/event_columns.h"
#include "storage/postgres/pg_event_rows.h"

namespace emm::storage::postgres {
namespace {

using domain::Deployment;
using domain::Incident;
using domain::SeriesKey;
using domain::SeriesState;

// The DORA group (team, project, environment) of the row a statement writes, created when new:
// what SQLite's *_group_on_insert and *_group_on_team_change triggers do. The CTE's insert is not
// visible to the same statement's reads, so the new id comes from its RETURNING.
std::string GroupCte(const std::string& team, const std::string& project, const std::string& env) {
  return "WITH g AS (INSERT INTO dora_groups (team_id, project_id, environment) VALUES (" + team +
         ", " + project + ", " + env + ") ON CONFLICT DO NOTHING RETURNING id) ";
}
std::string GroupId(const std::string& team, const std::string& project, const std::string& env) {
  return "coalesce((SELECT id FROM g), (SELECT id FROM dora_groups WHERE team_id = " + team +
         " AND project_id = " + project + " AND environment = " + env + "))";
}

std::string Select(const char* columns, const char* rest) {
  return std::string("SELECT ") + columns + " " + rest;
}

// The first row through `read`, or none.
template <typename T>
Result<std::optional<T>> FirstRow(Result<PgResult> r, Result<T> (*read)(PgRow)) {
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return std::optional<T>();
  Result<T> v = read(PgRow(*r, 0));
  if (!v.ok()) return v.status();
  return std::optional<T>(std::move(v).value());
}

// Every row through `read`, then `fn` on each in order.
template <typename T>
Status EachRow(Result<PgResult> r, Result<T> (*read)(PgRow),
               const std::function<Status(const T&)>& fn) {
  if (!r.ok()) return r.status();
  for (int i = 0; i < r->rows(); ++i) {
    Result<T> v = read(PgRow(*r, i));
    if (!v.ok()) return v.status();
    EMM_RETURN_IF_ERROR(fn(*v));
  }
  return Status::Ok();
}

PgParams One(std::string_view v) { return std::move(PgParams().Add(v)); }

}  // namespace

Status PgWriteTransaction::Exec(const std::string& name, std::string_view sql,
                                const PgParams& params) {
  return conn_.Send(name, sql, params);
}

Status PgWriteTransaction::InsertNew(const std::string& name, std::string_view sql,
                                     const PgParams& params, std::string_view what) {
  auto r = conn_.Run(name, sql, params);
  if (!r.ok()) return r.status();
  if (r->affected() == 0) return Status::AlreadyExists("id", std::string(what) + " exists already");
  return Status::Ok();
}

Result<int64_t> PgWriteTransaction::Count(const std::string& name, std::string_view sql,
                                          std::string_view arg) {
  auto r = conn_.Run(name, sql, One(arg));
  if (!r.ok()) return r.status();
  return r->Int64(0, 0);
}

Result<std::optional<Deployment>> PgWriteTransaction::FindDeployment(std::string_view id) {
  static const std::string sql = Select(kDeploymentColumns, "FROM deployments WHERE id = $1");
  return FirstRow(conn_.Run("emm_find_deployment", sql, One(id)), &ReadRow<Deployment>);
}

Status PgWriteTransaction::InsertDeployment(const Deployment& d) {
  // dora_fact stays NULL: PostgreSQL's DORA reads use the plain columns.
  static const std::string sql =
      GroupCte("$3", "$2", "$4") + "INSERT INTO deployments (" + kDeploymentColumns +
      ", group_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, " +
      GroupId("$3", "$2", "$4") + ") ON CONFLICT (id) DO NOTHING";
  PgParams p;
  BindColumns(p, d);
  return InsertNew("emm_insert_deployment", sql, p, "deployment " + d.id);
}

Status PgWriteTransaction::UpdateDeployment(const Deployment& d) {
  // Only what a transition can change; the group follows the team.
  static const std::string sql =
      GroupCte("$2", "$9", "$10") +
      "UPDATE deployments SET team_id = $2, deployed_at = $3, status = $4, kind = $5, "
      "commit_sha = $6, failed = $7, recovered_at = $8, group_id = " +
      GroupId("$2", "$9", "$10") + " WHERE id = $1";
  // Incidents keep their deployment's deployed_at (SQLite's incidents_follow_deployed_at).
  static const std::string follow =
      "UPDATE incidents SET deployment_deployed_at = $2 WHERE deployment_id = $1 AND "
      "deployment_deployed_at IS DISTINCT FROM $2";
  PgParams p;
  p.Add(d.id).Add(d.team_id).Add(d.deployed_at).Add(domain::DeploymentStatusName(d.status));
  p.Add(domain::DeploymentKindName(d.kind)).Add(d.commit_sha).Add(int64_t{d.failed ? 1 : 0});
  p.Add(d.recovered_at).Add(d.project_id).Add(d.environment);
  EMM_RETURN_IF_ERROR(Exec("emm_update_deployment", sql, p));
  return Exec("emm_incidents_follow", follow, PgParams().Add(d.id).Add(d.deployed_at));
}

Result<std::optional<Incident>> PgWriteTransaction::FindIncident(std::string_view id) {
  static const std::string sql = Select(kIncidentColumns, "FROM incidents WHERE id = $1");
  return FirstRow(conn_.Run("emm_find_incident", sql, One(id)), &ReadRow<Incident>);
}

Status PgWriteTransaction::InsertIncident(const Incident& i) {
  // deployment_deployed_at: the linked deployment's, for time to detect (migration 4).
  static const std::string sql =
      GroupCte("$3", "$2", "$4") + "INSERT INTO incidents (" + kIncidentColumns +
      ", deployment_deployed_at, group_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
      "(SELECT deployed_at FROM deployments WHERE id = $5), " +
      GroupId("$3", "$2", "$4") + ") ON CONFLICT (id) DO NOTHING";
  PgParams p;
  BindColumns(p, i);
  return InsertNew("emm_insert_incident", sql, p, "incident " + i.id);
}

Status PgWriteTransaction::UpdateIncident(const Incident& i) {
  static const std::string sql =
      GroupCte("$2", "$5", "$6") +
      "UPDATE incidents SET team_id = $2, restored_at = $3, finished_at = $4, group_id = " +
      GroupId("$2", "$5", "$6") + " WHERE id = $1";
  PgParams p;
  p.Add(i.id).Add(i.team_id).Add(i.restored_at).Add(i.finished_at);
  p.Add(i.project_id).Add(i.environment);
  return Exec("emm_update_incident", sql, p);
}

Result<int64_t> PgWriteTransaction::CountIncidentsOfDeployment(std::string_view deployment_id) {
  return Count("emm_count_incidents_of_deployment",
               "SELECT count(*) FROM incidents WHERE deployment_id = $1", deployment_id);
}

Result<int64_t> PgWriteTransaction::CountIncidentsOfProject(std::string_view project_id) {
  return Count("emm_count_incidents_of_project",
               "SELECT count(*) FROM incidents WHERE project_id = $1", project_id);
}

Status PgWriteTransaction::PutDeploymentAlias(std::string_view alias,
                                              std::string_view deployment_id, TimeMs at) {
  return Exec("emm_put_alias",
              "INSERT INTO deployment_aliases (alias, deployment_id, at) VALUES ($1, $2, $3) "
              "ON CONFLICT (alias) DO UPDATE SET deployment_id = excluded.deployment_id, "
              "at = excluded.at WHERE excluded.at >= deployment_aliases.at",
              PgParams().Add(alias).Add(deployment_id).Add(at));
}

Result<std::optional<std::string>> PgWriteTransaction::FindDeploymentByAlias(
    std::string_view alias) {
  auto r = conn_.Run("emm_find_alias",
                     "SELECT deployment_id FROM deployment_aliases WHERE alias = $1", One(alias));
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return std::optional<std::string>();
  return std::optional<std::string>(std::string(r->Text(0, 0)));
}

Result<std::optional<domain::PullRequest>> PgWriteTransaction::FindPullRequest(
    std::string_view id) {
  static const std::string sql = Select(kPullRequestColumns, "FROM pull_requests WHERE id = $1");
  return FirstRow(conn_.Run("emm_find_pull_request", sql, One(id)), &ReadRow<domain::PullRequest>);
}

Status PgWriteTransaction::InsertPullRequest(const domain::PullRequest& pr) {
  static const std::string sql =
      std::string("INSERT INTO pull_requests (") + kPullRequestColumns +
      ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
      "ON CONFLICT (id) DO NOTHING";
  PgParams p;
  BindColumns(p, pr);
  return InsertNew("emm_insert_pull_request", sql, p, "pull request " + pr.id);
}

Status PgWriteTransaction::UpdatePullRequest(const domain::PullRequest& pr) {
  PgParams p;
  p.Add(pr.id).Add(pr.closed_at).Add(pr.merged_at).Add(pr.first_review_at);
  p.Add(pr.first_approved_at).Add(pr.reviews).Add(pr.comments);
  return Exec("emm_update_pull_request",
              "UPDATE pull_requests SET closed_at = $2, merged_at = $3, first_review_at = $4, "
              "first_approved_at = $5, reviews = $6, comments = $7 WHERE id = $1",
              p);
}

Status PgWriteTransaction::InsertPullRequestReview(const domain::PullRequestReview& r) {
  // team_id and pull_request_opened_at: the pull request's, for team health (migration 9; SQLite's
  // pull_request_reviews_team_on_insert).
  static const std::string sql = std::string("INSERT INTO pull_request_reviews (") +
                                 kReviewColumns +
                                 ", team_id, pull_request_opened_at) VALUES ($1, $2, $3, $4, $5, "
                                 "(SELECT team_id FROM pull_requests WHERE id = $1), "
                                 "(SELECT opened_at FROM pull_requests WHERE id = $1))";
  PgParams p;
  BindColumns(p, r);
  return Exec("emm_insert_review", sql, p);
}

Status PgWriteTransaction::InsertDelivery(std::string_view source, std::string_view id, TimeMs at) {
  return InsertNew("emm_insert_delivery",
                   "INSERT INTO webhook_deliveries (source, id, received_at) VALUES ($1, $2, $3) "
                   "ON CONFLICT DO NOTHING",
                   PgParams().Add(source).Add(id).Add(at),
                   "delivery " + std::string(source) + "/" + std::string(id));
}

Result<std::optional<domain::Ticket>> PgWriteTransaction::FindTicket(std::string_view id) {
  static const std::string sql = Select(kTicketColumns, "FROM tickets WHERE id = $1");
  return FirstRow(conn_.Run("emm_find_ticket", sql, One(id)), &ReadRow<domain::Ticket>);
}

Status PgWriteTransaction::PutTicket(const domain::Ticket& t) {
  // An upsert: replacing the row would delete what its history refers to.
  static const std::string sql =
      std::string("INSERT INTO tickets (") + kTicketColumns +
      ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) " +
      kTicketUpsert;
  PgParams p;
  BindColumns(p, t);
  EMM_RETURN_IF_ERROR(Exec("emm_put_ticket", sql, p));
  // Its status changes move with it to its new team (SQLite's tickets_team_moves).
  return Exec("emm_ticket_team_moves",
              "UPDATE ticket_status_changes SET team_id = $2 WHERE ticket_id = $1 AND "
              "team_id IS DISTINCT FROM $2",
              PgParams().Add(t.id).Add(t.team_id));
}

Status PgWriteTransaction::InsertTicketStatusChange(const domain::TicketStatusChange& c) {
  // team_id: the ticket's, for team health (migration 11; SQLite's
  // ticket_status_changes_team_on_insert).
  static const std::string sql = std::string("INSERT INTO ticket_status_changes (") +
                                 kStatusChangeColumns +
                                 ", team_id) VALUES ($1, $2, $3, $4, $5, "
                                 "(SELECT team_id FROM tickets WHERE id = $1))";
  PgParams p;
  BindColumns(p, c);
  return Exec("emm_insert_status_change", sql, p);
}

Status PgWriteTransaction::InsertTicketEstimationChange(const domain::TicketEstimationChange& c) {
  static const std::string sql = std::string("INSERT INTO ticket_estimation_changes (") +
                                 kEstimationChangeColumns + ") VALUES ($1, $2, $3, $4, $5)";
  PgParams p;
  BindColumns(p, c);
  return Exec("emm_insert_estimation_change", sql, p);
}

Result<bool> PgWriteTransaction::HasChildTickets(std::string_view external_id) {
  auto r = conn_.Run("emm_has_children",
                     "SELECT EXISTS (SELECT 1 FROM tickets WHERE parent_ticket_id = $1)",
                     One(external_id));
  if (!r.ok()) return r.status();
  return r->Text(0, 0) == "t";
}

// The metric state is read and written in the batch's transaction, under the write lock: READ
// COMMITTED sees what every replica's earlier batches wrote. The cache spares the repeated reads
// and writes of one series within the batch.
Result<std::optional<SeriesState>> PgWriteTransaction::FindSeries(const SeriesKey& key) {
  if (auto known = series_.Known(key)) return *known;
  static const std::string sql =
      Select(kSeriesColumns,
             "FROM metric_series WHERE metric = $1 AND project_id = $2 AND team_id = $3 AND "
             "environment = $4 AND ticket_type = $5");
  PgParams p;
  BindColumns(p, key);
  auto found = FirstRow(conn_.Run("emm_find_series", sql, p), &ReadRow<SeriesState>);
  if (found.ok() && found->has_value()) series_.Loaded(key, **found, 0);
  return found;
}

Status PgWriteTransaction::PutSeries(const SeriesState& s) {
  if (!series_.active()) {
    const SeriesState* one[] = {&s};
    return UpsertSeries(one);
  }
  series_.Put(s);
  return Status::Ok();
}

Status PgWriteTransaction::ClearSeries() {
  if (!series_.active()) return Exec("emm_clear_series", "DELETE FROM metric_series", PgParams());
  series_.Clear();
  return Status::Ok();
}

Status PgWriteTransaction::FlushSeries() {
  if (series_.cleared()) {
    EMM_RETURN_IF_ERROR(Exec("emm_clear_series", "DELETE FROM metric_series", PgParams()));
  }
  std::vector<const SeriesState*> dirty;
  EMM_RETURN_IF_ERROR(series_.ForEachDirty([&](SeriesCache::Entry& e) {
    dirty.push_back(&e.state);
    return Status::Ok();
  }));
  return UpsertSeries(dirty);
}

Status PgWriteTransaction::UpsertSeries(std::span<const SeriesState* const> states) {
  // One statement per chunk, not per series: a batch's flush is a round trip or two. A statement
  // is prepared per row count (at most kSeriesPerStatement of them per connection).
  constexpr size_t kSeriesPerStatement = 32;
  constexpr int kColumns = 13;
  for (size_t at = 0; at < states.size(); at += kSeriesPerStatement) {
    auto chunk = states.subspan(at, std::min(kSeriesPerStatement, states.size() - at));
    std::string sql = std::string("INSERT INTO metric_series (") + kSeriesColumns + ") VALUES ";
    PgParams p;
    for (size_t row = 0; row < chunk.size(); ++row) {
      sql += row == 0 ? "(" : ", (";
      for (int col = 1; col <= kColumns; ++col) {
        sql += (col == 1 ? "$" : ", $") + std::to_string(row * kColumns + col);
      }
      sql += ")";
      BindColumns(p, *chunk[row]);
    }
    sql +=
        " ON CONFLICT (metric, project_id, team_id, environment, ticket_type) DO UPDATE SET "
        "kind = excluded.kind, start_ms = excluded.start_ms, updated_ms = excluded.updated_ms, "
        "count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max, "
        "buckets = excluded.buckets";
    EMM_RETURN_IF_ERROR(Exec("emm_put_series_" + std::to_string(chunk.size()), sql, p));
  }
  return Status::Ok();
}

Status PgWriteTransaction::PutExportMark(const domain::ExportMark& m) {
  PgParams p;
  BindColumns(p, m);
  return Exec("emm_put_export_mark",
              std::string("INSERT INTO export_marks (") + kExportMarkColumns +
                  ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
                  "ON CONFLICT ON CONSTRAINT export_marks_pkey DO UPDATE SET "
                  "series_start_ms = excluded.series_start_ms, acked_ms = excluded.acked_ms, "
                  "count = excluded.count, sum = excluded.sum, buckets = excluded.buckets",
              p);
}

// The full scans, for rebuilding the metric state: each reads its whole table in one result.
Status PgWriteTransaction::ForEachDeployment(const std::function<Status(const Deployment&)>& fn) {
  static const std::string sql =
      Select(kDeploymentColumns, "FROM deployments ORDER BY created_at, id");
  return EachRow(conn_.Run("emm_each_deployment", sql, PgParams()), &ReadRow<Deployment>, fn);
}

Status PgWriteTransaction::ForEachIncident(const std::function<Status(const Incident&)>& fn) {
  static const std::string sql = Select(kIncidentColumns, "FROM incidents ORDER BY created_at, id");
  return EachRow(conn_.Run("emm_each_incident", sql, PgParams()), &ReadRow<Incident>, fn);
}

Status PgWriteTransaction::ForEachPullRequest(
    const std::function<Status(const domain::PullRequest&)>& fn) {
  static const std::string sql =
      Select(kPullRequestColumns, "FROM pull_requests ORDER BY created_at, id");
  return EachRow(conn_.Run("emm_each_pull_request", sql, PgParams()), &ReadRow<domain::PullRequest>,
                 fn);
}

// The tables without a key of their own are read in the order stored: by seq, PostgreSQL's
// stand-in for SQLite's rowid (pg_migrations.cc), which no UPDATE (a ticket's team move rewrites
// its status changes) nor a VACUUM changes, unlike ctid.
Status PgWriteTransaction::ForEachPullRequestReview(
    const std::function<Status(const domain::PullRequestReview&)>& fn) {
  static const std::string sql = Select(kReviewColumns, "FROM pull_request_reviews ORDER BY seq");
  return EachRow(conn_.Run("emm_each_review", sql, PgParams()), &ReadRow<domain::PullRequestReview>,
                 fn);
}

Status PgWriteTransaction::ForEachTicket(const std::function<Status(const domain::Ticket&)>& fn) {
  static const std::string sql = Select(kTicketColumns, "FROM tickets ORDER BY recorded_at, id");
  return EachRow(conn_.Run("emm_each_ticket", sql, PgParams()), &ReadRow<domain::Ticket>, fn);
}

Status PgWriteTransaction::ForEachTicketStatusChange(
    const std::function<Status(const domain::TicketStatusChange&)>& fn) {
  static const std::string sql =
      Select(kStatusChangeColumns, "FROM ticket_status_changes ORDER BY seq");
  return EachRow(conn_.Run("emm_each_status_change", sql, PgParams()),
                 &ReadRow<domain::TicketStatusChange>, fn);
}

Status PgWriteTransaction::ForEachTicketEstimationChange(
    const std::function<Status(const domain::TicketEstimationChange&)>& fn) {
  static const std::string sql =
      Select(kEstimationChangeColumns, "FROM ticket_estimation_changes ORDER BY seq");
  return EachRow(conn_.Run("emm_each_estimation_change", sql, PgParams()),
                 &ReadRow<domain::TicketEstimationChange>, fn);
}

Status PgWriteTransaction::ForEachDeploymentAlias(
    const std::function<Status(const domain::DeploymentAlias&)>& fn) {
  static const std::string sql = Select(kAliasColumns, "FROM deployment_aliases ORDER BY alias");
  return EachRow(conn_.Run("emm_each_alias", sql, PgParams()), &ReadRow<domain::DeploymentAlias>,
                 fn);
}

Status PgWriteTransaction::ForEachDelivery(
    const std::function<Status(const domain::Delivery&)>& fn) {
  static const std::string sql =
      Select(kDeliveryColumns, "FROM webhook_deliveries ORDER BY source, id");
  return EachRow(conn_.Run("emm_each_delivery", sql, PgParams()), &ReadRow<domain::Delivery>, fn);
}

}  // namespace emm::storage::postgres
