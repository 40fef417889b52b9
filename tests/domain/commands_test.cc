#include "domain/commands.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "domain/fake_transaction.h"
#include "testing/field_names.h"

namespace emm::domain {
namespace {

using testing::FakeTransaction;

constexpr TimeMs kSec = 1000;
constexpr TimeMs kMin = 60 * kSec;
constexpr TimeMs kHour = 60 * kMin;
constexpr TimeMs kDay = 24 * kHour;
constexpr TimeMs kT0 = 1714557600000;  // 2024-05-01T10:00:00Z
constexpr TimeMs kNow = kT0 + 10 * kDay;

using emm::testing::FieldNames;

TeamUser Github(std::string name) { return TeamUser{std::move(name), "", "", ""}; }

class CommandsTest : public ::testing::Test {
 protected:
  CommandsTest()
      : teams_({Team{"team-a", {"proj-a"}, {}}, Team{"team-b", {"shared"}, {Github("alice")}},
                Team{"team-c", {"shared"}, {Github("bob")}}}) {
    ctx_.teams = &teams_;
    ctx_.default_environment = "production";
    ctx_.now = kNow;
    ctx_.inconsistencies = &notes_;
  }

  // A deployment of proj-a whose first commit is at kT0 and whose pipeline started an hour later.
  static NewDeployment Started(std::string id, std::string project = "proj-a") {
    NewDeployment d;
    d.id = std::move(id);
    d.project_id = std::move(project);
    d.first_commit_at = kT0;
    d.deploy_start_at = kT0 + kHour;
    return d;
  }

  // The contradictions the commands accepted, as "kind id field".
  std::vector<std::string> Notes() const {
    std::vector<std::string> out;
    for (const Inconsistency& n : notes_) out.push_back(n.kind + " " + n.id + " " + n.field);
    return out;
  }

  void MustCreate(const NewDeployment& d) {
    auto r = CreateDeployment(tx_, ctx_, d);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(*r, Outcome::kCreated);
  }

