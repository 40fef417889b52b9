#include "storage/postgres/pg_event_rows.h"

namespace emm::storage::postgres {

using domain::Deployment;
using domain::Incident;
using domain::SeriesKey;
using domain::SeriesState;

template <typename T>
T PgRow::Keep(Result<T> v) {
  ++col_;
  if (v.ok()) return std::move(v).value();
  if (status_.ok()) status_ = v.status();
  return T{};
}

int64_t PgRow::Int() { return Keep(r_.Int64(row_, col_)); }
std::optional<int64_t> PgRow::OptInt() { return Keep(r_.OptionalInt64(row_, col_)); }
double PgRow::Double() { return Keep(r_.Double(row_, col_)); }
std::optional<double> PgRow::OptDouble() {
  if (IsNull()) {
    ++col_;
    return std::nullopt;
  }
  return Double();
}

namespace {

// The value, or the row's first error.
template <typename T>
Result<T> Done(const PgRow& row, T value) {
  if (!row.status().ok()) return row.status();
  return value;
}

}  // namespace

void AddDeployment(PgParams& p, const Deployment& d) {
  p.Add(d.id).Add(d.project_id).Add(d.team_id).Add(d.environment);
  p.Add(d.first_commit_at.value_or(kNoFirstCommit)).Add(d.deploy_start_at).Add(d.deployed_at);
  p.Add(domain::DeploymentStatusName(d.status)).Add(d.created_at);
  p.Add(domain::DeploymentKindName(d.kind)).Add(d.commit_sha);
  p.Add(int64_t{d.failed ? 1 : 0}).Add(d.recovered_at);
}

void AddIncident(PgParams& p, const Incident& i) {
  p.Add(i.id).Add(i.project_id).Add(i.team_id).Add(i.environment).Add(i.deployment_id);
  p.Add(i.started_at).Add(i.restored_at).Add(i.finished_at).Add(i.created_at);
}

void AddPullRequest(PgParams& p, const domain::PullRequest& pr) {
  p.Add(pr.id).Add(pr.team_id).Add(pr.opened_at).Add(pr.closed_at).Add(pr.merged_at);
  p.Add(pr.first_review_at).Add(pr.first_approved_at).Add(pr.reviews).Add(pr.comments);
  p.Add(pr.additions).Add(pr.deletions).Add(pr.created_at).Add(pr.author);
}

void AddTicket(PgParams& p, const domain::Ticket& t) {
  p.Add(t.id).Add(t.external_id).Add(t.team_id).Add(t.project_id).Add(t.created_at);
  p.Add(t.updated_at).Add(t.started_at).Add(t.finished_at).Add(t.parent_ticket_id);
  p.Add(t.actor_hash).Add(t.ticket_type).Add(domain::TicketStatusName(t.status));
  p.Add(t.current_estimation).Add(t.initial_estimation).Add(t.final_estimation);
  p.Add(t.first_done_at).Add(t.recorded_at);
}

void AddSeriesKey(PgParams& p, const SeriesKey& k) {
  p.Add(k.metric).Add(k.project_id).Add(k.team_id).Add(k.environment).Add(k.ticket_type);
}

void AddSeries(PgParams& p, const SeriesState& s) {
  AddSeriesKey(p, s.key);
  p.Add(MetricKindText(s.kind)).Add(s.start_ms).Add(s.updated_ms);
  p.Add(static_cast<int64_t>(s.count)).Add(s.sum).Add(s.min).Add(s.max);
  p.Add(EncodeBuckets(s.buckets));
}

void AddExportMark(PgParams& p, const domain::ExportMark& m) {
  AddSeriesKey(p, m.key);
  p.Add(m.series_start_ms).Add(m.acked_ms).Add(static_cast<int64_t>(m.count)).Add(m.sum);
  p.Add(EncodeBuckets(m.buckets));
}

Result<Deployment> ReadDeployment(PgRow row) {
  Deployment d;
  d.id = row.Text();
  d.project_id = row.Text();
  d.team_id = row.Text();
  d.environment = row.Text();
  d.first_commit_at = FirstCommitOf(row.Int());
  d.deploy_start_at = row.Int();
  d.deployed_at = row.OptInt();
  d.status = DeploymentStatusFromText(row.Text());
  d.created_at = row.Int();
  d.kind = DeploymentKindFromText(row.Text());
  d.commit_sha = row.Text();
  d.failed = row.Int() != 0;
  d.recovered_at = row.OptInt();
  return Done(row, std::move(d));
}

Result<Incident> ReadIncident(PgRow row) {
  Incident i;
  i.id = row.Text();
  i.project_id = row.Text();
  i.team_id = row.Text();
  i.environment = row.Text();
  i.deployment_id = row.OptText();
  i.started_at = row.Int();
  i.restored_at = row.OptInt();
  i.finished_at = row.OptInt();
  i.created_at = row.Int();
  return Done(row, std::move(i));
}

Result<domain::PullRequest> ReadPullRequest(PgRow row) {
  domain::PullRequest pr;
  pr.id = row.Text();
  pr.team_id = row.Text();
  pr.opened_at = row.Int();
  pr.closed_at = row.OptInt();
  pr.merged_at = row.OptInt();
  pr.first_review_at = row.OptInt();
  pr.first_approved_at = row.OptInt();
  pr.reviews = row.Int();
  pr.comments = row.Int();
  pr.additions = row.OptInt();
  pr.deletions = row.OptInt();
  pr.created_at = row.Int();
  pr.author = row.Text();
  return Done(row, std::move(pr));
}

Result<domain::Ticket> ReadTicket(PgRow row) {
  domain::Ticket t;
  t.id = row.Text();
  t.external_id = row.Text();
  t.team_id = row.Text();
  t.project_id = row.Text();
  t.created_at = row.Int();
  t.updated_at = row.OptInt();
  t.started_at = row.OptInt();
  t.finished_at = row.OptInt();
  t.parent_ticket_id = row.OptText();
  t.actor_hash = row.Text();
  t.ticket_type = row.Text();
  t.status = TicketStatusFromText(row.Text());
  t.current_estimation = row.OptDouble();
  t.initial_estimation = row.OptDouble();
  t.final_estimation = row.OptDouble();
  t.first_done_at = row.OptInt();
  t.recorded_at = row.Int();
  return Done(row, std::move(t));
}

Result<SeriesState> ReadSeries(PgRow row) {
  SeriesState s;
  s.key.metric = row.Text();
  s.key.project_id = row.Text();
  s.key.team_id = row.Text();
  s.key.environment = row.Text();
  s.kind = MetricKindFromText(row.Text());
  s.start_ms = row.Int();
  s.updated_ms = row.Int();
  s.count = static_cast<uint64_t>(row.Int());
  s.sum = row.Double();
  s.min = row.Double();
  s.max = row.Double();
  s.buckets = DecodeBuckets(row.Text());
  s.key.ticket_type = row.Text();
  return Done(row, std::move(s));
}

Result<domain::PullRequestReview> ReadReview(PgRow row) {
  domain::PullRequestReview r;
  r.pull_request_id = row.Text();
  r.reviewed_at = row.Int();
  r.approved = row.Int() != 0;
  r.comments = row.Int();
  r.reviewer = row.Text();
  return Done(row, std::move(r));
}

Result<domain::DeploymentAlias> ReadDeploymentAlias(PgRow row) {
  domain::DeploymentAlias a;
  a.alias = row.Text();
  a.deployment_id = row.Text();
  a.at = row.Int();
  return Done(row, std::move(a));
}

Result<domain::Delivery> ReadDelivery(PgRow row) {
  domain::Delivery d;
  d.source = row.Text();
  d.id = row.Text();
  d.at = row.Int();
  return Done(row, std::move(d));
}

Result<domain::TicketStatusChange> ReadStatusChange(PgRow row) {
  domain::TicketStatusChange c;
  c.ticket_id = row.Text();
  std::optional<std::string> from = row.OptText();
  if (from) c.from = TicketStatusFromText(*from);
  c.to = TicketStatusFromText(row.Text());
  c.at = row.Int();
  c.recorded_at = row.Int();
  return Done(row, std::move(c));
}

Result<domain::TicketEstimationChange> ReadEstimationChange(PgRow row) {
  domain::TicketEstimationChange c;
  c.ticket_id = row.Text();
  c.from = row.Double();
  c.to = row.Double();
  c.at = row.Int();
  c.recorded_at = row.Int();
  return Done(row, std::move(c));
}

Result<domain::ExportMark> ReadExportMark(PgRow row) {
  domain::ExportMark m;
  m.key.metric = row.Text();
  m.key.project_id = row.Text();
  m.key.team_id = row.Text();
  m.key.environment = row.Text();
  m.key.ticket_type = row.Text();
  m.series_start_ms = row.Int();
  m.acked_ms = row.Int();
  m.count = static_cast<uint64_t>(row.Int());
  m.sum = row.Double();
  m.buckets = DecodeBuckets(row.Text());
  return Done(row, std::move(m));
}

}  // namespace emm::storage::postgres
