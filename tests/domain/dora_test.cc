// DORA figures on a hand-built fixture; every expected value is worked out in the comments.
#include "domain/dora.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace emm::domain {
namespace {

constexpr TimeMs kMin = 60000, kHour = 60 * kMin, kDay = 24 * kHour;
const TimeMs kD0 = *ParseTimestamp("2024-03-01T00:00:00Z");

Deployment Deployed(std::string id, TimeMs deployed_at, TimeMs lead, TimeMs duration,
                    DeploymentKind kind = DeploymentKind::kPlanned, std::string team = "core") {
  Deployment d;
  d.id = std::move(id);
  d.project_id = "api";
  d.team_id = std::move(team);
  d.environment = "prod";
  d.deployed_at = deployed_at;
  d.first_commit_at = deployed_at - lead;
  d.deploy_start_at = deployed_at - duration;
  d.status = DeploymentStatus::kDeployed;
  d.kind = kind;
  return d;
}

Incident MakeIncident(std::string id, std::optional<std::string> deployment, TimeMs started,
                      std::optional<TimeMs> restored, std::string team = "core") {
  Incident i;
  i.id = std::move(id);
  i.project_id = "api";
  i.team_id = std::move(team);
  i.environment = "prod";
  i.deployment_id = std::move(deployment);
  i.started_at = started;
  i.restored_at = restored;
  return i;
}

TEST(SummarizeTest, OddCount) {
  DurationStats s = Summarize({5, 1, 3});
  EXPECT_EQ(s.count, 3u);
  EXPECT_DOUBLE_EQ(*s.median, 3);
  EXPECT_DOUBLE_EQ(*s.p90, 4.6);  // position 0.9 * 2 = 1.8: 3 + (5 - 3) * 0.8
  EXPECT_DOUBLE_EQ(*s.mean, 3);
}

TEST(SummarizeTest, EvenCountMedianIsTheMeanOfTheMiddleTwo) {
  DurationStats s = Summarize({4, 1, 3, 2});
  EXPECT_DOUBLE_EQ(*s.median, 2.5);
  EXPECT_DOUBLE_EQ(*s.p90, 3.7);  // position 2.7: 3 + (4 - 3) * 0.7
  EXPECT_DOUBLE_EQ(*s.mean, 2.5);
}

TEST(SummarizeTest, EmptyIsNullNotZeroOrNaN) {
  DurationStats s = Summarize({});
  EXPECT_EQ(s.count, 0u);
  EXPECT_FALSE(s.median.has_value());
  EXPECT_FALSE(s.p90.has_value());
  EXPECT_FALSE(s.mean.has_value());
}

TEST(SummarizeTest, OneValue) {
  DurationStats s = Summarize({7});
  EXPECT_DOUBLE_EQ(*s.median, 7);
  EXPECT_DOUBLE_EQ(*s.p90, 7);
}

// Ten days; four deployments, four incidents.
DoraEvents Fixture() {
  DoraEvents e;
  const TimeMs t2 = kD0 + 2 * kDay;  // a2's deployment
  const TimeMs t3 = kD0 + 3 * kDay;  // a3's deployment
  e.deployed = {
      Deployed("a1", kD0 + 1 * kHour, 1 * kHour, 10 * kMin),
      Deployed("a2", t2, 2 * kHour, 5 * kMin, DeploymentKind::kHotfix),
      Deployed("a3", t3, 2 * kDay, 15 * kMin, DeploymentKind::kRollback),
      Deployed("a4", kD0 + 4 * kDay, 3 * kHour, 10 * kMin),
  };
  Incident i1 = MakeIncident("i1", "a2", t2 + 30 * kMin, t2 + 90 * kMin);
  Incident i2 = MakeIncident("i2", "a2", t2 + 40 * kMin, t2 + 60 * kMin);
  Incident i3 = MakeIncident("i3", "a3", t3 + 2 * kHour, std::nullopt);
  Incident i4 = MakeIncident("i4", std::nullopt, kD0 + 5 * kDay, kD0 + 5 * kDay + 3 * kHour);
  // What the incident commands record on the deployments: a2 failed twice, first restored by i2;
  // a3 failed, not restored.
  e.deployed[1].failed = true;
  e.deployed[1].recovered_at = t2 + 60 * kMin;
  e.deployed[2].failed = true;
  e.restored = {i1, i2, i4};
  e.detected = {
      {i1, t2},
      {i2, t2},
      {i3, t3},
      // Started before its deployment reached production: no detection time.
      {MakeIncident("early", "a4", kD0 + 4 * kDay - kHour, std::nullopt), kD0 + 4 * kDay}};
  return e;
}

TEST(ComputeDoraTest, EveryFigureOfTheFixture) {
  DoraReport r = ComputeDora(kD0, kD0 + 10 * kDay, FactsOf(Fixture()));
  // 4 deployments in 10 days: 0.4 a day, 2.8 a week; >= 1/7 a day is high.
  EXPECT_EQ(r.deployment_frequency.count, 4u);
  EXPECT_DOUBLE_EQ(r.deployment_frequency.per_day, 0.4);
  EXPECT_DOUBLE_EQ(r.deployment_frequency.per_week, 2.8);
  EXPECT_EQ(r.deployment_frequency.level, Level::kHigh);
  // Lead times 3600, 7200, 10800, 172800: median (7200 + 10800) / 2, p90 at position 2.7:
  // 10800 + 0.7 * (172800 - 10800) = 124200, mean 194400 / 4. Under a day: elite.
  const auto& lt = r.lead_time_for_changes;
  EXPECT_EQ(lt.stats.count, 4u);
  EXPECT_DOUBLE_EQ(*lt.stats.median, 9000);
  EXPECT_DOUBLE_EQ(*lt.stats.p90, 124200);
  EXPECT_DOUBLE_EQ(*lt.stats.mean, 48600);
  EXPECT_EQ(lt.level, Level::kElite);
  // a2 (two incidents, counted once) and a3 failed: 2 / 4 = 50%: low.
  EXPECT_EQ(r.change_failure_rate.numerator, 2u);
  EXPECT_EQ(r.change_failure_rate.total, 4u);
  EXPECT_DOUBLE_EQ(*r.change_failure_rate.ratio, 0.5);
  EXPECT_EQ(r.change_failure_rate.level, Level::kLow);
  // Restored in range: i1 60 min, i2 20 min, i4 3 h: median 3600 (not under an hour: high),
  // p90 at 1.8: 3600 + 0.8 * 7200 = 9360, mean 15600 / 3.
  const auto& ttr = r.time_to_restore;
  EXPECT_EQ(ttr.stats.count, 3u);
  EXPECT_DOUBLE_EQ(*ttr.stats.median, 3600);
  EXPECT_DOUBLE_EQ(*ttr.stats.p90, 9360);
  EXPECT_DOUBLE_EQ(*ttr.stats.mean, 5200);
  EXPECT_EQ(ttr.level, Level::kHigh);
  // a2 recovered at its earliest restore (i2, 60 min after it deployed); a3 never did.
  EXPECT_EQ(r.failed_deployment_recovery_time.count, 1u);
  EXPECT_DOUBLE_EQ(*r.failed_deployment_recovery_time.median, 3600);
  // One hotfix and one rollback out of 4.
  EXPECT_EQ(r.rework_rate.numerator, 2u);
  EXPECT_DOUBLE_EQ(*r.rework_rate.ratio, 0.5);
  // Detection 1800, 2400, 7200; the early incident is left out.
  EXPECT_EQ(r.time_to_detect.count, 3u);
  EXPECT_DOUBLE_EQ(*r.time_to_detect.median, 2400);
  // Durations 600, 300, 900, 600: median 600, p90 at 2.7: 600 + 0.7 * 300.
  EXPECT_EQ(r.deployment_duration.count, 4u);
  EXPECT_DOUBLE_EQ(*r.deployment_duration.median, 600);
  EXPECT_DOUBLE_EQ(*r.deployment_duration.p90, 810);
  // The lowest of high, elite, low, high.
  EXPECT_EQ(r.overall_level, Level::kLow);
}

TEST(ComputeDoraTest, AnEmptyRangeHasNoValuesAndNoLevels) {
  DoraReport r = ComputeDora(kD0, kD0 + kDay, {});
  EXPECT_EQ(r.deployment_frequency.count, 0u);
  EXPECT_DOUBLE_EQ(r.deployment_frequency.per_day, 0);
  EXPECT_FALSE(r.deployment_frequency.level.has_value());
  EXPECT_FALSE(r.lead_time_for_changes.stats.median.has_value());
  EXPECT_FALSE(r.change_failure_rate.ratio.has_value());
  EXPECT_FALSE(r.change_failure_rate.level.has_value());
  EXPECT_FALSE(r.time_to_restore.level.has_value());
  EXPECT_FALSE(r.rework_rate.ratio.has_value());
  EXPECT_FALSE(r.overall_level.has_value());
}

TEST(ComputeDoraTest, BandEdges) {
  // Exactly one deployment a day is elite; a lead time of exactly one day is high; 1 failure in
  // 20 (5%) is elite; a restore of exactly one hour is high.
  DoraEvents e;
  for (int i = 0; i < 20; ++i) {
    e.deployed.push_back(Deployed("d" + std::to_string(i), kD0 + i * kDay, kDay, kMin));
  }
  e.deployed[3].failed = true;
  e.restored = {MakeIncident("y", std::nullopt, kD0, kD0 + kHour)};
  DoraReport r = ComputeDora(kD0, kD0 + 20 * kDay, FactsOf(e));
  EXPECT_EQ(r.deployment_frequency.level, Level::kElite);
  EXPECT_EQ(r.lead_time_for_changes.level, Level::kHigh);
  EXPECT_EQ(r.change_failure_rate.level, Level::kElite);
  EXPECT_EQ(r.time_to_restore.level, Level::kHigh);
  EXPECT_EQ(r.overall_level, Level::kHigh);
}

// dora-2024 reads the 2024 clusters as thresholds: change failure rate at most 5% / 20% / 30%;
// the rest as in 2023.
TEST(ComputeDoraTest, Dora2024BandsChangeFailureRate) {
  DoraEvents e;
  for (int i = 0; i < 10; ++i) {
    e.deployed.push_back(Deployed("d" + std::to_string(i), kD0 + i * kDay, kHour, kMin));
  }
  e.deployed[0].failed = true;  // 10%
  const DoraFacts facts = FactsOf(e);
  EXPECT_EQ(ComputeDora(kD0, kD0 + 10 * kDay, facts).change_failure_rate.level, Level::kHigh);
  EXPECT_EQ(ComputeDora(kD0, kD0 + 10 * kDay, facts, Preset::kDora2024).change_failure_rate.level,
            Level::kHigh);
  e.deployed[1].failed = true;  // 20%: low in 2023 (over 15%), high in 2024 (at most 20%)
  EXPECT_EQ(ComputeDora(kD0, kD0 + 10 * kDay, FactsOf(e)).change_failure_rate.level, Level::kLow);
  EXPECT_EQ(
      ComputeDora(kD0, kD0 + 10 * kDay, FactsOf(e), Preset::kDora2024).change_failure_rate.level,
      Level::kHigh);
  e.deployed[2].failed = true;  // 30%: medium in 2024
  EXPECT_EQ(
      ComputeDora(kD0, kD0 + 10 * kDay, FactsOf(e), Preset::kDora2024).change_failure_rate.level,
      Level::kMedium);
  e.deployed[3].failed = true;  // 40%: low
  EXPECT_EQ(
      ComputeDora(kD0, kD0 + 10 * kDay, FactsOf(e), Preset::kDora2024).change_failure_rate.level,
      Level::kLow);
  EXPECT_EQ(ParsePreset("dora-2024"), Preset::kDora2024);
  EXPECT_EQ(ParsePreset("dora-2023"), Preset::kDora2023);
  EXPECT_FALSE(ParsePreset("dora-2022").has_value());
  EXPECT_STREQ(PresetName(Preset::kDora2024), "dora-2024");
}

// Times that contradict each other (skewed clocks) count as events but give no duration.
TEST(ComputeDoraTest, NegativeDurationsAreLeftOut) {
  DoraEvents e;
  e.deployed = {Deployed("ok", kD0, kHour, kMin), Deployed("skewed", kD0 + kHour, -kHour, -kMin)};
  e.restored = {MakeIncident("ok", std::nullopt, kD0, kD0 + kHour),
                MakeIncident("back", std::nullopt, kD0 + 2 * kHour, kD0 + kHour)};
  DoraReport r = ComputeDora(kD0, kD0 + kDay, FactsOf(e));
  EXPECT_EQ(r.deployment_frequency.count, 2u);
  EXPECT_EQ(r.lead_time_for_changes.stats.count, 1u);
  EXPECT_EQ(r.lead_time_for_changes.stats.median, 3600);
  EXPECT_EQ(r.deployment_duration.count, 1u);
  EXPECT_EQ(r.time_to_restore.stats.count, 1u);
  EXPECT_EQ(r.time_to_restore.stats.median, 3600);
}

TEST(PartitionTest, FailuresCountInTheDeploymentsGroup) {
  DoraEvents e;
  e.deployed = {Deployed("a", kD0, kHour, kMin, DeploymentKind::kPlanned, "core"),
                Deployed("b", kD0, kHour, kMin, DeploymentKind::kPlanned, "web")};
  e.deployed[1].failed = true;  // by an incident another team filed: still web's failure
  e.restored = {MakeIncident("r", std::nullopt, kD0, kD0 + kMin, "")};
  auto groups = Partition(FactsOf(e), GroupBy::kTeam);
  ASSERT_EQ(groups.size(), 3u);  // "", core, web
  EXPECT_EQ(groups[0].first, "");
  EXPECT_EQ(groups[0].second.restored.size(), 1u);
  EXPECT_EQ(groups[1].first, "core");
  EXPECT_EQ(ComputeDora(kD0, kD0 + kDay, groups[1].second).change_failure_rate.numerator, 0u);
  EXPECT_EQ(groups[2].first, "web");
  EXPECT_EQ(ComputeDora(kD0, kD0 + kDay, groups[2].second).change_failure_rate.numerator, 1u);
}

TEST(SplitTest, EachListByItsOwnTime) {
  DoraFacts f = FactsOf(Fixture());
  // Day 2, day 3 and days 0..10 as three (overlapping is not allowed: adjacent) buckets:
  // [d0, d2), [d2, d3), [d3, d4).
  auto parts = Split(f, {{kD0, kD0 + 2 * kDay}, {kD0 + 2 * kDay, kD0 + 3 * kDay},
                         {kD0 + 3 * kDay, kD0 + 4 * kDay}});
  ASSERT_EQ(parts.size(), 3u);
  // Day 2 only: a2 with its two incidents; i1 and i2 restored and detected that day.
  ASSERT_EQ(parts[1].deployed.size(), 1u);
  EXPECT_EQ(parts[1].deployed[0].deployed_at, kD0 + 2 * kDay);
  EXPECT_TRUE(parts[1].deployed[0].failed);
  EXPECT_TRUE(parts[1].deployed[0].rework);
  EXPECT_EQ(parts[1].restored.size(), 2u);
  EXPECT_EQ(parts[1].detected.size(), 2u);
  // Day 3 starts exactly at a3's deployment: included there, not in day 2.
  ASSERT_EQ(parts[2].deployed.size(), 1u);
  EXPECT_EQ(parts[2].deployed[0].deployed_at, kD0 + 3 * kDay);
  // The early incident (started just before a4, on day 3) is day 3's detection.
  EXPECT_EQ(parts[2].detected.size(), 2u);  // i3 and "early"
  EXPECT_EQ(parts[0].deployed.size(), 1u);  // a1
  // a4 (day 4) and i4 (day 5) fall in no bucket.
  size_t deployed = 0;
  for (const auto& p : parts) deployed += p.deployed.size();
  EXPECT_EQ(deployed, 3u);
  // One bucket over everything is everything.
  auto all = Split(f, {{kD0, kD0 + 10 * kDay}});
  EXPECT_EQ(all[0].deployed.size(), 4u);
  EXPECT_EQ(all[0].restored.size(), 3u);
  EXPECT_EQ(all[0].detected.size(), 4u);
}

TEST(SummarizeTest, SelectionAgreesWithSortingOnManySets) {
  // The median and p90 come from linear selections; they must equal Quantile on a sorted copy.
  uint64_t x = 88172645463325252ull;
  auto next = [&] {  // xorshift64
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return static_cast<double>(x % 1000);  // many ties
  };
  for (size_t n = 1; n <= 60; ++n) {
    std::vector<double> v(n);
    for (double& d : v) d = next();
    std::vector<double> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    DurationStats s = Summarize(v);
    EXPECT_DOUBLE_EQ(*s.median, *Quantile(sorted, 0.5)) << n;
    EXPECT_DOUBLE_EQ(*s.p90, *Quantile(sorted, 0.9)) << n;
  }
}

TEST(AddInferredLinksTest, MarksTheDeploymentAndAddsDetection) {
  DoraEvents e = Fixture();
  // i4 (no deployment_id) pointed at a4 by link=previous_deployment: a4 deployed on day 4.
  Incident i4 = MakeIncident("i4", "a4", kD0 + 5 * kDay, kD0 + 5 * kDay + 3 * kHour);
  // One pointing at a deployment outside the range: only its detection counts.
  Incident other = MakeIncident("o", "gone", kD0 + 6 * kDay, std::nullopt);
  DoraFacts f = FactsOf(e);  // with the deployment ids, as the reader gives them for this
  AddInferredLinks({{i4, kD0 + 4 * kDay}, {other, kD0 - kDay}}, kD0, kD0 + 10 * kDay, &e);
  EXPECT_TRUE(e.deployed[3].failed);
  EXPECT_EQ(e.deployed[3].recovered_at, kD0 + 5 * kDay + 3 * kHour);
  ASSERT_EQ(e.detected.size(), 6u);  // 4 from the fixture + 2
  DoraReport r = ComputeDora(kD0, kD0 + 10 * kDay, FactsOf(e));
  EXPECT_EQ(r.change_failure_rate.numerator, 3u);
  EXPECT_EQ(r.failed_deployment_recovery_time.count, 2u);  // a2 and a4

  // The same on facts gives the same figures.
  AddInferredLinks({{i4, kD0 + 4 * kDay}, {other, kD0 - kDay}}, kD0, kD0 + 10 * kDay, &f);
  EXPECT_TRUE(f.deployed[3].failed);
  EXPECT_EQ(f.deployed[3].recovered_at, kD0 + 5 * kDay + 3 * kHour);
  ASSERT_EQ(f.detected.size(), 6u);
  DoraReport rf = ComputeDora(kD0, kD0 + 10 * kDay, f);
  EXPECT_EQ(rf.change_failure_rate.numerator, 3u);
  EXPECT_EQ(rf.failed_deployment_recovery_time.count, 2u);
  EXPECT_EQ(rf.time_to_detect.count, r.time_to_detect.count);
}

// Several inferred incidents on one deployment: failed once, recovered at the earliest restore
// among them whatever their order (an unrestored one does not erase it), on events and on facts.
TEST(AddInferredLinksTest, TheEarliestRestoreAmongSeveralIncidentsWins) {
  for (int order = 0; order < 2; ++order) {
    DoraEvents e = Fixture();
    DoraFacts f = FactsOf(e);
    std::vector<std::pair<Incident, TimeMs>> inferred = {
        {MakeIncident("late", "a4", kD0 + 5 * kDay, kD0 + 7 * kDay), kD0 + 4 * kDay},
        {MakeIncident("open", "a4", kD0 + 5 * kDay, std::nullopt), kD0 + 4 * kDay},
        {MakeIncident("early", "a4", kD0 + 6 * kDay, kD0 + 6 * kDay + kHour), kD0 + 4 * kDay},
        // a2 already recovered (t2 + 60 min): a later restore does not move it.
        {MakeIncident("a2-late", "a2", kD0 + 7 * kDay, kD0 + 8 * kDay), kD0 + 2 * kDay}};
    if (order == 1) std::reverse(inferred.begin(), inferred.end());
    AddInferredLinks(inferred, kD0, kD0 + 10 * kDay, &e);
    AddInferredLinks(inferred, kD0, kD0 + 10 * kDay, &f);
    EXPECT_TRUE(e.deployed[3].failed);
    EXPECT_EQ(e.deployed[3].recovered_at, kD0 + 6 * kDay + kHour) << order;
    EXPECT_TRUE(f.deployed[3].failed);
    EXPECT_EQ(f.deployed[3].recovered_at, kD0 + 6 * kDay + kHour) << order;
    EXPECT_EQ(e.deployed[1].recovered_at, kD0 + 2 * kDay + 60 * kMin) << order;
    EXPECT_EQ(f.deployed[1].recovered_at, kD0 + 2 * kDay + 60 * kMin) << order;
    EXPECT_FALSE(e.deployed[0].failed);
    EXPECT_FALSE(f.deployed[0].failed);
    EXPECT_EQ(e.detected.size(), 4u + 4u);
    EXPECT_EQ(f.detected.size(), 4u + 4u);
  }
}

TEST(BucketsTest, ParisDaysAcrossBothDaylightSavingChanges) {
  auto paris = TimeZone::Load("Europe/Paris");
  ASSERT_TRUE(paris.ok()) << paris.status().ToString();
  // 30 March - 1 April 2024 local: 31 March lasts 23 hours (02:00 -> 03:00).
  auto b = Buckets(*ParseTimestamp("2024-03-29T23:00:00Z"), *ParseTimestamp("2024-04-01T22:00:00Z"),
                   Interval::kDay, *paris);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0], std::make_pair(*ParseTimestamp("2024-03-29T23:00:00Z"),
                                 *ParseTimestamp("2024-03-30T23:00:00Z")));
  EXPECT_EQ(b[1], std::make_pair(*ParseTimestamp("2024-03-30T23:00:00Z"),
                                 *ParseTimestamp("2024-03-31T22:00:00Z")));  // 23 h
  EXPECT_EQ(b[2], std::make_pair(*ParseTimestamp("2024-03-31T22:00:00Z"),
                                 *ParseTimestamp("2024-04-01T22:00:00Z")));
  // 27 October lasts 25 hours.
  auto oct = Buckets(*ParseTimestamp("2024-10-26T22:00:00Z"),
                     *ParseTimestamp("2024-10-27T23:00:00Z"), Interval::kDay, *paris);
  ASSERT_EQ(oct.size(), 1u);
  EXPECT_EQ(oct[0].second - oct[0].first, 25 * kHour);
  // Weeks and months start at local midnight too: Monday 1 April 2024 00:00 CEST.
  auto weeks = Buckets(*ParseTimestamp("2024-03-30T00:00:00Z"),
                       *ParseTimestamp("2024-04-10T00:00:00Z"), Interval::kWeek, *paris);
  ASSERT_EQ(weeks.size(), 3u);
  EXPECT_EQ(weeks[1].first, *ParseTimestamp("2024-03-31T22:00:00Z"));
  auto months = Buckets(*ParseTimestamp("2024-03-15T00:00:00Z"),
                        *ParseTimestamp("2024-04-15T00:00:00Z"), Interval::kMonth, *paris);
  ASSERT_EQ(months.size(), 2u);
  EXPECT_EQ(months[1].first, *ParseTimestamp("2024-03-31T22:00:00Z"));
}

