#include "domain/metrics.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace emm::domain {
namespace {

constexpr double kMinute = 60, kHour = 3600, kDay = 86400;

SeriesState Histogram() {
  return SeriesState::Empty(kLeadTimeForChanges, {"lead_time_for_changes", "p", "t", "prod"}, 5);
}

size_t OnlyFilledBucket(const SeriesState& s) {
  size_t found = s.buckets.size();
  for (size_t i = 0; i < s.buckets.size(); ++i) {
    if (s.buckets[i] != 0) {
      EXPECT_EQ(found, s.buckets.size()) << "more than one bucket filled";
      found = i;
    }
  }
  return found;
}

size_t BucketOf(double value) {
  SeriesState s = Histogram();
  s.Fold(value, 6);
  return OnlyFilledBucket(s);
}

TEST(MetricsTest, AllMetricsAreUniqueAndFindable) {
  auto all = AllMetrics();
  EXPECT_EQ(all.size(), 25u);  // 10 DORA, 10 pull request, 5 ticket
  std::set<std::string_view> names;
  for (const MetricDef* d : all) {
    EXPECT_TRUE(names.insert(d->name).second) << d->name;
    EXPECT_EQ(FindMetric(d->name), d);
  }
  EXPECT_EQ(FindMetric("lead_time_for_changes"), &kLeadTimeForChanges);
  EXPECT_EQ(FindMetric("change_failure_count"), &kChangeFailureCount);
  EXPECT_EQ(FindMetric("no_such_metric"), nullptr);
  EXPECT_EQ(FindMetric(""), nullptr);
}

TEST(MetricsTest, KindsAndUnits) {
  EXPECT_EQ(kDeploymentStarted.kind, MetricKind::kCounter);
  EXPECT_EQ(kDeploymentFrequency.kind, MetricKind::kCounter);
  EXPECT_EQ(kChangeFailureCount.kind, MetricKind::kCounter);
  EXPECT_EQ(kIncidentCount.kind, MetricKind::kCounter);
  for (const MetricDef* d :
       {&kDeploymentDuration, &kLeadTimeForChanges, &kTimeToRestore, &kTimeToDetect}) {
    EXPECT_EQ(d->kind, MetricKind::kHistogram) << d->name;
    EXPECT_EQ(d->unit, "s") << d->name;
  }
}

TEST(MetricsTest, BucketBoundsAreStrictlyIncreasingFromAMinuteToSixMonths) {
  auto bounds = DurationBucketBounds();
  ASSERT_EQ(bounds.size(), 20u);
  EXPECT_EQ(bounds.front(), kMinute);
  EXPECT_EQ(bounds.back(), 182 * kDay);
  for (size_t i = 1; i < bounds.size(); ++i) EXPECT_LT(bounds[i - 1], bounds[i]);
}

TEST(SeriesStateTest, EmptyHistogramHasOneBucketPerBoundPlusOverflow) {
  SeriesState s = Histogram();
  EXPECT_EQ(s.kind, MetricKind::kHistogram);
  EXPECT_EQ(s.buckets.size(), DurationBucketBounds().size() + 1);
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.sum, 0);
  EXPECT_EQ(s.start_ms, 5);
  EXPECT_EQ(s.updated_ms, 5);
  EXPECT_EQ(s.key.metric, "lead_time_for_changes");
  EXPECT_EQ(s.key.environment, "prod");
}

TEST(SeriesStateTest, EmptyCounterHasNoBuckets) {
  SeriesState s = SeriesState::Empty(kIncidentCount, {"incident_count", "p", "", "e"}, 9);
  EXPECT_EQ(s.kind, MetricKind::kCounter);
  EXPECT_TRUE(s.buckets.empty());
  EXPECT_EQ(s.start_ms, 9);
}

TEST(SeriesStateTest, ValueExactlyOnABoundGoesInThatBucket) {
  auto bounds = DurationBucketBounds();
  for (size_t i = 0; i < bounds.size(); ++i) {
    EXPECT_EQ(BucketOf(bounds[i]), i) << "bound " << bounds[i];
  }
}

TEST(SeriesStateTest, ValueJustAboveABoundGoesInTheNextBucket) {
  auto bounds = DurationBucketBounds();
  for (size_t i = 0; i < bounds.size(); ++i) {
    EXPECT_EQ(BucketOf(bounds[i] + 0.001), i + 1) << "bound " << bounds[i];
  }
}

