// The order stored of the tables without a key of their own (a ticket's status changes here)
// rests on seq, PostgreSQL's stand-in for SQLite's rowid, not on a row's physical place (ctid):
// a ticket's team move rewrites its rows and a VACUUM lets a later row take an earlier page.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain/tickets.h"
#include "storage/contract/store_contract.h"
#include "storage/postgres/pg_event_store.h"
#include "storage/postgres/pg_fixture.h"

namespace emm::storage::postgres {
namespace {

using domain::TicketStatus;

class PgOrderStoredTest : public testing::PgFixture {
 protected:
  std::unique_ptr<PgEventStore> OpenStore(const std::string& url) {
    auto store = PgEventStore::Open(PgStoreOptions{url, 1, std::chrono::milliseconds(2000)});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  void Upsert(EventStore& store, const std::string& id, TicketStatus status,
              const std::string& team = "ENG") {
    domain::TicketUpdate u;
    u.id = id;
    u.external_id = "uuid-" + id.substr(0, 8);
    u.team_id = team;
    u.project_id = "web";
    u.created_at = kT0;
    u.updated_at = kT0 + kHour;
    u.status = status;
    Status s = RunAlone(
        store, [&](domain::Transaction& tx) { return domain::UpsertTicket(tx, ctx_, u).status(); });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  const domain::TeamDirectory teams_{std::vector<domain::Team>{}};
  // One clock for every write: recorded_at cannot order the rows.
  domain::CommandContext ctx_{&teams_, "production", kT0 + 10 * kHour};
};

// Rows of about 1.9 kB (the ticket ids), four to a page. Page 0 holds F's first three changes and
// T's first; F's fourth starts page 1. F's team move rewrites its rows onto later pages, VACUUM
// frees page 0, so T's second change, written by another connection, lands on page 0 before its
// first, and T's own team move rewrites both there. Ordered by ctid, T's history reads backwards.
TEST_F(PgOrderStoredTest, ATicketsHistoryKeepsItsOrderThroughTeamMovesAndVacuum) {
  const std::string url = FreshDatabase();
  const std::string f = "F" + std::string(1900, 'f');
  const std::string t = "T" + std::string(1900, 't');
  auto store = OpenStore(url);
  ASSERT_NE(store, nullptr);
  Upsert(*store, f, TicketStatus::kTodo);
  Upsert(*store, f, TicketStatus::kDoing);
  Upsert(*store, f, TicketStatus::kDone);
  Upsert(*store, t, TicketStatus::kTodo);
  Upsert(*store, f, TicketStatus::kDoing);
  Upsert(*store, f, TicketStatus::kDoing, "OPS");  // rewrites F's rows
  auto admin = PgConnection::Open(url);
  ASSERT_TRUE(admin.ok()) << admin.status().ToString();
  ASSERT_TRUE((*admin)->Exec("VACUUM ticket_status_changes").ok());
  // Another replica (a backend with no page of its own in mind: the free space map's first).
  auto other = OpenStore(url);
  ASSERT_NE(other, nullptr);
  Upsert(*other, t, TicketStatus::kDoing);
  Upsert(*other, t, TicketStatus::kDoing, "OPS");  // rewrites T's rows

  auto history = other->GetTicketHistory(t);
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  std::vector<TicketStatus> to;
  for (const auto& c : history->statuses) to.push_back(c.to);
  EXPECT_EQ(to, (std::vector<TicketStatus>{TicketStatus::kTodo, TicketStatus::kDoing}));
  // The rebuild's full scan reads the same order.
  std::vector<TicketStatus> scanned;
  Status s = RunAlone(*other, [&](domain::Transaction& tx) {
    return tx.ForEachTicketStatusChange([&](const domain::TicketStatusChange& c) {
      if (c.ticket_id == t) scanned.push_back(c.to);
      return Status::Ok();
    });
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(scanned, to);
  // The layout this test means to build: T's second change is stored before its first.
  auto pages = (*admin)->Run("pages",
                             "SELECT to_status FROM ticket_status_changes WHERE ticket_id = $1 "
                             "ORDER BY ctid",
                             PgParams().Add(t));
  ASSERT_TRUE(pages.ok()) << pages.status().ToString();
  ASSERT_EQ(pages->rows(), 2);
  EXPECT_EQ(pages->Text(0, 0), "DOING") << "the rows did not move as planned: the test proves less";
}

}  // namespace
}  // namespace emm::storage::postgres