  void MustDeploy(const std::string& id, TimeMs at, std::string username = "") {
    MarkDeployed m;
    m.id = id;
    m.deployed_at = at;
    m.username = std::move(username);
    auto r = MarkDeploymentDeployed(tx_, ctx_, m);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  std::string MustCreateIncident(const NewIncident& in) {
    std::string id;
    auto r = CreateIncident(tx_, ctx_, in, &id);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (r.ok()) {
      EXPECT_EQ(*r, Outcome::kCreated);
    }
    return id;
  }

  static NewIncident IncidentOf(std::string project, std::optional<std::string> deployment,
                                TimeMs started_at) {
    NewIncident in;
    in.project_id = std::move(project);
    in.deployment_id = std::move(deployment);
    in.started_at = started_at;
    return in;
  }

  uint64_t Count(std::string_view metric, std::string_view project = "proj-a",
                 std::string_view team = "team-a", std::string_view env = "production") const {
    return tx_.Count(metric, project, team, env);
  }

  TeamDirectory teams_;
  std::vector<Inconsistency> notes_;
  CommandContext ctx_;
  FakeTransaction tx_;
};

// --- CreateDeployment ---

TEST_F(CommandsTest, CreateStoresAStartedDeploymentWithDefaults) {
  NewDeployment in = Started("d1");
  in.deploy_start_at.reset();
  MustCreate(in);

  ASSERT_EQ(tx_.deployments.count("d1"), 1u);
  const Deployment& d = tx_.deployments.at("d1");
  EXPECT_EQ(d.project_id, "proj-a");
  EXPECT_EQ(d.team_id, "team-a");
  EXPECT_EQ(d.environment, "production");
  EXPECT_EQ(d.first_commit_at, kT0);
  EXPECT_EQ(d.deploy_start_at, kNow);
  EXPECT_EQ(d.created_at, kNow);
  EXPECT_EQ(d.status, DeploymentStatus::kStarted);
  EXPECT_FALSE(d.deployed_at.has_value());

  EXPECT_EQ(Count("deployment_started"), 1u);
  EXPECT_EQ(tx_.TotalCount("deployment_frequency"), 0u);
  EXPECT_EQ(tx_.TotalCount("lead_time_for_changes"), 0u);
  EXPECT_EQ(tx_.TotalCount("deployment_duration"), 0u);
}

TEST_F(CommandsTest, CreateUsesTheGivenEnvironment) {
  NewDeployment in = Started("d1");
  in.environment = "staging";
  MustCreate(in);
  EXPECT_EQ(tx_.deployments.at("d1").environment, "staging");
  EXPECT_EQ(Count("deployment_started", "proj-a", "team-a", "staging"), 1u);
  EXPECT_EQ(Count("deployment_started"), 0u);
}

TEST_F(CommandsTest, CreateResolvesTheTeamFromTheUsername) {
  NewDeployment in = Started("d1", "shared");
  in.username = "bob";
  MustCreate(in);
  EXPECT_EQ(tx_.deployments.at("d1").team_id, "team-c");
  EXPECT_EQ(Count("deployment_started", "shared", "team-c"), 1u);
}

TEST_F(CommandsTest, CreateWithoutResolvableTeamLeavesTeamEmpty) {
  MustCreate(Started("d1", "shared"));
  EXPECT_EQ(tx_.deployments.at("d1").team_id, "");
  EXPECT_EQ(Count("deployment_started", "shared", ""), 1u);
}

TEST_F(CommandsTest, CreateDuplicateIdIsAlreadyExists) {
  MustCreate(Started("d1"));
  NewDeployment again = Started("d1");
  again.environment = "staging";
  auto r = CreateDeployment(tx_, ctx_, again);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(FieldNames(r.status()), std::vector<std::string>{"id"});
  EXPECT_EQ(tx_.deployments.at("d1").environment, "production");
  EXPECT_EQ(tx_.TotalCount("deployment_started"), 1u);
}

// Skewed clocks: times that contradict each other are stored as sent (losing the event is worse
// than a skewed duration), counted, noted, and the negative durations observed nowhere.
TEST_F(CommandsTest, CreateKeepsAFirstCommitAfterDeployedAtWithoutLeadTime) {
  NewDeployment in = Started("d1");
  in.first_commit_at = kT0 + 3 * kHour;
  in.deploy_start_at = kT0;
  in.deployed_at = kT0 + 2 * kHour;
  MustCreate(in);
  EXPECT_EQ(tx_.deployments.at("d1").first_commit_at, kT0 + 3 * kHour);
  EXPECT_EQ(Count("deployment_frequency"), 1u);
  EXPECT_EQ(tx_.Series("lead_time_for_changes", "proj-a", "team-a", "production"), nullptr);
  EXPECT_EQ(Count("deployment_duration"), 1u);
  EXPECT_EQ(Notes(), std::vector<std::string>{"deployment d1 deployed_at"});
  EXPECT_NE(notes_.front().message.find("first_commit_at"), std::string::npos);
}

TEST_F(CommandsTest, CreateKeepsADeployStartAfterDeployedAtWithoutDuration) {
  NewDeployment in = Started("d1");
  in.deploy_start_at = kT0 + 3 * kHour;
  in.deployed_at = kT0 + 2 * kHour;
  MustCreate(in);
  EXPECT_EQ(tx_.deployments.at("d1").deploy_start_at, kT0 + 3 * kHour);
  EXPECT_EQ(tx_.Series("deployment_duration", "proj-a", "team-a", "production"), nullptr);
  EXPECT_EQ(Count("lead_time_for_changes"), 1u);
  EXPECT_EQ(Notes(), std::vector<std::string>{"deployment d1 deployed_at"});
  EXPECT_NE(notes_.front().message.find("deploy_start_at"), std::string::npos);
}

TEST_F(CommandsTest, CreateNotesBothContradictions) {
  NewDeployment in = Started("d1");
  in.first_commit_at = kT0 + 5 * kHour;
  in.deploy_start_at = kT0 + 4 * kHour;
  in.deployed_at = kT0;
  MustCreate(in);
  EXPECT_EQ(Notes(),
            (std::vector<std::string>{"deployment d1 deployed_at", "deployment d1 deployed_at"}));
  EXPECT_EQ(Count("deployment_frequency"), 1u);
  EXPECT_EQ(tx_.Series("lead_time_for_changes", "proj-a", "team-a", "production"), nullptr);
  EXPECT_EQ(tx_.Series("deployment_duration", "proj-a", "team-a", "production"), nullptr);
}

// The original's README example: a back-filled deployment with no deploy_start_at. The start the
// client did not send is the earlier of now and deployed_at, never a contradiction.
TEST_F(CommandsTest, CreateDefaultDeployStartIsTheEarlierOfNowAndDeployedAt) {
  NewDeployment in = Started("d1");
  in.deploy_start_at.reset();
  in.deployed_at = kT0 + 10 * kMin;
  MustCreate(in);
  EXPECT_EQ(tx_.deployments.at("d1").deploy_start_at, kT0 + 10 * kMin);
  NewDeployment later = Started("d2");
  later.deploy_start_at.reset();
  later.deployed_at = kNow + kHour;  // a clock ahead of ours
  MustCreate(later);
  EXPECT_EQ(tx_.deployments.at("d2").deploy_start_at, kNow);
  EXPECT_TRUE(Notes().empty());
  const SeriesState* dur = tx_.Series("deployment_duration", "proj-a", "team-a", "production");
  ASSERT_NE(dur, nullptr);
  EXPECT_EQ(dur->count, 2u);
  EXPECT_DOUBLE_EQ(dur->sum, 3600);
}

TEST_F(CommandsTest, CreateAcceptsEqualInstants) {
  NewDeployment in = Started("d1");
  in.first_commit_at = kT0;
  in.deploy_start_at = kT0;
  in.deployed_at = kT0;
  MustCreate(in);
  const SeriesState* lead = tx_.Series("lead_time_for_changes", "proj-a", "team-a", "production");
  ASSERT_NE(lead, nullptr);
  EXPECT_EQ(lead->count, 1u);
  EXPECT_DOUBLE_EQ(lead->sum, 0);
}

TEST_F(CommandsTest, CreateAlreadyDeployedCountsStartFrequencyAndHistograms) {
  NewDeployment in = Started("d1");
  in.first_commit_at = kT0;
  in.deploy_start_at = kT0 + 2 * kHour;
  in.deployed_at = kT0 + 2 * kHour + 90 * kSec;
  MustCreate(in);

  const Deployment& d = tx_.deployments.at("d1");
  EXPECT_EQ(d.status, DeploymentStatus::kDeployed);
  EXPECT_EQ(d.deployed_at, kT0 + 2 * kHour + 90 * kSec);

  EXPECT_EQ(Count("deployment_started"), 1u);
  EXPECT_EQ(Count("deployment_frequency"), 1u);

  const SeriesState* lead = tx_.Series("lead_time_for_changes", "proj-a", "team-a", "production");
  ASSERT_NE(lead, nullptr);
  EXPECT_EQ(lead->kind, MetricKind::kHistogram);
  EXPECT_EQ(lead->count, 1u);
  EXPECT_DOUBLE_EQ(lead->sum, 7290);  // 2 h 1 min 30 s
  EXPECT_EQ(lead->buckets[7], 1u);    // (2 h, 4 h]

  const SeriesState* dur = tx_.Series("deployment_duration", "proj-a", "team-a", "production");
  ASSERT_NE(dur, nullptr);
  EXPECT_EQ(dur->count, 1u);
  EXPECT_DOUBLE_EQ(dur->sum, 90);
  EXPECT_EQ(dur->buckets[1], 1u);  // (1 min, 5 min]
  EXPECT_EQ(dur->start_ms, kNow);
}

// --- MarkDeploymentDeployed ---

TEST_F(CommandsTest, MarkDeployedUnknownIdWithoutCreateIsNotFound) {
  MarkDeployed m;
  m.id = "nope";
  m.project_id = "proj-a";
  m.first_commit_at = kT0;
  m.deploy_start_at = kT0;
  auto r = MarkDeploymentDeployed(tx_, ctx_, m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(tx_.deployments.empty());
  EXPECT_TRUE(tx_.series.empty());
}

TEST_F(CommandsTest, MarkDeployedCreateRequiresProjectAndFirstCommit) {
  MarkDeployed m;
  m.id = "d1";
  m.create_if_not_exists = true;
  auto r = MarkDeploymentDeployed(tx_, ctx_, m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldNames(r.status()), (std::vector<std::string>{"project_id", "first_commit_at"}));
  EXPECT_TRUE(tx_.deployments.empty());
}

TEST_F(CommandsTest, MarkDeployedCreateNamesOnlyTheMissingField) {
  MarkDeployed m;
  m.id = "d1";
  m.create_if_not_exists = true;
  m.project_id = "proj-a";
  auto r = MarkDeploymentDeployed(tx_, ctx_, m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(FieldNames(r.status()), std::vector<std::string>{"first_commit_at"});
}

TEST_F(CommandsTest, MarkDeployedCreatesADeployedDeployment) {
  MarkDeployed m;
  m.id = "d1";
  m.create_if_not_exists = true;
  m.project_id = "shared";
  m.username = "alice";
  m.environment = "staging";
  m.first_commit_at = kT0;
  m.deploy_start_at = kT0 + kHour;
  auto r = MarkDeploymentDeployed(tx_, ctx_, m);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, Outcome::kCreated);
  const Deployment& d = tx_.deployments.at("d1");
  EXPECT_EQ(d.status, DeploymentStatus::kDeployed);
  EXPECT_EQ(d.deployed_at, kNow);  // default: now
  EXPECT_EQ(d.team_id, "team-b");
  EXPECT_EQ(d.environment, "staging");
  EXPECT_EQ(Count("deployment_started", "shared", "team-b", "staging"), 1u);
  EXPECT_EQ(Count("deployment_frequency", "shared", "team-b", "staging"), 1u);
  EXPECT_EQ(Count("lead_time_for_changes", "shared", "team-b", "staging"), 1u);
}

TEST_F(CommandsTest, MarkDeployedCreateKeepsContradictingTimesAndNotesThem) {
  MarkDeployed m;
  m.id = "d1";
  m.create_if_not_exists = true;
  m.project_id = "proj-a";
  m.first_commit_at = kT0;
  m.deploy_start_at = kT0 + 2 * kHour;
  m.deployed_at = kT0 + kHour;
  auto r = MarkDeploymentDeployed(tx_, ctx_, m);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(tx_.deployments.at("d1").deploy_start_at, kT0 + 2 * kHour);
  EXPECT_EQ(Notes(), std::vector<std::string>{"deployment d1 deployed_at"});
  EXPECT_EQ(tx_.Series("deployment_duration", "proj-a", "team-a", "production"), nullptr);
}

TEST_F(CommandsTest, MarkDeployedIsIdempotentAndCountsOnce) {
  MustCreate(Started("d1"));
  MarkDeployed m;
  m.id = "d1";
  m.deployed_at = kT0 + 2 * kHour;
  auto first = MarkDeploymentDeployed(tx_, ctx_, m);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, Outcome::kUpdated);
  EXPECT_EQ(tx_.deployments.at("d1").status, DeploymentStatus::kDeployed);
  EXPECT_EQ(tx_.deployments.at("d1").deployed_at, kT0 + 2 * kHour);

  m.deployed_at = kT0 + 5 * kHour;  // a different date changes nothing either
  auto second = MarkDeploymentDeployed(tx_, ctx_, m);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, Outcome::kUnchanged);
  EXPECT_EQ(tx_.deployments.at("d1").deployed_at, kT0 + 2 * kHour);

