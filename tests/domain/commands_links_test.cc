// commands.cc, what webhooks need beyond the REST routes: deployments whose first commit is not
// known, deployment aliases, and incidents that find their deployment from hints.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain/commands.h"
#include "domain/explain.h"
#include "domain/fake_transaction.h"

namespace emm::domain {
namespace {

using testing::FakeTransaction;

constexpr TimeMs kHour = 3600 * 1000;
constexpr TimeMs kT0 = 1714557600000;  // 2024-05-01T10:00:00Z
constexpr TimeMs kNow = kT0 + 240 * kHour;

class CommandsLinksTest : public ::testing::Test {
 protected:
  CommandsLinksTest() : teams_({Team{"team-a", {"web"}, {}}}) {
    ctx_.teams = &teams_;
    ctx_.default_environment = "production";
    ctx_.now = kNow;
  }

  // Deployed at `at` without a known first commit, carrying `aliases`.
  void Deploy(std::string id, TimeMs at, std::vector<std::string> aliases) {
    MarkDeployed m;
    m.id = std::move(id);
    m.create_if_not_exists = true;
    m.first_commit_unknown = true;
    m.project_id = "web";
    m.deployed_at = at;
    m.aliases = std::move(aliases);
    auto r = MarkDeploymentDeployed(tx_, ctx_, m);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  // The deployment the incident created from `hints` was linked to ("" for none).
  std::string LinkedBy(std::vector<std::string> hints) {
    NewIncident in;
    in.project_id = "web";
    in.started_at = kT0 + 10 * kHour;
    in.deployment_hints = std::move(hints);
    std::string id;
    auto r = CreateIncident(tx_, ctx_, in, &id);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return "?";
    return tx_.incidents.at(id).deployment_id.value_or("");
  }

  uint64_t Count(std::string_view metric) const { return tx_.TotalCount(metric); }

  TeamDirectory teams_;
  CommandContext ctx_;
  FakeTransaction tx_;
};

TEST_F(CommandsLinksTest, AnUnknownFirstCommitStillDeploysWithoutLeadTime) {
  Deploy("d1", kT0, {});
  const Deployment& d = tx_.deployments.at("d1");
  EXPECT_EQ(d.first_commit_at, std::nullopt);
  EXPECT_EQ(d.status, DeploymentStatus::kDeployed);
  EXPECT_EQ(Count("deployment_frequency"), 1u);
  EXPECT_EQ(Count("deployment_duration"), 1u);
  EXPECT_EQ(Count("lead_time_for_changes"), 0u);
  // Only a sender that says it cannot know the first commit may leave it out.
  MarkDeployed m;
  m.id = "d2";
  m.create_if_not_exists = true;
  m.project_id = "web";
  auto r = MarkDeploymentDeployed(tx_, ctx_, m);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(CommandsLinksTest, ExplainLeavesAnUnknownFirstCommitOutOfTheLeadTime) {
  Deploy("d1", kT0, {});
  DoraEvents events;
  events.deployed.push_back(tx_.deployments.at("d1"));
  ExplainInput in;
  in.events = &events;
  in.from = kT0 - kHour;
  Explanation e = Explain(Figure::kLeadTimeForChanges, in);
  ASSERT_EQ(e.left_out.size(), 1u);
  EXPECT_NE(e.left_out[0].reason.find("first_commit_at is not known"), std::string::npos);
  EXPECT_TRUE(e.counted.empty());
}

TEST_F(CommandsLinksTest, AnAliasNamesTheLatestDeploymentCarryingIt) {
  Deploy("d1", kT0, {"chain:c1@production", "artifact:web@v1@production"});
  Deploy("d2", kT0 + 2 * kHour, {"artifact:web@v1@production"});  // redeployed
  // A deployment back-filled late does not take an alias from a later one.
  Deploy("d0", kT0 - kHour, {"artifact:web@v1@production"});
  EXPECT_EQ(LinkedBy({"artifact:web@v1@production"}), "d2");
  EXPECT_EQ(LinkedBy({"chain:c1@production"}), "d1");
}

TEST_F(CommandsLinksTest, TheFirstHintThatFindsADeploymentLinksIt) {
  Deploy("d1", kT0, {"chain:c1@production"});
  Deploy("d2", kT0 + kHour, {});
  // A hint is a deployment id or an alias; ones that find nothing are passed over.
  EXPECT_EQ(LinkedBy({"no-such-deployment", "d2", "chain:c1@production"}), "d2");
  EXPECT_EQ(LinkedBy({"chain:unknown", "chain:c1@production"}), "d1");
  EXPECT_EQ(LinkedBy({"chain:unknown"}), "");
  EXPECT_EQ(LinkedBy({}), "");
  // A linked incident fails its deployment, once per deployment.
  EXPECT_TRUE(tx_.deployments.at("d1").failed);
  EXPECT_TRUE(tx_.deployments.at("d2").failed);
  EXPECT_EQ(Count("change_failure_count"), 2u);
  EXPECT_EQ(Count("incident_count"), 4u);
}

TEST_F(CommandsLinksTest, AGivenDeploymentIdWinsOverHints) {
  Deploy("d1", kT0, {"chain:c1@production"});
  Deploy("d2", kT0 + kHour, {});
  NewIncident in;
  in.project_id = "web";
  in.deployment_id = "d2";
  in.deployment_hints = {"chain:c1@production"};
  std::string id;
  ASSERT_TRUE(CreateIncident(tx_, ctx_, in, &id).ok());
  EXPECT_EQ(tx_.incidents.at(id).deployment_id, "d2");
}

TEST_F(CommandsLinksTest, AliasesOfAStartedDeploymentAreRecordedWhenItIsDeployed) {
  NewDeployment started;
  started.id = "d1";
  started.project_id = "web";
  started.deploy_start_at = kT0;
  ASSERT_TRUE(CreateDeployment(tx_, ctx_, started).ok());
  EXPECT_EQ(tx_.deployments.at("d1").first_commit_at, std::nullopt);
  EXPECT_EQ(LinkedBy({"chain:c1@production"}), "");
  MarkDeployed m;
  m.id = "d1";
  m.deployed_at = kT0 + kHour;
  m.aliases = {"chain:c1@production"};
  ASSERT_TRUE(MarkDeploymentDeployed(tx_, ctx_, m).ok());
  EXPECT_EQ(tx_.aliases.at("chain:c1@production"), std::make_pair(std::string("d1"), kT0 + kHour));
  EXPECT_EQ(LinkedBy({"chain:c1@production"}), "d1");
}

TEST_F(CommandsLinksTest, AGitLabUsernameResolvesTheTeamOfAnUnlistedProject) {
  teams_ = TeamDirectory({Team{"team-a", {}, {TeamUser{"alice", "", "", "al"}}},
                          Team{"team-b", {}, {TeamUser{"al", "", "", ""}}}});
  NewDeployment d;
  d.id = "d1";
  d.project_id = "group/app";
  d.username = "al";
  d.username_host = CodeHost::kGitLab;
  ASSERT_TRUE(CreateDeployment(tx_, ctx_, d).ok());
  EXPECT_EQ(tx_.deployments.at("d1").team_id, "team-a");
  MarkDeployed m;
  m.id = "d2";
  m.create_if_not_exists = true;
  m.first_commit_unknown = true;
  m.project_id = "group/app";
  m.username = "al";  // a GitHub login by default
  ASSERT_TRUE(MarkDeploymentDeployed(tx_, ctx_, m).ok());
  EXPECT_EQ(tx_.deployments.at("d2").team_id, "team-b");
}

}  // namespace
}  // namespace emm::domain
