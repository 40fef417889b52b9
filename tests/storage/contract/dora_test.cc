// The contract's DORA reads: full records, compact facts, the timeline,
// never-deployed deployments, and link=previous_deployment's inferred links.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "storage/contract/store_contract.h"

namespace emm::storage {
namespace {

using domain::Deployment;
using domain::DeploymentStatus;
using domain::Incident;
using domain::Transaction;

// The DORA reads: each list by its own time column, [from, to) with `to` excluded, and every
// filter applied to the right table (a linked incident follows its deployment's attributes).
TEST_P(StoreContractTest, DoraEventsSelectByTheirOwnTimesAndFilters) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const TimeMs from = kT0, to = kT0 + 10 * kHour;
  std::vector<Deployment> ds = {
      MakeDeployment("edge-in", "p1", from),            // on `from`: in
      MakeDeployment("edge-out", "p1", to),             // on `to`: out
      MakeDeployment("other-project", "p2", from + 1),  // filtered by project
      MakeDeployment("staging", "p1", from + 2, "staging"), MakeDeployment("never-deployed", "p1")};
  Incident linked = MakeIncident("linked", to + kHour, std::nullopt, std::nullopt);
  linked.deployment_id = "edge-in";  // starts after the range: still a failure of edge-in
  Incident restored = MakeIncident("restored", from - kHour, from + kHour, std::nullopt);
  Incident detected = MakeIncident("detected", from + 3 * kHour, std::nullopt, std::nullopt);
  detected.deployment_id = "edge-out";  // started in range; its deployment deployed later
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) {
                for (const auto& d : ds) EMM_RETURN_IF_ERROR(tx.InsertDeployment(d));
                EMM_RETURN_IF_ERROR(tx.InsertIncident(linked));
                EMM_RETURN_IF_ERROR(tx.InsertIncident(restored));
                return tx.InsertIncident(detected);
              }).ok());

  DoraQuery q{from, to, {"p1"}, {}, {"production"}};
  auto e = store->LoadDoraEvents(q);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_EQ(e->deployed.size(), 1u);
  EXPECT_EQ(e->deployed[0].id, "edge-in");
  EXPECT_FALSE(e->deployed[0].failed);  // inserted directly: no command marked it
  ASSERT_EQ(e->restored.size(), 1u);
  EXPECT_EQ(e->restored[0].id, "restored");
  ASSERT_EQ(e->detected.size(), 1u);
  EXPECT_EQ(e->detected[0].first.id, "detected");
  EXPECT_EQ(e->detected[0].second, to);

  // No filter: every project and environment; a team nobody has: nothing.
  auto all = store->LoadDoraEvents({from, to, {}, {}, {}});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->deployed.size(), 3u);
  auto none = store->LoadDoraEvents({from, to, {}, {"nobody"}, {}});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->deployed.empty());
  EXPECT_TRUE(none->restored.empty());
  // Several values, one with a quote (bound as JSON, never spliced into SQL).
  auto two = store->LoadDoraEvents({from, to, {"p2", "x\"y", "p1"}, {}, {}});
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->deployed.size(), 3u);
}


// The fast reader (group-led indexes, facts) returns exactly what the full-record reader does,
// for every filter and both linking rules, on a mixed dataset.
TEST_P(StoreContractTest, DoraFactsMatchTheFullRecords) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const std::vector<std::string> projects = {"p1", "p2", "p3"}, teams = {"", "a", "b"},
                                  envs = {"production", "staging"};
  uint64_t x = 0x9E3779B97F4A7C15ull;
  auto rnd = [&](uint64_t n) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return static_cast<int64_t>(x % n);
  };
  std::vector<Deployment> ds;
  std::vector<Incident> is;
  for (int k = 0; k < 300; ++k) {
    Deployment d = MakeDeployment("d" + std::to_string(k), projects[rnd(3)],
                                  rnd(10) == 0 ? std::nullopt
                                               : std::optional<TimeMs>(kT0 + rnd(48) * kHour),
                                  envs[rnd(2)]);
    d.team_id = teams[rnd(3)];
    d.first_commit_at = kT0 - rnd(100) * kHour;
    d.deploy_start_at = kT0 - rnd(5) * kHour;
    d.kind = static_cast<domain::DeploymentKind>(rnd(3));
    d.failed = rnd(4) == 0;
    if (d.failed && rnd(2)) d.recovered_at = kT0 + rnd(60) * kHour;
    ds.push_back(d);
  }
  for (int k = 0; k < 200; ++k) {
    const TimeMs started = kT0 + rnd(50) * kHour;
    Incident i = MakeIncident("i" + std::to_string(k), started,
                              rnd(3) ? std::optional<TimeMs>(started + rnd(10) * kHour)
                                     : std::nullopt,
                              std::nullopt, projects[rnd(3)]);
    i.team_id = teams[rnd(3)];
    i.environment = envs[rnd(2)];
    if (rnd(2)) i.deployment_id = ds[static_cast<size_t>(rnd(300))].id;
    is.push_back(i);
  }
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) {
                for (const auto& d : ds) EMM_RETURN_IF_ERROR(tx.InsertDeployment(d));
                for (const auto& i : is) EMM_RETURN_IF_ERROR(tx.InsertIncident(i));
                return Status::Ok();
              }).ok());
  // Later transitions: deployments deployed after incidents were linked to them (their
  // detection time now exists), and deployments moved to a team no row had before.
  size_t deployed_later = 0, moved = 0;
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) {
                for (size_t k = 0; k < ds.size(); ++k) {
                  Deployment& d = ds[k];
                  if (!d.deployed_at) {
                    d.deployed_at = kT0 + rnd(40) * kHour;
                    d.status = DeploymentStatus::kDeployed;
                    ++deployed_later;
                  } else if (k % 7 == 0) {
                    d.team_id = "c";
                    ++moved;
                  } else {
                    continue;
                  }
                  EMM_RETURN_IF_ERROR(tx.UpdateDeployment(d));
                }
                return Status::Ok();
              }).ok());
  ASSERT_GT(deployed_later, 10u);
  ASSERT_GT(moved, 10u);

  const TimeMs from = kT0 + 10 * kHour, to = kT0 + 30 * kHour;
  const std::vector<DoraQuery> queries = {
      {from, to, {}, {}, {}},
      {from, to, {"p2"}, {}, {}},
      {from, to, {}, {"a"}, {}},
      {from, to, {}, {""}, {"staging"}},
      {from, to, {"p1", "p3"}, {"a", "b"}, {"production"}},
      {from, to, {}, {"c"}, {}},
      {kT0 - 100 * kHour, kT0 + 100 * kHour, {}, {}, {}},
  };
  size_t nonempty = 0;
  for (bool link : {false, true}) {
    for (DoraQuery q : queries) {
      q.link_previous = link;
      auto events = store->LoadDoraEvents(q);
      auto facts = store->LoadDoraFacts(q);
      ASSERT_TRUE(events.ok()) << events.status().ToString();
      ASSERT_TRUE(facts.ok()) << facts.status().ToString();
      EXPECT_EQ(Rows(*facts), Rows(domain::FactsOf(*events)))
          << "projects " << q.projects.size() << " teams " << q.teams.size() << " link " << link;
      if (!facts->deployed.empty() && !facts->restored.empty() && !facts->detected.empty()) {
        ++nonempty;
      }
    }
  }
  EXPECT_GE(nonempty, 6u);  // the comparison is not between empty sets
}