  m.create_if_not_exists = true;  // also with the create flag
  auto third = MarkDeploymentDeployed(tx_, ctx_, m);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(*third, Outcome::kUnchanged);

  EXPECT_EQ(Count("deployment_started"), 1u);
  EXPECT_EQ(Count("deployment_frequency"), 1u);
  const SeriesState* lead = tx_.Series("lead_time_for_changes", "proj-a", "team-a", "production");
  ASSERT_NE(lead, nullptr);
  EXPECT_EQ(lead->count, 1u);
  EXPECT_DOUBLE_EQ(lead->sum, 7200);
  const SeriesState* dur = tx_.Series("deployment_duration", "proj-a", "team-a", "production");
  ASSERT_NE(dur, nullptr);
  EXPECT_DOUBLE_EQ(dur->sum, 3600);
}

TEST_F(CommandsTest, MarkDeployedDefaultsToNow) {
  MustCreate(Started("d1"));
  MarkDeployed m;
  m.id = "d1";
  ASSERT_TRUE(MarkDeploymentDeployed(tx_, ctx_, m).ok());
  EXPECT_EQ(tx_.deployments.at("d1").deployed_at, kNow);
}

TEST_F(CommandsTest, MarkDeployedBeforeFirstCommitIsStoredWithoutLeadTime) {
  NewDeployment in = Started("d1");
  in.first_commit_at = kT0;
  in.deploy_start_at = kT0 - kHour;
  MustCreate(in);
  MustDeploy("d1", kT0 - kMin);
  EXPECT_EQ(tx_.deployments.at("d1").status, DeploymentStatus::kDeployed);
  EXPECT_EQ(tx_.deployments.at("d1").deployed_at, kT0 - kMin);
  EXPECT_EQ(Count("deployment_frequency"), 1u);
  EXPECT_EQ(tx_.Series("lead_time_for_changes", "proj-a", "team-a", "production"), nullptr);
  EXPECT_EQ(Count("deployment_duration"), 1u);
  EXPECT_EQ(Notes(), std::vector<std::string>{"deployment d1 deployed_at"});
}

TEST_F(CommandsTest, MarkDeployedBeforeDeployStartIsStoredWithoutDuration) {
  MustCreate(Started("d1"));  // deploy_start_at = kT0 + 1 h
  MustDeploy("d1", kT0 + 30 * kMin);
  EXPECT_EQ(tx_.deployments.at("d1").deployed_at, kT0 + 30 * kMin);
  EXPECT_EQ(tx_.Series("deployment_duration", "proj-a", "team-a", "production"), nullptr);
  EXPECT_EQ(Count("lead_time_for_changes"), 1u);
  EXPECT_EQ(Notes(), std::vector<std::string>{"deployment d1 deployed_at"});
  EXPECT_NE(notes_.front().message.find("deploy_start_at"), std::string::npos);
}

// create_if_not_exists without deploy_start_at (what the original's README documents).
TEST_F(CommandsTest, MarkDeployedCreatesWithoutDeployStart) {
  MarkDeployed m;
  m.id = "d1";
  m.create_if_not_exists = true;
  m.project_id = "proj-a";
  m.first_commit_at = kT0;
  m.deployed_at = kT0 + 10 * kMin;
  auto r = MarkDeploymentDeployed(tx_, ctx_, m);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, Outcome::kCreated);
  EXPECT_EQ(tx_.deployments.at("d1").deploy_start_at, kT0 + 10 * kMin);
  EXPECT_TRUE(Notes().empty());
}

TEST_F(CommandsTest, MarkDeployedResolvesATeamTheCreationCouldNot) {
  MustCreate(Started("d1", "shared"));
  ASSERT_EQ(tx_.deployments.at("d1").team_id, "");
  MustDeploy("d1", kT0 + 2 * kHour, "alice");
  EXPECT_EQ(tx_.deployments.at("d1").team_id, "team-b");
  EXPECT_EQ(Count("deployment_frequency", "shared", "team-b"), 1u);
  EXPECT_EQ(Count("deployment_frequency", "shared", ""), 0u);
}

TEST_F(CommandsTest, MarkDeployedKeepsTheTeamWhenNothingResolves) {
  NewDeployment in = Started("d1", "shared");
  in.username = "bob";
  MustCreate(in);
  MustDeploy("d1", kT0 + 2 * kHour, "");
  EXPECT_EQ(tx_.deployments.at("d1").team_id, "team-c");
  EXPECT_EQ(Count("deployment_frequency", "shared", "team-c"), 1u);
}

TEST_F(CommandsTest, MarkDeployedReResolvesWithTheNewUsername) {
  NewDeployment in = Started("d1", "shared");
  in.username = "bob";
  MustCreate(in);
  MustDeploy("d1", kT0 + 2 * kHour, "alice");
  EXPECT_EQ(tx_.deployments.at("d1").team_id, "team-b");
}

TEST_F(CommandsTest, MarkDeployedNeverMovesADeploymentToAnotherProject) {
  MustCreate(Started("d1"));
  MarkDeployed m;
  m.id = "d1";
  m.project_id = "shared";
  m.deployed_at = kT0 + 2 * kHour;
  ASSERT_TRUE(MarkDeploymentDeployed(tx_, ctx_, m).ok());
  EXPECT_EQ(tx_.deployments.at("d1").project_id, "proj-a");
  EXPECT_EQ(tx_.deployments.at("d1").team_id, "team-a");
  EXPECT_EQ(Count("deployment_frequency"), 1u);
}

// --- CreateIncident ---

TEST_F(CommandsTest, IncidentIdsAreGeneratedPerProject) {
  EXPECT_EQ(MustCreateIncident(IncidentOf("proj-a", std::nullopt, kT0)), "incident_proj-a_1");
  EXPECT_EQ(MustCreateIncident(IncidentOf("proj-a", std::nullopt, kT0)), "incident_proj-a_2");
  EXPECT_EQ(MustCreateIncident(IncidentOf("other", std::nullopt, kT0)), "incident_other_1");
  EXPECT_EQ(tx_.incidents.size(), 3u);
}

TEST_F(CommandsTest, GeneratedIdsSkipTakenIds) {
  NewIncident explicit_id = IncidentOf("proj-a", std::nullopt, kT0);
  explicit_id.id = "incident_proj-a_2";
  EXPECT_EQ(MustCreateIncident(explicit_id), "incident_proj-a_2");
  // One incident in the project: the next number (2) is taken, so 3.
  EXPECT_EQ(MustCreateIncident(IncidentOf("proj-a", std::nullopt, kT0)), "incident_proj-a_3");
}

TEST_F(CommandsTest, GeneratedIdsSkipIdsTakenByAnotherProject) {
  NewIncident squatter = IncidentOf("other", std::nullopt, kT0);
  squatter.id = "incident_proj-a_1";
  MustCreateIncident(squatter);
  EXPECT_EQ(MustCreateIncident(IncidentOf("proj-a", std::nullopt, kT0)), "incident_proj-a_2");
  EXPECT_EQ(tx_.incidents.at("incident_proj-a_1").project_id, "other");
}

TEST_F(CommandsTest, IncidentDuplicateIdIsAlreadyExists) {
  NewIncident in = IncidentOf("proj-a", std::nullopt, kT0);
  in.id = "inc-1";
  MustCreateIncident(in);
  auto r = CreateIncident(tx_, ctx_, in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(FieldNames(r.status()), std::vector<std::string>{"id"});
  EXPECT_EQ(Count("incident_count"), 1u);
}

TEST_F(CommandsTest, IncidentWithUnknownDeploymentIsInvalid) {
  auto r = CreateIncident(tx_, ctx_, IncidentOf("proj-a", "ghost", kT0));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldNames(r.status()), std::vector<std::string>{"deployment_id"});
  EXPECT_TRUE(tx_.incidents.empty());
  EXPECT_TRUE(tx_.series.empty());
}

TEST_F(CommandsTest, IncidentWithAnUnknownDeploymentIsRefusedAndAnEarlyRestoreIsNot) {
  NewIncident in = IncidentOf("proj-a", "ghost", kT0);
  in.restored_at = kT0 - kMin;
  auto r = CreateIncident(tx_, ctx_, in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(FieldNames(r.status()), (std::vector<std::string>{"deployment_id"}));
  EXPECT_TRUE(Notes().empty());
}

TEST_F(CommandsTest, IncidentTimesThatContradictAreStoredWithoutTimeToRestore) {
  NewIncident finished_early = IncidentOf("proj-a", std::nullopt, kT0);
  finished_early.finished_at = kT0 - kSec;
  std::string a = MustCreateIncident(finished_early);
  EXPECT_EQ(tx_.incidents.at(a).finished_at, kT0 - kSec);
  EXPECT_EQ(tx_.incidents.at(a).restored_at, kT0 - kSec);

  NewIncident finished_before_restored = IncidentOf("proj-a", std::nullopt, kT0);
  finished_before_restored.restored_at = kT0 + kHour;
  finished_before_restored.finished_at = kT0 + kMin;
  std::string b = MustCreateIncident(finished_before_restored);
  EXPECT_EQ(tx_.incidents.at(b).restored_at, kT0 + kHour);
  EXPECT_EQ(tx_.incidents.at(b).finished_at, kT0 + kMin);

  EXPECT_EQ(Notes(), (std::vector<std::string>{"incident " + a + " restored_at",
                                               "incident " + a + " finished_at",
                                               "incident " + b + " finished_at"}));
  EXPECT_EQ(Count("incident_count"), 2u);
  EXPECT_EQ(Count("incident_restored"), 2u);
  // Only b's hour counts: a's restore came before its start.
  const SeriesState* ttr = tx_.Series("time_to_restore", "proj-a", "team-a", "production");
  ASSERT_NE(ttr, nullptr);
  EXPECT_EQ(ttr->count, 1u);
  EXPECT_DOUBLE_EQ(ttr->sum, 3600);
}

// A past restore or finish without started_at: the start defaults to the earliest time given.
TEST_F(CommandsTest, IncidentDefaultStartIsTheEarliestOfNowAndTheTimesGiven) {
  NewIncident restored;
  restored.project_id = "proj-a";
  restored.restored_at = kT0 + kHour;
  restored.finished_at = kT0 + 2 * kHour;
  std::string a = MustCreateIncident(restored);
  EXPECT_EQ(tx_.incidents.at(a).started_at, kT0 + kHour);
  NewIncident finished;
  finished.project_id = "proj-a";
  finished.finished_at = kT0;
  std::string b = MustCreateIncident(finished);
  EXPECT_EQ(tx_.incidents.at(b).started_at, kT0);
  EXPECT_TRUE(Notes().empty());
}

TEST_F(CommandsTest, IncidentDefaultsStartedAtAndEnvironment) {
  NewIncident in;
  in.project_id = "proj-a";
  std::string id = MustCreateIncident(in);
  const Incident& i = tx_.incidents.at(id);
  EXPECT_EQ(i.started_at, kNow);
  EXPECT_EQ(i.created_at, kNow);
  EXPECT_EQ(i.environment, "production");
  EXPECT_EQ(i.team_id, "team-a");
  EXPECT_FALSE(i.restored_at.has_value());
  EXPECT_FALSE(i.finished_at.has_value());
  EXPECT_EQ(Count("incident_count"), 1u);
  EXPECT_EQ(tx_.TotalCount("change_failure_count"), 0u);
  EXPECT_EQ(tx_.TotalCount("incident_restored"), 0u);
}

TEST_F(CommandsTest, IncidentTakesTheDeploymentsEnvironmentUnlessGiven) {
  NewDeployment d = Started("d1");
  d.environment = "staging";
  MustCreate(d);
  std::string a = MustCreateIncident(IncidentOf("proj-a", "d1", kT0));
  EXPECT_EQ(tx_.incidents.at(a).environment, "staging");
  NewIncident in = IncidentOf("proj-a", "d1", kT0);
  in.environment = "eu";
  std::string b = MustCreateIncident(in);
  EXPECT_EQ(tx_.incidents.at(b).environment, "eu");
}

TEST_F(CommandsTest, IncidentFallsBackToTheDeploymentsTeam) {
  NewDeployment d = Started("d1", "shared");
  d.username = "alice";
  MustCreate(d);
  std::string id = MustCreateIncident(IncidentOf("shared", "d1", kT0));
  EXPECT_EQ(tx_.incidents.at(id).team_id, "team-b");
  std::string unlinked = MustCreateIncident(IncidentOf("shared", std::nullopt, kT0));
  EXPECT_EQ(tx_.incidents.at(unlinked).team_id, "");
}

TEST_F(CommandsTest, ChangeFailureCountCountsDistinctDeployments) {
  MustCreate(Started("d1"));
  MustCreate(Started("d2"));
  MustCreateIncident(IncidentOf("proj-a", "d1", kT0));
  EXPECT_EQ(Count("change_failure_count"), 1u);
  MustCreateIncident(IncidentOf("proj-a", "d1", kT0 + kHour));
  EXPECT_EQ(Count("change_failure_count"), 1u);  // same deployment: not again
  MustCreateIncident(IncidentOf("proj-a", "d2", kT0));
  EXPECT_EQ(Count("change_failure_count"), 2u);
  MustCreateIncident(IncidentOf("proj-a", std::nullopt, kT0));
  EXPECT_EQ(Count("change_failure_count"), 2u);
  EXPECT_EQ(Count("incident_count"), 4u);
}

TEST_F(CommandsTest, ChangeFailureIsAttributedToTheDeploymentsSeries) {
  NewDeployment d = Started("d1");
  d.environment = "staging";
  MustCreate(d);
  NewIncident in = IncidentOf("shared", "d1", kT0);
  in.environment = "eu";
  MustCreateIncident(in);
  EXPECT_EQ(Count("change_failure_count", "proj-a", "team-a", "staging"), 1u);
  EXPECT_EQ(Count("incident_count", "shared", "team-a", "eu"), 1u);
  EXPECT_EQ(tx_.TotalCount("change_failure_count"), 1u);
}

TEST_F(CommandsTest, TimeToDetectIsSecondsFromDeployedToStarted) {
  MustCreate(Started("d1"));
  MustDeploy("d1", kT0 + 2 * kHour);
  MustCreateIncident(IncidentOf("proj-a", "d1", kT0 + 2 * kHour + 90 * kSec));
  const SeriesState* ttd = tx_.Series("time_to_detect", "proj-a", "team-a", "production");
  ASSERT_NE(ttd, nullptr);
  EXPECT_EQ(ttd->count, 1u);
  EXPECT_DOUBLE_EQ(ttd->sum, 90);
  EXPECT_EQ(ttd->buckets[1], 1u);
}

TEST_F(CommandsTest, TimeToDetectOfZeroIsRecorded) {
  MustCreate(Started("d1"));
  MustDeploy("d1", kT0 + 2 * kHour);
  MustCreateIncident(IncidentOf("proj-a", "d1", kT0 + 2 * kHour));
  EXPECT_EQ(Count("time_to_detect"), 1u);
}

TEST_F(CommandsTest, TimeToDetectIsSkippedWhenNegative) {
  MustCreate(Started("d1"));
  MustDeploy("d1", kT0 + 2 * kHour);
  MustCreateIncident(IncidentOf("proj-a", "d1", kT0 + 2 * kHour - kSec));
  EXPECT_EQ(tx_.TotalCount("time_to_detect"), 0u);
  EXPECT_EQ(Count("change_failure_count"), 1u);
  EXPECT_EQ(Count("incident_count"), 1u);
}

TEST_F(CommandsTest, TimeToDetectIsSkippedWhenTheDeploymentIsNotDeployed) {
  MustCreate(Started("d1"));
  MustCreateIncident(IncidentOf("proj-a", "d1", kT0 + 5 * kHour));
  EXPECT_EQ(tx_.TotalCount("time_to_detect"), 0u);
  EXPECT_EQ(Count("change_failure_count"), 1u);
}

TEST_F(CommandsTest, IncidentCreatedFinishedIsAlsoRestored) {
  NewIncident in = IncidentOf("proj-a", std::nullopt, kT0);
  in.finished_at = kT0 + 10 * kMin;
  std::string id = MustCreateIncident(in);
  const Incident& i = tx_.incidents.at(id);
  EXPECT_EQ(i.restored_at, kT0 + 10 * kMin);
  EXPECT_EQ(i.finished_at, kT0 + 10 * kMin);
  EXPECT_EQ(Count("incident_restored"), 1u);
  EXPECT_EQ(Count("incident_finished"), 1u);
  const SeriesState* ttr = tx_.Series("time_to_restore", "proj-a", "team-a", "production");
  ASSERT_NE(ttr, nullptr);
  EXPECT_EQ(ttr->count, 1u);
  EXPECT_DOUBLE_EQ(ttr->sum, 600);
}

TEST_F(CommandsTest, IncidentCreatedRestoredAndFinishedUsesRestoredForTimeToRestore) {
  NewIncident in = IncidentOf("proj-a", std::nullopt, kT0);
  in.restored_at = kT0 + 5 * kMin;
  in.finished_at = kT0 + 3 * kHour;
  MustCreateIncident(in);
  const SeriesState* ttr = tx_.Series("time_to_restore", "proj-a", "team-a", "production");
  ASSERT_NE(ttr, nullptr);
  EXPECT_DOUBLE_EQ(ttr->sum, 300);
  EXPECT_EQ(Count("incident_finished"), 1u);
}

// --- RestoreIncident / FinishIncident ---

TEST_F(CommandsTest, RestoreUnknownIncidentIsNotFound) {
  auto r = RestoreIncident(tx_, ctx_, {"nope", std::nullopt});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  auto f = FinishIncident(tx_, ctx_, {"nope", std::nullopt});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kNotFound);
}

TEST_F(CommandsTest, RestoreIsIdempotent) {
  std::string id = MustCreateIncident(IncidentOf("proj-a", std::nullopt, kT0));
  auto first = RestoreIncident(tx_, ctx_, {id, kT0 + 20 * kMin});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, Outcome::kUpdated);
  EXPECT_EQ(tx_.incidents.at(id).restored_at, kT0 + 20 * kMin);
  EXPECT_FALSE(tx_.incidents.at(id).finished_at.has_value());

