#include "domain/dora.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace emm::domain {
namespace {

constexpr double kHour = 3600, kDay = 86400;

double Seconds(TimeMs from, TimeMs to) { return static_cast<double>(to - from) / 1000.0; }

// The bands of one preset: the boundary value belongs to the better band for frequency and
// failure rate ("at least", "at most"), to the worse one for durations ("less than").
struct Bands {
  double lead_time[3];      // seconds: elite, high, medium upper bounds (exclusive)
  double frequency[3];      // per day: elite, high, medium lower bounds (inclusive)
  double failure_rate[3];   // ratio: elite, high, medium upper bounds (inclusive)
  double restore[3];        // seconds: elite, high, medium upper bounds (exclusive)
};

// dora-2023: the 2023 report's clusters, which are ordered on every metric.
constexpr Bands kDora2023{{kDay, 7 * kDay, 30 * kDay},
                          {1, 1.0 / 7, 1.0 / 30},
                          {0.05, 0.10, 0.15},
                          {kHour, kDay, 7 * kDay}};
// dora-2024: the 2024 clusters are not ordered on change failure rate (elite 5%, high 20%,
// medium 10%, low 40%) nor on restore time (high and medium both "< 1 day"). As thresholds:
// failure rate at most 5% / 20% / 30% (30%: between the 20% and 40% clusters), restore under an
// hour / a day / a week (a week: where 2024's low cluster starts); lead time and frequency as
// in 2023, which 2024 repeats.
constexpr Bands kDora2024{{kDay, 7 * kDay, 30 * kDay},
                          {1, 1.0 / 7, 1.0 / 30},
                          {0.05, 0.20, 0.30},
                          {kHour, kDay, 7 * kDay}};

const Bands& BandsOf(Preset p) { return p == Preset::kDora2024 ? kDora2024 : kDora2023; }

constexpr Level kLevels[] = {Level::kElite, Level::kHigh, Level::kMedium};

Level Below(double v, const double (&bound)[3]) {  // v < bound
  for (int i = 0; i < 3; ++i) {
    if (v < bound[i]) return kLevels[i];
  }
  return Level::kLow;
}
Level AtMost(double v, const double (&bound)[3]) {  // v <= bound
  for (int i = 0; i < 3; ++i) {
    if (v <= bound[i]) return kLevels[i];
  }
  return Level::kLow;
}
Level AtLeast(double v, const double (&bound)[3]) {  // v >= bound
  for (int i = 0; i < 3; ++i) {
    if (v >= bound[i]) return kLevels[i];
  }
  return Level::kLow;
}

}  // namespace

const char* PresetName(Preset preset) {
  return preset == Preset::kDora2024 ? "dora-2024" : "dora-2023";
}

std::optional<Preset> ParsePreset(std::string_view name) {
  if (name == "dora-2023") return Preset::kDora2023;
  if (name == "dora-2024") return Preset::kDora2024;
  return std::nullopt;
}

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

namespace {

// The element of rank k (0-based) of seconds[0..n), leaving the smaller ones before it.
double Select(std::vector<double>& v, size_t k) {
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// The q-quantile as Quantile() computes it, with two selections instead of a sort: rank lo, then
// the smallest of what lies above it (rank lo + 1).
double QuantileBySelection(std::vector<double>& v, double q) {
  double pos = q * static_cast<double>(v.size() - 1);
  size_t lo = static_cast<size_t>(pos);
  double low = Select(v, lo);
  if (lo + 1 >= v.size()) return low;
  double high = *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(lo) + 1, v.end());
  return low + (high - low) * (pos - static_cast<double>(lo));
}

}  // namespace

DurationStats Summarize(std::vector<double> seconds) {
  DurationStats s;
  s.count = seconds.size();
  if (seconds.empty()) return s;
  s.mean = std::accumulate(seconds.begin(), seconds.end(), 0.0) / static_cast<double>(s.count);
  // Linear selections, not a sort: the summary of 100,000 values is a few passes over them.
  s.p90 = QuantileBySelection(seconds, 0.9);
  s.median = QuantileBySelection(seconds, 0.5);  // the two middle values' mean for an even count
  return s;
}

