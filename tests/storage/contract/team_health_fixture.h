// The team-health read of pull requests (EventStore::LoadTeamHealthFacts) as the contract suite and
// the SQLite store's own tests use it: pull requests written by the domain commands, read by range
// and team. In an anonymous namespace: each test file has its own copy.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "domain/pull_requests.h"
#include "storage/by_id.h"
#include "storage/contract/store_contract.h"

namespace emm::storage {
namespace {  // NOLINT: one copy per test file

constexpr TimeMs kDay = 24 * kHour;
constexpr TimeMs kFrom = 1714521600000;  // 2024-05-01T00:00:00Z
constexpr TimeMs kTo = kFrom + 7 * kDay;

std::vector<std::string> Ids(const domain::TeamHealthFacts& f) {
  return SortedIds(f.pull_requests);
}

const domain::PullRequestFact* Find(const domain::TeamHealthFacts& f, const std::string& id) {
  return FindById(f.pull_requests, id);
}

class TeamHealthQueriesTest : public StoreContractTest {
 protected:
  void SetUp() override {
    store_ = OpenStore();
    ASSERT_NE(store_, nullptr);
  }

  // Runs the pull request commands, as the routes do.
  void Run(std::function<Result<domain::Outcome>(domain::Transaction&, domain::CommandContext&)>
               command) {
    EventStore::Work w = [&](domain::Transaction& tx) {
      domain::CommandContext ctx{&teams_, "production", kTo + 30 * kDay};
      return command(tx, ctx).status();
    };
    Status s = store_->RunBatch(std::span(&w, 1)).front();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void Open(std::string id, std::string team, TimeMs at, std::string author = "alice") {
    Run([&](auto& tx, auto& ctx) {
      return domain::CreatePullRequest(tx, ctx, {id, team, at, 10, 2, author});
    });
  }
  void Review(std::string id, TimeMs at, std::string reviewer, bool approved = false) {
    Run([&](auto& tx, auto& ctx) {
      return domain::ReviewPullRequest(tx, ctx, {id, at, approved, 0, reviewer});
    });
  }
  void Merge(std::string id, TimeMs at) {
    Run([&](auto& tx, auto& ctx) { return domain::MergePullRequest(tx, ctx, {id, at}); });
  }
  void Close(std::string id, TimeMs at) {
    Run([&](auto& tx, auto& ctx) { return domain::ClosePullRequest(tx, ctx, {id, at}); });
  }
  domain::TeamHealthFacts Load(std::vector<std::string> teams) {
    auto facts = store_->LoadTeamHealthFacts({kFrom, kTo, std::move(teams)});
    EXPECT_TRUE(facts.ok()) << facts.status().ToString();
    return facts.ok() ? std::move(*facts) : domain::TeamHealthFacts{};
  }

  domain::TeamDirectory teams_{std::vector<domain::Team>{}};
  std::unique_ptr<EventStore> store_;
};

}  // namespace
}  // namespace emm::storage
