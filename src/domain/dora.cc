#include "domain/dora.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <string>

namespace emm::domain {
namespace {

constexpr double kHour = 3600, kDay = 86400;

double Seconds(TimeMs from, TimeMs to) { return static_cast<double>(to - from) / 1000.0; }

// dora-2023 bands (README): the boundary value belongs to the better band for frequency and
// failure rate ("at least", "at most"), to the worse one for durations ("less than").
Level LeadTimeLevel(double median) {
  return median < kDay        ? Level::kElite
         : median < 7 * kDay  ? Level::kHigh
         : median < 30 * kDay ? Level::kMedium
                              : Level::kLow;
}
Level FrequencyLevel(double per_day) {
  return per_day >= 1          ? Level::kElite
         : per_day >= 1.0 / 7  ? Level::kHigh
         : per_day >= 1.0 / 30 ? Level::kMedium
                               : Level::kLow;
}
Level FailureRateLevel(double ratio) {
  return ratio <= 0.05   ? Level::kElite
         : ratio <= 0.10 ? Level::kHigh
         : ratio <= 0.15 ? Level::kMedium
                         : Level::kLow;
}
Level RestoreLevel(double median) {
  return median < kHour      ? Level::kElite
         : median < kDay     ? Level::kHigh
         : median < 7 * kDay ? Level::kMedium
                             : Level::kLow;
}

}  // namespace

const char* LevelName(Level level) {
  switch (level) {
    case Level::kElite:
      return "elite";
    case Level::kHigh:
      return "high";
    case Level::kMedium:
      return "medium";
    case Level::kLow:
      return "low";
  }
  return "low";
}

std::optional<double> Quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::nullopt;
  double pos = q * static_cast<double>(sorted.size() - 1);
  size_t lo = static_cast<size_t>(pos);
  if (lo + 1 >= sorted.size()) return sorted.back();
  double frac = pos - static_cast<double>(lo);
  return sorted[lo] + (sorted[lo + 1] - sorted[lo]) * frac;
}

DurationStats Summarize(std::vector<double> seconds) {
  DurationStats s;
  s.count = seconds.size();
  if (seconds.empty()) return s;
  std::sort(seconds.begin(), seconds.end());
  s.median = Quantile(seconds, 0.5);  // the two middle values' mean for an even count
  s.p90 = Quantile(seconds, 0.9);
  s.mean = std::accumulate(seconds.begin(), seconds.end(), 0.0) / static_cast<double>(s.count);
  return s;
}

DoraReport ComputeDora(TimeMs from, TimeMs to, const DoraEvents& e) {
  DoraReport r;
  r.from = from;
  r.to = to;
  const double days = Seconds(from, to) / kDay;

  std::vector<double> lead, duration;
  size_t reworked = 0;
  for (const Deployment& d : e.deployed) {
    if (!d.deployed_at) continue;
    lead.push_back(Seconds(d.first_commit_at, *d.deployed_at));
    duration.push_back(Seconds(d.deploy_start_at, *d.deployed_at));
    if (d.kind == DeploymentKind::kHotfix || d.kind == DeploymentKind::kRollback) ++reworked;
  }
  const size_t total = lead.size();

  auto& f = r.deployment_frequency;
  f.count = total;
  f.per_day = days > 0 ? static_cast<double>(total) / days : 0;
  f.per_week = f.per_day * 7;
  if (total > 0) f.level = FrequencyLevel(f.per_day);

  r.lead_time_for_changes.stats = Summarize(std::move(lead));
  if (r.lead_time_for_changes.stats.median) {
    r.lead_time_for_changes.level = LeadTimeLevel(*r.lead_time_for_changes.stats.median);
  }
  r.deployment_duration = Summarize(std::move(duration));

  // A deployment is failed when at least one incident is linked to it, however many are. Its
  // recovery time runs from its deployment to the earliest restore among those incidents.
  std::vector<double> recovery;
  size_t failed_count = 0;
  for (const Deployment& d : e.deployed) {
    if (!d.failed || !d.deployed_at) continue;
    ++failed_count;
    if (d.recovered_at && *d.recovered_at >= *d.deployed_at) {
      recovery.push_back(Seconds(*d.deployed_at, *d.recovered_at));
    }
  }
  auto& cfr = r.change_failure_rate;
  cfr.numerator = failed_count;
  cfr.total = total;
  if (total > 0) {
    cfr.ratio = static_cast<double>(failed_count) / static_cast<double>(total);
    cfr.level = FailureRateLevel(*cfr.ratio);
  }
  r.failed_deployment_recovery_time = Summarize(std::move(recovery));

  r.rework_rate.numerator = reworked;
  r.rework_rate.total = total;
  if (total > 0) r.rework_rate.ratio = static_cast<double>(reworked) / static_cast<double>(total);

  std::vector<double> restore;
  for (const Incident& i : e.restored) {
    if (i.restored_at) restore.push_back(Seconds(i.started_at, *i.restored_at));
  }
  r.time_to_restore.stats = Summarize(std::move(restore));
  if (r.time_to_restore.stats.median) {
    r.time_to_restore.level = RestoreLevel(*r.time_to_restore.stats.median);
  }

  // Detection is measured from the deployment that shipped the fault; an incident that started
  // before its deployment reached production has no meaningful detection time.
  std::vector<double> detect;
  for (const auto& [i, deployed_at] : e.detected) {
    if (i.started_at >= deployed_at) detect.push_back(Seconds(deployed_at, i.started_at));
  }
  r.time_to_detect = Summarize(std::move(detect));

  for (const auto& level :
       {f.level, r.lead_time_for_changes.level, cfr.level, r.time_to_restore.level}) {
    if (level && (!r.overall_level || *level > *r.overall_level)) r.overall_level = level;
  }
  return r;
}