  auto second = RestoreIncident(tx_, ctx_, {id, kT0 + 40 * kMin});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, Outcome::kUnchanged);
  EXPECT_EQ(tx_.incidents.at(id).restored_at, kT0 + 20 * kMin);

  EXPECT_EQ(Count("incident_restored"), 1u);
  const SeriesState* ttr = tx_.Series("time_to_restore", "proj-a", "team-a", "production");
  ASSERT_NE(ttr, nullptr);
  EXPECT_EQ(ttr->count, 1u);
  EXPECT_DOUBLE_EQ(ttr->sum, 1200);
}

TEST_F(CommandsTest, RestoreDefaultsToNow) {
  std::string id = MustCreateIncident(IncidentOf("proj-a", std::nullopt, kT0));
  ASSERT_TRUE(RestoreIncident(tx_, ctx_, {id, std::nullopt}).ok());
  EXPECT_EQ(tx_.incidents.at(id).restored_at, kNow);
}

TEST_F(CommandsTest, RestoreBeforeStartIsStoredWithoutTimeToRestore) {
  std::string id = MustCreateIncident(IncidentOf("proj-a", std::nullopt, kT0));
  auto r = RestoreIncident(tx_, ctx_, {id, kT0 - kSec});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(tx_.incidents.at(id).restored_at, kT0 - kSec);
  EXPECT_EQ(Count("incident_restored"), 1u);
  EXPECT_EQ(tx_.Series("time_to_restore", "proj-a", "team-a", "production"), nullptr);
  EXPECT_EQ(Notes(), std::vector<std::string>{"incident " + id + " restored_at"});
  // Finishing later notes nothing more: the restore was noted when it happened.
  ASSERT_TRUE(FinishIncident(tx_, ctx_, {id, kT0 + kHour}).ok());
  EXPECT_EQ(Notes().size(), 1u);
}

