#include "domain/ticket_health.h"

#include <algorithm>
#include <tuple>

#include "common/strings.h"
#include "domain/explain.h"
#include "domain/figure_names.h"

namespace emm::domain {
namespace {

constexpr double kWeekMs = 7.0 * 86400000.0;
constexpr double kMs = 1000.0;

bool SkippedParent(const TicketFact& t, const TicketingOptions& o) {
  return t.parent && o.ignore_parent_issues;
}

bool IsNewValue(const TicketFact& t, const TicketingOptions& o) {
  return std::any_of(o.new_value_types.begin(), o.new_value_types.end(),
                     [&](const std::string& type) { return EqualsAsciiLower(t.ticket_type, type); });
}

// The instant that puts a ticket in a range for `figure` (not tickets_reopened: a ticket may be
// re-opened several times); none: it never happened.
std::optional<TimeMs> EventOf(TicketFigure f, const TicketFact& t) {
  if (f == TicketFigure::kCanceled) {
    return t.status == TicketStatus::kCanceled ? t.canceled_at : std::nullopt;
  }
  return t.first_done_at;
}

// Whether a ticket whose event falls in the range counts, and its value.
struct Assessed {
  enum Kind { kCounted, kParent, kNotDoneNow, kOutOfOrder, kNotEstimated, kEstimateRemoved };
  Kind kind = kCounted;
  double value = 0;  // worked seconds, or points of drift
};

Assessed Assess(TicketFigure f, const TicketFact& t, const TicketingOptions& o) {
  Assessed a;
  if (SkippedParent(t, o)) {
    a.kind = Assessed::kParent;
  } else if (f == TicketFigure::kCanceled || f == TicketFigure::kReopened) {
    // Counted as they are.
  } else if (t.status != TicketStatus::kDone) {
    a.kind = Assessed::kNotDoneNow;
  } else if (f == TicketFigure::kInnovationRatio) {
    const std::optional<TimeMs> worked = WorkedMs(*t.first_done_at, t.started_at, t.created_at);
    if (worked) {
      a.value = static_cast<double>(*worked) / kMs;
    } else {
      a.kind = Assessed::kOutOfOrder;
    }
  } else if (f == TicketFigure::kEstimateDrift) {
    if (!t.initial_estimation) {
      a.kind = Assessed::kNotEstimated;
    } else if (!t.final_estimation) {
      a.kind = Assessed::kEstimateRemoved;
    } else {
      a.value = *t.final_estimation - *t.initial_estimation;
    }
  }
  return a;
}

// Whether the estimate moved: a recorded change (3 -> 5 -> 3 too), or a final one that differs.
bool EstimateChanged(const TicketFact& t) {
  return t.estimate_changes > 0 || t.final_estimation != t.initial_estimation;
}

std::string StatusNow(const TicketFact& t) { return TicketStatusName(t.status); }

std::string LeftOutReason(const Assessed& a, const TicketFact& t) {
  switch (a.kind) {
    case Assessed::kParent:
      return "a parent ticket: its sub-issues are the work (ticketing.linear.ignore_parent_issues)";
    case Assessed::kNotDoneNow: {
      const std::string done = "first done at " + FormatTimestamp(*t.first_done_at);
      if (t.status == TicketStatus::kCanceled) return done + ", then canceled";
      if (t.status == TicketStatus::kUnknown) return done + ", " + StatusNow(t) + " now";
      return done + ", then re-opened: " + StatusNow(t) + " now";
    }
    case Assessed::kOutOfOrder:
      return OutOfOrder("first_done_at", *t.first_done_at,
                        t.started_at ? "started_at" : "created_at",
                        t.started_at.value_or(t.created_at));
    case Assessed::kNotEstimated:
      return "never estimated";
    case Assessed::kEstimateRemoved:
      return "no estimate when done (its estimate was removed)";
    case Assessed::kCounted:
      break;
  }
  return "";
}

// Why a ticket created in [from, to) does not reach the figure's event inside the range.
std::string PendingReason(TicketFigure f, const TicketFact& t) {
  auto outside = [](std::string_view what, TimeMs at) {
    return std::string(what) + " at " + FormatTimestamp(at) + ", outside the range";
  };
  if (f == TicketFigure::kCanceled) {
    if (t.status != TicketStatus::kCanceled) return "not canceled: " + StatusNow(t) + " now";
    return t.canceled_at ? outside("canceled", *t.canceled_at) : "canceled, at no recorded time";
  }
  if (t.first_done_at) return outside("first done", *t.first_done_at);
  if (t.status == TicketStatus::kCanceled) return "canceled without being done";
  return "not done yet: " + StatusNow(t) + " now";
}

// One range's accumulators.
struct Bucket {
  TicketReport report;
  std::vector<double> drift;
};

void AddFinished(Bucket& b, const TicketFact& t, const TicketingOptions& o) {
  TicketReport& r = b.report;
  if (Assess(TicketFigure::kThroughput, t, o).kind != Assessed::kCounted) return;
  ++r.throughput.finished;
  const Assessed worked = Assess(TicketFigure::kInnovationRatio, t, o);
  if (worked.kind == Assessed::kCounted) {
    InnovationRatio& i = r.innovation_ratio;
    ++i.tickets;
    i.seconds += worked.value;
    if (IsNewValue(t, o)) {
      ++i.new_value_tickets;
      i.new_value_seconds += worked.value;
    }
    if (t.ticket_type == kUnknownTicketType) {
      ++i.unknown_type_tickets;
      i.unknown_type_seconds += worked.value;
    }
  }
  const Assessed drift = Assess(TicketFigure::kEstimateDrift, t, o);
  if (drift.kind == Assessed::kCounted) {
    b.drift.push_back(drift.value);
    if (EstimateChanged(t)) ++r.estimate_drift.changed;
  } else {
    ++r.estimate_drift.without_estimates;
  }
}

void Finish(Bucket& b, TimeMs from, TimeMs to, const TicketingOptions& o) {
  TicketThroughput& t = b.report.throughput;
  t.weeks = static_cast<double>(to - from) / kWeekMs;
  t.per_week = static_cast<double>(t.finished) / t.weeks;
  InnovationRatio& i = b.report.innovation_ratio;
  if (o.new_value_types.empty()) {
    i.reason = "no ticket type is configured as new value (ticketing.new_value_types in the "
               "teams file)";
  } else if (i.tickets == 0) {
    i.reason = "no finished ticket with a worked time in the range";
  } else if (i.seconds == 0) {
    i.reason = "the finished tickets of the range have no worked time";
  } else if (i.unknown_type_seconds == i.seconds) {
    i.reason = "no finished ticket of the range has a known type (types come from labels: "
               "ticketing.linear.ticket_type_selector)";
  } else {
    i.value = i.new_value_seconds / i.seconds;
  }
  EstimateDrift& d = b.report.estimate_drift;
  d.points = Summarize(std::move(b.drift));
  d.points.mean.reset();  // not a figure here: the median and p90 say it
  if (d.points.count > 0) {
    d.changed_share = static_cast<double>(d.changed) / static_cast<double>(d.points.count);
  }
}

constexpr FigureNaming<TicketFigure> kFigures[] = {
    {TicketFigure::kThroughput, "ticket_throughput"},
    {TicketFigure::kCanceled, "tickets_canceled"},
    {TicketFigure::kReopened, "tickets_reopened"},
    {TicketFigure::kInnovationRatio, "innovation_ratio"},
    {TicketFigure::kEstimateDrift, "estimate_drift"},
};
constexpr auto kFigureNames = NamesOf(kFigures);

}  // namespace

std::vector<TicketReport> ComputeTicketHealth(std::span<const TicketFact> tickets,
                                              std::span<const std::pair<TimeMs, TimeMs>> ranges,
                                              const TicketingOptions& options) {
  std::vector<Bucket> buckets(ranges.size());
  auto find = [&](std::optional<TimeMs> t) -> Bucket* {
    const std::optional<size_t> k = t ? BucketOf(ranges, *t) : std::nullopt;
    return k ? &buckets[*k] : nullptr;
  };
  for (const TicketFact& t : tickets) {
    if (Bucket* b = find(EventOf(TicketFigure::kThroughput, t))) AddFinished(*b, t, options);
    if (SkippedParent(t, options)) continue;
    if (Bucket* b = find(EventOf(TicketFigure::kCanceled, t))) ++b->report.throughput.canceled;
    for (TimeMs at : t.reopened) {
      if (Bucket* b = find(at)) ++b->report.throughput.reopened;
    }
  }
  std::vector<TicketReport> out(ranges.size());
  for (size_t k = 0; k < ranges.size(); ++k) {
    Finish(buckets[k], ranges[k].first, ranges[k].second, options);
    out[k] = std::move(buckets[k].report);
  }
  return out;
}

std::optional<TicketFigure> TicketFigureNamed(std::string_view name) {
  return FigureOfName(kFigures, name);
}

const char* TicketFigureName(TicketFigure figure) { return NameOfFigure(kFigures, figure); }

std::span<const std::string_view> TicketFigureNames() { return kFigureNames; }

TicketExplanation ExplainTicketHealth(TicketFigure f, std::span<const TicketFact> tickets,
                                      TimeMs from, TimeMs to, const TicketingOptions& options) {
  auto in_range = [&](TimeMs t) { return t >= from && t < to; };
  using Keyed = std::pair<TimeMs, const std::string*>;  // the event, the id
  std::vector<std::pair<Keyed, CountedTicket>> counted;
  std::vector<std::pair<Keyed, LeftOutTicket>> left_out, pending;
  for (const TicketFact& t : tickets) {
    if (f == TicketFigure::kReopened) {
      const Assessed a = Assess(f, t, options);
      for (TimeMs at : t.reopened) {
        if (!in_range(at)) continue;
        if (a.kind == Assessed::kCounted) {
          counted.push_back({{at, &t.id}, {&t, at, std::nullopt, std::nullopt}});
        } else {
          left_out.push_back({{at, &t.id}, {t.id, LeftOutReason(a, t)}});
        }
      }
      continue;  // every ticket of the range that was not re-opened would be noise
    }
    const std::optional<TimeMs> event = EventOf(f, t);
    if (event && in_range(*event)) {
      const Assessed a = Assess(f, t, options);
      const Keyed key{*event, &t.id};
      if (a.kind != Assessed::kCounted) {
        left_out.push_back({key, {t.id, LeftOutReason(a, t)}});
        continue;
      }
      CountedTicket c{&t, *event, std::nullopt, std::nullopt};
      if (f == TicketFigure::kInnovationRatio || f == TicketFigure::kEstimateDrift) {
        c.value = a.value;
      }
      if (f == TicketFigure::kInnovationRatio && !options.new_value_types.empty()) {
        c.new_value = IsNewValue(t, options);
      }
      counted.push_back({key, c});
    } else if (in_range(t.created_at)) {
      pending.push_back({{t.created_at, &t.id}, {t.id, PendingReason(f, t)}});
    }
  }
  auto by_key = [](const auto& a, const auto& b) {
    return std::tie(a.first.first, *a.first.second) < std::tie(b.first.first, *b.first.second);
  };
  std::stable_sort(counted.begin(), counted.end(), by_key);
  std::stable_sort(left_out.begin(), left_out.end(), by_key);
  std::stable_sort(pending.begin(), pending.end(), by_key);
  TicketExplanation out;
  for (auto& [key, c] : counted) out.counted.push_back(c);
  for (auto& [key, l] : left_out) out.left_out.push_back(std::move(l));
  for (auto& [key, l] : pending) out.left_out.push_back(std::move(l));
  return out;
}

}  // namespace emm::domain