namespace {

template <typename Event>
const std::string& KeyOf(const Event& e, GroupBy by) {
  return by == GroupBy::kProject ? e.project_id : by == GroupBy::kTeam ? e.team_id : e.environment;
}

}  // namespace

std::vector<std::pair<std::string, DoraEvents>> Partition(const DoraEvents& e, GroupBy by) {
  std::map<std::string, DoraEvents> groups;
  for (const Deployment& d : e.deployed) groups[KeyOf(d, by)].deployed.push_back(d);
  for (const Incident& i : e.restored) groups[KeyOf(i, by)].restored.push_back(i);
  for (const auto& d : e.detected) groups[KeyOf(d.first, by)].detected.push_back(d);
  return {std::make_move_iterator(groups.begin()), std::make_move_iterator(groups.end())};
}

void AddInferredLinks(const std::vector<std::pair<Incident, TimeMs>>& inferred, TimeMs from,
                      TimeMs to, DoraEvents* events) {
  std::map<std::string_view, Deployment*> by_id;
  for (Deployment& d : events->deployed) by_id[d.id] = &d;
  for (const auto& [i, deployed_at] : inferred) {
    if (!i.deployment_id) continue;
    if (auto it = by_id.find(*i.deployment_id); it != by_id.end()) {
      Deployment& d = *it->second;
      d.failed = true;
      if (i.restored_at && (!d.recovered_at || *i.restored_at < *d.recovered_at)) {
        d.recovered_at = i.restored_at;
      }
    }
    if (i.started_at >= from && i.started_at < to) events->detected.emplace_back(i, deployed_at);
  }
}

DoraEvents Slice(const DoraEvents& e, TimeMs from, TimeMs to) {
  DoraEvents out;
  for (const Deployment& d : e.deployed) {
    if (d.deployed_at && *d.deployed_at >= from && *d.deployed_at < to) out.deployed.push_back(d);
  }
  for (const Incident& i : e.restored) {
    if (i.restored_at && *i.restored_at >= from && *i.restored_at < to) out.restored.push_back(i);
  }
  for (const auto& d : e.detected) {
    if (d.first.started_at >= from && d.first.started_at < to) out.detected.push_back(d);
  }
  return out;
}

std::vector<std::pair<TimeMs, TimeMs>> Buckets(TimeMs from, TimeMs to, Interval interval) {
  constexpr TimeMs kDayMs = 86400000;
  auto floor_div = [](TimeMs a, TimeMs b) { return a >= 0 ? a / b : -((-a + b - 1) / b); };
  // The boundary at or before `t`.
  auto start_of = [&](TimeMs t) -> TimeMs {
    int64_t days = floor_div(t, kDayMs);
    if (interval == Interval::kDay) return days * kDayMs;
    if (interval == Interval::kWeek) {
      int64_t weekday = ((days % 7) + 7 + 3) % 7;  // 1970-01-01 was a Thursday; Monday = 0
      return (days - weekday) * kDayMs;
    }
    int64_t y;
    unsigned m, d;
    CivilFromDays(days, &y, &m, &d);
    return DaysFromCivil(y, m, 1) * kDayMs;
  };
  auto next_of = [&](TimeMs start) -> TimeMs {
    if (interval == Interval::kDay) return start + kDayMs;
    if (interval == Interval::kWeek) return start + 7 * kDayMs;
    int64_t y;
    unsigned m, d;
    CivilFromDays(floor_div(start, kDayMs), &y, &m, &d);
    return (m == 12 ? DaysFromCivil(y + 1, 1, 1) : DaysFromCivil(y, m + 1, 1)) * kDayMs;
  };
  std::vector<std::pair<TimeMs, TimeMs>> out;
  for (TimeMs b = start_of(from); b < to; b = next_of(b)) {
    out.emplace_back(std::max(b, from), std::min(next_of(b), to));
  }
  return out;
}

}  // namespace emm::domain
