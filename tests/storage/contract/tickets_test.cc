// The contract for tickets: the upsert's rows and history read back, listings, the stats read,
// series keyed by ticket_type (live, rebuilt, export marks).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain/tickets.h"
#include "storage/contract/store_contract.h"

namespace emm::storage {
namespace {

using domain::TicketStatus;
using domain::TicketUpdate;
using domain::Transaction;

class TicketStoreTest : public StoreContractTest {
 protected:
  void SetUp() override {
    store_ = OpenStore();
    ASSERT_NE(store_, nullptr);
  }

  Status Run(const EventStore::Work& w) { return RunAlone(*store_, w); }

  Result<domain::Outcome> Upsert(const TicketUpdate& u) {
    Result<domain::Outcome> out = Status::Internal("not run");
    Status s = Run([&](Transaction& tx) {
      out = domain::UpsertTicket(tx, ctx_, u);
      return out.status();
    });
    if (!s.ok()) return s;
    return out;
  }

  static TicketUpdate Update(std::string id, TicketStatus status, TimeMs at) {
    TicketUpdate u;
    u.id = id;
    u.external_id = "uuid-" + id;
    u.team_id = "ENG";
    u.project_id = "web";
    u.created_at = kT0;
    u.updated_at = at;
    u.actor_hash = "hash-a";
    u.ticket_type = "bug";
    u.status = status;
    return u;
  }

  const domain::SeriesState* FindSeries(const std::vector<domain::SeriesState>& all,
                                        std::string_view metric, std::string_view type) {
    for (const auto& s : all) {
      if (s.key.metric == metric && s.key.ticket_type == type) return &s;
    }
    return nullptr;
  }

