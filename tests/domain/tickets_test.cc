// Ticket upserts over a fake transaction: what each tracker update stores and counts (the
// original's rules with its bugs fixed: counted once, re-openings kept apart, the first estimate
// kept, parents skipped for real, redeliveries and stale updates change nothing), the rebuild
// reproducing the live series, the ticket type selector and the monthly stats. Every expected
// figure is worked out by hand in the comments.
#include "domain/tickets.h"

#include <gtest/gtest.h>

#include "domain/fake_transaction.h"

namespace emm::domain {
namespace {

using testing::FakeTransaction;

constexpr TimeMs kMin = 60000, kHour = 60 * kMin, kDay = 24 * kHour;
constexpr TimeMs kT0 = 1714557600000;  // 2024-05-01T10:00:00Z
constexpr TimeMs kNow = kT0 + 30 * kDay;

class TicketsTest : public ::testing::Test {
 protected:
  TicketsTest() : teams_(std::vector<Team>{}) {
    ctx_.teams = &teams_;
    ctx_.default_environment = "production";
    ctx_.now = kNow;
    ctx_.inconsistencies = &notes_;
  }

  // ENG-1 of team ENG, project web, type bug, in `status` as of `updated_at`.
  static TicketUpdate Update(TicketStatus status, TimeMs updated_at) {
    TicketUpdate u;
    u.id = "ENG-1";
    u.external_id = "uuid-1";
    u.team_id = "ENG";
    u.project_id = "web";
    u.created_at = kT0;
    u.updated_at = updated_at;
    u.actor_hash = "hash-a";
    u.ticket_type = "bug";
    u.status = status;
    return u;
  }

  Outcome Run(const TicketUpdate& u) {
    auto r = UpsertTicket(tx_, ctx_, u);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Outcome::kUnchanged;
  }

  const SeriesState* Series(std::string_view metric) const {
    return tx_.Series(metric, "web", "ENG", "", "bug");
  }
  const Ticket& Stored() const { return tx_.tickets.at("ENG-1"); }

