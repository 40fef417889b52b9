// Each record's fields in its table's column order (the lists of event_columns.h), written once
// for every backend: a template over the backend's column cursors, which inlines to the calls a
// hand-written reader or binder would make.
//
// A Row reads one result row's columns left to right (PostgreSQL's PgRow, SQLite's SqliteRow):
//   std::string Text();  std::optional<std::string> OptText();
//   int64_t Int();       std::optional<int64_t> OptInt();
//   double Double();     std::optional<double> OptDouble();
// A Params appends a statement's parameters in order, $1 / ?1 first (PgParams, SqliteParams):
//   Add(std::string_view), Add(int64_t), Add(double), Add(std::optional<T>) (NULL for none),
//   AddNull().
// Booleans are stored as 0/1, times as UTC milliseconds, enums as event_columns.h's text.
//
//   domain::Deployment d = ReadColumns<domain::Deployment>(row);
//   BindColumns(params, d);
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "domain/events.h"
#include "domain/metrics.h"
#include "domain/team_health.h"
#include "domain/ticket_health.h"
#include "domain/transaction.h"
#include "storage/event_columns.h"

namespace emm::storage {

// Columns<T>::Read(row) and Columns<T>::Bind(params, value): the columns of T's list, in order.
// Specialised below for each record a table holds.
template <typename T>
struct Columns;

template <typename T, typename Row>
T ReadColumns(Row& row) {
  return Columns<T>::Read(row);
}
template <typename Params, typename T>
void BindColumns(Params& p, const T& value) {
  Columns<T>::Bind(p, value);
}

template <>
struct Columns<domain::Deployment> {  // kDeploymentColumns (13)
  template <typename Row>
  static domain::Deployment Read(Row& row) {
    domain::Deployment d;
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
    return d;
  }
  template <typename Params>
  static void Bind(Params& p, const domain::Deployment& d) {
    p.Add(d.id).Add(d.project_id).Add(d.team_id).Add(d.environment);
    p.Add(d.first_commit_at.value_or(kNoFirstCommit)).Add(d.deploy_start_at).Add(d.deployed_at);
    p.Add(domain::DeploymentStatusName(d.status)).Add(d.created_at);
    p.Add(domain::DeploymentKindName(d.kind)).Add(d.commit_sha);
    p.Add(int64_t{d.failed ? 1 : 0}).Add(d.recovered_at);
  }
};

// A deployed deployment as the DORA figures read it (kDoraDeploymentColumns, 10).
template <typename Row>
domain::Deployment ReadDoraDeployment(Row& row) {
  domain::Deployment d;
  d.id = row.Text();
  d.project_id = row.Text();
  d.team_id = row.Text();
  d.environment = row.Text();
  d.first_commit_at = FirstCommitOf(row.Int());
  d.deploy_start_at = row.Int();
  d.deployed_at = row.Int();
  d.status = domain::DeploymentStatus::kDeployed;
  d.kind = DeploymentKindFromText(row.Text());
  d.failed = row.Int() != 0;
  d.recovered_at = row.OptInt();
  return d;
}

template <>
struct Columns<domain::Incident> {  // kIncidentColumns (9)
  template <typename Row>
  static domain::Incident Read(Row& row) {
    domain::Incident i;
    i.id = row.Text();
    i.project_id = row.Text();
    i.team_id = row.Text();
    i.environment = row.Text();
    i.deployment_id = row.OptText();
    i.started_at = row.Int();
    i.restored_at = row.OptInt();
    i.finished_at = row.OptInt();
    i.created_at = row.Int();
    return i;
  }
  template <typename Params>
  static void Bind(Params& p, const domain::Incident& i) {
    p.Add(i.id).Add(i.project_id).Add(i.team_id).Add(i.environment).Add(i.deployment_id);
    p.Add(i.started_at).Add(i.restored_at).Add(i.finished_at).Add(i.created_at);
  }
};

template <>
struct Columns<domain::PullRequest> {  // kPullRequestColumns (13)
  template <typename Row>
  static domain::PullRequest Read(Row& row) {
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
    return pr;
  }
  template <typename Params>
  static void Bind(Params& p, const domain::PullRequest& pr) {
    p.Add(pr.id).Add(pr.team_id).Add(pr.opened_at).Add(pr.closed_at).Add(pr.merged_at);
    p.Add(pr.first_review_at).Add(pr.first_approved_at).Add(pr.reviews).Add(pr.comments);
    p.Add(pr.additions).Add(pr.deletions).Add(pr.created_at).Add(pr.author);
  }
};

template <>
struct Columns<domain::PullRequestFact> {  // kPullRequestFactColumns (8); reviews read apart
  template <typename Row>
  static domain::PullRequestFact Read(Row& row) {
    domain::PullRequestFact pr;
    pr.id = row.Text();
    pr.team_id = row.Text();
    pr.author = row.Text();
    pr.opened_at = row.Int();
    pr.merged_at = row.OptInt();
    pr.closed_at = row.OptInt();
    pr.additions = row.OptInt();
    pr.deletions = row.OptInt();
    return pr;
  }
};

template <>
struct Columns<domain::PullRequestReview> {  // kReviewColumns (5)
  template <typename Row>
  static domain::PullRequestReview Read(Row& row) {
    domain::PullRequestReview r;
    r.pull_request_id = row.Text();
    r.reviewed_at = row.Int();
    r.approved = row.Int() != 0;
    r.comments = row.Int();
    r.reviewer = row.Text();
    return r;
  }
  template <typename Params>
  static void Bind(Params& p, const domain::PullRequestReview& r) {
    p.Add(r.pull_request_id).Add(r.reviewed_at).Add(int64_t{r.approved ? 1 : 0});
    p.Add(r.comments).Add(r.reviewer);
  }
};

template <>
struct Columns<domain::Ticket> {  // kTicketColumns (17)
  template <typename Row>
  static domain::Ticket Read(Row& row) {
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
    return t;
  }
  template <typename Params>
  static void Bind(Params& p, const domain::Ticket& t) {
    p.Add(t.id).Add(t.external_id).Add(t.team_id).Add(t.project_id).Add(t.created_at);
    p.Add(t.updated_at).Add(t.started_at).Add(t.finished_at).Add(t.parent_ticket_id);
    p.Add(t.actor_hash).Add(t.ticket_type).Add(domain::TicketStatusName(t.status));
    p.Add(t.current_estimation).Add(t.initial_estimation).Add(t.final_estimation);
    p.Add(t.first_done_at).Add(t.recorded_at);
  }
};

template <>
struct Columns<domain::TicketFact> {  // kTicketFactColumns (11), then the 3 computed (event_columns.h)
  template <typename Row>
  static domain::TicketFact Read(Row& row) {
    domain::TicketFact t;
    t.id = row.Text();
    t.team_id = row.Text();
    t.project_id = row.Text();
    t.ticket_type = row.Text();
    t.status = TicketStatusFromText(row.Text());
    t.created_at = row.Int();
    t.started_at = row.OptInt();
    t.finished_at = row.OptInt();
    t.first_done_at = row.OptInt();
    t.initial_estimation = row.OptDouble();
    t.final_estimation = row.OptDouble();
    t.parent = row.Int() != 0;
    t.canceled_at = row.OptInt();
    t.estimate_changes = static_cast<size_t>(row.Int());
    return t;
  }
};

template <>
struct Columns<domain::TicketStatusChange> {  // kStatusChangeColumns (5)
  template <typename Row>
  static domain::TicketStatusChange Read(Row& row) {
    domain::TicketStatusChange c;
    c.ticket_id = row.Text();
    if (std::optional<std::string> from = row.OptText()) c.from = TicketStatusFromText(*from);
    c.to = TicketStatusFromText(row.Text());
    c.at = row.Int();
    c.recorded_at = row.Int();
    return c;
  }
  template <typename Params>
  static void Bind(Params& p, const domain::TicketStatusChange& c) {
    p.Add(c.ticket_id);
    if (c.from) {
      p.Add(domain::TicketStatusName(*c.from));
    } else {
      p.AddNull();
    }
    p.Add(domain::TicketStatusName(c.to)).Add(c.at).Add(c.recorded_at);
  }
};

template <>
struct Columns<domain::TicketEstimationChange> {  // kEstimationChangeColumns (5)
  template <typename Row>
  static domain::TicketEstimationChange Read(Row& row) {
    domain::TicketEstimationChange c;
    c.ticket_id = row.Text();
    c.from = row.Double();
    c.to = row.Double();
    c.at = row.Int();
    c.recorded_at = row.Int();
    return c;
  }
  template <typename Params>
  static void Bind(Params& p, const domain::TicketEstimationChange& c) {
    p.Add(c.ticket_id).Add(c.from).Add(c.to).Add(c.at).Add(c.recorded_at);
  }
};

template <>
struct Columns<domain::DeploymentAlias> {  // kAliasColumns (3)
  template <typename Row>
  static domain::DeploymentAlias Read(Row& row) {
    domain::DeploymentAlias a;
    a.alias = row.Text();
    a.deployment_id = row.Text();
    a.at = row.Int();
    return a;
  }
};

template <>
struct Columns<domain::Delivery> {  // kDeliveryColumns (3)
  template <typename Row>
  static domain::Delivery Read(Row& row) {
    domain::Delivery d;
    d.source = row.Text();
    d.id = row.Text();
    d.at = row.Int();
    return d;
  }
};

// A series key as the statements that look one up bind it (kSeriesKeyColumns, 5). The series
// and export-mark rows hold ticket_type last instead (migration 8 appended it).
template <>
struct Columns<domain::SeriesKey> {
  template <typename Params>
  static void Bind(Params& p, const domain::SeriesKey& k) {
    p.Add(k.metric).Add(k.project_id).Add(k.team_id).Add(k.environment).Add(k.ticket_type);
  }
};

// A series' values, start_ms .. buckets (7): the middle of kSeriesColumns, what an update of a
// known series row writes.
template <typename Params>
void BindSeriesValues(Params& p, const domain::SeriesState& s) {
  p.Add(s.start_ms).Add(s.updated_ms).Add(static_cast<int64_t>(s.count));
  p.Add(s.sum).Add(s.min).Add(s.max).Add(EncodeBuckets(s.buckets));
}

template <>
struct Columns<domain::SeriesState> {  // kSeriesColumns (13)
  template <typename Row>
  static domain::SeriesState Read(Row& row) {
    domain::SeriesState s;
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
    return s;
  }
  template <typename Params>
  static void Bind(Params& p, const domain::SeriesState& s) {
    p.Add(s.key.metric).Add(s.key.project_id).Add(s.key.team_id).Add(s.key.environment);
    p.Add(MetricKindText(s.kind));
    BindSeriesValues(p, s);
    p.Add(s.key.ticket_type);
  }
};

template <>
struct Columns<domain::ExportMark> {  // kExportMarkColumns (10)
  template <typename Row>
  static domain::ExportMark Read(Row& row) {
    domain::ExportMark m;
    m.key.metric = row.Text();
    m.key.project_id = row.Text();
    m.key.team_id = row.Text();
    m.key.environment = row.Text();
    m.series_start_ms = row.Int();
    m.acked_ms = row.Int();
    m.count = static_cast<uint64_t>(row.Int());
    m.sum = row.Double();
    m.buckets = DecodeBuckets(row.Text());
    m.key.ticket_type = row.Text();
    return m;
  }
  template <typename Params>
  static void Bind(Params& p, const domain::ExportMark& m) {
    p.Add(m.key.metric).Add(m.key.project_id).Add(m.key.team_id).Add(m.key.environment);
    p.Add(m.series_start_ms).Add(m.acked_ms).Add(static_cast<int64_t>(m.count)).Add(m.sum);
    p.Add(EncodeBuckets(m.buckets)).Add(m.key.ticket_type);
  }
};

}  // namespace emm::storage
