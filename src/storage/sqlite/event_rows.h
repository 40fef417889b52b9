// How the event and metric-state tables' rows are read and bound (deployments, incidents, pull
// requests, metric_series): the column lists the statements name, in the order the readers and
// binders use. Internal to the SQLite store.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "domain/events.h"
#include "domain/metrics.h"

namespace emm::storage::sqlite {

// first_commit_at is NOT NULL since migration 1 (lifting that means rebuilding the table): a
// deployment whose sender cannot know it (a webhook) keeps this value there instead.
constexpr int64_t kNoFirstCommit = INT64_MIN;
inline std::optional<TimeMs> FirstCommitOf(int64_t stored) {
  return stored == kNoFirstCommit ? std::nullopt : std::optional<TimeMs>(stored);
}

constexpr const char* kDeploymentColumns =
    "id, project_id, team_id, environment, first_commit_at, deploy_start_at, deployed_at, status, "
    "created_at, kind, commit_sha, failed, recovered_at";
constexpr const char* kSeriesColumns =
    "metric, project_id, team_id, environment, kind, start_ms, updated_ms, count, sum, min, max, "
    "buckets, ticket_type";
constexpr const char* kIncidentColumns =
    "id, project_id, team_id, environment, deployment_id, started_at, restored_at, finished_at, "
    "created_at";

constexpr const char* kPullRequestColumns =
    "id, team_id, opened_at, closed_at, merged_at, first_review_at, first_approved_at, reviews, "
    "comments, additions, deletions, created_at, author";

// A histogram's bucket counts as stored: "1,0,3".
std::string EncodeBuckets(const std::vector<uint64_t>& b);
std::vector<uint64_t> DecodeBuckets(std::string_view s);

// A series key at ?1 .. ?4 (metric, project_id, team_id, environment) and its ticket_type at
// ?`ticket_type_at` (migration 8 added it after the statements' other parameters).
void BindSeriesKey(sqlite3_stmt* s, const domain::SeriesKey& k, int ticket_type_at);
// Binds the state columns (start_ms .. buckets) at ?6 .. ?12.
void BindSeriesState(sqlite3_stmt* s, const domain::SeriesState& st);
// The columns of kDeploymentColumns, kIncidentColumns at ?1, ?2, ...
void BindDeployment(sqlite3_stmt* s, const domain::Deployment& d);
void BindIncident(sqlite3_stmt* s, const domain::Incident& i);

// Readers of a row whose first columns are the table's column list.
domain::PullRequest ReadPullRequest(sqlite3_stmt* s);
domain::Deployment ReadDeployment(sqlite3_stmt* s);
domain::Incident ReadIncident(sqlite3_stmt* s);
domain::SeriesState ReadSeries(sqlite3_stmt* s);

}  // namespace emm::storage::sqlite