DoraReport ComputeDora(TimeMs from, TimeMs to, const DoraFacts& e, Preset preset) {
  const Bands& bands = BandsOf(preset);
  DoraReport r;
  r.from = from;
  r.to = to;
  const double days = Seconds(from, to) / kDay;
  const size_t total = e.deployed.size();

  // A deployment is failed when at least one incident is linked to it, however many are. Its
  // recovery time runs from its deployment to the earliest restore among those incidents.
  std::vector<double> lead, duration, recovery;
  lead.reserve(total);
  duration.reserve(total);
  size_t reworked = 0, failed_count = 0;
  for (const DeployedFact& d : e.deployed) {
    // Times that contradict each other (skewed clocks) are stored as sent, but a negative
    // duration is no duration: it is left out of the figure (explain says so).
    if (d.first_commit_at && d.deployed_at >= *d.first_commit_at) {
      lead.push_back(Seconds(*d.first_commit_at, d.deployed_at));
    }
    if (d.deployed_at >= d.deploy_start_at) {
      duration.push_back(Seconds(d.deploy_start_at, d.deployed_at));
    }
    if (d.rework) ++reworked;
    if (!d.failed) continue;
    ++failed_count;
    if (d.recovered_at && *d.recovered_at >= d.deployed_at) {
      recovery.push_back(Seconds(d.deployed_at, *d.recovered_at));
    }
  }

  auto& f = r.deployment_frequency;
  f.count = total;
  f.per_day = days > 0 ? static_cast<double>(total) / days : 0;
  f.per_week = f.per_day * 7;
  if (total > 0) f.level = AtLeast(f.per_day, bands.frequency);

  r.lead_time_for_changes.stats = Summarize(std::move(lead));
  if (r.lead_time_for_changes.stats.median) {
    r.lead_time_for_changes.level = Below(*r.lead_time_for_changes.stats.median, bands.lead_time);
  }
  r.deployment_duration = Summarize(std::move(duration));

  auto& cfr = r.change_failure_rate;
  cfr.numerator = failed_count;
  cfr.total = total;
  if (total > 0) {
    cfr.ratio = static_cast<double>(failed_count) / static_cast<double>(total);
    cfr.level = AtMost(*cfr.ratio, bands.failure_rate);
  }
  r.failed_deployment_recovery_time = Summarize(std::move(recovery));

  r.rework_rate.numerator = reworked;
  r.rework_rate.total = total;
  if (total > 0) r.rework_rate.ratio = static_cast<double>(reworked) / static_cast<double>(total);

  std::vector<double> restore;
  restore.reserve(e.restored.size());
  for (const RestoredFact& i : e.restored) {
    if (i.restored_at >= i.started_at) restore.push_back(Seconds(i.started_at, i.restored_at));
  }
  r.time_to_restore.stats = Summarize(std::move(restore));
  if (r.time_to_restore.stats.median) {
    r.time_to_restore.level = Below(*r.time_to_restore.stats.median, bands.restore);
  }

  // Detection is measured from the deployment that shipped the fault; an incident that started
  // before its deployment reached production has no meaningful detection time.
  std::vector<double> detect;
  for (const DetectedFact& i : e.detected) {
    if (i.started_at >= i.deployed_at) detect.push_back(Seconds(i.deployed_at, i.started_at));
  }
  r.time_to_detect = Summarize(std::move(detect));

  for (const auto& level :
       {f.level, r.lead_time_for_changes.level, cfr.level, r.time_to_restore.level}) {
    if (level && (!r.overall_level || *level > *r.overall_level)) r.overall_level = level;
  }
  return r;
}

uint32_t DoraFacts::GroupOf(std::string_view project_id, std::string_view team_id,
                            std::string_view environment) {
  for (size_t i = groups.size(); i-- > 0;) {  // the newest first: readers add them in runs
    const DoraGroup& g = groups[i];
    if (g.project_id == project_id && g.team_id == team_id && g.environment == environment) {
      return static_cast<uint32_t>(i);
    }
  }
  groups.push_back(
      {std::string(project_id), std::string(team_id), std::string(environment)});
  return static_cast<uint32_t>(groups.size() - 1);
}

