// The team-health read of tickets (EventStore::LoadTeamHealthFacts) as the contract suite and the
// SQLite store's own tests use it: tickets written by the upsert the Linear webhook runs, read by
// range, team and project. In an anonymous namespace: each test file has its own copy.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/tickets.h"
#include "storage/by_id.h"
#include "storage/contract/store_contract.h"

namespace emm::storage {
namespace {  // NOLINT: one copy per test file

using domain::TicketStatus;
using domain::TicketUpdate;

constexpr TimeMs kDay = 24 * kHour;
constexpr TimeMs kFrom = 1714521600000;  // 2024-05-01T00:00:00Z
constexpr TimeMs kTo = kFrom + 7 * kDay;

std::vector<std::string> Ids(const domain::TeamHealthFacts& f) {
  return SortedIds(f.tickets);
}

const domain::TicketFact* Find(const domain::TeamHealthFacts& f, const std::string& id) {
  return FindById(f.tickets, id);
}

class TicketHealthQueriesTest : public StoreContractTest {
 protected:
  void SetUp() override {
    store_ = OpenStore();
    ASSERT_NE(store_, nullptr);
  }

  // Upserts the ticket as a Linear delivery of this state at `at` would.
  void Put(const std::string& id, TicketStatus status, TimeMs at, TimeMs created,
           const std::string& team = "ENG", std::optional<double> estimate = std::nullopt) {
    TicketUpdate u;
    u.id = id;
    u.external_id = "uuid-" + id;
    u.team_id = team;
    u.project_id = project_;
    u.created_at = created;
    u.updated_at = at;
    u.status = status;
    u.ticket_type = "Feature";
    u.estimation = estimate;
    u.parent_ticket_id = parent_;
    if (status == TicketStatus::kDoing) u.started_at = at;
    if (status == TicketStatus::kDone) u.finished_at = at;
    Status s = Run(*store_, [&](domain::Transaction& tx) {
      return domain::UpsertTicket(tx, ctx_, u).status();
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  domain::TeamHealthFacts Load(std::vector<std::string> ticket_teams,
                               std::vector<std::string> projects = {}) {
    TeamHealthQuery q{kFrom, kTo, {}};
    q.ticket_teams = std::move(ticket_teams);
    q.projects = std::move(projects);
    q.pull_requests = false;
    auto facts = store_->LoadTeamHealthFacts(q);
    EXPECT_TRUE(facts.ok()) << facts.status().ToString();
    return facts.ok() ? std::move(*facts) : domain::TeamHealthFacts{};
  }

  const domain::TeamDirectory teams_{std::vector<domain::Team>{}};
  domain::CommandContext ctx_{&teams_, "production", kTo + 30 * kDay};
  std::string project_ = "web";
  std::optional<std::string> parent_;
  std::unique_ptr<EventStore> store_;
};

}  // namespace
}  // namespace emm::storage