// link=previous_deployment picks, for an incident without a deployment, the latest deployment of
// its project and environment deployed at or before it started, whichever team deployed it (the
// teams' groups are searched one by one and the latest wins; ties go to the greater id).
// Never-deployed deployments for an explanation: started in the range, oldest first then by id,
// read a window at a time; deployed ones and those started outside the range are not listed.
TEST_P(StoreContractTest, ListUndeployedReadsAWindowInStartOrder) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  auto started = [](std::string id, TimeMs start) {
    Deployment d = MakeDeployment(std::move(id));
    d.deploy_start_at = start;
    d.first_commit_at = start - kHour;
    return d;
  };
  Insert(*store, std::vector<Deployment>{
                     started("c", kT0 + 2 * kHour), started("a", kT0 + kHour),
                     started("b", kT0 + 2 * kHour), started("before", kT0 - kHour),
                     started("d", kT0 + 3 * kHour), MakeDeployment("deployed", "p1", kT0 + kHour),
                 });
  DoraQuery q{kT0, kT0 + 10 * kHour, {}, {}, {}};
  auto ids = [&](int64_t offset, int64_t limit) {
    std::vector<std::string> out;
    auto got = store->ListUndeployed(q, offset, limit);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (got.ok()) {
      for (const auto& d : *got) out.push_back(d.id);
    }
    return out;
  };
  EXPECT_EQ(ids(0, 10), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(ids(1, 2), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(ids(3, 5), (std::vector<std::string>{"d"}));
  EXPECT_TRUE(ids(4, 5).empty());
}

TEST_P(StoreContractTest, PreviousDeploymentIsTheLatestAcrossTeams) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  auto deploy = [](std::string id, std::string team, std::string env, TimeMs at) {
    Deployment d = MakeDeployment(std::move(id), "px", at, std::move(env));
    d.team_id = std::move(team);
    return d;
  };
  Insert(*store, std::vector<Deployment>{
                     deploy("a-1h", "a", "production", kT0 + kHour),
                     deploy("b-2h", "b", "production", kT0 + 2 * kHour),
                     deploy("b-3h-staging", "b", "staging", kT0 + 3 * kHour),
                     deploy("a-4h", "a", "production", kT0 + 4 * kHour),
                     deploy("tie-a", "a", "production", kT0 + 6 * kHour),
                     deploy("tie-b", "", "production", kT0 + 6 * kHour),
                 });
  auto incident = [](std::string id, TimeMs started, std::string env) {
    Incident i = MakeIncident(std::move(id), started, std::nullopt, std::nullopt, "px");
    i.environment = std::move(env);
    return i;
  };
  Insert(*store, std::vector<Incident>{
                     incident("before-any", kT0 + kHour / 2, "production"),
                     incident("at-3h", kT0 + 3 * kHour, "production"),
                     incident("at-5h", kT0 + 5 * kHour, "production"),
                     incident("staging-4h", kT0 + 4 * kHour, "staging"),
                     incident("at-tie", kT0 + 6 * kHour, "production"),
                     incident("exactly-4h", kT0 + 4 * kHour, "production"),
                 });
  DoraQuery q{kT0, kT0 + 10 * kHour, {}, {}, {}};
  q.link_previous = true;
  auto events = store->LoadDoraEvents(q);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  std::map<std::string, std::string> linked;
  for (const auto& [i, deployed_at] : events->detected) linked[i.id] = *i.deployment_id;
  EXPECT_EQ(linked, (std::map<std::string, std::string>{{"at-3h", "b-2h"},
                                                        {"at-5h", "a-4h"},
                                                        {"staging-4h", "b-3h-staging"},
                                                        {"at-tie", "tie-b"},
                                                        {"exactly-4h", "a-4h"}}));
}

}  // namespace
}  // namespace emm::storage
