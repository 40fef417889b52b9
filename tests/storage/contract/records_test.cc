// The contract's records: each kind written through domain::Transaction and read back field for
// field, RunBatch's atomicity per item, the domain commands on a real store, delivery dedupe,
// deployment aliases, and data surviving a reopen.
#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "domain/commands.h"
#include "storage/contract/store_contract.h"

namespace emm::storage {
namespace {

using domain::Deployment;
using domain::DeploymentStatus;
using domain::Incident;
using domain::SeriesState;
using domain::Transaction;

// --- RunBatch ---

TEST_P(StoreContractTest, FailedItemLeavesNothingWhileOthersCommit) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::vector<EventStore::Work> batch;
  batch.push_back([](Transaction& tx) { return tx.InsertDeployment(MakeDeployment("a")); });
  batch.push_back([](Transaction& tx) {
    EMM_RETURN_IF_ERROR(tx.InsertDeployment(MakeDeployment("b")));
    SeriesState s = SeriesState::Empty(domain::kIncidentCount, {"incident_count", "p", "", "e"}, 1);
    EMM_RETURN_IF_ERROR(tx.PutSeries(s));
    return Status::InvalidArgument("x", "changed my mind");
  });
  batch.push_back([](Transaction& tx) -> Status {
    EMM_RETURN_IF_ERROR(tx.InsertDeployment(MakeDeployment("c")));
    throw std::runtime_error("boom");
  });
  batch.push_back([](Transaction& tx) { return tx.InsertDeployment(MakeDeployment("d")); });

  std::vector<Status> results = store->RunBatch(batch);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_TRUE(results[0].ok()) << results[0].ToString();
  EXPECT_EQ(results[1].code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(results[2].code(), StatusCode::kInternal);
  EXPECT_NE(results[2].message().find("boom"), std::string::npos);
  EXPECT_TRUE(results[3].ok()) << results[3].ToString();

  for (const char* id : {"a", "d"}) {
    auto got = store->GetDeployment(id);
    ASSERT_TRUE(got.ok());
    EXPECT_TRUE(got->has_value()) << id;
  }
  for (const char* id : {"b", "c"}) {
    auto got = store->GetDeployment(id);
    ASSERT_TRUE(got.ok());
    EXPECT_FALSE(got->has_value()) << id;
  }
  auto series = store->ListSeries();
  ASSERT_TRUE(series.ok());
  EXPECT_TRUE(series->empty());
}

TEST_P(StoreContractTest, DuplicateDeploymentIsAlreadyExists) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Insert(*store, std::vector<Deployment>{MakeDeployment("a")});
  Status s = Run(*store, [](Transaction& tx) {
    return tx.InsertDeployment(MakeDeployment("a", "other-project"));
  });
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  auto got = store->GetDeployment("a");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->project_id, "p1");
}

TEST_P(StoreContractTest, DuplicateWithinOneBatchFailsOnlyTheSecondItem) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::vector<EventStore::Work> batch;
  batch.push_back([](Transaction& tx) { return tx.InsertDeployment(MakeDeployment("x")); });
  batch.push_back([](Transaction& tx) { return tx.InsertDeployment(MakeDeployment("x", "p2")); });
  std::vector<Status> results = store->RunBatch(batch);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_EQ(results[1].code(), StatusCode::kAlreadyExists);
  auto got = store->GetDeployment("x");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->project_id, "p1");
}

TEST_P(StoreContractTest, EmptyBatch) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->RunBatch({}).empty());
}

