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
constexpr std::array<const MetricDef*, 10> kAll = {
    &kDeploymentStarted,  &kDeploymentFrequency, &kDeploymentDuration, &kLeadTimeForChanges,
    &kChangeFailureCount, &kIncidentCount,       &kIncidentRestored,   &kIncidentFinished,
    &kTimeToRestore,      &kTimeToDetect};

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

SeriesState SeriesState::Empty(const MetricDef& def, SeriesKey key, TimeMs now) {
  SeriesState s;
  s.key = std::move(key);
  s.kind = def.kind;
  s.start_ms = now;
  s.updated_ms = now;
  if (def.kind == MetricKind::kHistogram) s.buckets.assign(kBounds.size() + 1, 0);
  return s;
}

void SeriesState::Fold(double value, TimeMs now) {
  updated_ms = now;
  if (kind == MetricKind::kCounter) {
    ++count;
    return;
  }
  if (buckets.size() != kBounds.size() + 1) buckets.resize(kBounds.size() + 1, 0);
  size_t i = std::lower_bound(kBounds.begin(), kBounds.end(), value) - kBounds.begin();
  ++buckets[i];
  min = count == 0 ? value : std::min(min, value);
  max = count == 0 ? value : std::max(max, value);
  ++count;
  sum += value;
}

}  // namespace emm::domain
