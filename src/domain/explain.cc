#include "domain/explain.h"

#include <algorithm>
#include <set>
#include <tuple>
#include <unordered_map>

#include "domain/commands.h"
#include "domain/figure_names.h"

namespace emm::domain {
namespace {

constexpr FigureNaming<Figure> kFigures[] = {
    {Figure::kDeploymentFrequency, "deployment_frequency"},
    {Figure::kLeadTimeForChanges, "lead_time_for_changes"},
    {Figure::kChangeFailureRate, "change_failure_rate"},
    {Figure::kTimeToRestore, "time_to_restore"},
    {Figure::kFailedDeploymentRecoveryTime, "failed_deployment_recovery_time"},
    {Figure::kReworkRate, "rework_rate"},
    {Figure::kTimeToDetect, "time_to_detect"},
    {Figure::kDeploymentDuration, "deployment_duration"},
};

using IdSet = std::set<std::string, std::less<>>;

void ExplainRestore(const ExplainInput& in, Explanation* out) {
  for (const Incident& i : in.events->restored) {
    if (*i.restored_at < i.started_at) {
      out->left_out.push_back(
          {i.id, OutOfOrder("restored_at", *i.restored_at, "started_at", i.started_at)});
      continue;
    }
    out->counted.push_back({nullptr, &i, *i.restored_at - i.started_at, std::nullopt, std::nullopt, {}});
  }
  if (in.incidents == nullptr) return;
  for (const Incident& i : *in.incidents) {
    if (!i.restored_at && i.started_at >= in.from) out->left_out.push_back({i.id, "not restored yet"});
  }
}

void ExplainDetect(const ExplainInput& in, Explanation* out) {
  // With previous_deployment, the incidents the explicit links alone detect were linked by them.
  IdSet linked_explicitly;
  if (in.link_previous && in.explicit_only != nullptr) {
    for (const auto& [i, at] : in.explicit_only->detected) linked_explicitly.insert(i.id);
  }
  IdSet detected;
  for (const auto& [i, deployed_at] : in.events->detected) {
    detected.insert(i.id);
    if (i.started_at < deployed_at) {
      out->left_out.push_back({i.id, "started before its deployment reached production"});
      continue;
    }
    const LinkRule rule = !in.link_previous || linked_explicitly.count(i.id)
                              ? LinkRule::kExplicit
                              : LinkRule::kPreviousDeployment;
    out->counted.push_back({nullptr, &i, i.started_at - deployed_at, deployed_at, rule, {}});
  }
  if (in.incidents == nullptr) return;
  for (const Incident& i : *in.incidents) {
    if (i.deployment_id || i.started_at < in.from || detected.count(i.id)) continue;
    out->left_out.push_back(
        {i.id, in.link_previous
                   ? "no deployment_id, and no deployment of its project and environment before "
                     "it started (link=previous_deployment)"
                   : "no deployment_id: not linked to a deployment (link=explicit)"});
  }
}

void ExplainDeployments(Figure figure, const ExplainInput& in, Explanation* out) {
  // With previous_deployment, the deployments the explicit links alone fail were failed by them.
  IdSet failed_explicitly;
  if (in.link_previous && in.explicit_only != nullptr) {
    for (const auto& d : in.explicit_only->deployed) {
      if (d.failed) failed_explicitly.insert(d.id);
    }
  }
  const LinkRule applied = in.link_previous ? LinkRule::kPreviousDeployment : LinkRule::kExplicit;
  // The incidents behind each failed deployment (already in start order).
  std::unordered_map<std::string_view, std::vector<CountedEvent::FailedBy>> failed_by;
  if (figure == Figure::kChangeFailureRate || figure == Figure::kFailedDeploymentRecoveryTime) {
    for (const DoraEvents::Failure& f : in.events->failures) {
      failed_by[*f.incident.deployment_id].push_back(
          {&f.incident, f.inferred ? LinkRule::kPreviousDeployment : LinkRule::kExplicit});
    }
  }
  std::vector<const Deployment*> sorted;
  for (const Deployment& d : in.events->deployed) sorted.push_back(&d);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return std::tie(*a->deployed_at, a->id) < std::tie(*b->deployed_at, b->id);
  });
  for (const Deployment* d : sorted) {
    const TimeMs at = *d->deployed_at;
    CountedEvent c{d, nullptr, std::nullopt, std::nullopt, std::nullopt, {}};
    switch (figure) {
      case Figure::kLeadTimeForChanges:
        if (!d->first_commit_at) {
          out->left_out.push_back(
              {d->id, "first_commit_at is not known (a webhook cannot send it): no lead time"});
          continue;
        }
        if (at < *d->first_commit_at) {
          out->left_out.push_back(
              {d->id, OutOfOrder("deployed_at", at, "first_commit_at", *d->first_commit_at)});
          continue;
        }
        c.value_ms = at - *d->first_commit_at;
        break;
      case Figure::kDeploymentDuration:
        if (at < d->deploy_start_at) {
          out->left_out.push_back(
              {d->id, OutOfOrder("deployed_at", at, "deploy_start_at", d->deploy_start_at)});
          continue;
        }
        c.value_ms = at - d->deploy_start_at;
        break;
      case Figure::kChangeFailureRate:
        // The rule that made it failed; for one that did not fail, the rule that was applied.
        c.link = !d->failed                                            ? applied
                 : in.link_previous && !failed_explicitly.count(d->id) ? LinkRule::kPreviousDeployment
                                                                       : LinkRule::kExplicit;
        break;
      case Figure::kFailedDeploymentRecoveryTime:
        if (!d->failed) continue;
        if (!d->recovered_at || *d->recovered_at < at) {
          out->left_out.push_back({d->id, "failed, not recovered yet"});
          continue;
        }
        c.value_ms = *d->recovered_at - at;
        break;
      default:
        break;
    }
    if (d->failed) {
      if (auto it = failed_by.find(d->id); it != failed_by.end()) c.failed_by = it->second;
    }
    out->counted.push_back(c);
  }
}

}  // namespace

std::optional<Figure> FigureNamed(std::string_view name) { return FigureOfName(kFigures, name); }

const char* FigureName(Figure figure) { return NameOfFigure(kFigures, figure); }

bool IsDeploymentFigure(Figure figure) {
  return figure != Figure::kTimeToRestore && figure != Figure::kTimeToDetect;
}

const char* LinkRuleName(LinkRule rule) {
  return rule == LinkRule::kExplicit ? "explicit" : "previous_deployment";
}

Explanation Explain(Figure figure, const ExplainInput& in) {
  Explanation out;
  if (figure == Figure::kTimeToRestore) {
    ExplainRestore(in, &out);
  } else if (figure == Figure::kTimeToDetect) {
    ExplainDetect(in, &out);
  } else {
    ExplainDeployments(figure, in, &out);
  }
  return out;
}

std::string OutOfOrder(std::string_view later, TimeMs later_at, std::string_view earlier,
                       TimeMs earlier_at) {
  return IsBefore(later, later_at, earlier, earlier_at) +
         ": times out of order (a skewed clock?), no duration";
}

LeftOutEvent NeverDeployed(const Deployment& d) {
  return {d.id, "started in the range but never marked deployed"};
}

}  // namespace emm::domain
