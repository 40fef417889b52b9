// Team-health figures over tickets (the `tickets` section of GET /api/v1/metrics/team-health):
// throughput, the innovation ratio and estimate drift of a time range, computed from the stored
// tickets (not from metric buckets), and which tickets count toward each figure and why the others
// are left out. Definitions and rules: docs/team-health.md. Pure: plain facts in, plain figures
// out.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/time.h"
#include "domain/dora.h"
#include "domain/events.h"
#include "domain/tickets.h"

namespace emm::domain {

// What the figures need of one stored ticket.
struct TicketFact {
  std::string id;
  std::string team_id;     // the tracker's team, as stored (Linear's team key)
  std::string project_id;  // empty: no project
  std::string ticket_type;
  TicketStatus status = TicketStatus::kBacklog;
  bool parent = false;  // another stored ticket names it as its parent
  TimeMs created_at = 0;
  std::optional<TimeMs> started_at;     // the first start, kept (Ticket::started_at)
  std::optional<TimeMs> finished_at;    // while done: its last completion
  std::optional<TimeMs> first_done_at;  // its finish: when it was first done (counted then)
  std::optional<TimeMs> canceled_at;    // canceled now: when it last became so
  std::optional<double> initial_estimation;
  std::optional<double> final_estimation;  // the estimate when it was last done
  size_t estimate_changes = 0;             // recorded changes of a known estimate
  // Re-openings (done, then back to backlog, todo or doing): at least those of the range.
  std::vector<TimeMs> reopened;
};

// Finished tickets: done now, counted in the range of their first completion, as ticket_count
// counts them (a re-opened ticket done again keeps its first finish).
struct TicketThroughput {
  size_t finished = 0;
  double weeks = 0;            // the range's length in weeks (7 days)
  double per_week = 0;         // finished / weeks
  size_t canceled = 0;         // canceled now, by when they were canceled
  size_t reopened = 0;         // re-openings in the range (as ticket_reopened)
};

// Worked time (time_per_ticket's: first start, else creation, to the first completion) on
// finished tickets of a new-value type / on all finished tickets.
struct InnovationRatio {
  std::optional<double> value;
  std::string reason;  // why value is null
  double seconds = 0;
  double new_value_seconds = 0;
  double unknown_type_seconds = 0;  // of tickets whose type is "unknown" (no label matched)
  size_t tickets = 0;               // finished tickets with a worked time
  size_t new_value_tickets = 0;
  size_t unknown_type_tickets = 0;
};

// Finished tickets with an initial and a final estimate: final - initial (points).
struct EstimateDrift {
  DurationStats points;  // count, median, p90 of final - initial
  size_t changed = 0;    // whose estimate changed (a recorded change, or final != initial)
  std::optional<double> changed_share;  // changed / points.count; null without any
  size_t without_estimates = 0;  // finished tickets lacking the initial or the final estimate
};

struct TicketReport {
  TicketThroughput throughput;
  InnovationRatio innovation_ratio;
  EstimateDrift estimate_drift;
};

// The figures of each of `ranges` (ascending, not overlapping, each from < to), in one pass over
// the tickets whatever the number of ranges.
std::vector<TicketReport> ComputeTicketHealth(std::span<const TicketFact> tickets,
                                              std::span<const std::pair<TimeMs, TimeMs>> ranges,
                                              const TicketingOptions& options);

// --- Explanations: GET /api/v1/metrics/team-health/explain ---

enum class TicketFigure { kThroughput, kCanceled, kReopened, kInnovationRatio, kEstimateDrift };

std::optional<TicketFigure> TicketFigureNamed(std::string_view name);
const char* TicketFigureName(TicketFigure figure);
std::span<const std::string_view> TicketFigureNames();  // in the order of the enum

struct CountedTicket {
  const TicketFact* ticket = nullptr;
  TimeMs at = 0;  // what put it in the range: first done, canceled, or this re-opening
  std::optional<double> value;    // innovation_ratio: worked seconds; estimate_drift: points
  std::optional<bool> new_value;  // innovation_ratio, with new-value types configured
};

struct LeftOutTicket {
  std::string id;
  std::string reason;
};

struct TicketExplanation {
  // By `at`, then id; tickets_reopened: one entry per re-opening.
  std::vector<CountedTicket> counted;
  // Tickets whose event falls in the range but do not count, then those created in the range
  // that have not reached the figure's event in it; each with the reason.
  std::vector<LeftOutTicket> left_out;
};

// Points into `tickets`, which must outlive the result.
TicketExplanation ExplainTicketHealth(TicketFigure figure, std::span<const TicketFact> tickets,
                                      TimeMs from, TimeMs to, const TicketingOptions& options);

}  // namespace emm::domain
