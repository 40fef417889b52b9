// GitLab-shaped series on hand-built facts; every expected value is worked out in the comments.
#include "domain/gitlab_dora.h"

#include <gtest/gtest.h>

namespace emm::domain {
namespace {

constexpr TimeMs kHour = 3600000;
const int64_t kFeb28 = DaysFromCivil(2024, 2, 28);
const int64_t kMar2 = DaysFromCivil(2024, 3, 2);

TimeMs At(const char* rfc3339) { return *ParseTimestamp(rfc3339); }

// Four UTC days, 2024-02-28 to 2024-03-02 (a leap year):
//   a deployed 02-28 10:00, lead 2 h, failed, recovered 1 h later
//   b deployed 03-01 10:00, lead 4 h, a hotfix
//   c deployed 03-01 20:00, lead 10 h
//   an incident open 02-29 00:00 to 03:00 (3 h)
//   d deployed 03-03 00:00: the day after end_date, outside
DoraFacts Fixture() {
  DoraFacts f;
  f.GroupOf("api", "core", "production");
  auto deployed = [&](const char* at, TimeMs lead) {
    DeployedFact d;
    d.deployed_at = At(at);
    d.first_commit_at = d.deployed_at - lead;
    d.deploy_start_at = d.deployed_at;
    f.deployed.push_back(d);
    return &f.deployed.back();
  };
  DeployedFact* a = deployed("2024-02-28T10:00:00Z", 2 * kHour);
  a->failed = true;
  a->recovered_at = a->deployed_at + kHour;
  deployed("2024-03-01T10:00:00Z", 4 * kHour)->rework = true;
  deployed("2024-03-01T20:00:00Z", 10 * kHour);
  deployed("2024-03-03T00:00:00Z", kHour);
  f.restored.push_back({At("2024-02-29T00:00:00Z"), At("2024-02-29T03:00:00Z"), 0});
  return f;
}

std::vector<std::optional<double>> Values(GitLabInterval interval, GitLabMetric metric) {
  std::vector<std::optional<double>> out;
  for (const GitLabPoint& p :
       GitLabSeries(Fixture(), GitLabBuckets(kFeb28, kMar2, interval), metric)) {
    out.push_back(p.value);
  }
  return out;
}

using V = std::vector<std::optional<double>>;
constexpr std::nullopt_t kNull = std::nullopt;

TEST(GitLabBucketsTest, DailyIsEveryDayOfTheRangeEndIncluded) {
  auto b = GitLabBuckets(kFeb28, kMar2, GitLabInterval::kDaily);
  ASSERT_EQ(b.size(), 4u);
  EXPECT_EQ(FormatCivilDate(b[0].day), "2024-02-28");
  EXPECT_EQ(FormatCivilDate(b[1].day), "2024-02-29");
  EXPECT_EQ(FormatCivilDate(b[3].day), "2024-03-02");
  EXPECT_EQ(b[0].from, At("2024-02-28T00:00:00Z"));
  EXPECT_EQ(b[3].to, At("2024-03-03T00:00:00Z"));
  EXPECT_EQ(GitLabBucketCount(kFeb28, kMar2, GitLabInterval::kDaily), 4u);
  // One day: start_date = end_date.
  EXPECT_EQ(GitLabBuckets(kMar2, kMar2, GitLabInterval::kDaily).size(), 1u);
}

TEST(GitLabBucketsTest, MonthsAreLabelledByTheirFirstDayButCutToTheRange) {
  auto b = GitLabBuckets(DaysFromCivil(2024, 1, 15), DaysFromCivil(2024, 3, 10),
                         GitLabInterval::kMonthly);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(FormatCivilDate(b[0].day), "2024-01-01");
  EXPECT_EQ(b[0].from, At("2024-01-15T00:00:00Z"));
  EXPECT_EQ(b[0].to, At("2024-02-01T00:00:00Z"));
  EXPECT_EQ(FormatCivilDate(b[1].day), "2024-02-01");
  EXPECT_EQ(FormatCivilDate(b[2].day), "2024-03-01");
  EXPECT_EQ(b[2].to, At("2024-03-11T00:00:00Z"));
  EXPECT_EQ(GitLabBucketCount(DaysFromCivil(2024, 1, 15), DaysFromCivil(2024, 3, 10),
                              GitLabInterval::kMonthly),
            3u);
  EXPECT_EQ(GitLabBucketCount(DaysFromCivil(2023, 12, 31), DaysFromCivil(2024, 1, 1),
                              GitLabInterval::kMonthly),
            2u);
}

TEST(GitLabBucketsTest, AllIsOneEntryLabelledByTheStart) {
  auto b = GitLabBuckets(kFeb28, kMar2, GitLabInterval::kAll);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(FormatCivilDate(b[0].day), "2024-02-28");
  EXPECT_EQ(b[0].from, At("2024-02-28T00:00:00Z"));
  EXPECT_EQ(b[0].to, At("2024-03-03T00:00:00Z"));
  EXPECT_EQ(GitLabBucketCount(kFeb28, kMar2, GitLabInterval::kAll), 1u);
}

TEST(GitLabBucketsTest, DaysAreLocalMidnightsOfTheZone) {
  auto paris = TimeZone::Load("Europe/Paris");
  ASSERT_TRUE(paris.ok()) << paris.status().ToString();
  // Clocks go forward on 2024-03-31: that day lasts 23 hours.
  auto b = GitLabBuckets(DaysFromCivil(2024, 3, 30), DaysFromCivil(2024, 4, 1),
                         GitLabInterval::kDaily, *paris);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(FormatCivilDate(b[1].day), "2024-03-31");
  EXPECT_EQ(b[1].from, At("2024-03-30T23:00:00Z"));
  EXPECT_EQ(b[1].to, At("2024-03-31T22:00:00Z"));
  EXPECT_EQ(FormatCivilDate(b[2].day), "2024-04-01");
}

TEST(GitLabSeriesTest, DeploymentFrequencyCountsAndIsZeroOnEmptyDays) {
  EXPECT_EQ(Values(GitLabInterval::kDaily, GitLabMetric::kDeploymentFrequency), (V{1, 0, 2, 0}));
  EXPECT_EQ(Values(GitLabInterval::kMonthly, GitLabMetric::kDeploymentFrequency), (V{1, 2}));
  EXPECT_EQ(Values(GitLabInterval::kAll, GitLabMetric::kDeploymentFrequency), (V{3}));
}

TEST(GitLabSeriesTest, DurationsAreTrueMediansInSecondsAndNullWithoutEvents) {
  // 03-01: 4 h and 10 h, median 7 h.
  EXPECT_EQ(Values(GitLabInterval::kDaily, GitLabMetric::kLeadTimeForChanges),
            (V{7200, kNull, 25200, kNull}));
  EXPECT_EQ(Values(GitLabInterval::kMonthly, GitLabMetric::kLeadTimeForChanges), (V{7200, 25200}));
  // The median of 2 h, 4 h and 10 h, not GitLab's median of the daily medians (2 h, 7 h: 4.5 h).
  EXPECT_EQ(Values(GitLabInterval::kAll, GitLabMetric::kLeadTimeForChanges), (V{14400}));
  EXPECT_EQ(Values(GitLabInterval::kDaily, GitLabMetric::kTimeToRestoreService),
            (V{kNull, 10800, kNull, kNull}));
  EXPECT_EQ(Values(GitLabInterval::kAll, GitLabMetric::kTimeToRestoreService), (V{10800}));
  EXPECT_EQ(Values(GitLabInterval::kDaily, GitLabMetric::kFailedDeploymentRecoveryTime),
            (V{3600, kNull, kNull, kNull}));
  EXPECT_EQ(Values(GitLabInterval::kMonthly, GitLabMetric::kFailedDeploymentRecoveryTime),
            (V{3600, kNull}));
}

TEST(GitLabSeriesTest, RatesAreOfDeploymentsAndNullWithoutThem) {
  EXPECT_EQ(Values(GitLabInterval::kDaily, GitLabMetric::kChangeFailureRate),
            (V{1, kNull, 0, kNull}));
  EXPECT_EQ(Values(GitLabInterval::kMonthly, GitLabMetric::kChangeFailureRate), (V{1, 0}));
  EXPECT_EQ(Values(GitLabInterval::kAll, GitLabMetric::kChangeFailureRate), (V{1.0 / 3}));
  EXPECT_EQ(Values(GitLabInterval::kDaily, GitLabMetric::kReworkRate), (V{0, kNull, 0.5, kNull}));
  EXPECT_EQ(Values(GitLabInterval::kAll, GitLabMetric::kReworkRate), (V{1.0 / 3}));
}

TEST(GitLabSeriesTest, EachMetricNameIsItsEnumValue) {
  EXPECT_EQ(kGitLabMetricNames[static_cast<size_t>(GitLabMetric::kTimeToRestoreService)],
            "time_to_restore_service");
  EXPECT_EQ(kGitLabMetricNames[static_cast<size_t>(GitLabMetric::kReworkRate)], "rework_rate");
  EXPECT_EQ(kGitLabIntervalNames[static_cast<size_t>(GitLabInterval::kAll)], "all");
}

}  // namespace
}  // namespace emm::domain