TEST_F(CommandsTest, FinishImpliesRestoreAndRecordsTimeToRestoreOnce) {
  std::string id = MustCreateIncident(IncidentOf("proj-a", std::nullopt, kT0));
  auto first = FinishIncident(tx_, ctx_, {id, kT0 + kHour});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, Outcome::kUpdated);
  EXPECT_EQ(tx_.incidents.at(id).restored_at, kT0 + kHour);
  EXPECT_EQ(tx_.incidents.at(id).finished_at, kT0 + kHour);

  auto again = FinishIncident(tx_, ctx_, {id, kT0 + 2 * kHour});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, Outcome::kUnchanged);
  auto restore = RestoreIncident(tx_, ctx_, {id, kT0 + 2 * kHour});
  ASSERT_TRUE(restore.ok());
  EXPECT_EQ(*restore, Outcome::kUnchanged);

  EXPECT_EQ(Count("incident_restored"), 1u);
  EXPECT_EQ(Count("incident_finished"), 1u);
  const SeriesState* ttr = tx_.Series("time_to_restore", "proj-a", "team-a", "production");
  ASSERT_NE(ttr, nullptr);
  EXPECT_EQ(ttr->count, 1u);
  EXPECT_DOUBLE_EQ(ttr->sum, 3600);
}

