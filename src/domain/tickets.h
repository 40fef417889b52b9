// Tickets (Linear issues): the upsert each tracker update runs, the ticket metrics it produces
// (contract sections 7 and 11, with the original's bugs fixed: a ticket is counted once, the first
// estimate is kept, parents are really skipped, redeliveries change nothing) and the monthly
// figures of POST /api/v1/ticketing/stats. Same shape as commands.h: the upsert runs inside one
// Transaction and either applies completely or leaves nothing behind.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "domain/commands.h"
#include "domain/events.h"
#include "domain/metrics.h"
#include "domain/transaction.h"

namespace emm::domain {

inline constexpr const char* kUnknownTicketType = "unknown";

// How a ticket's type is read from its labels (the teams file's
// ticketing.linear.ticket_type_selector).
struct TicketTypeSelector {
  // Set: the name of the first label whose parent is this label (the allow list is then unused).
  std::optional<std::string> parent_label_id;
  // Otherwise: the name of the first label whose id is listed.
  std::vector<std::string> allow_list;
};

// The teams file's ticketing block.
struct TicketingOptions {
  // ticketing.linear: a ticket that another stored ticket names as its parent is neither stored
  // nor counted: its sub-issues are the work.
  bool ignore_parent_issues = true;
  std::optional<TicketTypeSelector> ticket_type_selector;  // none: every type is "unknown"
  // ticketing.new_value_types: the ticket types whose time is new value (the team-health
  // innovation ratio), lower case, compared without regard to case; empty: none configured.
  std::vector<std::string> new_value_types;
};

struct TicketLabel {
  std::string id;
  std::string name;
  std::string parent_id;  // empty: a top-level label
};

// The ticket type the selector picks from `labels` (in their order), or kUnknownTicketType.
std::string SelectTicketType(const std::optional<TicketTypeSelector>& selector,
                             const std::vector<TicketLabel>& labels);

// What the tracker says a ticket is now.
struct TicketUpdate {
  std::string id;
  std::string external_id;  // may be empty (then parents cannot be recognised)
  std::string team_id;
  std::string project_id;  // empty: no project
  TimeMs created_at = 0;
  std::optional<TimeMs> updated_at;  // the tracker's time of this state; default: now
  std::optional<TimeMs> started_at;
  std::optional<TimeMs> finished_at;  // read when done; default: when it became done
  std::optional<std::string> parent_ticket_id;
  std::string actor_hash;
  std::string ticket_type = kUnknownTicketType;
  TicketStatus status = TicketStatus::kBacklog;
  std::optional<double> estimation;
  bool skip_parents = true;  // TicketingOptions::ignore_parent_issues
};

// Stores the ticket as the update describes it (201 new, 200 changed) and records its metrics:
// - ticket_count and time_per_ticket once per ticket, when it is first done (a re-opened ticket
//   done again is the same ticket delivered: not counted twice; its re-opening is counted in
//   ticket_reopened);
// - ticket_estimation_changed(_negative) when a known estimate changes to another one;
// - every status change and estimate change is kept with its time.
// kUnchanged, storing and counting nothing: the same state again (a redelivery), an update older
// than the stored one (updated_at), or a parent ticket when skip_parents is set.
Result<Outcome> UpsertTicket(Transaction& tx, const CommandContext& ctx, const TicketUpdate& in);

// A tracker that sends only that a ticket closed (CDEvents' ticket.closed): the stored ticket,
// now done or canceled at `at`, as UpsertTicket records it. 404 for a ticket never stored.
struct TicketClosing {
  std::string id;
  TicketStatus status = TicketStatus::kDone;  // kDone or kCanceled
  std::optional<TimeMs> at;                   // default: now
};
Result<Outcome> CloseTicket(Transaction& tx, const CommandContext& ctx, const TicketClosing& in);

// A done ticket moving back to backlog, todo or doing: a re-opening (ticket_reopened). A
// cancellation is not one.
bool IsReopening(std::optional<TicketStatus> from, TicketStatus to);

// A ticket's worked time in ms, as time_per_ticket counts it: from its first start (its creation
// when never started) to `done_at`; none when done before that start (skewed clocks).
std::optional<TimeMs> WorkedMs(TimeMs done_at, std::optional<TimeMs> started_at, TimeMs created_at);

// The samples of each step; shared by the live path and ReplayTickets.
std::vector<Sample> SamplesForTicketDone(const Ticket& t, TimeMs done_at);
std::vector<Sample> SamplesForTicketReopened(const Ticket& t);
std::vector<Sample> SamplesForTicketEstimationChange(const Ticket& t, double from, double to);

// The samples of every stored ticket, from its status and estimate history (RebuildMetrics). A
// ticket's samples carry its current team, project and type.
Status ReplayTickets(Transaction& tx,
                     const std::function<void(const std::vector<Sample>&)>& fold);

// --- POST /api/v1/ticketing/stats ---

// The original's default range: from the first day of the month six months ago (UTC midnight) to
// the first day of the current month.
struct TicketStatsRange {
  TimeMs from = 0;
  TimeMs to = 0;
};
TicketStatsRange DefaultTicketStatsRange(TimeMs now);

// Whether a ticket counts in the figures of [from, to]: done, started (or, never started,
// created) at or after `from`, finished at or before `to`, and not finished before it started.
bool InTicketStats(const Ticket& t, TimeMs from, TimeMs to);

struct TicketFigures {
  int64_t tickets = 0;
  double estimation = 0;  // sum of current estimates (none counts 0)
  double seconds = 0;     // sum of finished_at - (started_at, else created_at)
};

struct ActorMonth {
  TicketFigures total;
  std::map<std::string, TicketFigures> projects;  // by project_id ("" for none)
};

// Month (days since 1970-01-01 of its first day, UTC) -> actor hash -> figures. A ticket belongs
// to the month it was finished in: the month its work was delivered, as time_per_ticket counts it
// (the original grouped by creation month, which puts work done in the range under months before
// it).
using TicketStats = std::map<int64_t, std::map<std::string, ActorMonth>>;

TicketStats ComputeTicketStats(std::span<const Ticket> tickets, TimeMs from, TimeMs to);

// part / whole, or none when whole is 0 (the original's SQL division by zero: null).
std::optional<double> Share(double part, double whole);

}  // namespace emm::domain
