#include "domain/tickets.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace emm::domain {
namespace {

constexpr TimeMs kDayMs = 86400000;

// Ticket series carry the original's attributes: team, project and ticket type.
Sample Make(const MetricDef& def, const Ticket& t, double value = 1) {
  return Sample{&def, t.project_id, t.team_id, "", value, t.ticket_type};
}

TimeMs StartOf(const Ticket& t) { return t.started_at.value_or(t.created_at); }

// Days since 1970-01-01 of the first day of the month `ms` falls in (UTC).
int64_t MonthOf(TimeMs ms) {
  int64_t y = 0;
  unsigned m = 0, d = 0;
  CivilFromDays(LocalDay(ms, 0), &y, &m, &d);
  return DaysFromCivil(y, m, 1);
}

}  // namespace

std::string SelectTicketType(const std::optional<TicketTypeSelector>& selector,
                             const std::vector<TicketLabel>& labels) {
  if (!selector) return kUnknownTicketType;
  if (selector->parent_label_id) {
    for (const TicketLabel& l : labels) {
      if (l.parent_id == *selector->parent_label_id) return l.name;
    }
    return kUnknownTicketType;
  }
  const auto& allowed = selector->allow_list;
  for (const TicketLabel& l : labels) {
    if (std::find(allowed.begin(), allowed.end(), l.id) != allowed.end()) return l.name;
  }
  return kUnknownTicketType;
}

bool IsReopening(std::optional<TicketStatus> from, TicketStatus to) {
  return from == TicketStatus::kDone &&
         (to == TicketStatus::kBacklog || to == TicketStatus::kTodo || to == TicketStatus::kDoing);
}

std::optional<TimeMs> WorkedMs(TimeMs done_at, std::optional<TimeMs> started_at,
                              TimeMs created_at) {
  const TimeMs start = started_at.value_or(created_at);
  if (done_at < start) return std::nullopt;
  return done_at - start;
}

std::vector<Sample> SamplesForTicketDone(const Ticket& t, TimeMs done_at) {
  std::vector<Sample> out{Make(kTicketCount, t)};
  if (auto worked = WorkedMs(done_at, t.started_at, t.created_at)) {
    out.push_back(Make(kTimePerTicket, t, static_cast<double>(*worked) / 1000.0));
  }
  return out;
}

std::vector<Sample> SamplesForTicketReopened(const Ticket& t) { return {Make(kTicketReopened, t)}; }

std::vector<Sample> SamplesForTicketEstimationChange(const Ticket& t, double from, double to) {
  if (to > from) return {Make(kTicketEstimationChanged, t, to - from)};
  if (to < from) return {Make(kTicketEstimationChangedNegative, t, from - to)};
  return {};
}

Result<Outcome> UpsertTicket(Transaction& tx, const CommandContext& ctx, const TicketUpdate& in) {
  if (in.skip_parents && !in.external_id.empty()) {
    auto parent = tx.HasChildTickets(in.external_id);
    if (!parent.ok()) return parent.status();
    if (*parent) return Outcome::kUnchanged;
  }
  auto found = tx.FindTicket(in.id);
  if (!found.ok()) return found.status();
  const std::optional<Ticket>& stored = *found;
  if (stored && stored->updated_at && in.updated_at && *in.updated_at < *stored->updated_at) {
    return Outcome::kUnchanged;  // a late delivery of an older state
  }
  const TimeMs at = in.updated_at.value_or(ctx.now);

  Ticket t = stored.value_or(Ticket{});
  if (!stored) t.recorded_at = ctx.now;
  t.id = in.id;
  if (!in.external_id.empty()) t.external_id = in.external_id;
  t.team_id = in.team_id;
  t.project_id = in.project_id;
  t.created_at = in.created_at;
  t.updated_at = in.updated_at ? in.updated_at : t.updated_at;
  if (!t.started_at && !t.first_done_at) t.started_at = in.started_at;
  t.parent_ticket_id = in.parent_ticket_id;
  t.actor_hash = in.actor_hash;
  t.ticket_type = in.ticket_type;
  t.status = in.status;
  t.current_estimation = in.estimation;
  if (!t.initial_estimation) t.initial_estimation = in.estimation;
  const bool was_done = stored && stored->status == TicketStatus::kDone;
  if (in.status == TicketStatus::kDone) {
    t.finished_at = in.finished_at ? in.finished_at : (was_done ? stored->finished_at : at);
    t.final_estimation = t.current_estimation;
  } else {
    t.finished_at.reset();
  }
  const bool first_done = in.status == TicketStatus::kDone && !t.first_done_at;
  if (first_done) t.first_done_at = t.finished_at;
  if (stored && t == *stored) return Outcome::kUnchanged;

  // The ticket first: its history rows refer to it.
  EMM_RETURN_IF_ERROR(tx.PutTicket(t));
  std::vector<Sample> samples;
  if (!stored || stored->status != t.status) {
    TicketStatusChange change{t.id, std::nullopt, t.status, at, ctx.now};
    if (stored) change.from = stored->status;
    if (t.status == TicketStatus::kDone) change.at = *t.finished_at;
    EMM_RETURN_IF_ERROR(tx.InsertTicketStatusChange(change));
    if (stored && IsReopening(stored->status, t.status)) samples = SamplesForTicketReopened(t);
  }
  if (first_done) {
    auto done = SamplesForTicketDone(t, *t.finished_at);
    samples.insert(samples.end(), done.begin(), done.end());
    if (*t.finished_at < StartOf(t)) {
      ctx.Note("ticket", t.id, "finished_at",
               IsBefore("finished_at", *t.finished_at, t.started_at ? "started_at" : "created_at",
                        StartOf(t)) +
                   ": no time per ticket recorded");
    }
  }
  if (stored && stored->current_estimation && t.current_estimation &&
      *stored->current_estimation != *t.current_estimation) {
    EMM_RETURN_IF_ERROR(tx.InsertTicketEstimationChange(
        {t.id, *stored->current_estimation, *t.current_estimation, at, ctx.now}));
    auto changed =
        SamplesForTicketEstimationChange(t, *stored->current_estimation, *t.current_estimation);
    samples.insert(samples.end(), changed.begin(), changed.end());
  }
  EMM_RETURN_IF_ERROR(Record(tx, samples, ctx.now));
  return stored ? Outcome::kUpdated : Outcome::kCreated;
}