DoraFacts FactsOf(const DoraEvents& e) {
  DoraFacts f;
  for (const Deployment& d : e.deployed) {
    if (!d.deployed_at) continue;
    f.deployed.push_back({*d.deployed_at, d.first_commit_at, d.deploy_start_at, d.recovered_at,
                          f.GroupOf(d.project_id, d.team_id, d.environment), d.failed,
                          d.kind == DeploymentKind::kHotfix || d.kind == DeploymentKind::kRollback});
    f.deployment_ids.push_back(d.id);
  }
  for (const Incident& i : e.restored) {
    if (!i.restored_at) continue;
    f.restored.push_back(
        {i.started_at, *i.restored_at, f.GroupOf(i.project_id, i.team_id, i.environment)});
  }
  for (const auto& [i, deployed_at] : e.detected) {
    f.detected.push_back(
        {i.started_at, deployed_at, f.GroupOf(i.project_id, i.team_id, i.environment)});
  }
  return f;
}

namespace {

const std::string& KeyOf(const DoraGroup& g, GroupBy by) {
  return by == GroupBy::kProject ? g.project_id : by == GroupBy::kTeam ? g.team_id : g.environment;
}

}  // namespace

std::vector<std::pair<std::string, DoraFacts>> Partition(const DoraFacts& e, GroupBy by) {
  // Each group's part, found once per group rather than once per row.
  std::map<std::string, DoraFacts> parts;
  std::vector<DoraFacts*> part_of(e.groups.size());
  for (size_t g = 0; g < e.groups.size(); ++g) {
    DoraFacts& part = parts[KeyOf(e.groups[g], by)];
    part_of[g] = &part;
  }
  // Every part keeps the whole group table, so its rows' indexes stay valid.
  for (auto& [key, part] : parts) part.groups = e.groups;
  for (const DeployedFact& d : e.deployed) part_of[d.group]->deployed.push_back(d);
  for (const RestoredFact& i : e.restored) part_of[i.group]->restored.push_back(i);
  for (const DetectedFact& i : e.detected) part_of[i.group]->detected.push_back(i);
  return {std::make_move_iterator(parts.begin()), std::make_move_iterator(parts.end())};
}

namespace {

// What the inferred links say of each deployment they point to: failed, and recovered at the
// earliest restore among its incidents (none: not restored yet).
using InferredFailures = std::unordered_map<std::string_view, std::optional<TimeMs>>;

InferredFailures FailuresOf(const std::vector<std::pair<Incident, TimeMs>>& inferred) {
  InferredFailures out;
  for (const auto& [i, deployed_at] : inferred) {
    if (!i.deployment_id) continue;
    auto [it, added] = out.try_emplace(*i.deployment_id, i.restored_at);
    if (!added && i.restored_at && (!it->second || *i.restored_at < *it->second)) {
      it->second = i.restored_at;
    }
  }
  return out;
}

// Marks a deployment the inferred links point to. Looked up per deployment in the range: the
// links are few (incidents), the deployments many, so this walks them once with a small table.
// Returns whether `id` is among them.
template <typename D>
bool MarkFailed(const InferredFailures& failures, std::string_view id, D* d) {
  auto it = failures.find(id);
  if (it == failures.end()) return false;
  d->failed = true;
  if (it->second && (!d->recovered_at || *it->second < *d->recovered_at)) {
    d->recovered_at = it->second;
  }
  return true;
}

}  // namespace

void AddInferredLinks(const std::vector<std::pair<Incident, TimeMs>>& inferred, TimeMs from,
                      TimeMs to, DoraEvents* events) {
  const InferredFailures failures = FailuresOf(inferred);
  std::unordered_set<std::string_view> in_range;
  if (!failures.empty()) {
    for (Deployment& d : events->deployed) {
      if (MarkFailed(failures, d.id, &d)) in_range.insert(d.id);
    }
  }
  for (const auto& [i, deployed_at] : inferred) {
    if (!i.deployment_id) continue;
    if (in_range.count(*i.deployment_id)) events->failures.push_back({i, /*inferred=*/true});
    if (i.started_at >= from && i.started_at < to) events->detected.emplace_back(i, deployed_at);
  }
}

