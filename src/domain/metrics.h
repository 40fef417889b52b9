// The metrics every event produces, and their durable cumulative state. One SeriesState per
// (metric, project_id, team_id, environment) holds what an OTLP cumulative point or a Prometheus
// scrape needs: count, sum, histogram bucket counts and the series' start time. Ticket series
// also carry their ticket_type.
#pragma once

#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"

namespace emm::domain {

enum class MetricKind { kCounter, kHistogram };

struct MetricDef {
  std::string_view name;
  MetricKind kind;
  std::string_view unit;  // UCUM-ish, as OTLP carries it: "s" for durations
  std::string_view description;
  // Histograms: the upper bounds of their buckets (DurationBucketBounds() unless set); counters:
  // unused.
  std::span<const double> bounds = {};
};

// The metrics of the original README, with durations in seconds.
extern const MetricDef kDeploymentStarted;
extern const MetricDef kDeploymentFrequency;
extern const MetricDef kDeploymentDuration;
extern const MetricDef kLeadTimeForChanges;
extern const MetricDef kChangeFailureCount;
extern const MetricDef kIncidentCount;
extern const MetricDef kIncidentRestored;
extern const MetricDef kIncidentFinished;
extern const MetricDef kTimeToRestore;
extern const MetricDef kTimeToDetect;
// Pull requests (team health): counted by team; durations in seconds (the original's
// *_minutes histograms), sizes in lines, comments per review.
extern const MetricDef kPullRequestOpened;
extern const MetricDef kPullRequestClosed;
extern const MetricDef kPullRequestMerged;
extern const MetricDef kPullRequestLocAdded;
extern const MetricDef kPullRequestLocRemoved;
extern const MetricDef kPullRequestCommentsPerReview;
extern const MetricDef kPullRequestTimeToFirstReview;
extern const MetricDef kPullRequestTimeToApprove;
extern const MetricDef kPullRequestTimeToMerge;
extern const MetricDef kPullRequestReviewsPerPr;
// Tickets (team health): counted by team, project and ticket type; time per ticket in seconds
// (the original's minutes), estimate changes in points.
extern const MetricDef kTicketCount;
extern const MetricDef kTimePerTicket;
extern const MetricDef kTicketEstimationChanged;
extern const MetricDef kTicketEstimationChangedNegative;
extern const MetricDef kTicketReopened;

std::span<const MetricDef* const> AllMetrics();
const MetricDef* FindMetric(std::string_view name);

// Upper bounds (seconds) of the duration histograms: one minute to six months. A value v falls in
// the first bucket whose bound is >= v; the last bucket (index size()) is the overflow.
std::span<const double> DurationBucketBounds();

// The bucket bounds of a histogram metric (its own, else the durations'); for an unknown name the
// durations' too.
std::span<const double> BucketBounds(const MetricDef& def);
std::span<const double> BucketBoundsOf(std::string_view metric);

struct SeriesKey {
  std::string metric;
  std::string project_id;
  std::string team_id;  // empty: the attribute is left out
  std::string environment;
  // Ticket series only; empty: the attribute is left out. (Initialised so that keys written
  // before it existed need not name it.)
  std::string ticket_type = {};
  auto operator<=>(const SeriesKey&) const = default;
};

struct SeriesState {
  SeriesKey key;
  MetricKind kind = MetricKind::kCounter;
  TimeMs start_ms = 0;    // first point of the series; cumulative values count from here
  TimeMs updated_ms = 0;  // last change
  uint64_t count = 0;     // counter value, or number of histogram observations
  double sum = 0;         // histograms only
  double min = 0;         // histograms only, valid when count > 0
  double max = 0;
  std::vector<uint64_t> buckets;  // histograms: BucketBoundsOf(key.metric).size() + 1 counts

  // A new, empty series of this metric.
  static SeriesState Empty(const MetricDef& def, SeriesKey key, TimeMs now);
  // Adds one observation (histograms) or one increment (counters; value ignored).
  void Fold(double value, TimeMs now);
};

// What a collector has acknowledged of a series, for delta temporality: the cumulative values
// carried by the last accepted export and when it was made. The next delta point is the state
// minus this mark, from acked_ms; a series whose start moved (a rebuild) starts over.
struct ExportMark {
  SeriesKey key;
  TimeMs series_start_ms = 0;
  TimeMs acked_ms = 0;
  uint64_t count = 0;
  double sum = 0;
  std::vector<uint64_t> buckets;
};

// One thing to record: a counter increment or a histogram observation.
struct Sample {
  const MetricDef* metric;
  std::string project_id;
  std::string team_id;
  std::string environment;
  double value = 1;  // seconds for durations
  std::string ticket_type = {};

  SeriesKey Key() const {
    return {std::string(metric->name), project_id, team_id, environment, ticket_type};
  }
};

}  // namespace emm::domain