Result<Outcome> CloseTicket(Transaction& tx, const CommandContext& ctx, const TicketClosing& in) {
  auto found = tx.FindTicket(in.id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return Status::NotFound("Ticket does not exist");
  const Ticket& t = **found;
  TicketUpdate u;
  u.id = t.id;
  u.external_id = t.external_id;
  u.team_id = t.team_id;
  u.project_id = t.project_id;
  u.created_at = t.created_at;
  u.updated_at = in.at;
  u.started_at = t.started_at;
  if (in.status == TicketStatus::kDone) u.finished_at = in.at;
  u.parent_ticket_id = t.parent_ticket_id;
  u.actor_hash = t.actor_hash;
  u.ticket_type = t.ticket_type;
  u.status = in.status;
  u.estimation = t.current_estimation;
  u.skip_parents = false;  // it is stored: it was no parent when it came
  return UpsertTicket(tx, ctx, u);
}

Status ReplayTickets(Transaction& tx,
                     const std::function<void(const std::vector<Sample>&)>& fold) {
  std::map<std::string, Ticket> tickets;
  EMM_RETURN_IF_ERROR(tx.ForEachTicket([&](const Ticket& t) {
    tickets.emplace(t.id, t);
    return Status::Ok();
  }));
  std::set<std::string> counted;
  EMM_RETURN_IF_ERROR(tx.ForEachTicketStatusChange([&](const TicketStatusChange& c) {
    auto t = tickets.find(c.ticket_id);
    if (t == tickets.end()) return Status::Ok();
    if (c.to == TicketStatus::kDone && counted.insert(c.ticket_id).second) {
      fold(SamplesForTicketDone(t->second, c.at));
    }
    if (IsReopening(c.from, c.to)) fold(SamplesForTicketReopened(t->second));
    return Status::Ok();
  }));
  return tx.ForEachTicketEstimationChange([&](const TicketEstimationChange& c) {
    auto t = tickets.find(c.ticket_id);
    if (t != tickets.end()) fold(SamplesForTicketEstimationChange(t->second, c.from, c.to));
    return Status::Ok();
  });
}

TicketStatsRange DefaultTicketStatsRange(TimeMs now) {
  const int64_t from = AddMonths(MonthOf(now), -6);
  return {from * kDayMs, AddMonths(from, 6) * kDayMs};
}

bool InTicketStats(const Ticket& t, TimeMs from, TimeMs to) {
  if (t.status != TicketStatus::kDone || !t.finished_at) return false;
  const TimeMs start = StartOf(t);
  return start >= from && *t.finished_at <= to && *t.finished_at >= start;
}

TicketStats ComputeTicketStats(std::span<const Ticket> tickets, TimeMs from, TimeMs to) {
  TicketStats out;
  for (const Ticket& t : tickets) {
    if (!InTicketStats(t, from, to)) continue;
    const double seconds = static_cast<double>(*t.finished_at - StartOf(t)) / 1000.0;
    const double estimation = t.current_estimation.value_or(0);
    ActorMonth& a = out[MonthOf(*t.finished_at)][t.actor_hash];
    for (TicketFigures* f : {&a.total, &a.projects[t.project_id]}) {
      ++f->tickets;
      f->estimation += estimation;
      f->seconds += seconds;
    }
  }
  return out;
}

std::optional<double> Share(double part, double whole) {
  if (whole == 0) return std::nullopt;
  return part / whole;
}

}  // namespace emm::domain
