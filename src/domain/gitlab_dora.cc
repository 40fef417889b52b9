#include "domain/gitlab_dora.h"

namespace emm::domain {
namespace {

constexpr TimeMs kDayMs = 86400000;

int64_t FirstOfMonth(int64_t day) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(day, &y, &m, &d);
  return DaysFromCivil(y, m, 1);
}

}  // namespace

std::vector<GitLabBucket> GitLabBuckets(int64_t first_day, int64_t last_day,
                                        GitLabInterval interval, const TimeZone& tz) {
  // end_date is a whole day, included: the range ends at the next local midnight.
  const TimeMs from = tz.ToUtc(first_day * kDayMs);
  const TimeMs to = tz.ToUtc((last_day + 1) * kDayMs);
  if (interval == GitLabInterval::kAll) return {{first_day, from, to}};
  // The same cuts as /api/v1/metrics/dora's series, so each value is what that route gives.
  const Interval cut = interval == GitLabInterval::kDaily ? Interval::kDay : Interval::kMonth;
  std::vector<GitLabBucket> out;
  for (const auto& [start, end] : Buckets(from, to, cut, tz)) {
    const int64_t day = LocalDay(start, tz.OffsetAt(start));
    out.push_back({interval == GitLabInterval::kDaily ? day : FirstOfMonth(day), start, end});
  }
  return out;
}

size_t GitLabBucketCount(int64_t first_day, int64_t last_day, GitLabInterval interval) {
  if (last_day < first_day) return 0;
  switch (interval) {
    case GitLabInterval::kAll:
      return 1;
    case GitLabInterval::kDaily:
      return static_cast<size_t>(last_day - first_day + 1);
    case GitLabInterval::kMonthly: {
      int64_t y0, y1;
      unsigned m0, m1, d;
      CivilFromDays(first_day, &y0, &m0, &d);
      CivilFromDays(last_day, &y1, &m1, &d);
      return static_cast<size_t>((y1 - y0) * 12 + m1 - m0 + 1);
    }
  }
  return 0;
}

std::optional<double> GitLabValue(const DoraReport& r, GitLabMetric metric) {
  switch (metric) {
    case GitLabMetric::kDeploymentFrequency:
      return static_cast<double>(r.deployment_frequency.count);
    case GitLabMetric::kLeadTimeForChanges:
      return r.lead_time_for_changes.stats.median;
    case GitLabMetric::kTimeToRestoreService:
      return r.time_to_restore.stats.median;
    case GitLabMetric::kChangeFailureRate:
      return r.change_failure_rate.ratio;
    case GitLabMetric::kFailedDeploymentRecoveryTime:
      return r.failed_deployment_recovery_time.median;
    case GitLabMetric::kReworkRate:
      return r.rework_rate.ratio;
  }
  return std::nullopt;
}

std::vector<GitLabPoint> GitLabSeries(const DoraFacts& facts,
                                      const std::vector<GitLabBucket>& buckets,
                                      GitLabMetric metric) {
  std::vector<std::pair<TimeMs, TimeMs>> ranges;
  ranges.reserve(buckets.size());
  for (const GitLabBucket& b : buckets) ranges.emplace_back(b.from, b.to);
  // One pass cuts the facts; each bucket then sees what its own range would have loaded.
  const std::vector<DoraFacts> slices = Split(facts, ranges);
  std::vector<GitLabPoint> out;
  out.reserve(buckets.size());
  for (size_t k = 0; k < buckets.size(); ++k) {
    const GitLabBucket& b = buckets[k];
    out.push_back({b.day, GitLabValue(ComputeDora(b.from, b.to, slices[k]), metric)});
  }
  return out;
}

}  // namespace emm::domain
