// The DORA figures of a time range, computed from stored events (not from metric buckets): exact
// medians and percentiles, back-filled events counted where they happened. Definitions, range
// rules and the level presets: docs/dora.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "common/time_zone.h"
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

// Which year's bands turn figures into levels (docs/dora.md, "Performance levels"). DORA's levels
// are survey clusters that move between reports; each preset is a monotonic reading of one year.
enum class Preset { kDora2023, kDora2024 };
const char* PresetName(Preset preset);
std::optional<Preset> ParsePreset(std::string_view name);  // "dora-2023", "dora-2024"

// What one range's figures are computed from, already narrowed to the query's projects, teams
// and environments, as full records (for explanations and tests).
struct DoraEvents {
  // deployed_at in [from, to); each knows whether an incident is linked to it (whenever that
  // happened) and its earliest recovery.
  std::vector<Deployment> deployed;
  std::vector<Incident> restored;  // restored_at in [from, to)
  // Incidents started in [from, to) that are linked to a deployed deployment, with its deployed_at.
  std::vector<std::pair<Incident, TimeMs>> detected;
  // The incidents that failed the deployments of `deployed` (their deployment_id names which),
  // whenever they started: what an explanation of the change failure rate shows per deployment.
  struct Failure {
    Incident incident;
    bool inferred = false;  // linked by link=previous_deployment, not by its deployment_id
  };
  std::vector<Failure> failures;
};

// link=previous_deployment: `inferred` are incidents without a deployment_id whose
// deployment_id was set to the most recent deployment of their project and environment deployed
// before they started, `deployed_at` that deployment's time. Marks the deployments of `events`
// they point to as failed (and recovered at their earliest restore), adds them to `failures`, and
// those that started in [from, to) to `detected`.
void AddInferredLinks(const std::vector<std::pair<Incident, TimeMs>>& inferred, TimeMs from,
                      TimeMs to, DoraEvents* events);

// The same events reduced to what the figures use: times and flags per row, and the row's
// project, team and environment as an index into `groups`. No strings per row, so a range of
// 100,000 deployments is read and summarised in milliseconds (bench/dora_query.sh).
struct DoraGroup {
  std::string project_id;
  std::string team_id;  // empty: no team could be resolved
  std::string environment;
};

struct DeployedFact {
  TimeMs deployed_at = 0;
  std::optional<TimeMs> first_commit_at;  // none: not known, no lead time
  TimeMs deploy_start_at = 0;
  std::optional<TimeMs> recovered_at;  // the earliest restore of its linked incidents
  uint32_t group = 0;
  bool failed = false;  // at least one incident is linked to it
  bool rework = false;  // kind hotfix or rollback
};

struct RestoredFact {
  TimeMs started_at = 0;
  TimeMs restored_at = 0;
  uint32_t group = 0;
};

struct DetectedFact {
  TimeMs started_at = 0;
  TimeMs deployed_at = 0;  // of the deployment the incident is linked to
  uint32_t group = 0;
};

struct DoraFacts {
  std::vector<DoraGroup> groups;
  std::vector<DeployedFact> deployed;  // deployed_at in [from, to)
  // Parallel to `deployed` when the reader was asked for ids (to apply inferred links), else empty.
  std::vector<std::string> deployment_ids;
  std::vector<RestoredFact> restored;  // restored_at in [from, to)
  std::vector<DetectedFact> detected;  // started_at in [from, to), linked to a deployed deployment

  // The index of a group in `groups`, added if new.
  uint32_t GroupOf(std::string_view project_id, std::string_view team_id,
                   std::string_view environment);
};

DoraFacts FactsOf(const DoraEvents& events);

// AddInferredLinks on facts read with deployment ids: marks the deployments `inferred` point to
// as failed and recovered at their earliest restore, and adds the detections in [from, to).
void AddInferredLinks(const std::vector<std::pair<Incident, TimeMs>>& inferred, TimeMs from,
                      TimeMs to, DoraFacts* facts);

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

// The figures of [from, to) (from < to) with the levels of `preset`.
DoraReport ComputeDora(TimeMs from, TimeMs to, const DoraFacts& facts,
                       Preset preset = Preset::kDora2023);

enum class GroupBy { kProject, kTeam, kEnvironment };

// Splits the events by project, team or environment: a deployment's failure counts in the
// deployment's group; restored and detected incidents go by their own attributes. Keys are the
// attribute values ("" for an unresolved team).
std::vector<std::pair<std::string, DoraFacts>> Partition(const DoraFacts& facts, GroupBy by);

// Cuts `facts` into what each of `buckets` (ascending, adjacent [from, to) ranges) would have
// loaded on its own: deployments by deployed_at, restored incidents by restored_at, detected ones
// by started_at. One pass, whatever the number of buckets.
std::vector<DoraFacts> Split(const DoraFacts& facts,
                             const std::vector<std::pair<TimeMs, TimeMs>>& buckets);

enum class Interval { kDay, kWeek, kMonth };

// The most buckets a series may have: beyond, the range is refused rather than answered with
// megabytes. CheckBucketCount: InvalidArgument naming `interval` beyond it.
inline constexpr size_t kMaxBuckets = 1000;
Status CheckBucketCount(size_t count);

// [from, to) cut at day, ISO week (Monday) or month boundaries: local midnights of `tz` (UTC by
// default), so a day bucket lasts 23 or 25 hours across a daylight-saving change; the first and
// last pieces are clipped to the range.
std::vector<std::pair<TimeMs, TimeMs>> Buckets(TimeMs from, TimeMs to, Interval interval,
                                               const TimeZone& tz = TimeZone());

// The position of the bucket holding `t` in `buckets` (ascending, not overlapping, each
// [first, second)), or none. A binary search: any number of buckets costs a few comparisons.
std::optional<size_t> BucketOf(std::span<const std::pair<TimeMs, TimeMs>> buckets, TimeMs t);

}  // namespace emm::domain
