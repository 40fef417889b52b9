// The contract's listings: deployments in (deployed_at, id) order with
// filters and paging across DORA groups, incidents by state and project.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "storage/contract/store_contract.h"

namespace emm::storage {
namespace {

using domain::Deployment;
using domain::Incident;

// --- ListDeployments ---

class ListDeploymentsTest : public StoreContractTest {
 protected:
  void SetUp() override {
    store_ = OpenStore();
    ASSERT_NE(store_, nullptr);
    Insert(*store_, std::vector<Deployment>{
                        MakeDeployment("d-late", "p1", kT0 + 3 * kHour),
                        MakeDeployment("started-b", "p1"),
                        MakeDeployment("d-b", "p1", kT0 + kHour),
                        MakeDeployment("d-a", "p1", kT0 + kHour),
                        MakeDeployment("d-early", "p2", kT0, "staging"),
                        MakeDeployment("started-a", "p2"),
                        MakeDeployment("d-mid", "p2", kT0 + 2 * kHour),
                    });
  }

  std::vector<std::string> List(const DeploymentQuery& q) {
    auto r = store_->ListDeployments(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? Ids(*r) : std::vector<std::string>{};
  }

  std::unique_ptr<EventStore> store_;
};

TEST_P(ListDeploymentsTest, OrderedByDeployedAtThenIdWithNotDeployedLast) {
  EXPECT_EQ(List({}), (std::vector<std::string>{"d-early", "d-a", "d-b", "d-mid", "d-late",
                                                "started-a", "started-b"}));
}

TEST_P(ListDeploymentsTest, FilterByProject) {
  DeploymentQuery q;
  q.project_id = "p2";
  EXPECT_EQ(List(q), (std::vector<std::string>{"d-early", "d-mid", "started-a"}));
}

TEST_P(ListDeploymentsTest, FilterByEnvironment) {
  DeploymentQuery q;
  q.environment = "staging";
  EXPECT_EQ(List(q), std::vector<std::string>{"d-early"});
  q.environment = "production";
  q.project_id = "p2";
  EXPECT_EQ(List(q), (std::vector<std::string>{"d-mid", "started-a"}));
}

TEST_P(ListDeploymentsTest, FromIsInclusiveToIsExclusive) {
  DeploymentQuery q;
  q.from = kT0 + kHour;
  q.to = kT0 + 3 * kHour;
  EXPECT_EQ(List(q), (std::vector<std::string>{"d-a", "d-b", "d-mid"}));
  DeploymentQuery only_from;
  only_from.from = kT0 + 2 * kHour;
  EXPECT_EQ(List(only_from), (std::vector<std::string>{"d-mid", "d-late"}));
  DeploymentQuery only_to;
  only_to.to = kT0 + kHour;
  EXPECT_EQ(List(only_to), std::vector<std::string>{"d-early"});
}

TEST_P(ListDeploymentsTest, LimitAndOffsetPage) {
  DeploymentQuery q;
  q.limit = 3;
  EXPECT_EQ(List(q), (std::vector<std::string>{"d-early", "d-a", "d-b"}));
  q.offset = 3;
  EXPECT_EQ(List(q), (std::vector<std::string>{"d-mid", "d-late", "started-a"}));
  q.offset = 6;
  EXPECT_EQ(List(q), std::vector<std::string>{"started-b"});
  q.offset = 7;
  EXPECT_TRUE(List(q).empty());
}

TEST_P(ListDeploymentsTest, PagingWithAnyPageSizeWalksTheSameOrder) {
  for (std::optional<std::string> project :
       {std::optional<std::string>(), std::optional<std::string>("p1")}) {
    DeploymentQuery all;
    all.project_id = project;
    all.limit = 100;
    const std::vector<std::string> expected = List(all);
    for (int64_t limit = 1; limit <= 8; ++limit) {
      std::vector<std::string> walked;
      for (int64_t offset = 0; offset < 10; offset += limit) {
        DeploymentQuery q;
        q.project_id = project;
        q.limit = limit;
        q.offset = offset;
        for (auto& id : List(q)) walked.push_back(id);
      }
      EXPECT_EQ(walked, expected) << "limit " << limit;
    }
  }
}

TEST_P(ListDeploymentsTest, AllFiltersTogether) {
  DeploymentQuery q;
  q.project_id = "p1";
  q.environment = "production";
  q.from = kT0;
  q.to = kT0 + 4 * kHour;
  q.limit = 2;
  q.offset = 1;
  EXPECT_EQ(List(q), (std::vector<std::string>{"d-b", "d-late"}));
}

// A project's deployed deployments are read group by group ((team, project, environment)) and
// merged: the order across groups, ties on deployed_at, paging and filters must be as one list.
TEST_P(ListDeploymentsTest, AProjectSpreadOverTeamsAndEnvironmentsIsOneOrderedList) {
  std::vector<Deployment> many;
  auto add = [&](std::string id, std::string team, std::string env, std::optional<TimeMs> at) {
    Deployment d = MakeDeployment(std::move(id), "p3", at, std::move(env));
    d.team_id = std::move(team);
    many.push_back(std::move(d));
  };
  add("x-5", "blue", "production", kT0 + 5 * kHour);
  add("x-1", "red", "production", kT0 + kHour);
  add("x-3b", "red", "staging", kT0 + 3 * kHour);
  add("x-3a", "blue", "staging", kT0 + 3 * kHour);  // tie across groups: by id
  add("x-2", "", "production", kT0 + 2 * kHour);    // no team
  add("x-4", "red", "production", kT0 + 4 * kHour);
  add("x-started", "blue", "production", std::nullopt);
  Insert(*store_, many);

  DeploymentQuery q;
  q.project_id = "p3";
  const std::vector<std::string> all{"x-1", "x-2", "x-3a", "x-3b", "x-4", "x-5", "x-started"};
  EXPECT_EQ(List(q), all);
  for (int64_t limit = 1; limit <= 4; ++limit) {
    std::vector<std::string> walked;
    for (int64_t offset = 0; offset < 9; offset += limit) {
      DeploymentQuery page = q;
      page.limit = limit;
      page.offset = offset;
      for (auto& id : List(page)) walked.push_back(id);
    }
    EXPECT_EQ(walked, all) << "limit " << limit;
  }
  DeploymentQuery far = q;  // the API's largest offset: nothing, not an overflow
  far.offset = INT64_MAX;
  EXPECT_TRUE(List(far).empty());
  q.environment = "staging";
  EXPECT_EQ(List(q), (std::vector<std::string>{"x-3a", "x-3b"}));
  q.environment = "production";
  q.from = kT0 + 2 * kHour;
  q.to = kT0 + 5 * kHour;
  EXPECT_EQ(List(q), (std::vector<std::string>{"x-2", "x-4"}));
  DeploymentQuery unknown;
  unknown.project_id = "nobody";
  EXPECT_TRUE(List(unknown).empty());
}

// More groups than are merged one by one: the filtered query gives the same list.
TEST_P(ListDeploymentsTest, AProjectWithManyGroupsIsListedTheSameWay) {
  std::vector<Deployment> many;
  std::vector<std::string> expected;
  for (int i = 0; i < 40; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "m-%02d", i);
    Deployment d = MakeDeployment(id, "p4", kT0 + (i / 2) * kHour);
    d.team_id = "team-" + std::to_string(i);  // a group each
    many.push_back(d);
    expected.push_back(id);
  }
  Insert(*store_, many);
  DeploymentQuery q;
  q.project_id = "p4";
  q.limit = 100;
  EXPECT_EQ(List(q), expected);
  q.limit = 5;
  q.offset = 10;
  EXPECT_EQ(List(q), std::vector<std::string>(expected.begin() + 10, expected.begin() + 15));
}

// --- ListIncidents ---

TEST_P(StoreContractTest, ListIncidentsFilters) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Insert(*store, std::vector<Incident>{
                     MakeIncident("open", kT0 + 2 * kHour, std::nullopt, std::nullopt),
                     MakeIncident("restored", kT0 + kHour, kT0 + 2 * kHour, std::nullopt),
                     MakeIncident("done", kT0, kT0 + kHour, kT0 + 2 * kHour),
                     MakeIncident("other-open", kT0, std::nullopt, std::nullopt, "p2"),
                 });
  auto list = [&](IncidentFilter f, std::optional<std::string> project = std::nullopt) {
    IncidentQuery q;
    q.filter = f;
    q.project_id = std::move(project);
    auto r = store->ListIncidents(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? Ids(*r) : std::vector<std::string>{};
  };
  EXPECT_EQ(list(IncidentFilter::kAll),
            (std::vector<std::string>{"done", "other-open", "restored", "open"}));
  EXPECT_EQ(list(IncidentFilter::kInProgress), (std::vector<std::string>{"other-open", "open"}));
  EXPECT_EQ(list(IncidentFilter::kUnfinished),
            (std::vector<std::string>{"other-open", "restored", "open"}));
  EXPECT_EQ(list(IncidentFilter::kInProgress, "p1"), std::vector<std::string>{"open"});
  EXPECT_EQ(list(IncidentFilter::kAll, "p2"), std::vector<std::string>{"other-open"});
  EXPECT_TRUE(list(IncidentFilter::kAll, "p3").empty());
}

EMM_STORE_CONTRACT(ListDeploymentsTest);

}  // namespace
}  // namespace emm::storage