  std::unique_ptr<EventStore> store_;
  const domain::TeamDirectory teams_{std::vector<domain::Team>{}};
  domain::CommandContext ctx_{&teams_, "production", kT0 + 100 * kHour};
};

TEST_P(TicketStoreTest, ATicketAndItsHistoryRoundTrip) {
  TicketUpdate u = Update("ENG-1", TicketStatus::kDoing, kT0 + kHour);
  u.started_at = kT0 + kHour;
  u.estimation = 3;
  u.parent_ticket_id = "uuid-P";
  ASSERT_TRUE(Upsert(u).ok());
  u.status = TicketStatus::kDone;
  u.updated_at = kT0 + 5 * kHour;
  u.finished_at = kT0 + 5 * kHour;
  u.estimation = 5.5;
  ASSERT_EQ(*Upsert(u), domain::Outcome::kUpdated);
  EXPECT_EQ(*Upsert(u), domain::Outcome::kUnchanged);

  auto got = store_->GetTicket("ENG-1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->has_value());
  const domain::Ticket& t = **got;
  EXPECT_EQ(t.external_id, "uuid-ENG-1");
  EXPECT_EQ(t.team_id, "ENG");
  EXPECT_EQ(t.project_id, "web");
  EXPECT_EQ(t.created_at, kT0);
  EXPECT_EQ(t.updated_at, kT0 + 5 * kHour);
  EXPECT_EQ(t.started_at, kT0 + kHour);
  EXPECT_EQ(t.finished_at, kT0 + 5 * kHour);
  EXPECT_EQ(t.parent_ticket_id, "uuid-P");
  EXPECT_EQ(t.actor_hash, "hash-a");
  EXPECT_EQ(t.ticket_type, "bug");
  EXPECT_EQ(t.status, TicketStatus::kDone);
  EXPECT_EQ(t.current_estimation, 5.5);
  EXPECT_EQ(t.initial_estimation, 3);
  EXPECT_EQ(t.final_estimation, 5.5);
  EXPECT_EQ(t.first_done_at, kT0 + 5 * kHour);
  EXPECT_EQ(t.recorded_at, ctx_.now);

  auto history = store_->GetTicketHistory("ENG-1");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->statuses.size(), 2u);
  EXPECT_FALSE(history->statuses[0].from);
  EXPECT_EQ(history->statuses[0].to, TicketStatus::kDoing);
  EXPECT_EQ(history->statuses[1].from, TicketStatus::kDoing);
  EXPECT_EQ(history->statuses[1].to, TicketStatus::kDone);
  EXPECT_EQ(history->statuses[1].at, kT0 + 5 * kHour);
  ASSERT_EQ(history->estimations.size(), 1u);
  EXPECT_EQ(history->estimations[0].from, 3);
  EXPECT_EQ(history->estimations[0].to, 5.5);
  EXPECT_TRUE(store_->GetTicketHistory("ENG-404")->statuses.empty());
  EXPECT_FALSE(store_->GetTicket("ENG-404")->has_value());

  // The ticket's series carry its type.
  auto series = store_->ListSeries();
  ASSERT_TRUE(series.ok());
  const domain::SeriesState* count = FindSeries(*series, "ticket_count", "bug");
  ASSERT_NE(count, nullptr);
  EXPECT_EQ(count->count, 1u);
  EXPECT_EQ(count->key.project_id, "web");
  EXPECT_EQ(count->key.team_id, "ENG");
  EXPECT_DOUBLE_EQ(FindSeries(*series, "time_per_ticket", "bug")->sum, 4 * 3600);
}

TEST_P(TicketStoreTest, SeriesDifferingOnlyByTicketTypeAreApart) {
  TicketUpdate bug = Update("ENG-1", TicketStatus::kDone, kT0 + kHour);
  TicketUpdate feature = Update("ENG-2", TicketStatus::kDone, kT0 + kHour);
  feature.ticket_type = "feature";
  TicketUpdate other_bug = Update("ENG-3", TicketStatus::kDone, kT0 + 2 * kHour);
  // One batch: the writer's series cache must keep them apart too.
  std::vector<EventStore::Work> work;
  for (const TicketUpdate* u : {&bug, &feature, &other_bug}) {
    work.push_back([&, u](Transaction& tx) { return domain::UpsertTicket(tx, ctx_, *u).status(); });
  }
  for (const Status& s : store_->RunBatch(work)) ASSERT_TRUE(s.ok()) << s.ToString();
  auto series = store_->ListSeries();
  ASSERT_TRUE(series.ok());
  EXPECT_EQ(FindSeries(*series, "ticket_count", "bug")->count, 2u);
  EXPECT_EQ(FindSeries(*series, "ticket_count", "feature")->count, 1u);

  domain::ExportMark mark;
  mark.key = FindSeries(*series, "ticket_count", "feature")->key;
  mark.count = 1;
  ASSERT_TRUE(Run([&](Transaction& tx) { return tx.PutExportMark(mark); }).ok());
  auto marks = store_->ListExportMarks();
  ASSERT_TRUE(marks.ok());
  ASSERT_EQ(marks->size(), 1u);
  EXPECT_EQ(marks->front().key.ticket_type, "feature");
}

TEST_P(TicketStoreTest, ListingFiltersAndPages) {
  for (int i = 1; i <= 4; ++i) {
    TicketUpdate u = Update("ENG-" + std::to_string(i),
                            i % 2 ? TicketStatus::kTodo : TicketStatus::kDone, kT0 + i * kHour);
    u.created_at = kT0 + (5 - i) * kHour;  // created in the reverse order
    if (i == 4) u.project_id = "api";
    ASSERT_TRUE(Upsert(u).ok());
  }
  auto ids = [](const Result<std::vector<domain::Ticket>>& r) {
    std::vector<std::string> out;
    for (const auto& t : *r) out.push_back(t.id);
    return out;
  };
  TicketQuery q;
  EXPECT_EQ(ids(store_->ListTickets(q)),
            (std::vector<std::string>{"ENG-4", "ENG-3", "ENG-2", "ENG-1"}));
  q.status = TicketStatus::kDone;
  EXPECT_EQ(ids(store_->ListTickets(q)), (std::vector<std::string>{"ENG-4", "ENG-2"}));
  q.project_id = "web";
  EXPECT_EQ(ids(store_->ListTickets(q)), (std::vector<std::string>{"ENG-2"}));
  q = TicketQuery{};
  q.team_id = "OPS";
  EXPECT_TRUE(ids(store_->ListTickets(q)).empty());
  q = TicketQuery{};
  q.limit = 2;
  q.offset = 1;
  EXPECT_EQ(ids(store_->ListTickets(q)), (std::vector<std::string>{"ENG-3", "ENG-2"}));
}

// Done tickets finished in [from, to]; a parent (named by ENG-2) is left out unless asked.
TEST_P(TicketStoreTest, TheStatsReadTakesDoneTicketsFinishedInTheRange) {
  TicketUpdate parent = Update("ENG-1", TicketStatus::kDone, kT0 + kHour);
  ASSERT_TRUE(Upsert(parent).ok());
  TicketUpdate child = Update("ENG-2", TicketStatus::kDone, kT0 + 2 * kHour);
  child.parent_ticket_id = "uuid-ENG-1";
  ASSERT_TRUE(Upsert(child).ok());
  ASSERT_TRUE(Upsert(Update("ENG-3", TicketStatus::kDoing, kT0 + 2 * kHour)).ok());
  ASSERT_TRUE(Upsert(Update("ENG-4", TicketStatus::kDone, kT0 + 9 * kHour)).ok());

  auto ids = [&](TicketStatsQuery q) {
    std::vector<std::string> out;
    auto r = store_->LoadTicketsForStats(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    for (const auto& t : *r) out.push_back(t.id);
    return out;
  };
  EXPECT_EQ(ids({kT0, kT0 + 8 * kHour, true}), (std::vector<std::string>{"ENG-2"}));
  EXPECT_EQ(ids({kT0, kT0 + 8 * kHour, false}), (std::vector<std::string>{"ENG-1", "ENG-2"}));
  EXPECT_EQ(ids({kT0 + 2 * kHour, kT0 + 9 * kHour, true}),
            (std::vector<std::string>{"ENG-2", "ENG-4"}));  // both ends included
}

TEST_P(TicketStoreTest, TheRebuildReproducesTheTicketSeries) {
  TicketUpdate u = Update("ENG-1", TicketStatus::kDone, kT0 + 3 * kHour);
  u.estimation = 3;
  ASSERT_TRUE(Upsert(u).ok());
  TicketUpdate reopened = Update("ENG-1", TicketStatus::kDoing, kT0 + 4 * kHour);
  reopened.estimation = 1;
  ASSERT_TRUE(Upsert(reopened).ok());
  TicketUpdate feature = Update("ENG-2", TicketStatus::kDone, kT0 + 5 * kHour);
  feature.ticket_type = "feature";
  ASSERT_TRUE(Upsert(feature).ok());
  auto live = store_->ListSeries();
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->size(), 6u);  // count and time per type, re-opened, estimate down

  domain::CommandContext later = ctx_;
  later.now += kHour;
  ASSERT_TRUE(Run([&](Transaction& tx) { return domain::RebuildMetrics(tx, later); }).ok());
  auto rebuilt = store_->ListSeries();
  ASSERT_TRUE(rebuilt.ok());
  ASSERT_EQ(rebuilt->size(), live->size());
  for (size_t i = 0; i < live->size(); ++i) {
    EXPECT_EQ((*rebuilt)[i].key, (*live)[i].key);
    EXPECT_EQ((*rebuilt)[i].count, (*live)[i].count) << (*live)[i].key.metric;
    EXPECT_DOUBLE_EQ((*rebuilt)[i].sum, (*live)[i].sum) << (*live)[i].key.metric;
    EXPECT_EQ((*rebuilt)[i].start_ms, later.now);
  }
}

EMM_STORE_CONTRACT(TicketStoreTest);

}  // namespace
}  // namespace emm::storage