  TeamDirectory teams_;
  CommandContext ctx_;
  std::vector<Inconsistency> notes_;
  FakeTransaction tx_;
};

TEST_F(TicketsTest, ANewTicketIsStoredWithItsFirstStatusAndCountsNothing) {
  TicketUpdate u = Update(TicketStatus::kBacklog, kT0);
  u.estimation = 3;
  EXPECT_EQ(Run(u), Outcome::kCreated);
  const Ticket& t = Stored();
  EXPECT_EQ(t.status, TicketStatus::kBacklog);
  EXPECT_EQ(t.initial_estimation, 3);
  EXPECT_EQ(t.current_estimation, 3);
  EXPECT_EQ(t.recorded_at, kNow);
  EXPECT_FALSE(t.finished_at);
  ASSERT_EQ(tx_.status_changes.size(), 1u);
  EXPECT_FALSE(tx_.status_changes[0].from);
  EXPECT_EQ(tx_.status_changes[0].to, TicketStatus::kBacklog);
  EXPECT_EQ(tx_.status_changes[0].at, kT0);
  EXPECT_TRUE(tx_.series.empty());
}

// Started 2024-05-01T12:00Z, done 2024-05-02T14:00Z: 26 h = 93600 s, in the (1 d, 2 d] bucket.
TEST_F(TicketsTest, BecomingDoneCountsTheTicketAndItsTimeOnce) {
  Run(Update(TicketStatus::kBacklog, kT0));
  TicketUpdate doing = Update(TicketStatus::kDoing, kT0 + 2 * kHour);
  doing.started_at = kT0 + 2 * kHour;
  EXPECT_EQ(Run(doing), Outcome::kUpdated);
  TicketUpdate done = doing;
  done.status = TicketStatus::kDone;
  done.updated_at = kT0 + 28 * kHour;
  done.finished_at = kT0 + 28 * kHour;
  EXPECT_EQ(Run(done), Outcome::kUpdated);

  const SeriesState* count = Series("ticket_count");
  ASSERT_NE(count, nullptr);
  EXPECT_EQ(count->count, 1u);
  const SeriesState* time = Series("time_per_ticket");
  ASSERT_NE(time, nullptr);
  EXPECT_EQ(time->count, 1u);
  EXPECT_DOUBLE_EQ(time->sum, 93600);
  ASSERT_EQ(time->buckets.size(), DurationBucketBounds().size() + 1);
  EXPECT_EQ(time->buckets[11], 1u);  // bounds[10] = 86400 < 93600 <= bounds[11] = 172800
  EXPECT_EQ(Stored().first_done_at, kT0 + 28 * kHour);
  EXPECT_EQ(Stored().finished_at, kT0 + 28 * kHour);

  ASSERT_EQ(tx_.status_changes.size(), 3u);
  EXPECT_EQ(tx_.status_changes[1].from, TicketStatus::kBacklog);
  EXPECT_EQ(tx_.status_changes[1].to, TicketStatus::kDoing);
  EXPECT_EQ(tx_.status_changes[1].at, kT0 + 2 * kHour);
  EXPECT_EQ(tx_.status_changes[2].from, TicketStatus::kDoing);
  EXPECT_EQ(tx_.status_changes[2].at, kT0 + 28 * kHour);

  // The same delivery again: nothing stored, nothing counted.
  const int writes = tx_.writes;
  EXPECT_EQ(Run(done), Outcome::kUnchanged);
  EXPECT_EQ(tx_.writes, writes);
  EXPECT_EQ(Series("ticket_count")->count, 1u);
  EXPECT_EQ(tx_.status_changes.size(), 3u);
}

// Done on day 1 (counted: 1 ticket, 1 day), re-opened on day 2, done again on day 3: still one
// ticket and one time observation, one re-opening; the ticket's finished_at is the last finish.
TEST_F(TicketsTest, AReopenedTicketDoneAgainIsCountedOnceAndItsReopeningApart) {
  TicketUpdate done = Update(TicketStatus::kDone, kT0 + kDay);
  done.finished_at = kT0 + kDay;
  EXPECT_EQ(Run(done), Outcome::kCreated);
  Run(Update(TicketStatus::kDoing, kT0 + 2 * kDay));
  EXPECT_FALSE(Stored().finished_at);
  TicketUpdate again = Update(TicketStatus::kDone, kT0 + 3 * kDay);
  again.finished_at = kT0 + 3 * kDay;
  Run(again);

  EXPECT_EQ(Series("ticket_count")->count, 1u);
  EXPECT_EQ(Series("time_per_ticket")->count, 1u);
  EXPECT_DOUBLE_EQ(Series("time_per_ticket")->sum, 86400);  // created kT0, first done kT0 + 1 d
  EXPECT_EQ(Series("ticket_reopened")->count, 1u);
  EXPECT_EQ(Stored().finished_at, kT0 + 3 * kDay);
  EXPECT_EQ(Stored().first_done_at, kT0 + kDay);
  ASSERT_EQ(tx_.status_changes.size(), 3u);
  EXPECT_EQ(tx_.status_changes[1].from, TicketStatus::kDone);
  EXPECT_EQ(tx_.status_changes[1].to, TicketStatus::kDoing);
  EXPECT_EQ(tx_.status_changes[2].at, kT0 + 3 * kDay);
}

// 3 -> 5 -> 2: one increase of 2, one decrease of 3; the first estimate stays 3. An estimate
// appearing (none -> 5) or removed (-> none) is no change of a known estimate.
TEST_F(TicketsTest, TheInitialEstimateIsKeptAndEachChangeIsRecorded) {
  TicketUpdate u = Update(TicketStatus::kTodo, kT0);
  u.estimation = 3;
  Run(u);
  u.estimation = 5;
  u.updated_at = kT0 + kHour;
  Run(u);
  u.estimation = 2;
  u.updated_at = kT0 + 2 * kHour;
  Run(u);
  u.estimation.reset();
  u.updated_at = kT0 + 3 * kHour;
  Run(u);
  EXPECT_EQ(Stored().initial_estimation, 3);
  EXPECT_FALSE(Stored().current_estimation);

  const SeriesState* up = Series("ticket_estimation_changed");
  ASSERT_NE(up, nullptr);
  EXPECT_EQ(up->count, 1u);
  EXPECT_DOUBLE_EQ(up->sum, 2);
  EXPECT_EQ(up->buckets[1], 1u);  // le 2
  const SeriesState* down = Series("ticket_estimation_changed_negative");
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->count, 1u);
  EXPECT_DOUBLE_EQ(down->sum, 3);
  ASSERT_EQ(tx_.estimation_changes.size(), 2u);
  EXPECT_EQ(tx_.estimation_changes[0].from, 3);
  EXPECT_EQ(tx_.estimation_changes[0].to, 5);
  EXPECT_EQ(tx_.estimation_changes[1].at, kT0 + 2 * kHour);