TEST_P(StoreContractTest, IncidentMustReferenceAnExistingDeployment) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Incident i = MakeIncident("i1", kT0, std::nullopt, std::nullopt);
  i.deployment_id = "missing";
  Status s = Run(*store, [&](Transaction& tx) { return tx.InsertIncident(i); });
  EXPECT_FALSE(s.ok());
  auto got = store->GetIncident("i1");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TEST_P(StoreContractTest, DeploymentRoundTripAndUpdate) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Deployment d = MakeDeployment("d1");
  d.team_id = "";
  Insert(*store, std::vector<Deployment>{d});
  auto got = store->GetDeployment("d1");
  ASSERT_TRUE(got.ok() && got->has_value());
  const Deployment& g = **got;
  EXPECT_EQ(g.project_id, "p1");
  EXPECT_EQ(g.team_id, "");
  EXPECT_EQ(g.environment, "production");
  EXPECT_EQ(g.first_commit_at, d.first_commit_at);
  EXPECT_EQ(g.deploy_start_at, d.deploy_start_at);
  EXPECT_FALSE(g.deployed_at.has_value());
  EXPECT_EQ(g.status, DeploymentStatus::kStarted);
  EXPECT_EQ(g.created_at, d.created_at);

  d.deployed_at = kT0;
  d.status = DeploymentStatus::kDeployed;
  d.team_id = "t2";
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) { return tx.UpdateDeployment(d); }).ok());
  got = store->GetDeployment("d1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->deployed_at, kT0);
  EXPECT_EQ((*got)->status, DeploymentStatus::kDeployed);
  EXPECT_EQ((*got)->team_id, "t2");

  auto missing = store->GetDeployment("nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_P(StoreContractTest, IncidentRoundTripAndCounts) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Insert(*store, std::vector<Deployment>{MakeDeployment("d1"), MakeDeployment("d2")});
  Incident a = MakeIncident("a", kT0, kT0 + kHour, std::nullopt);
  a.deployment_id = "d1";
  a.team_id = "t";
  Incident b = MakeIncident("b", kT0, std::nullopt, std::nullopt);
  b.deployment_id = "d1";
  Incident c = MakeIncident("c", kT0, std::nullopt, std::nullopt, "p2");
  Insert(*store, std::vector<Incident>{a, b, c});

  auto got = store->GetIncident("a");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->deployment_id, "d1");
  EXPECT_EQ((*got)->team_id, "t");
  EXPECT_EQ((*got)->restored_at, kT0 + kHour);
  EXPECT_FALSE((*got)->finished_at.has_value());
  auto gc = store->GetIncident("c");
  ASSERT_TRUE(gc.ok() && gc->has_value());
  EXPECT_FALSE((*gc)->deployment_id.has_value());

  int64_t of_d1 = -1, of_d2 = -1, of_p1 = -1, of_p2 = -1;
  Status s = Run(*store, [&](Transaction& tx) {
    of_d1 = *tx.CountIncidentsOfDeployment("d1");
    of_d2 = *tx.CountIncidentsOfDeployment("d2");
    of_p1 = *tx.CountIncidentsOfProject("p1");
    of_p2 = *tx.CountIncidentsOfProject("p2");
    Incident changed = a;
    changed.finished_at = kT0 + 2 * kHour;
    return tx.UpdateIncident(changed);
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(of_d1, 2);
  EXPECT_EQ(of_d2, 0);
  EXPECT_EQ(of_p1, 2);
  EXPECT_EQ(of_p2, 1);
  got = store->GetIncident("a");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->finished_at, kT0 + 2 * kHour);
}

TEST_P(StoreContractTest, ForEachVisitsInCreationOrder) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  // Creation time first, then id: the order the rebuild replays events in.
  Deployment z = MakeDeployment("z"), a = MakeDeployment("a"), m = MakeDeployment("m"),
             b = MakeDeployment("b");
  z.created_at = kT0 - 3 * kHour;
  a.created_at = kT0 - 2 * kHour;
  m.created_at = kT0 - 1 * kHour;
  b.created_at = kT0 - 1 * kHour;
  Insert(*store, std::vector<Deployment>{m, a, z, b});
  Insert(*store,
         std::vector<Incident>{MakeIncident("i2", kT0, std::nullopt, std::nullopt),
                               MakeIncident("i1", kT0 - kHour, std::nullopt, std::nullopt)});
  std::vector<std::string> deployments, incidents;
  Status s = Run(*store, [&](Transaction& tx) {
    EMM_RETURN_IF_ERROR(tx.ForEachDeployment([&](const Deployment& d) {
      deployments.push_back(d.id);
      return Status::Ok();
    }));
    return tx.ForEachIncident([&](const Incident& i) {
      incidents.push_back(i.id);
      return Status::Ok();
    });
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(deployments, (std::vector<std::string>{"z", "a", "b", "m"}));
  EXPECT_EQ(incidents, (std::vector<std::string>{"i1", "i2"}));  // created_at = started_at here
}

TEST_P(StoreContractTest, ForEachStopsAtTheFirstError) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Insert(*store, std::vector<Deployment>{MakeDeployment("a"), MakeDeployment("b")});
  int visited = 0;
  Status s = Run(*store, [&](Transaction& tx) {
    return tx.ForEachDeployment([&](const Deployment&) {
      ++visited;
      return Status::NotFound("stop");
    });
  });
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(visited, 1);
}

TEST_P(StoreContractTest, DomainCommandsRunOnTheStore) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  domain::TeamDirectory teams({domain::Team{"team", {"p1"}, {}}});
  domain::CommandContext ctx{&teams, "production", kT0 + 10 * kHour};
  domain::NewDeployment nd;
  nd.id = "d1";
  nd.project_id = "p1";
  nd.first_commit_at = kT0;
  nd.deploy_start_at = kT0 + kHour;
  nd.deployed_at = kT0 + 2 * kHour;
  domain::NewIncident ni;
  ni.project_id = "p1";
  ni.deployment_id = "d1";
  ni.started_at = kT0 + 3 * kHour;
  std::string incident_id;
  Status s = Run(*store, [&](Transaction& tx) -> Status {
    auto a = domain::CreateDeployment(tx, ctx, nd);
    if (!a.ok()) return a.status();
    auto b = domain::CreateIncident(tx, ctx, ni, &incident_id);
    return b.status();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(incident_id, "incident_p1_1");
  auto series = store->ListSeries();
  ASSERT_TRUE(series.ok());
  std::map<std::string, uint64_t> counts;
  for (const auto& st : *series) counts[st.key.metric] += st.count;
  EXPECT_EQ(counts["deployment_started"], 1u);
  EXPECT_EQ(counts["deployment_frequency"], 1u);
  EXPECT_EQ(counts["change_failure_count"], 1u);
  EXPECT_EQ(counts["time_to_detect"], 1u);

  // A rejected command inside a batch leaves nothing behind.
  domain::NewIncident bad = ni;
  bad.deployment_id = "ghost";
  s = Run(*store, [&](Transaction& tx) { return domain::CreateIncident(tx, ctx, bad).status(); });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  auto incidents = store->ListIncidents({});
  ASSERT_TRUE(incidents.ok());
  EXPECT_EQ(incidents->size(), 1u);
}

// A delivery id is taken once per source; an item that fails takes nothing, so its redelivery
// runs again.
TEST_P(StoreContractTest, ADeliveryIsRecordedOncePerSourceAndNotByAFailedItem) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  auto insert = [&](std::string source, std::string id) {
    return Run(*store, [=](Transaction& tx) { return tx.InsertDelivery(source, id, kT0); });
  };
  EXPECT_TRUE(insert("github", "d-1").ok());
  EXPECT_EQ(insert("github", "d-1").code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(insert("linear", "d-1").ok());
  Status failed = Run(*store, [](Transaction& tx) -> Status {
    EMM_RETURN_IF_ERROR(tx.InsertDelivery("github", "d-2", kT0));
    return Status::InvalidArgument("x", "the command failed");
  });
  EXPECT_EQ(failed.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(insert("github", "d-2").ok());
}

// An alias names the latest deployment carrying it (by its time), whatever the arrival order.
TEST_P(StoreContractTest, AnAliasNamesTheLatestDeploymentCarryingIt) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Insert(*store, std::vector<Deployment>{MakeDeployment("d1"), MakeDeployment("d2"),
                                         MakeDeployment("d0")});
  auto put = [&](std::string id, TimeMs at) {
    return Run(*store, [=](Transaction& tx) { return tx.PutDeploymentAlias("chain:c", id, at); });
  };
  auto find = [&](std::string alias) {
    std::optional<std::string> out;
    Status s = Run(*store, [&](Transaction& tx) -> Status {
      auto r = tx.FindDeploymentByAlias(alias);
      if (!r.ok()) return r.status();
      out = *r;
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  };
  EXPECT_EQ(find("chain:c"), std::nullopt);
  ASSERT_TRUE(put("d1", kT0).ok());
  ASSERT_TRUE(put("d2", kT0 + kHour).ok());
  ASSERT_TRUE(put("d0", kT0 - kHour).ok());  // back-filled late: d2 keeps it
  EXPECT_EQ(find("chain:c"), "d2");
  // An alias names a stored deployment only.
  EXPECT_FALSE(put("no-such-deployment", kT0 + 2 * kHour).ok());
  EXPECT_EQ(find("chain:c"), "d2");
}

// What a copy moves besides the records: every alias and every delivery, listed.
TEST_P(StoreContractTest, AliasesAndDeliveriesAreListed) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Insert(*store, std::vector<Deployment>{MakeDeployment("d1"), MakeDeployment("d2")});
  ASSERT_TRUE(Run(*store, [](Transaction& tx) -> Status {
                EMM_RETURN_IF_ERROR(tx.PutDeploymentAlias("chain:a", "d1", kT0));
                EMM_RETURN_IF_ERROR(tx.PutDeploymentAlias("chain:b", "d2", kT0 + kHour));
                EMM_RETURN_IF_ERROR(tx.InsertDelivery("github", "g-1", kT0));
                return tx.InsertDelivery("linear", "l-1", kT0 + kHour);
              }).ok());
  std::vector<std::string> aliases, deliveries;
  Status listed = Run(*store, [&](Transaction& tx) -> Status {
    EMM_RETURN_IF_ERROR(tx.ForEachDeploymentAlias([&](const domain::DeploymentAlias& a) {
      aliases.push_back(a.alias + ">" + a.deployment_id + "@" + std::to_string(a.at - kT0));
      return Status::Ok();
    }));
    return tx.ForEachDelivery([&](const domain::Delivery& d) {
      deliveries.push_back(d.source + "/" + d.id + "@" + std::to_string(d.at - kT0));
      return Status::Ok();
    });
  });
  ASSERT_TRUE(listed.ok()) << listed.ToString();
  std::sort(aliases.begin(), aliases.end());
  std::sort(deliveries.begin(), deliveries.end());
  EXPECT_EQ(aliases, (std::vector<std::string>{"chain:a>d1@0", "chain:b>d2@" + std::to_string(kHour)}));
  EXPECT_EQ(deliveries,
            (std::vector<std::string>{"github/g-1@0", "linear/l-1@" + std::to_string(kHour)}));
}

// A deployment whose first commit is not known reads back without one, and its DORA facts too.
TEST_P(StoreContractTest, AnUnknownFirstCommitRoundTrips) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Deployment d = MakeDeployment("d1", "p1", kT0);
  d.first_commit_at = std::nullopt;
  Insert(*store, std::vector<Deployment>{d});
  auto read = store->GetDeployment("d1");
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->first_commit_at, std::nullopt);
  EXPECT_EQ((*read)->deploy_start_at, kT0 - kHour);
  auto events = store->LoadDoraEvents({kT0 - kHour, kT0 + kHour, {}, {}, {}});
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->deployed.size(), 1u);
  EXPECT_EQ(events->deployed[0].first_commit_at, std::nullopt);
  auto facts = store->LoadDoraFacts({kT0 - kHour, kT0 + kHour, {}, {}, {}});
  ASSERT_TRUE(facts.ok()) << facts.status().ToString();
  ASSERT_EQ(facts->deployed.size(), 1u);
  EXPECT_EQ(facts->deployed[0].first_commit_at, std::nullopt);
  EXPECT_EQ(facts->deployed[0].deploy_start_at, kT0 - kHour);
}