TEST(CheckBucketCountTest, RefusesASeriesTooLongNamingTheInterval) {
  EXPECT_TRUE(CheckBucketCount(kMaxBuckets).ok());
  Status s = CheckBucketCount(kMaxBuckets + 1);
  ASSERT_EQ(s.code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(s.fields().size(), 1u);
  EXPECT_EQ(s.fields()[0].field, "interval");
  EXPECT_EQ(s.fields()[0].message,
            "makes 1001 buckets (at most 1000): use a longer interval or a shorter range");
}

TEST(BucketsTest, DaysAreClippedToTheRange) {
  auto b = Buckets(kD0 + 6 * kHour, kD0 + 2 * kDay + kHour, Interval::kDay);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0], std::make_pair(kD0 + 6 * kHour, kD0 + kDay));
  EXPECT_EQ(b[1], std::make_pair(kD0 + kDay, kD0 + 2 * kDay));
  EXPECT_EQ(b[2], std::make_pair(kD0 + 2 * kDay, kD0 + 2 * kDay + kHour));
}

TEST(BucketsTest, WeeksStartOnMonday) {
  // 2024-03-01 is a Friday; the next Monday is 2024-03-04.
  auto b = Buckets(kD0, kD0 + 10 * kDay, Interval::kWeek);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].second, *ParseTimestamp("2024-03-04T00:00:00Z"));
  EXPECT_EQ(b[1], std::make_pair(*ParseTimestamp("2024-03-04T00:00:00Z"), kD0 + 10 * kDay));
}

TEST(BucketsTest, MonthsFollowTheCalendar) {
  auto b = Buckets(*ParseTimestamp("2023-12-15T00:00:00Z"), *ParseTimestamp("2024-03-01T00:00:00Z"),
                   Interval::kMonth);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].second, *ParseTimestamp("2024-01-01T00:00:00Z"));
  EXPECT_EQ(b[1].second, *ParseTimestamp("2024-02-01T00:00:00Z"));
  EXPECT_EQ(b[2].second, *ParseTimestamp("2024-03-01T00:00:00Z"));  // leap February ends here
}

}  // namespace
}  // namespace emm::domain