TEST_F(CommandsTest, FinishAfterRestoreDoesNotRecordTimeToRestoreAgain) {
  std::string id = MustCreateIncident(IncidentOf("proj-a", std::nullopt, kT0));
  ASSERT_TRUE(RestoreIncident(tx_, ctx_, {id, kT0 + 10 * kMin}).ok());
  auto r = FinishIncident(tx_, ctx_, {id, kT0 + kDay});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, Outcome::kUpdated);
  EXPECT_EQ(tx_.incidents.at(id).restored_at, kT0 + 10 * kMin);
  EXPECT_EQ(tx_.incidents.at(id).finished_at, kT0 + kDay);
  EXPECT_EQ(Count("incident_restored"), 1u);
  EXPECT_EQ(Count("incident_finished"), 1u);
  const SeriesState* ttr = tx_.Series("time_to_restore", "proj-a", "team-a", "production");
  ASSERT_NE(ttr, nullptr);
  EXPECT_EQ(ttr->count, 1u);
  EXPECT_DOUBLE_EQ(ttr->sum, 600);
}

TEST_F(CommandsTest, FinishBeforeRestoredIsStored) {
  std::string id = MustCreateIncident(IncidentOf("proj-a", std::nullopt, kT0));
  ASSERT_TRUE(RestoreIncident(tx_, ctx_, {id, kT0 + kHour}).ok());
  auto r = FinishIncident(tx_, ctx_, {id, kT0 + 30 * kMin});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(tx_.incidents.at(id).finished_at, kT0 + 30 * kMin);
  EXPECT_EQ(Count("incident_finished"), 1u);
  EXPECT_EQ(Notes(), std::vector<std::string>{"incident " + id + " finished_at"});
  EXPECT_NE(notes_.front().message.find("restored_at"), std::string::npos);
}