// --- reopen and read-after-write ---

TEST_P(StoreContractTest, DataSurvivesCloseAndReopen) {
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    Insert(*store, std::vector<Deployment>{MakeDeployment("kept", "p1", kT0)});
    Insert(*store, std::vector<Incident>{MakeIncident("inc", kT0, kT0 + 1, std::nullopt)});
    SeriesState hist = MakeHistogram();
    ASSERT_TRUE(Run(*store, [&](Transaction& tx) { return tx.PutSeries(hist); }).ok());
    // A backend may pool read connections; closing must release them too.
    auto listed = store->ListDeployments({});
    ASSERT_TRUE(listed.ok());
  }
  auto store = OpenStore();  // the same database again
  ASSERT_NE(store, nullptr);
  auto d = store->GetDeployment("kept");
  ASSERT_TRUE(d.ok() && d->has_value());
  EXPECT_EQ((*d)->deployed_at, kT0);
  auto i = store->GetIncident("inc");
  ASSERT_TRUE(i.ok() && i->has_value());
  EXPECT_EQ((*i)->restored_at, kT0 + 1);
  auto series = store->ListSeries();
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 1u);
  ExpectSameSeries((*series)[0], MakeHistogram());
}

TEST_P(StoreContractTest, ReadsSeeCommittedWrites) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  // Read before writing, so a pooled connection with a stale snapshot would show.
  ASSERT_TRUE(store->GetDeployment("late").ok());
  Insert(*store, std::vector<Deployment>{MakeDeployment("late")});
  auto d = store->GetDeployment("late");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->has_value());
}

EMM_STORE_CONTRACT(StoreContractTest);

}  // namespace
}  // namespace emm::storage
