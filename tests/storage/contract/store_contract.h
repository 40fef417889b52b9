// The storage contract: what every EventStore backend must do, tested through EventStore and
// domain::Transaction only. Each suite here is a value-parameterized gtest suite run once per
// backend of ContractBackends() (contract/backends.cc); a new backend adds one entry there.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "domain/dora.h"
#include "domain/metrics.h"
#include "domain/transaction.h"
#include "storage/by_id.h"
#include "storage/event_store.h"

namespace emm::storage {

// One backend's databases for one test.
class StoreBackend {
 public:
  virtual ~StoreBackend() = default;
  // A store over a new, empty database (called once per test, before Reopen).
  virtual Result<std::unique_ptr<EventStore>> OpenFresh() = 0;
  // Another store over the database OpenFresh created, after the previous one was destroyed:
  // everything it committed must be there.
  virtual Result<std::unique_ptr<EventStore>> Reopen() = 0;
};

struct StoreBackendParam {
  std::string name;  // the instantiation's suffix: letters, digits and '_'
  std::function<std::unique_ptr<StoreBackend>()> make;
};

inline void PrintTo(const StoreBackendParam& p, std::ostream* os) { *os << p.name; }

inline std::string BackendName(const ::testing::TestParamInfo<StoreBackendParam>& info) {
  return info.param.name;
}

// Every backend the contract runs on (contract/backends.cc).
std::vector<StoreBackendParam> ContractBackends();

// Instantiates a contract suite for every backend.
#define EMM_STORE_CONTRACT(suite)                                                          \
  INSTANTIATE_TEST_SUITE_P(Contract, suite,                                                \
                           ::testing::ValuesIn(::emm::storage::ContractBackends()),        \
                           ::emm::storage::BackendName)

constexpr TimeMs kT0 = 1714557600000;  // 2024-05-01T10:00:00Z
constexpr TimeMs kHour = 3600 * 1000;

inline domain::Deployment MakeDeployment(std::string id, std::string project = "p1",
                                         std::optional<TimeMs> deployed_at = std::nullopt,
                                         std::string env = "production") {
  domain::Deployment d;
  d.id = std::move(id);
  d.project_id = std::move(project);
  d.team_id = "team";
  d.environment = std::move(env);
  d.first_commit_at = kT0 - 2 * kHour;
  d.deploy_start_at = kT0 - kHour;
  d.deployed_at = deployed_at;
  d.status = deployed_at ? domain::DeploymentStatus::kDeployed : domain::DeploymentStatus::kStarted;
  d.created_at = kT0 - kHour;
  return d;
}

inline domain::Incident MakeIncident(std::string id, TimeMs started_at,
                                     std::optional<TimeMs> restored_at,
                                     std::optional<TimeMs> finished_at,
                                     std::string project = "p1") {
  domain::Incident i;
  i.id = std::move(id);
  i.project_id = std::move(project);
  i.environment = "production";
  i.started_at = started_at;
  i.restored_at = restored_at;
  i.finished_at = finished_at;
  i.created_at = started_at;
  return i;
}

inline domain::SeriesState MakeHistogram() {
  domain::SeriesState s = domain::SeriesState::Empty(
      domain::kLeadTimeForChanges, {"lead_time_for_changes", "p1", "team", "production"}, kT0);
  s.Fold(30, kT0 + 1);
  s.Fold(90.5, kT0 + 2);
  s.Fold(365 * 86400.0, kT0 + 3);
  return s;
}

inline void ExpectSameSeries(const domain::SeriesState& got, const domain::SeriesState& want) {
  EXPECT_EQ(got.key, want.key);
  EXPECT_EQ(got.kind, want.kind);
  EXPECT_EQ(got.start_ms, want.start_ms);
  EXPECT_EQ(got.updated_ms, want.updated_ms);
  EXPECT_EQ(got.count, want.count);
  EXPECT_DOUBLE_EQ(got.sum, want.sum);
  EXPECT_DOUBLE_EQ(got.min, want.min);
  EXPECT_DOUBLE_EQ(got.max, want.max);
  EXPECT_EQ(got.buckets, want.buckets);
}

// Runs one unit of work in its own batch (fixtures call it Run: gtest's Test::Run hides the name).
inline Status RunAlone(EventStore& store, EventStore::Work work) {
  std::vector<EventStore::Work> batch{std::move(work)};
  std::vector<Status> results = store.RunBatch(batch);
  EXPECT_EQ(results.size(), 1u);
  return results.empty() ? Status::Internal("no result") : results[0];
}

inline void Insert(EventStore& store, const std::vector<domain::Deployment>& ds) {
  Status s = RunAlone(store, [&](domain::Transaction& tx) {
    for (const auto& d : ds) EMM_RETURN_IF_ERROR(tx.InsertDeployment(d));
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
}

inline void Insert(EventStore& store, const std::vector<domain::Incident>& is) {
  Status s = RunAlone(store, [&](domain::Transaction& tx) {
    for (const auto& i : is) EMM_RETURN_IF_ERROR(tx.InsertIncident(i));
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
}

// Facts as comparable rows: the group spelled out, sorted.
inline std::vector<std::string> Rows(const domain::DoraFacts& f) {
  std::vector<std::string> out;
  auto group = [&](uint32_t g) {
    const auto& x = f.groups.at(g);
    return x.project_id + "/" + x.team_id + "/" + x.environment;
  };
  for (const auto& d : f.deployed) {
    out.push_back("D " + group(d.group) + " " + std::to_string(d.deployed_at) + " " +
                  std::to_string(d.first_commit_at.value_or(-1)) + " " +
                  std::to_string(d.deploy_start_at) +
                  " " + std::to_string(d.recovered_at.value_or(-1)) + " " +
                  std::to_string(d.failed) + std::to_string(d.rework));
  }
  for (const auto& i : f.restored) {
    out.push_back("R " + group(i.group) + " " + std::to_string(i.started_at) + " " +
                  std::to_string(i.restored_at));
  }
  for (const auto& i : f.detected) {
    out.push_back("T " + group(i.group) + " " + std::to_string(i.started_at) + " " +
                  std::to_string(i.deployed_at));
  }
  std::sort(out.begin(), out.end());
  return out;
}

class StoreContractTest : public ::testing::TestWithParam<StoreBackendParam> {
 protected:
  // The test's store: a new database the first time, the same database again afterwards (the
  // previous store must be destroyed first).
  std::unique_ptr<EventStore> OpenStore() {
    auto r = opened_ ? backend_->Reopen() : backend_->OpenFresh();
    opened_ = true;
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : nullptr;
  }

  Status Run(EventStore& store, EventStore::Work work) { return RunAlone(store, std::move(work)); }

  StoreBackend& backend() { return *backend_; }

 private:
  std::unique_ptr<StoreBackend> backend_ = GetParam().make();
  bool opened_ = false;
};

}  // namespace emm::storage