TEST_F(CommandsTest, FinishBeforeStartRestoresWithoutTimeToRestore) {
  std::string id = MustCreateIncident(IncidentOf("proj-a", std::nullopt, kT0));
  ASSERT_TRUE(FinishIncident(tx_, ctx_, {id, kT0 - kMin}).ok());
  EXPECT_EQ(tx_.incidents.at(id).restored_at, kT0 - kMin);
  EXPECT_EQ(Count("incident_restored"), 1u);
  EXPECT_EQ(tx_.Series("time_to_restore", "proj-a", "team-a", "production"), nullptr);
  EXPECT_EQ(Notes(), (std::vector<std::string>{"incident " + id + " restored_at",
                                               "incident " + id + " finished_at"}));
}

// --- Record and RebuildMetrics ---

TEST_F(CommandsTest, RecordStartsASeriesOnceAndUpdatesIt) {
  Sample s{&kIncidentCount, "p", "t", "e", 1};
  ASSERT_TRUE(Record(tx_, {s}, 100).ok());
  ASSERT_TRUE(Record(tx_, {s, s}, 200).ok());
  const SeriesState* st = tx_.Series("incident_count", "p", "t", "e");
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(st->count, 3u);
  EXPECT_EQ(st->start_ms, 100);
  EXPECT_EQ(st->updated_ms, 200);
}

