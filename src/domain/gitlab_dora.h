// Our DORA figures in the shape of GitLab's DORA API (GET /projects/:id/dora/metrics): one value
// of one metric per day, per month or for a whole range of whole days. The values are the figures
// of /api/v1/metrics/dora over the same ranges; where they differ from GitLab's: docs/dora.md,
// "GitLab-shaped API".
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "common/time_zone.h"
#include "domain/dora.h"

namespace emm::domain {

// GitLab's four metric names, then two of ours.
enum class GitLabMetric {
  kDeploymentFrequency,
  kLeadTimeForChanges,
  kTimeToRestoreService,
  kChangeFailureRate,
  kFailedDeploymentRecoveryTime,
  kReworkRate,
};
inline constexpr std::string_view kGitLabMetricNames[] = {
    "deployment_frequency", "lead_time_for_changes",           "time_to_restore_service",
    "change_failure_rate",  "failed_deployment_recovery_time", "rework_rate"};

enum class GitLabInterval { kDaily, kMonthly, kAll };
inline constexpr std::string_view kGitLabIntervalNames[] = {"daily", "monthly", "all"};

// What one entry of the answer covers: [from, to), labelled by a day (days since 1970-01-01).
struct GitLabBucket {
  int64_t day = 0;
  TimeMs from = 0;
  TimeMs to = 0;
};

// The buckets of the local days first_day..last_day of `tz`, both included (first_day <=
// last_day): daily, one per day, each labelled by itself; monthly, one per calendar month touching
// the range, labelled by the month's first day but covering only the part inside the range; all,
// one labelled by first_day.
std::vector<GitLabBucket> GitLabBuckets(int64_t first_day, int64_t last_day,
                                        GitLabInterval interval, const TimeZone& tz = TimeZone());

// How many buckets GitLabBuckets makes, without making them (to refuse a range too long).
size_t GitLabBucketCount(int64_t first_day, int64_t last_day, GitLabInterval interval);

// The value of `metric` in a report: the number of deployments (0 when none), the median in
// seconds of a duration (null when there is none), a ratio (null without deployments).
std::optional<double> GitLabValue(const DoraReport& report, GitLabMetric metric);

struct GitLabPoint {
  int64_t day = 0;  // the bucket's label
  std::optional<double> value;
};

// The value of `metric` in each bucket. `facts` were read for [buckets.front().from,
// buckets.back().to) (or a wider range: what falls outside every bucket is ignored).
std::vector<GitLabPoint> GitLabSeries(const DoraFacts& facts,
                                      const std::vector<GitLabBucket>& buckets,
                                      GitLabMetric metric);

}  // namespace emm::domain
