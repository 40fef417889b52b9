// Which events count toward one DORA figure over a range, each with its value, and which were left
// out and why: the rules behind GET /api/v1/metrics/dora/explain, over plain data the store read.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "domain/dora.h"
#include "domain/events.h"

namespace emm::domain {

enum class Figure {
  kDeploymentFrequency,
  kLeadTimeForChanges,
  kChangeFailureRate,
  kTimeToRestore,
  kFailedDeploymentRecoveryTime,
  kReworkRate,
  kTimeToDetect,
  kDeploymentDuration,
};

// "lead_time_for_changes" -> kLeadTimeForChanges; nullopt for a name that is not a figure.
std::optional<Figure> FigureNamed(std::string_view name);
const char* FigureName(Figure figure);
// Whether the figure counts deployments (the others, time_to_restore and time_to_detect, count
// incidents). Deployments started in the range and never deployed are left out of these.
bool IsDeploymentFigure(Figure figure);

enum class LinkRule { kExplicit, kPreviousDeployment };
const char* LinkRuleName(LinkRule rule);  // "explicit", "previous_deployment"

// What an explanation is worked out from. Pointers are borrowed for the call (and the result
// points into `events`).
struct ExplainInput {
  const DoraEvents* events = nullptr;  // the range read with the query's link rule
  // link=previous_deployment: the same range read with explicit links only, which tells the two
  // rules apart; null with link=explicit.
  const DoraEvents* explicit_only = nullptr;
  // Incident figures: the incidents of the range's timeline, among which those left out are found.
  const std::vector<Incident>* incidents = nullptr;
  TimeMs from = 0;
  bool link_previous = false;
};

struct CountedEvent {
  const Deployment* deployment = nullptr;  // deployment figures
  const Incident* incident = nullptr;      // incident figures
  std::optional<TimeMs> value_ms;          // the duration the figure takes from this event
  std::optional<TimeMs> deployed_at;       // time_to_detect: its deployment's deployed_at
  std::optional<LinkRule> link;            // change_failure_rate, time_to_detect
  // change_failure_rate and failed_deployment_recovery_time: the incidents that failed the
  // deployment, in start order, and the rule that linked each.
  struct FailedBy {
    const Incident* incident = nullptr;
    LinkRule link = LinkRule::kExplicit;
  };
  std::vector<FailedBy> failed_by;
};

struct LeftOutEvent {
  std::string id;
  std::string reason;
};

struct Explanation {
  // Deployments by deployed_at, then id; incidents in the order they were read.
  std::vector<CountedEvent> counted;
  std::vector<LeftOutEvent> left_out;
};

Explanation Explain(Figure figure, const ExplainInput& in);

// Why an event whose times contradict each other (skewed clocks) gives no duration and is left out:
// "deployed_at (...) is before first_commit_at (...): times out of order (a skewed clock?), ...".
std::string OutOfOrder(std::string_view later, TimeMs later_at, std::string_view earlier,
                       TimeMs earlier_at);

// Why a deployment started in the range but never marked deployed is left out of every deployment
// figure (there may be any number: the caller reads them a page at a time).
LeftOutEvent NeverDeployed(const Deployment& d);

}  // namespace emm::domain
