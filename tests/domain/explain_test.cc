#include "domain/explain.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace emm::domain {
namespace {

constexpr TimeMs kHour = 3600000;

Deployment Deployed(std::string id, TimeMs deployed_at, TimeMs lead = kHour) {
  Deployment d;
  d.id = std::move(id);
  d.project_id = "api";
  d.environment = "production";
  d.first_commit_at = deployed_at - lead;
  d.deploy_start_at = deployed_at - kHour / 6;
  d.deployed_at = deployed_at;
  d.status = DeploymentStatus::kDeployed;
  return d;
}

Incident Opened(std::string id, TimeMs started_at, std::optional<std::string> deployment = {}) {
  Incident i;
  i.id = std::move(id);
  i.project_id = "api";
  i.environment = "production";
  i.deployment_id = std::move(deployment);
  i.started_at = started_at;
  return i;
}

std::vector<std::string> CountedIds(const Explanation& e) {
  std::vector<std::string> out;
  for (const auto& c : e.counted) out.push_back(c.deployment ? c.deployment->id : c.incident->id);
  return out;
}

TEST(FigureTest, NamesRoundTrip) {
  for (const char* name : {"deployment_frequency", "lead_time_for_changes", "change_failure_rate",
                           "time_to_restore", "failed_deployment_recovery_time", "rework_rate",
                           "time_to_detect", "deployment_duration"}) {
    auto f = FigureNamed(name);
    ASSERT_TRUE(f.has_value()) << name;
    EXPECT_STREQ(FigureName(*f), name);
  }
  EXPECT_FALSE(FigureNamed("vibes").has_value());
  EXPECT_FALSE(IsDeploymentFigure(Figure::kTimeToRestore));
  EXPECT_FALSE(IsDeploymentFigure(Figure::kTimeToDetect));
  EXPECT_TRUE(IsDeploymentFigure(Figure::kReworkRate));
}

TEST(ExplainTest, DeploymentsInDeployedOrderThenIdWithTheirLeadTime) {
  DoraEvents events;
  events.deployed = {Deployed("b", 10 * kHour, 2 * kHour), Deployed("a", 10 * kHour),
                     Deployed("c", 5 * kHour)};
  Explanation e = Explain(Figure::kLeadTimeForChanges, {&events});
  EXPECT_EQ(CountedIds(e), (std::vector<std::string>{"c", "a", "b"}));
  EXPECT_EQ(e.counted[2].value_ms, 2 * kHour);
  EXPECT_TRUE(e.left_out.empty());
}

TEST(ExplainTest, RecoveryTimeLeavesOutFailuresNotRecoveredAndSkipsTheRest) {
  DoraEvents events;
  Deployment ok = Deployed("ok", kHour);
  Deployment recovered = Deployed("recovered", 2 * kHour);
  recovered.failed = true;
  recovered.recovered_at = 3 * kHour;
  Deployment open = Deployed("open", 4 * kHour);
  open.failed = true;
  events.deployed = {ok, recovered, open};
  Explanation e = Explain(Figure::kFailedDeploymentRecoveryTime, {&events});
  EXPECT_EQ(CountedIds(e), (std::vector<std::string>{"recovered"}));
  EXPECT_EQ(e.counted[0].value_ms, kHour);
  ASSERT_EQ(e.left_out.size(), 1u);
  EXPECT_EQ(e.left_out[0].id, "open");
  EXPECT_EQ(e.left_out[0].reason, "failed, not recovered yet");
}

TEST(ExplainTest, ChangeFailureRateNamesTheRuleThatFailedEachDeployment) {
  Deployment d1 = Deployed("d1", kHour), d2 = Deployed("d2", 2 * kHour),
             d3 = Deployed("d3", 3 * kHour);
  DoraEvents explicit_only;
  explicit_only.deployed = {d1, d2, d3};
  explicit_only.deployed[0].failed = true;
  DoraEvents inferred = explicit_only;
  inferred.deployed[1].failed = true;  // only through link=previous_deployment
  ExplainInput in{&inferred, &explicit_only, nullptr, 0, true};
  Explanation e = Explain(Figure::kChangeFailureRate, in);
  ASSERT_EQ(e.counted.size(), 3u);
  EXPECT_EQ(e.counted[0].link, LinkRule::kExplicit);
  EXPECT_EQ(e.counted[1].link, LinkRule::kPreviousDeployment);
  EXPECT_EQ(e.counted[2].link, LinkRule::kPreviousDeployment);  // not failed: the rule applied
  Explanation plain = Explain(Figure::kChangeFailureRate, {&explicit_only});
  EXPECT_EQ(plain.counted[2].link, LinkRule::kExplicit);
}

TEST(ExplainTest, TimeToRestoreLeavesOutIncidentsNotRestoredThatStartedInTheRange) {
  DoraEvents events;
  Incident restored = Opened("restored", 2 * kHour);
  restored.restored_at = 3 * kHour;
  events.restored = {restored};
  std::vector<Incident> timeline = {restored, Opened("open", 4 * kHour),
                                    Opened("before", 0)};  // started before `from`
  ExplainInput in{&events, nullptr, &timeline, kHour, false};
  Explanation e = Explain(Figure::kTimeToRestore, in);
  EXPECT_EQ(CountedIds(e), (std::vector<std::string>{"restored"}));
  EXPECT_EQ(e.counted[0].value_ms, kHour);
  ASSERT_EQ(e.left_out.size(), 1u);
  EXPECT_EQ(e.left_out[0].id, "open");
  EXPECT_EQ(e.left_out[0].reason, "not restored yet");
}

TEST(ExplainTest, TimeToDetectCountsLinkedIncidentsAndSaysWhyTheOthersAreNot) {
  DoraEvents events;
  events.detected = {{Opened("late", 3 * kHour, "d1"), 2 * kHour},
                     {Opened("early", kHour, "d1"), 2 * kHour}};  // before its deployment
  std::vector<Incident> timeline = {Opened("late", 3 * kHour, "d1"),
                                    Opened("early", kHour, "d1"), Opened("unlinked", 5 * kHour)};
  Explanation e = Explain(Figure::kTimeToDetect, {&events, nullptr, &timeline, 0, false});
  ASSERT_EQ(CountedIds(e), (std::vector<std::string>{"late"}));
  EXPECT_EQ(e.counted[0].value_ms, kHour);
  EXPECT_EQ(e.counted[0].deployed_at, 2 * kHour);
  EXPECT_EQ(e.counted[0].link, LinkRule::kExplicit);
  ASSERT_EQ(e.left_out.size(), 2u);
  EXPECT_EQ(e.left_out[0].id, "early");
  EXPECT_EQ(e.left_out[0].reason, "started before its deployment reached production");
  EXPECT_EQ(e.left_out[1].id, "unlinked");
  EXPECT_EQ(e.left_out[1].reason, "no deployment_id: not linked to a deployment (link=explicit)");
}

TEST(ExplainTest, InferredDetectionsAreMarkedPreviousDeployment) {
  DoraEvents explicit_only;
  explicit_only.detected = {{Opened("linked", 3 * kHour, "d1"), 2 * kHour}};
  DoraEvents inferred = explicit_only;
  inferred.detected.push_back({Opened("guessed", 4 * kHour), 2 * kHour});
  std::vector<Incident> timeline = {Opened("linked", 3 * kHour, "d1"), Opened("guessed", 4 * kHour),
                                    Opened("alone", 5 * kHour)};
  Explanation e = Explain(Figure::kTimeToDetect, {&inferred, &explicit_only, &timeline, 0, true});
  ASSERT_EQ(e.counted.size(), 2u);
  EXPECT_EQ(e.counted[0].link, LinkRule::kExplicit);
  EXPECT_EQ(e.counted[1].link, LinkRule::kPreviousDeployment);
  ASSERT_EQ(e.left_out.size(), 1u);
  EXPECT_EQ(e.left_out[0].id, "alone");
  EXPECT_NE(e.left_out[0].reason.find("link=previous_deployment"), std::string::npos);
}

TEST(ExplainTest, NeverDeployedReason) {
  Deployment d;
  d.id = "stuck";
  EXPECT_EQ(NeverDeployed(d).id, "stuck");
  EXPECT_EQ(NeverDeployed(d).reason, "started in the range but never marked deployed");
}

}  // namespace
}  // namespace emm::domain