TEST_F(CommandsTest, RebuildReproducesTheLiveSeries) {
  // A small history touching every metric.
  MustCreate(Started("d1"));
  MustDeploy("d1", kT0 + 2 * kHour);
  NewDeployment d2 = Started("d2");
  d2.environment = "staging";
  d2.deployed_at = kT0 + 3 * kHour;
  MustCreate(d2);
  NewDeployment d3 = Started("d3", "shared");
  d3.username = "alice";
  MustCreate(d3);  // never deployed

  std::string i1 = MustCreateIncident(IncidentOf("proj-a", "d1", kT0 + 2 * kHour + 30 * kMin));
  ASSERT_TRUE(RestoreIncident(tx_, ctx_, {i1, kT0 + 3 * kHour}).ok());
  ASSERT_TRUE(FinishIncident(tx_, ctx_, {i1, kT0 + 5 * kHour}).ok());
  MustCreateIncident(IncidentOf("proj-a", "d1", kT0 + 4 * kHour));  // same deployment
  MustCreateIncident(IncidentOf("proj-a", "d2", kT0 + 2 * kHour));  // before it deployed
  NewIncident i4 = IncidentOf("proj-a", std::nullopt, kT0 + kDay);
  i4.finished_at = kT0 + kDay + 2 * kHour;
  MustCreateIncident(i4);
  std::string i5 = MustCreateIncident(IncidentOf("shared", "d3", kT0 + kHour));
  ASSERT_TRUE(FinishIncident(tx_, ctx_, {i5, kT0 + 8 * kDay}).ok());

  const std::map<SeriesKey, SeriesState> live = tx_.series;
  ASSERT_GE(live.size(), 10u);
  // Sanity: every deployment and incident metric appears in the live state (the pull request
  // ones: PullRequestsTest.TheRebuildReproducesTheLiveSeries, the ticket ones:
  // TicketsTest.TheRebuildReproducesTheLiveSeries).
  for (const MetricDef* def : AllMetrics()) {
    if (def->name.starts_with("pull_request_") || def->name.find("ticket") != def->name.npos) {
      continue;
    }
    EXPECT_GT(tx_.TotalCount(def->name), 0u) << def->name;
  }
  // A stale series that no event explains must disappear.
  SeriesState stale = SeriesState::Empty(kIncidentCount, {"incident_count", "gone", "", "x"}, 1);
  stale.Fold(1, 1);
  ASSERT_TRUE(tx_.PutSeries(stale).ok());

  CommandContext later = ctx_;
  later.now = kNow + kDay;
  Status s = RebuildMetrics(tx_, later);
  ASSERT_TRUE(s.ok()) << s.ToString();

  EXPECT_EQ(tx_.series.size(), live.size());
  for (const auto& [key, want] : live) {
    auto it = tx_.series.find(key);
    ASSERT_NE(it, tx_.series.end()) << key.metric << " " << key.project_id << " " << key.team_id;
    const SeriesState& got = it->second;
    EXPECT_EQ(got.kind, want.kind) << key.metric;
    EXPECT_EQ(got.count, want.count) << key.metric << " " << key.environment;
    EXPECT_DOUBLE_EQ(got.sum, want.sum) << key.metric;
    EXPECT_DOUBLE_EQ(got.min, want.min) << key.metric;
    EXPECT_DOUBLE_EQ(got.max, want.max) << key.metric;
    EXPECT_EQ(got.buckets, want.buckets) << key.metric;
    EXPECT_EQ(got.start_ms, later.now) << key.metric;
    EXPECT_EQ(got.updated_ms, later.now) << key.metric;
  }
  EXPECT_EQ(tx_.Series("incident_count", "gone", "", "x"), nullptr);
  EXPECT_EQ(tx_.TotalCount("change_failure_count"), 3u);
  EXPECT_EQ(tx_.TotalCount("incident_count"), 5u);
  EXPECT_EQ(tx_.TotalCount("time_to_detect"), 2u);  // i1 and i2; i3 started before d2 deployed
}

TEST_F(CommandsTest, RebuildOfNothingClearsEverything) {
  Sample s{&kIncidentCount, "p", "t", "e", 1};
  ASSERT_TRUE(Record(tx_, {s}, 100).ok());
  ASSERT_TRUE(RebuildMetrics(tx_, ctx_).ok());
  EXPECT_TRUE(tx_.series.empty());
}

// --- Samples ---

TEST(SamplesTest, DeploymentDeployedSamples) {
  Deployment d;
  d.project_id = "p";
  d.team_id = "t";
  d.environment = "e";
  d.first_commit_at = kT0;
  d.deploy_start_at = kT0 + kHour;
  d.deployed_at = kT0 + kHour + 5 * kMin;
  d.status = DeploymentStatus::kDeployed;
  auto samples = SamplesForDeploymentDeployed(d);
  ASSERT_EQ(samples.size(), 3u);
  std::map<std::string_view, double> by_metric;
  for (const Sample& s : samples) {
    EXPECT_EQ(s.project_id, "p");
    EXPECT_EQ(s.team_id, "t");
    EXPECT_EQ(s.environment, "e");
    by_metric[s.metric->name] = s.value;
  }
  EXPECT_DOUBLE_EQ(by_metric.at("lead_time_for_changes"), 3900);
  EXPECT_DOUBLE_EQ(by_metric.at("deployment_duration"), 300);
  EXPECT_EQ(by_metric.count("deployment_frequency"), 1u);
}

TEST(SamplesTest, IncidentSamples) {
  Incident i;
  i.project_id = "p";
  i.started_at = kT0;
  i.restored_at = kT0 + 45 * kSec;
  auto restored = SamplesForIncidentRestored(i);
  ASSERT_EQ(restored.size(), 2u);
  EXPECT_EQ(restored[0].metric, &kIncidentRestored);
  EXPECT_EQ(restored[1].metric, &kTimeToRestore);
  EXPECT_DOUBLE_EQ(restored[1].value, 45);
  auto finished = SamplesForIncidentFinished(i);
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0].metric, &kIncidentFinished);
}

}  // namespace
}  // namespace emm::domain
