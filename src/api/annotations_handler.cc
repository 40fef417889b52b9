// GET /api/v1/annotations: Grafana annotations (Infinity: time, timeEnd, title, text, tags).
#include <algorithm>
#include <boost/json.hpp>

#include "api/error_response.h"
#include "api/handlers.h"
#include "api/query_params.h"
#include "domain/events.h"

namespace emm::api {
namespace {

namespace json = boost::json;

// "3h 20m", "2d 4h", "45s": durations in annotation texts.
std::string Human(TimeMs ms) {
  int64_t s = ms / 1000;
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m";
  if (s < 86400) return std::to_string(s / 3600) + "h " + std::to_string(s % 3600 / 60) + "m";
  return std::to_string(s / 86400) + "d " + std::to_string(s % 86400 / 3600) + "h";
}


// Grafana annotations (Infinity: time, timeEnd, title, text, tags): deployments as points,
// incidents as ranges from started_at to restored_at.
Result<json::array> Annotations(storage::EventStore& store, const Query& q, TimeMs now) {
  auto tz = TzParam(q);
  if (!tz.ok()) return tz.status();
  auto range = DoraRangeParams(q, now, tz->value_or(TimeZone()));
  if (!range.ok()) return range.status();
  auto type = ChoiceParam(q, "type", {"deployment", "incident"});
  if (!type.ok()) return type.status();
  const bool deployments = *type != std::optional<size_t>(1);
  const bool incidents = *type != std::optional<size_t>(0);
  auto timeline = store.LoadTimeline(*range);
  if (!timeline.ok()) return timeline.status();
  std::vector<std::pair<TimeMs, json::object>> rows;
  auto tags = [](std::initializer_list<std::string> values) {
    json::array out;
    for (const auto& v : values) {
      if (!v.empty()) out.push_back(json::value(v));
    }
    return out;
  };
  if (deployments) {
    for (const domain::Deployment& d : timeline->first) {
      const TimeMs at = *d.deployed_at;
      std::string text = d.project_id + (d.team_id.empty() ? "" : " (" + d.team_id + ")") + " to " +
                         d.environment +
                         (d.first_commit_at ? ", lead time " + Human(at - *d.first_commit_at) : "") +
                         ", " +
                         domain::DeploymentKindName(d.kind) +
                         (d.commit_sha.empty() ? "" : ", commit " + d.commit_sha);
      rows.emplace_back(
          at, json::object{{"time", at},
                           {"timeEnd", nullptr},
                           {"title", "Deployment " + d.id},
                           {"text", std::move(text)},
                           {"tags", tags({"deployment", d.project_id, d.team_id, d.environment,
                                          domain::DeploymentKindName(d.kind)})}});
    }
  }
  if (incidents) {
    for (const domain::Incident& i : timeline->second) {
      std::string text = i.project_id + (i.team_id.empty() ? "" : " (" + i.team_id + ")") + " in " +
                         i.environment +
                         (i.restored_at ? ", restored after " + Human(*i.restored_at - i.started_at)
                                        : ", not restored") +
                         (i.deployment_id ? ", caused by deployment " + *i.deployment_id : "");
      rows.emplace_back(
          i.started_at,
          json::object{{"time", i.started_at},
                       {"timeEnd", i.restored_at ? json::value(*i.restored_at) : json::value()},
                       {"title", "Incident " + i.id},
                       {"text", std::move(text)},
                       {"tags", tags({"incident", i.project_id, i.team_id, i.environment})}});
    }
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  json::array out;
  for (auto& [at, row] : rows) out.push_back(std::move(row));
  return out;
}

}  // namespace

void GetAnnotations(const Env& env, Call call) {
  auto rows = Annotations(*env.deps.store, call.query, env.deps.clock->NowMs());
  if (!rows.ok()) return call.respond(ErrorResponse(rows.status()));
  call.respond(http::Response::Json(200, json::serialize(*rows)));
}

}  // namespace emm::api
