// The DORA figures of a time range, computed from stored events (not from metric buckets): exact
// medians and percentiles, back-filled events counted where they happened. Definitions, range
// rules and the dora-2023 levels: the README's "DORA metrics from the database" section.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/time.h"
#include "domain/events.h"

namespace emm::domain {

// Summary of a set of durations (seconds). Empty sets have no median, p90 or mean.
struct DurationStats {
  size_t count = 0;
  std::optional<double> median;
  std::optional<double> p90;
  std::optional<double> mean;
};

// Median (the mean of the two middle values for an even count), p90 by linear interpolation at
// position 0.9 * (n - 1) of the sorted values, and the mean.
DurationStats Summarize(std::vector<double> seconds);

// The q-quantile (0..1) of `sorted` (ascending), interpolating linearly between closest ranks.
std::optional<double> Quantile(const std::vector<double>& sorted, double q);

enum class Level { kElite, kHigh, kMedium, kLow };
const char* LevelName(Level level);

// What one range's figures are computed from, already narrowed to the query's projects, teams
// and environments.
struct DoraEvents {
  // deployed_at in [from, to); each knows whether an incident is linked to it (whenever that
  // happened) and its earliest recovery.
  std::vector<Deployment> deployed;
  std::vector<Incident> restored;  // restored_at in [from, to)
  // Incidents started in [from, to) that are linked to a deployed deployment, with its deployed_at.
  std::vector<std::pair<Incident, TimeMs>> detected;
};

// link=previous_deployment: `inferred` are incidents without a deployment_id whose
// deployment_id was set to the most recent deployment of their project and environment deployed
// before they started, `deployed_at` that deployment's time. Marks the deployments of `events`
// they point to as failed (and recovered at their earliest restore), and adds those that started
// in [from, to) to `detected`.
void AddInferredLinks(const std::vector<std::pair<Incident, TimeMs>>& inferred, TimeMs from,
                      TimeMs to, DoraEvents* events);

struct DoraReport {
  TimeMs from = 0;
  TimeMs to = 0;
  struct Frequency {
    size_t count = 0;
    double per_day = 0;
    double per_week = 0;
    std::optional<Level> level;
  };
  struct Timed {
    DurationStats stats;
    std::optional<Level> level;
  };
  struct Ratio {
    size_t numerator = 0;  // failed, or reworked
    size_t total = 0;
    std::optional<double> ratio;  // null without deployments
    std::optional<Level> level;   // change failure rate only
  };
  Frequency deployment_frequency;
  Timed lead_time_for_changes;
  Ratio change_failure_rate;
  Timed time_to_restore;
  DurationStats failed_deployment_recovery_time;
  Ratio rework_rate;
  DurationStats time_to_detect;
  DurationStats deployment_duration;
  std::optional<Level> overall_level;  // the lowest level among the four keys that have one
};

// The figures of [from, to) (from < to) with the dora-2023 levels.
DoraReport ComputeDora(TimeMs from, TimeMs to, const DoraEvents& events);

enum class GroupBy { kProject, kTeam, kEnvironment };

// Splits the events by project, team or environment: a deployment's failure counts in the
// deployment's group; restored and detected incidents go by their own attributes. Keys are the
// attribute values ("" for an unresolved team).
std::vector<std::pair<std::string, DoraEvents>> Partition(const DoraEvents& events, GroupBy by);

// The part of `events` that a sub-range [from, to) would have loaded: deployments by deployed_at,
// restored incidents by restored_at, detected ones by started_at.
DoraEvents Slice(const DoraEvents& events, TimeMs from, TimeMs to);

enum class Interval { kDay, kWeek, kMonth };

// [from, to) cut at UTC day, ISO week (Monday) or month boundaries; the first and last pieces are
// clipped to the range.
std::vector<std::pair<TimeMs, TimeMs>> Buckets(TimeMs from, TimeMs to, Interval interval);

}  // namespace emm::domain