  u.estimation = 8;
  u.updated_at = kT0 + 4 * kHour;
  Run(u);
  EXPECT_EQ(Stored().initial_estimation, 3);
  EXPECT_EQ(Series("ticket_estimation_changed")->count, 1u);
}

TEST_F(TicketsTest, TheEstimateWhenDoneIsTheFinalEstimate) {
  TicketUpdate u = Update(TicketStatus::kDoing, kT0);
  u.estimation = 3;
  Run(u);
  EXPECT_FALSE(Stored().final_estimation);
  u.status = TicketStatus::kDone;
  u.estimation = 5;
  u.updated_at = kT0 + kHour;
  Run(u);
  EXPECT_EQ(Stored().final_estimation, 5);
  EXPECT_EQ(Stored().finished_at, kT0 + kHour);  // no completedAt: when it became done
}

// First seen done, never started: its time runs from created_at (kT0) to finished (+90 min).
TEST_F(TicketsTest, ATicketFirstSeenDoneIsCountedFromItsCreation) {
  TicketUpdate u = Update(TicketStatus::kDone, kT0 + 2 * kHour);
  u.finished_at = kT0 + 90 * kMin;
  EXPECT_EQ(Run(u), Outcome::kCreated);
  EXPECT_EQ(Series("ticket_count")->count, 1u);
  EXPECT_DOUBLE_EQ(Series("time_per_ticket")->sum, 5400);
  ASSERT_EQ(tx_.status_changes.size(), 1u);
  EXPECT_EQ(tx_.status_changes[0].at, kT0 + 90 * kMin);
}

TEST_F(TicketsTest, AnOlderUpdateDeliveredLateChangesNothing) {
  Run(Update(TicketStatus::kDoing, kT0 + 2 * kHour));
  EXPECT_EQ(Run(Update(TicketStatus::kBacklog, kT0 + kHour)), Outcome::kUnchanged);
  EXPECT_EQ(Stored().status, TicketStatus::kDoing);
  EXPECT_EQ(tx_.status_changes.size(), 1u);
}

// The first start is kept once set, and a start reported after the first completion changes
// nothing: the time per ticket stays the one counted.
TEST_F(TicketsTest, TheFirstStartIsKept) {
  TicketUpdate u = Update(TicketStatus::kDoing, kT0 + kHour);
  u.started_at = kT0 + kHour;
  Run(u);
  u.started_at = kT0 + 5 * kHour;
  u.updated_at = kT0 + 5 * kHour;
  Run(u);
  EXPECT_EQ(Stored().started_at, kT0 + kHour);
}

TEST_F(TicketsTest, CanceledTicketsAreNotCountedNorReopened) {
  Run(Update(TicketStatus::kCanceled, kT0));
  EXPECT_EQ(tx_.TotalCount("ticket_count"), 0u);
  TicketUpdate done = Update(TicketStatus::kDone, kT0 + kHour);
  Run(done);
  Run(Update(TicketStatus::kCanceled, kT0 + 2 * kHour));
  EXPECT_EQ(tx_.TotalCount("ticket_count"), 1u);
  EXPECT_EQ(tx_.TotalCount("ticket_reopened"), 0u);
}

TEST_F(TicketsTest, AFinishBeforeTheStartCountsTheTicketButNoTime) {
  TicketUpdate u = Update(TicketStatus::kDone, kT0);
  u.started_at = kT0 + kHour;
  u.finished_at = kT0 + 30 * kMin;
  Run(u);
  EXPECT_EQ(Series("ticket_count")->count, 1u);
  EXPECT_EQ(Series("time_per_ticket"), nullptr);
  ASSERT_EQ(notes_.size(), 1u);
  EXPECT_EQ(notes_[0].kind, "ticket");
  EXPECT_EQ(notes_[0].field, "finished_at");
}

// ENG-2 names ENG-1 (uuid-1) as its parent: ENG-1's next update is skipped, stored as it was.
TEST_F(TicketsTest, AParentTicketIsSkippedWhenParentsAreIgnored) {
  Run(Update(TicketStatus::kBacklog, kT0));
  TicketUpdate child = Update(TicketStatus::kDone, kT0 + kHour);
  child.id = "ENG-2";
  child.external_id = "uuid-2";
  child.parent_ticket_id = "uuid-1";
  Run(child);
  EXPECT_EQ(tx_.tickets.at("ENG-2").parent_ticket_id, "uuid-1");
  EXPECT_EQ(Run(Update(TicketStatus::kDone, kT0 + 2 * kHour)), Outcome::kUnchanged);
  EXPECT_EQ(Stored().status, TicketStatus::kBacklog);
  EXPECT_EQ(Series("ticket_count")->count, 1u);  // ENG-2 only

  TicketUpdate kept = Update(TicketStatus::kDone, kT0 + 2 * kHour);
  kept.skip_parents = false;
  EXPECT_EQ(Run(kept), Outcome::kUpdated);
  EXPECT_EQ(Series("ticket_count")->count, 2u);
}

// A tracker that sends only the closing (CDEvents): the stored ticket is done then, counted from
// its start (2 h after its creation; done 5 h later: 18000 s); a withdrawn one is canceled.
TEST_F(TicketsTest, ClosingAStoredTicketDoesItOnce) {
  TicketUpdate doing = Update(TicketStatus::kDoing, kT0 + 2 * kHour);
  doing.started_at = kT0 + 2 * kHour;
  doing.estimation = 2;
  Run(doing);
  auto closed = CloseTicket(tx_, ctx_, {"ENG-1", TicketStatus::kDone, kT0 + 7 * kHour});
  ASSERT_TRUE(closed.ok()) << closed.status().ToString();
  EXPECT_EQ(*closed, Outcome::kUpdated);
  EXPECT_EQ(Stored().status, TicketStatus::kDone);
  EXPECT_EQ(Stored().finished_at, kT0 + 7 * kHour);
  EXPECT_EQ(Stored().project_id, "web");
  EXPECT_EQ(Stored().final_estimation, 2);
  EXPECT_DOUBLE_EQ(Series("time_per_ticket")->sum, 18000);
  EXPECT_EQ(*CloseTicket(tx_, ctx_, {"ENG-1", TicketStatus::kDone, kT0 + 7 * kHour}),
            Outcome::kUnchanged);
  EXPECT_EQ(Series("ticket_count")->count, 1u);
  EXPECT_EQ(CloseTicket(tx_, ctx_, {"ENG-2", TicketStatus::kDone, kT0}).status().code(),
            StatusCode::kNotFound);
  TicketUpdate other = Update(TicketStatus::kTodo, kT0);
  other.id = "ENG-3";
  Run(other);
  ASSERT_TRUE(CloseTicket(tx_, ctx_, {"ENG-3", TicketStatus::kCanceled, kT0 + kHour}).ok());
  EXPECT_EQ(tx_.tickets.at("ENG-3").status, TicketStatus::kCanceled);
  EXPECT_FALSE(tx_.tickets.at("ENG-3").finished_at);
  EXPECT_EQ(Series("ticket_count")->count, 1u);
}

TEST_F(TicketsTest, TheRebuildReproducesTheLiveSeries) {
  TicketUpdate u = Update(TicketStatus::kDoing, kT0);
  u.started_at = kT0;
  u.estimation = 3;
  Run(u);
  u.status = TicketStatus::kDone;
  u.finished_at = kT0 + 3 * kHour;
  u.updated_at = kT0 + 3 * kHour;
  u.estimation = 5;
  Run(u);
  TicketUpdate reopened = Update(TicketStatus::kTodo, kT0 + 4 * kHour);
  reopened.estimation = 2;
  Run(reopened);
  TicketUpdate other = Update(TicketStatus::kDone, kT0 + kDay);
  other.id = "ENG-9";
  other.external_id = "uuid-9";
  other.ticket_type = "feature";
  Run(other);

  const auto live = tx_.series;
  for (const MetricDef* def : {&kTicketCount, &kTimePerTicket, &kTicketEstimationChanged,
                               &kTicketEstimationChangedNegative, &kTicketReopened}) {
    EXPECT_GT(tx_.TotalCount(def->name), 0u) << def->name;
  }
  CommandContext later = ctx_;
  later.now = kNow + kDay;
  ASSERT_TRUE(RebuildMetrics(tx_, later).ok());
  ASSERT_EQ(tx_.series.size(), live.size());
  for (const auto& [key, s] : live) {
    auto it = tx_.series.find(key);
    ASSERT_NE(it, tx_.series.end()) << key.metric << " " << key.ticket_type;
    EXPECT_EQ(it->second.count, s.count) << key.metric;
    EXPECT_DOUBLE_EQ(it->second.sum, s.sum) << key.metric;
    EXPECT_EQ(it->second.buckets, s.buckets) << key.metric;
  }
}

TEST(SelectTicketTypeTest, ByParentLabelThenAllowListElseUnknown) {
  std::vector<TicketLabel> labels = {
      {"l-1", "frontend", ""}, {"l-2", "Bug", "group-type"}, {"l-3", "Feature", "group-type"}};
  EXPECT_EQ(SelectTicketType(std::nullopt, labels), "unknown");
  EXPECT_EQ(SelectTicketType(TicketTypeSelector{"group-type", {"l-1"}}, labels), "Bug");
  EXPECT_EQ(SelectTicketType(TicketTypeSelector{"group-other", {"l-1"}}, labels), "unknown");
  EXPECT_EQ(SelectTicketType(TicketTypeSelector{std::nullopt, {"l-3", "l-1"}}, labels),
            "frontend");  // the first label listed, in the labels' order
  EXPECT_EQ(SelectTicketType(TicketTypeSelector{std::nullopt, {"l-9"}}, labels), "unknown");
  EXPECT_EQ(SelectTicketType(TicketTypeSelector{std::nullopt, {}}, {}), "unknown");
}

// ---- monthly stats ----

constexpr TimeMs kMay1 = 1714521600000;   // 2024-05-01T00:00:00Z
constexpr TimeMs kJune1 = 1717200000000;  // 2024-06-01T00:00:00Z

Ticket Done(std::string id, std::string actor, std::string project, TimeMs start, TimeMs finish,
            std::optional<double> estimate) {
  Ticket t;
  t.id = std::move(id);
  t.actor_hash = std::move(actor);
  t.project_id = std::move(project);
  t.created_at = start - kDay;
  t.started_at = start;
  t.finished_at = finish;
  t.status = TicketStatus::kDone;
  t.current_estimation = estimate;
  return t;
}

TEST(TicketStatsTest, DefaultRangeIsTheSixWholeMonthsBeforeThisOne) {
  // 2024-08-15T13:00Z: from 2024-02-01, to 2024-08-01.
  TicketStatsRange r = DefaultTicketStatsRange(1723726800000);
  EXPECT_EQ(FormatTimestamp(r.from), "2024-02-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(r.to), "2024-08-01T00:00:00.000Z");
  r = DefaultTicketStatsRange(1704067200000);  // 2024-01-01T00:00Z: across a year
  EXPECT_EQ(FormatTimestamp(r.from), "2023-07-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(r.to), "2024-01-01T00:00:00.000Z");
}

// Actor a: in May, 2 h on web (est 3) and 4 h on api (est 1); in June, 1 h on web (no estimate,
// started in May: grouped by its finish month). Actor b: 30 min on web in May (est 2).
// Left out: one not done, one finished after `to`, one started before `from`.
TEST(TicketStatsTest, ByFinishMonthActorAndProject) {
  std::vector<Ticket> tickets = {
      Done("T-1", "a", "web", kMay1 + kDay, kMay1 + kDay + 2 * kHour, 3),
      Done("T-2", "a", "api", kMay1 + 2 * kDay, kMay1 + 2 * kDay + 4 * kHour, 1),
      Done("T-3", "a", "web", kJune1 - 30 * kMin, kJune1 + 30 * kMin, std::nullopt),
      Done("T-4", "b", "web", kMay1 + 3 * kDay, kMay1 + 3 * kDay + 30 * kMin, 2),
      Done("T-5", "b", "web", kMay1 + kDay, kJune1 + 40 * kDay, 8),
      Done("T-6", "b", "web", kMay1 - kHour, kMay1 + kHour, 8),
  };
  Ticket open = Done("T-7", "a", "web", kMay1 + kDay, kMay1 + 2 * kDay, 5);
  open.status = TicketStatus::kDoing;
  tickets.push_back(open);

  TicketStats stats = ComputeTicketStats(tickets, kMay1, kJune1 + 30 * kDay);
  const int64_t may = kMay1 / kDay, june = kJune1 / kDay;
  ASSERT_EQ(stats.size(), 2u);
  const ActorMonth& a_may = stats.at(may).at("a");
  EXPECT_EQ(a_may.total.tickets, 2);
  EXPECT_DOUBLE_EQ(a_may.total.estimation, 4);
  EXPECT_DOUBLE_EQ(a_may.total.seconds, 6 * 3600);
  EXPECT_EQ(a_may.projects.at("web").tickets, 1);
  EXPECT_DOUBLE_EQ(a_may.projects.at("web").seconds, 7200);
  EXPECT_DOUBLE_EQ(a_may.projects.at("api").estimation, 1);
  EXPECT_EQ(*Share(a_may.projects.at("web").tickets, a_may.total.tickets), 0.5);
  EXPECT_DOUBLE_EQ(*Share(a_may.projects.at("web").seconds, a_may.total.seconds), 1.0 / 3);
  EXPECT_DOUBLE_EQ(*Share(a_may.projects.at("web").estimation, a_may.total.estimation), 0.75);

  const ActorMonth& b_may = stats.at(may).at("b");
  EXPECT_EQ(b_may.total.tickets, 1);
  EXPECT_DOUBLE_EQ(b_may.total.seconds, 1800);

  const ActorMonth& a_june = stats.at(june).at("a");
  EXPECT_EQ(a_june.total.tickets, 1);
  EXPECT_DOUBLE_EQ(a_june.total.seconds, 3600);
  EXPECT_DOUBLE_EQ(a_june.total.estimation, 0);
  EXPECT_FALSE(Share(a_june.projects.at("web").estimation, a_june.total.estimation));
  EXPECT_EQ(stats.at(june).count("b"), 0u);
}

}  // namespace
}  // namespace emm::domain