void AddInferredLinks(const std::vector<std::pair<Incident, TimeMs>>& inferred, TimeMs from,
                      TimeMs to, DoraFacts* facts) {
  const InferredFailures failures = FailuresOf(inferred);
  if (!failures.empty()) {
    for (size_t k = 0; k < facts->deployment_ids.size() && k < facts->deployed.size(); ++k) {
      MarkFailed(failures, facts->deployment_ids[k], &facts->deployed[k]);
    }
  }
  std::map<std::tuple<std::string, std::string, std::string>, uint32_t> group_of;
  for (size_t g = 0; g < facts->groups.size(); ++g) {
    const DoraGroup& x = facts->groups[g];
    group_of.emplace(std::make_tuple(x.project_id, x.team_id, x.environment),
                     static_cast<uint32_t>(g));
  }
  for (const auto& [i, deployed_at] : inferred) {
    if (!i.deployment_id) continue;
    if (i.started_at >= from && i.started_at < to) {
      auto key = std::make_tuple(i.project_id, i.team_id, i.environment);
      auto g = group_of.find(key);
      if (g == group_of.end()) {
        g = group_of.emplace(key, facts->GroupOf(i.project_id, i.team_id, i.environment)).first;
      }
      facts->detected.push_back({i.started_at, deployed_at, g->second});
    }
  }
}

std::vector<DoraFacts> Split(const DoraFacts& e,
                             const std::vector<std::pair<TimeMs, TimeMs>>& buckets) {
  std::vector<DoraFacts> out(buckets.size());
  for (DoraFacts& b : out) b.groups = e.groups;
  auto find = [&](TimeMs t) -> DoraFacts* {
    const std::optional<size_t> k = BucketOf(buckets, t);
    return k ? &out[*k] : nullptr;
  };
  for (const DeployedFact& d : e.deployed) {
    if (DoraFacts* b = find(d.deployed_at)) b->deployed.push_back(d);
  }
  for (const RestoredFact& i : e.restored) {
    if (DoraFacts* b = find(i.restored_at)) b->restored.push_back(i);
  }
  for (const DetectedFact& i : e.detected) {
    if (DoraFacts* b = find(i.started_at)) b->detected.push_back(i);
  }
  return out;
}

std::optional<size_t> BucketOf(std::span<const std::pair<TimeMs, TimeMs>> buckets, TimeMs t) {
  auto it = std::upper_bound(buckets.begin(), buckets.end(), t,
                             [](TimeMs v, const auto& b) { return v < b.first; });
  if (it == buckets.begin()) return std::nullopt;
  --it;
  if (t >= it->second) return std::nullopt;
  return static_cast<size_t>(it - buckets.begin());
}

Status CheckBucketCount(size_t count) {
  if (count <= kMaxBuckets) return Status::Ok();
  return Status::InvalidArgument("interval", "makes " + std::to_string(count) +
                                                 " buckets (at most " +
                                                 std::to_string(kMaxBuckets) +
                                                 "): use a longer interval or a shorter range");
}

std::vector<std::pair<TimeMs, TimeMs>> Buckets(TimeMs from, TimeMs to, Interval interval,
                                               const TimeZone& tz) {
  constexpr TimeMs kDayMs = 86400000;
  auto local_day = [&](TimeMs t) { return LocalDay(t, tz.OffsetAt(t)); };
  // The first local day of the bucket holding local day `days`.
  auto bucket_day = [&](int64_t days) -> int64_t {
    if (interval == Interval::kDay) return days;
    if (interval == Interval::kWeek) return days - ((days % 7) + 7 + 3) % 7;  // Monday = 0
    int64_t y;
    unsigned m, d;
    CivilFromDays(days, &y, &m, &d);
    return DaysFromCivil(y, m, 1);
  };
  auto next_bucket_day = [&](int64_t days) -> int64_t {
    if (interval == Interval::kDay) return days + 1;
    if (interval == Interval::kWeek) return days + 7;
    int64_t y;
    unsigned m, d;
    CivilFromDays(days, &y, &m, &d);
    return m == 12 ? DaysFromCivil(y + 1, 1, 1) : DaysFromCivil(y, m + 1, 1);
  };
  std::vector<std::pair<TimeMs, TimeMs>> out;
  int64_t day = bucket_day(local_day(from));
  TimeMs start = tz.ToUtc(day * kDayMs);
  while (start < to) {
    const int64_t next_day = next_bucket_day(day);
    const TimeMs end = tz.ToUtc(next_day * kDayMs);
    if (end <= start) break;  // cannot happen with real zones; never loop forever
    if (end > from) out.emplace_back(std::max(start, from), std::min(end, to));
    day = next_day;
    start = end;
  }
  return out;
}

}  // namespace emm::domain
