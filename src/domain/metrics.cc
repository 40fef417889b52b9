#include "domain/metrics.h"

#include <algorithm>
#include <array>

namespace emm::domain {

const MetricDef kDeploymentStarted{"deployment_started", MetricKind::kCounter, "{deployment}",
                                   "Deployments started (created)"};
const MetricDef kDeploymentFrequency{"deployment_frequency", MetricKind::kCounter, "{deployment}",
                                     "Deployments that reached deployed"};
const MetricDef kDeploymentDuration{"deployment_duration", MetricKind::kHistogram, "s",
                                    "deployed_at - deploy_start_at"};
const MetricDef kLeadTimeForChanges{"lead_time_for_changes", MetricKind::kHistogram, "s",
                                    "deployed_at - first_commit_at"};
const MetricDef kChangeFailureCount{"change_failure_count", MetricKind::kCounter, "{deployment}",
                                    "Distinct deployments linked to at least one incident"};
const MetricDef kIncidentCount{"incident_count", MetricKind::kCounter, "{incident}",
                               "Incidents created"};
const MetricDef kIncidentRestored{"incident_restored", MetricKind::kCounter, "{incident}",
                                  "Incidents restored"};
const MetricDef kIncidentFinished{"incident_finished", MetricKind::kCounter, "{incident}",
                                  "Incidents finished"};
const MetricDef kTimeToRestore{"time_to_restore", MetricKind::kHistogram, "s",
                               "restored_at - started_at"};
const MetricDef kTimeToDetect{"time_to_detect", MetricKind::kHistogram, "s",
                              "incident started_at - deployment deployed_at"};

namespace {
// Lines of code (the original's buckets), comments per review, reviews per pull request.
constexpr std::array<double, 10> kLocBounds = {1, 10, 50, 100, 300, 750, 1250, 1700, 2500, 5000};
constexpr std::array<double, 7> kCommentBounds = {1, 3, 5, 10, 30, 50, 100};
constexpr std::array<double, 8> kReviewBounds = {1, 2, 3, 4, 5, 7, 10, 15};
}  // namespace

const MetricDef kPullRequestOpened{"pull_request_opened_count", MetricKind::kCounter,
                                   "{pull_request}", "Pull requests opened"};
const MetricDef kPullRequestClosed{"pull_request_closed_count", MetricKind::kCounter,
                                   "{pull_request}", "Pull requests closed without a merge"};
const MetricDef kPullRequestMerged{"pull_request_merged_count", MetricKind::kCounter,
                                   "{pull_request}", "Pull requests merged"};
const MetricDef kPullRequestLocAdded{"pull_request_loc_added", MetricKind::kHistogram, "{line}",
                                     "Lines added by a pull request, when it was opened",
                                     kLocBounds};
const MetricDef kPullRequestLocRemoved{"pull_request_loc_removed", MetricKind::kHistogram,
                                       "{line}",
                                       "Lines removed by a pull request, when it was opened",
                                       kLocBounds};
const MetricDef kPullRequestCommentsPerReview{"pull_request_nb_comments_per_review",
                                              MetricKind::kHistogram, "{comment}",
                                              "Comments of each review", kCommentBounds};
const MetricDef kPullRequestTimeToFirstReview{"pull_request_time_to_first_review",
                                              MetricKind::kHistogram, "s",
                                              "first review - opened_at"};
const MetricDef kPullRequestTimeToApprove{"pull_request_time_to_approve", MetricKind::kHistogram,
                                          "s", "first approving review - opened_at"};
const MetricDef kPullRequestTimeToMerge{"pull_request_time_to_merge", MetricKind::kHistogram, "s",
                                        "merged_at - opened_at"};
const MetricDef kPullRequestReviewsPerPr{"pull_request_nb_reviews_per_pr", MetricKind::kHistogram,
                                         "{review}", "Reviews of a pull request, when it merged",
                                         kReviewBounds};

namespace {
// Points of an estimate change: the original's positive half (its negative bounds never filled,
// since a decrease is recorded as its absolute value in a metric of its own).
constexpr std::array<double, 25> kPointBounds = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13,
                                                 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25};
}  // namespace

