// How the events and the metric state are laid out in a relational store, whatever the backend:
// the tables' column lists in the order every reader and binder uses, and the conversions of
// values that have no column type of their own (enums as the text the tables' CHECK constraints
// name, a missing first commit, histogram buckets). Which field goes in which column: the readers
// and binders of event_rows.h, over each backend's column cursors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "domain/events.h"
#include "domain/metrics.h"

namespace emm::storage {

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
constexpr const char* kTicketColumns =
    "id, external_id, team_id, project_id, created_at, updated_at, started_at, finished_at, "
    "parent_ticket_id, actor_hash, ticket_type, status, current_estimation, initial_estimation, "
    "final_estimation, first_done_at, recorded_at";
// What an INSERT of kTicketColumns ends with (both dialects' upsert): every column a tracker's
// update may change (not the id, nor when em-metrics first stored it).
constexpr const char* kTicketUpsert =
    "ON CONFLICT (id) DO UPDATE SET external_id = excluded.external_id, "
    "team_id = excluded.team_id, project_id = excluded.project_id, "
    "created_at = excluded.created_at, updated_at = excluded.updated_at, "
    "started_at = excluded.started_at, finished_at = excluded.finished_at, "
    "parent_ticket_id = excluded.parent_ticket_id, actor_hash = excluded.actor_hash, "
    "ticket_type = excluded.ticket_type, status = excluded.status, "
    "current_estimation = excluded.current_estimation, "
    "initial_estimation = excluded.initial_estimation, "
    "final_estimation = excluded.final_estimation, first_done_at = excluded.first_done_at";
constexpr const char* kReviewColumns = "pull_request_id, reviewed_at, approved, comments, reviewer";
constexpr const char* kStatusChangeColumns =
    "ticket_id, from_status, to_status, changed_at, recorded_at";
constexpr const char* kEstimationChangeColumns =
    "ticket_id, from_estimation, to_estimation, changed_at, recorded_at";
constexpr const char* kAliasColumns = "alias, deployment_id, at";
constexpr const char* kDeliveryColumns = "source, id, received_at";
// What the figures read: of a deployed deployment (DORA), a pull request (team health) and a
// ticket (ticket health; then three values each dialect computes: whether it is a parent, 0 or 1,
// when it last became canceled, how often its estimate changed).
constexpr const char* kDoraDeploymentColumns =
    "id, project_id, team_id, environment, first_commit_at, deploy_start_at, deployed_at, kind, "
    "failed, recovered_at";
constexpr const char* kPullRequestFactColumns =
    "id, team_id, author, opened_at, merged_at, closed_at, additions, deletions";
constexpr const char* kTicketFactColumns =
    "id, team_id, project_id, ticket_type, status, created_at, started_at, finished_at, "
    "first_done_at, initial_estimation, final_estimation";
// ticket_type last, as in kSeriesColumns (migration 8 appended it to both tables).
constexpr const char* kExportMarkColumns =
    "metric, project_id, team_id, environment, series_start_ms, acked_ms, count, sum, buckets, "
    "ticket_type";

// first_commit_at is NOT NULL since migration 1 (lifting that means rebuilding the table): a
// deployment whose sender cannot know it (a webhook) keeps this value there instead.
constexpr int64_t kNoFirstCommit = INT64_MIN;
inline std::optional<TimeMs> FirstCommitOf(int64_t stored) {
  return stored == kNoFirstCommit ? std::nullopt : std::optional<TimeMs>(stored);
}

// Enums from their stored text. Text the tables cannot hold (their CHECK constraints) reads as
// the default a row written before the column existed has: started, planned, counter, UNKNOWN.
// To text: domain's DeploymentStatusName, DeploymentKindName, TicketStatusName and MetricKindText.
// A column list with each name qualified by a table alias: ("id, project_id", "i") ->
// "i.id, i.project_id", for the reads that join.
std::string Prefixed(const char* columns, std::string_view alias);

domain::DeploymentStatus DeploymentStatusFromText(std::string_view s);
domain::DeploymentKind DeploymentKindFromText(std::string_view s);
domain::TicketStatus TicketStatusFromText(std::string_view s);
std::string_view MetricKindText(domain::MetricKind k);
domain::MetricKind MetricKindFromText(std::string_view s);

// A histogram's bucket counts as stored: "1,0,3".
std::string EncodeBuckets(const std::vector<uint64_t>& b);
std::vector<uint64_t> DecodeBuckets(std::string_view s);

}  // namespace emm::storage
