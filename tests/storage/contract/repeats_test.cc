// The contract for repeats: a transition that already happened changes nothing (its command
// answers kUnchanged and no series moves), and a webhook delivery replayed with its command in one
// unit of work runs that command once.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/commands.h"
#include "domain/pull_requests.h"
#include "storage/contract/store_contract.h"

namespace emm::storage {
namespace {

using domain::Outcome;
using domain::Transaction;

class RepeatsTest : public StoreContractTest {
 protected:
  void SetUp() override {
    store_ = OpenStore();
    ASSERT_NE(store_, nullptr);
  }

  // Runs one command in its own batch; its outcome, none (and a failure) when it failed.
  std::optional<Outcome> Command(const std::function<Result<Outcome>(Transaction&)>& command) {
    std::optional<Outcome> out;
    Status s = Run(*store_, [&](Transaction& tx) -> Status {
      Result<Outcome> r = command(tx);
      if (r.ok()) out = *r;
      return r.status();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return s.ok() ? out : std::nullopt;
  }

  // Every series' count and sum, by key.
  std::map<std::string, std::pair<uint64_t, double>> Series() {
    std::map<std::string, std::pair<uint64_t, double>> out;
    auto listed = store_->ListSeries();
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    if (!listed.ok()) return out;
    for (const auto& s : *listed) {
      out[s.key.metric + "/" + s.key.project_id + "/" + s.key.team_id + "/" + s.key.environment] =
          {s.count, s.sum};
    }
    return out;
  }

  std::unique_ptr<EventStore> store_;
  const domain::TeamDirectory teams_{{domain::Team{"team", {"p1"}, {}}}};
  const domain::CommandContext ctx_{&teams_, "production", kT0 + 10 * kHour};
};

TEST_P(RepeatsTest, ARepeatedTransitionChangesNothing) {
  domain::NewDeployment nd;
  nd.id = "d1";
  nd.project_id = "p1";
  nd.first_commit_at = kT0;
  nd.deploy_start_at = kT0 + kHour;
  domain::MarkDeployed deployed;
  deployed.id = "d1";
  deployed.deployed_at = kT0 + 2 * kHour;
  domain::NewIncident ni;
  ni.id = "i1";
  ni.project_id = "p1";
  ni.deployment_id = "d1";
  ni.started_at = kT0 + 3 * kHour;
  const domain::IncidentTransition restored{"i1", kT0 + 4 * kHour};
  const domain::IncidentTransition finished{"i1", kT0 + 5 * kHour};
  const domain::PullRequestTransition merged{"pr-1", kT0 + 6 * kHour};

  EXPECT_EQ(Command([&](Transaction& tx) { return domain::CreateDeployment(tx, ctx_, nd); }),
            Outcome::kCreated);
  EXPECT_EQ(Command([&](Transaction& tx) {
              return domain::MarkDeploymentDeployed(tx, ctx_, deployed);
            }),
            Outcome::kUpdated);
  EXPECT_EQ(Command([&](Transaction& tx) { return domain::CreateIncident(tx, ctx_, ni); }),
            Outcome::kCreated);
  EXPECT_EQ(Command([&](Transaction& tx) { return domain::RestoreIncident(tx, ctx_, restored); }),
            Outcome::kUpdated);
  EXPECT_EQ(Command([&](Transaction& tx) { return domain::FinishIncident(tx, ctx_, finished); }),
            Outcome::kUpdated);
  EXPECT_EQ(Command([&](Transaction& tx) {
              return domain::CreatePullRequest(tx, ctx_, {"pr-1", "web", kT0, 5, 1, "alice"});
            }),
            Outcome::kCreated);
  EXPECT_EQ(Command([&](Transaction& tx) { return domain::MergePullRequest(tx, ctx_, merged); }),
            Outcome::kUpdated);
  const auto series = Series();
  ASSERT_FALSE(series.empty());

  // Each again, some with later times: already done, so nothing is stored or counted.
  deployed.deployed_at = kT0 + 7 * kHour;
  EXPECT_EQ(Command([&](Transaction& tx) {
              return domain::MarkDeploymentDeployed(tx, ctx_, deployed);
            }),
            Outcome::kUnchanged);
  EXPECT_EQ(Command([&](Transaction& tx) { return domain::RestoreIncident(tx, ctx_, restored); }),
            Outcome::kUnchanged);
  EXPECT_EQ(Command([&](Transaction& tx) {
              return domain::FinishIncident(tx, ctx_, {"i1", kT0 + 8 * kHour});
            }),
            Outcome::kUnchanged);
  EXPECT_EQ(Command([&](Transaction& tx) { return domain::MergePullRequest(tx, ctx_, merged); }),
            Outcome::kUnchanged);
  EXPECT_EQ(Command([&](Transaction& tx) {
              return domain::ClosePullRequest(tx, ctx_, {"pr-1", kT0 + 9 * kHour});
            }),
            Outcome::kUnchanged);

  EXPECT_EQ(Series(), series);
  auto d = store_->GetDeployment("d1");
  ASSERT_TRUE(d.ok() && d->has_value());
  EXPECT_EQ((*d)->deployed_at, kT0 + 2 * kHour);
  auto i = store_->GetIncident("i1");
  ASSERT_TRUE(i.ok() && i->has_value());
  EXPECT_EQ((*i)->restored_at, kT0 + 4 * kHour);
  EXPECT_EQ((*i)->finished_at, kT0 + 5 * kHour);
  auto pr = store_->GetPullRequest("pr-1");
  ASSERT_TRUE(pr.ok() && pr->has_value());
  EXPECT_EQ((*pr)->merged_at, kT0 + 6 * kHour);
  EXPECT_FALSE((*pr)->closed_at.has_value());
}

// What the webhook handlers run: the delivery's id and its command in one unit of work. A review
// counts each time it is run, so only the delivery's record keeps the replay out.
TEST_P(RepeatsTest, AReplayedDeliveryRunsItsCommandOnce) {
  ASSERT_EQ(Command([&](Transaction& tx) {
              return domain::CreatePullRequest(tx, ctx_, {"pr-1", "web", kT0, 5, 1, "alice"});
            }),
            Outcome::kCreated);
  auto delivery = [&](Transaction& tx) -> Status {
    EMM_RETURN_IF_ERROR(tx.InsertDelivery("github", "delivery-1", kT0));
    return domain::ReviewPullRequest(tx, ctx_, {"pr-1", kT0 + kHour, true, 2, "bob"}).status();
  };
  ASSERT_TRUE(Run(*store_, delivery).ok());
  const auto series = Series();
  EXPECT_EQ(Run(*store_, delivery).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Series(), series);
  auto pr = store_->GetPullRequest("pr-1");
  ASSERT_TRUE(pr.ok() && pr->has_value());
  EXPECT_EQ((*pr)->reviews, 1);
  EXPECT_EQ((*pr)->comments, 2);
}

EMM_STORE_CONTRACT(RepeatsTest);

}  // namespace
}  // namespace emm::storage