const MetricDef kTicketCount{"ticket_count", MetricKind::kCounter, "{ticket}",
                             "Tickets done (each ticket once, at its first completion)"};
const MetricDef kTimePerTicket{"time_per_ticket", MetricKind::kHistogram, "s",
                               "first finished_at - started_at (created_at when never started)"};
const MetricDef kTicketEstimationChanged{"ticket_estimation_changed", MetricKind::kHistogram,
                                         "{point}", "Increase of a ticket's estimate",
                                         kPointBounds};
const MetricDef kTicketEstimationChangedNegative{"ticket_estimation_changed_negative",
                                                 MetricKind::kHistogram, "{point}",
                                                 "Decrease of a ticket's estimate (absolute)",
                                                 kPointBounds};
const MetricDef kTicketReopened{"ticket_reopened", MetricKind::kCounter, "{ticket}",
                                "Done tickets moved back to backlog, todo or doing"};

namespace {
constexpr std::array<const MetricDef*, 25> kAll = {
    &kDeploymentStarted,  &kDeploymentFrequency, &kDeploymentDuration, &kLeadTimeForChanges,
    &kChangeFailureCount, &kIncidentCount,       &kIncidentRestored,   &kIncidentFinished,
    &kTimeToRestore,      &kTimeToDetect,        &kPullRequestOpened,  &kPullRequestClosed,
    &kPullRequestMerged,  &kPullRequestLocAdded, &kPullRequestLocRemoved,
    &kPullRequestCommentsPerReview, &kPullRequestTimeToFirstReview, &kPullRequestTimeToApprove,
    &kPullRequestTimeToMerge, &kPullRequestReviewsPerPr, &kTicketCount, &kTimePerTicket,
    &kTicketEstimationChanged, &kTicketEstimationChangedNegative, &kTicketReopened};

constexpr double kMinute = 60, kHour = 3600, kDay = 86400;
// Minute resolution where pipelines and restores live, then days to six months for lead times.
constexpr std::array<double, 20> kBounds = {
    1 * kMinute, 5 * kMinute, 10 * kMinute, 15 * kMinute, 30 * kMinute, 1 * kHour, 2 * kHour,
    4 * kHour,   8 * kHour,   12 * kHour,   1 * kDay,     2 * kDay,     3 * kDay,  7 * kDay,
    14 * kDay,   30 * kDay,   60 * kDay,    90 * kDay,    120 * kDay,   182 * kDay};
}  // namespace

std::span<const MetricDef* const> AllMetrics() { return kAll; }

const MetricDef* FindMetric(std::string_view name) {
  for (const MetricDef* d : kAll) {
    if (d->name == name) return d;
  }
  return nullptr;
}

std::span<const double> DurationBucketBounds() { return kBounds; }

std::span<const double> BucketBounds(const MetricDef& def) {
  return def.bounds.empty() ? std::span<const double>(kBounds) : def.bounds;
}

std::span<const double> BucketBoundsOf(std::string_view metric) {
  const MetricDef* def = FindMetric(metric);
  return def == nullptr ? std::span<const double>(kBounds) : BucketBounds(*def);
}

SeriesState SeriesState::Empty(const MetricDef& def, SeriesKey key, TimeMs now) {
  SeriesState s;
  s.key = std::move(key);
  s.kind = def.kind;
  s.start_ms = now;
  s.updated_ms = now;
  if (def.kind == MetricKind::kHistogram) s.buckets.assign(BucketBounds(def).size() + 1, 0);
  return s;
}

void SeriesState::Fold(double value, TimeMs now) {
  updated_ms = now;
  if (kind == MetricKind::kCounter) {
    ++count;
    return;
  }
  // The bounds follow from the metric's name: a series is plain data, stored and loaded as is.
  const std::span<const double> bounds = BucketBoundsOf(key.metric);
  if (buckets.size() != bounds.size() + 1) buckets.resize(bounds.size() + 1, 0);
  size_t i = std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin();
  ++buckets[i];
  min = count == 0 ? value : std::min(min, value);
  max = count == 0 ? value : std::max(max, value);
  ++count;
  sum += value;
}

}  // namespace emm::domain