namespace emm::domain {
namespace {

// Skewed clocks: a deployment or incident whose times contradict each other counts as an event
// but gives no duration, and the explanation says so (as ComputeDora leaves it out).
TEST(ExplainTest, TimesOutOfOrderAreLeftOutWithTheReason) {
  DoraEvents events;
  events.deployed = {Deployed("ok", 10 * kHour), Deployed("skewed", 11 * kHour, -kHour)};
  Explanation lead = Explain(Figure::kLeadTimeForChanges, {&events});
  EXPECT_EQ(CountedIds(lead), std::vector<std::string>{"ok"});
  ASSERT_EQ(lead.left_out.size(), 1u);
  EXPECT_EQ(lead.left_out[0].id, "skewed");
  EXPECT_NE(lead.left_out[0].reason.find("deployed_at"), std::string::npos);
  EXPECT_NE(lead.left_out[0].reason.find("first_commit_at"), std::string::npos);
  // The deployment itself still counts.
  EXPECT_EQ(CountedIds(Explain(Figure::kDeploymentFrequency, {&events})),
            (std::vector<std::string>{"ok", "skewed"}));

  Incident back = Opened("back", 5 * kHour);
  back.restored_at = 4 * kHour;
  Incident fine = Opened("fine", 5 * kHour);
  fine.restored_at = 6 * kHour;
  events.restored = {back, fine};
  Explanation restore = Explain(Figure::kTimeToRestore, {&events});
  EXPECT_EQ(CountedIds(restore), std::vector<std::string>{"fine"});
  ASSERT_EQ(restore.left_out.size(), 1u);
  EXPECT_EQ(restore.left_out[0].id, "back");
  EXPECT_NE(restore.left_out[0].reason.find("restored_at"), std::string::npos);
}

// "Why is this deployment red?": each failed deployment names the incidents that failed it.
TEST(ExplainTest, FailedDeploymentsNameTheirIncidentsAndTheRuleOfEach) {
  DoraEvents events;
  events.deployed = {Deployed("red", 10 * kHour), Deployed("green", 12 * kHour)};
  events.deployed[0].failed = true;
  events.deployed[0].recovered_at = 11 * kHour;
  Incident a = Opened("a", 10 * kHour + kHour / 2, "red");
  a.restored_at = 11 * kHour;
  Incident b = Opened("b", 10 * kHour + kHour / 2 + 1, "red");
  events.failures = {{a, false}, {b, true}};
  for (Figure f : {Figure::kChangeFailureRate, Figure::kFailedDeploymentRecoveryTime}) {
    Explanation e = Explain(f, {&events});
    ASSERT_FALSE(e.counted.empty()) << FigureName(f);
    const CountedEvent& red = e.counted.front();
    EXPECT_EQ(red.deployment->id, "red");
    ASSERT_EQ(red.failed_by.size(), 2u) << FigureName(f);
    EXPECT_EQ(red.failed_by[0].incident->id, "a");
    EXPECT_EQ(red.failed_by[0].link, LinkRule::kExplicit);
    EXPECT_EQ(red.failed_by[1].incident->id, "b");
    EXPECT_EQ(red.failed_by[1].link, LinkRule::kPreviousDeployment);
  }
  Explanation cfr = Explain(Figure::kChangeFailureRate, {&events});
  ASSERT_EQ(cfr.counted.size(), 2u);
  EXPECT_TRUE(cfr.counted[1].failed_by.empty());  // green
}

// AddInferredLinks records which deployments of the range an inferred incident failed.
TEST(ExplainTest, InferredLinksAreKeptAsFailuresOfTheRangesDeployments) {
  DoraEvents events;
  events.deployed = {Deployed("d1", 10 * kHour)};
  Incident late = Opened("late", 11 * kHour, "d1");  // deployment_id as inferred
  Incident elsewhere = Opened("elsewhere", 11 * kHour, "d0");
  AddInferredLinks({{late, 10 * kHour}, {elsewhere, 9 * kHour}}, 0, 24 * kHour, &events);
  EXPECT_TRUE(events.deployed[0].failed);
  ASSERT_EQ(events.failures.size(), 1u);
  EXPECT_EQ(events.failures[0].incident.id, "late");
  EXPECT_TRUE(events.failures[0].inferred);
}

}  // namespace
}  // namespace emm::domain