TEST(SeriesStateTest, SmallAndZeroValuesGoInTheFirstBucket) {
  EXPECT_EQ(BucketOf(0), 0u);
  EXPECT_EQ(BucketOf(0.5), 0u);
  EXPECT_EQ(BucketOf(59.999), 0u);
}

TEST(SeriesStateTest, ValuesBeyondTheLastBoundGoInTheOverflowBucket) {
  size_t overflow = DurationBucketBounds().size();
  EXPECT_EQ(BucketOf(182 * kDay + 1), overflow);
  EXPECT_EQ(BucketOf(365 * kDay), overflow);
}

TEST(SeriesStateTest, SomeTypicalDurations) {
  EXPECT_EQ(BucketOf(90), 1u);            // (1 min, 5 min]
  EXPECT_EQ(BucketOf(45 * kMinute), 5u);  // (30 min, 1 h]
  EXPECT_EQ(BucketOf(3 * kHour), 7u);     // (2 h, 4 h]
  EXPECT_EQ(BucketOf(10 * kDay), 14u);    // (7 d, 14 d]
}

TEST(SeriesStateTest, HistogramFoldTracksCountSumMinMax) {
  SeriesState s = Histogram();
  s.Fold(120, 10);
  s.Fold(30, 11);
  s.Fold(7200, 12);
  EXPECT_EQ(s.count, 3u);
  EXPECT_DOUBLE_EQ(s.sum, 7350);
  EXPECT_DOUBLE_EQ(s.min, 30);
  EXPECT_DOUBLE_EQ(s.max, 7200);
  EXPECT_EQ(s.start_ms, 5);
  EXPECT_EQ(s.updated_ms, 12);
  EXPECT_EQ(s.buckets[0], 1u);  // 30
  EXPECT_EQ(s.buckets[1], 1u);  // 120
  EXPECT_EQ(s.buckets[6], 1u);  // 7200 = 2 h
  uint64_t total = 0;
  for (uint64_t b : s.buckets) total += b;
  EXPECT_EQ(total, s.count);
}

TEST(SeriesStateTest, FirstObservationSetsMinAndMaxEvenWhenLargerThanZero) {
  SeriesState s = Histogram();
  s.Fold(500, 1);
  EXPECT_DOUBLE_EQ(s.min, 500);
  EXPECT_DOUBLE_EQ(s.max, 500);
}

TEST(SeriesStateTest, CounterFoldCountsAndIgnoresTheValue) {
  SeriesState s = SeriesState::Empty(kDeploymentStarted, {"deployment_started", "p", "", "e"}, 1);
  s.Fold(1, 2);
  s.Fold(1000, 3);
  s.Fold(-5, 4);
  EXPECT_EQ(s.count, 3u);
  EXPECT_EQ(s.sum, 0);
  EXPECT_TRUE(s.buckets.empty());
  EXPECT_EQ(s.start_ms, 1);
  EXPECT_EQ(s.updated_ms, 4);
}

TEST(SeriesStateTest, HistogramWithMissingBucketsIsRepaired) {
  SeriesState s = Histogram();
  s.buckets.clear();  // e.g. a stored row written with other bounds
  s.Fold(90, 2);
  ASSERT_EQ(s.buckets.size(), DurationBucketBounds().size() + 1);
  EXPECT_EQ(s.buckets[1], 1u);
}

TEST(SampleTest, KeyUsesTheMetricName) {
  Sample s{&kTimeToRestore, "proj", "team", "env", 12};
  SeriesKey k = s.Key();
  EXPECT_EQ(k.metric, "time_to_restore");
  EXPECT_EQ(k.project_id, "proj");
  EXPECT_EQ(k.team_id, "team");
  EXPECT_EQ(k.environment, "env");
  EXPECT_EQ(k, (SeriesKey{"time_to_restore", "proj", "team", "env"}));
  EXPECT_NE(k, (SeriesKey{"time_to_restore", "proj", "", "env"}));
  Sample typed{&kTicketCount, "proj", "team", "", 1, "bug"};
  EXPECT_EQ(typed.Key(), (SeriesKey{"ticket_count", "proj", "team", "", "bug"}));
  EXPECT_NE(typed.Key(), (SeriesKey{"ticket_count", "proj", "team", "", "feature"}));
}

}  // namespace
}  // namespace emm::domain
