#include "storage/sqlite/event_rows.h"

#include "storage/sqlite/statements.h"

namespace emm::storage::sqlite {

using domain::Deployment;
using domain::Incident;
using domain::SeriesKey;
using domain::SeriesState;

void BindSeriesKey(sqlite3_stmt* s, const SeriesKey& k, int ticket_type_at) {
  BindText(s, 1, k.metric);
  BindText(s, 2, k.project_id);
  BindText(s, 3, k.team_id);
  BindText(s, 4, k.environment);
  BindText(s, ticket_type_at, k.ticket_type);
}

void BindSeriesState(sqlite3_stmt* s, const SeriesState& st) {
  sqlite3_bind_int64(s, 6, st.start_ms);
  sqlite3_bind_int64(s, 7, st.updated_ms);
  sqlite3_bind_int64(s, 8, static_cast<int64_t>(st.count));
  sqlite3_bind_double(s, 9, st.sum);
  sqlite3_bind_double(s, 10, st.min);
  sqlite3_bind_double(s, 11, st.max);
  std::string buckets = EncodeBuckets(st.buckets);
  sqlite3_bind_text(s, 12, buckets.data(), static_cast<int>(buckets.size()), SQLITE_TRANSIENT);
}

void BindDeployment(sqlite3_stmt* s, const Deployment& d) {
  BindText(s, 1, d.id);
  BindText(s, 2, d.project_id);
  BindText(s, 3, d.team_id);
  BindText(s, 4, d.environment);
  sqlite3_bind_int64(s, 5, d.first_commit_at.value_or(kNoFirstCommit));
  sqlite3_bind_int64(s, 6, d.deploy_start_at);
  BindOptTime(s, 7, d.deployed_at);
  BindText(s, 8, domain::DeploymentStatusName(d.status));
  sqlite3_bind_int64(s, 9, d.created_at);
  BindText(s, 10, domain::DeploymentKindName(d.kind));
  BindText(s, 11, d.commit_sha);
  sqlite3_bind_int(s, 12, d.failed ? 1 : 0);
  BindOptTime(s, 13, d.recovered_at);
}

void BindIncident(sqlite3_stmt* s, const Incident& i) {
  BindText(s, 1, i.id);
  BindText(s, 2, i.project_id);
  BindText(s, 3, i.team_id);
  BindText(s, 4, i.environment);
  BindOptText(s, 5, i.deployment_id);
  sqlite3_bind_int64(s, 6, i.started_at);
  BindOptTime(s, 7, i.restored_at);
  BindOptTime(s, 8, i.finished_at);
  sqlite3_bind_int64(s, 9, i.created_at);
}

domain::PullRequest ReadPullRequest(sqlite3_stmt* s) {
  domain::PullRequest pr;
  pr.id = ColText(s, 0);
  pr.team_id = ColText(s, 1);
  pr.opened_at = sqlite3_column_int64(s, 2);
  pr.closed_at = ColOptTime(s, 3);
  pr.merged_at = ColOptTime(s, 4);
  pr.first_review_at = ColOptTime(s, 5);
  pr.first_approved_at = ColOptTime(s, 6);
  pr.reviews = sqlite3_column_int64(s, 7);
  pr.comments = sqlite3_column_int64(s, 8);
  pr.additions = ColOptInt(s, 9);
  pr.deletions = ColOptInt(s, 10);
  pr.created_at = sqlite3_column_int64(s, 11);
  pr.author = ColText(s, 12);
  return pr;
}

Deployment ReadDeployment(sqlite3_stmt* s) {
  Deployment d;
  d.id = ColText(s, 0);
  d.project_id = ColText(s, 1);
  d.team_id = ColText(s, 2);
  d.environment = ColText(s, 3);
  d.first_commit_at = FirstCommitOf(sqlite3_column_int64(s, 4));
  d.deploy_start_at = sqlite3_column_int64(s, 5);
  d.deployed_at = ColOptTime(s, 6);
  d.status = DeploymentStatusFromText(ColText(s, 7));
  d.created_at = sqlite3_column_int64(s, 8);
  d.kind = DeploymentKindFromText(ColText(s, 9));
  d.commit_sha = ColText(s, 10);
  d.failed = sqlite3_column_int(s, 11) != 0;
  d.recovered_at = ColOptTime(s, 12);
  return d;
}

Incident ReadIncident(sqlite3_stmt* s) {
  Incident i;
  i.id = ColText(s, 0);
  i.project_id = ColText(s, 1);
  i.team_id = ColText(s, 2);
  i.environment = ColText(s, 3);
  i.deployment_id = ColOptText(s, 4);
  i.started_at = sqlite3_column_int64(s, 5);
  i.restored_at = ColOptTime(s, 6);
  i.finished_at = ColOptTime(s, 7);
  i.created_at = sqlite3_column_int64(s, 8);
  return i;
}

SeriesState ReadSeries(sqlite3_stmt* s) {
  SeriesState st;
  st.key = SeriesKey{ColText(s, 0), ColText(s, 1), ColText(s, 2), ColText(s, 3), ColText(s, 12)};
  st.kind = MetricKindFromText(ColText(s, 4));
  st.start_ms = sqlite3_column_int64(s, 5);
  st.updated_ms = sqlite3_column_int64(s, 6);
  st.count = static_cast<uint64_t>(sqlite3_column_int64(s, 7));
  st.sum = sqlite3_column_double(s, 8);
  st.min = sqlite3_column_double(s, 9);
  st.max = sqlite3_column_double(s, 10);
  st.buckets = DecodeBuckets(ColText(s, 11));
  return st;
}

}  // namespace emm::storage::sqlite
