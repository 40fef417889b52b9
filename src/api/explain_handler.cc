// GET /api/v1/metrics/dora/explain: the events behind one figure, each with its value, and what
// was left out and why (the rules: domain/explain.h). Both lists are paged, each with its own
// position (opaque to clients): `counted` with cursor, `left_out` with left_out_cursor; limit
// applies to each.
#include <algorithm>
#include <boost/json.hpp>

#include "api/dto/events_json.h"
#include "api/error_response.h"
#include "api/handlers.h"
#include "api/query_params.h"
#include "api/responses.h"
#include "domain/explain.h"

namespace emm::api {
namespace {

namespace json = boost::json;

// Whole seconds as integers ("3600", not "3.6E3").
json::value Seconds(TimeMs ms) {
  return ms % 1000 == 0 ? json::value(ms / 1000) : json::value(static_cast<double>(ms) / 1000.0);
}

json::object CountedJson(domain::Figure figure, const domain::CountedEvent& c) {
  using domain::Figure;
  if (c.incident != nullptr) {
    json::object o = dto::ToJson(*c.incident);
    if (c.deployed_at) o["deployment_deployed_at"] = FormatTimestamp(*c.deployed_at);
    if (c.link) o["link"] = domain::LinkRuleName(*c.link);
    if (c.value_ms) o["value"] = Seconds(*c.value_ms);
    return o;
  }
  const domain::Deployment& d = *c.deployment;
  json::object o{{"id", d.id},
                 {"project_id", d.project_id},
                 {"team_id", d.team_id.empty() ? json::value() : json::value(d.team_id)},
                 {"environment", d.environment},
                 {"deployed_at", FormatTimestamp(*d.deployed_at)},
                 {"kind", domain::DeploymentKindName(d.kind)}};
  if (figure == Figure::kLeadTimeForChanges || figure == Figure::kDeploymentDuration) {
    o["value"] = Seconds(*c.value_ms);
  }
  if (figure == Figure::kChangeFailureRate) {
    o["failed"] = d.failed;
    o["link"] = domain::LinkRuleName(*c.link);
  }
  if (figure == Figure::kChangeFailureRate || figure == Figure::kFailedDeploymentRecoveryTime) {
    // "Why is this deployment red?": the incidents that failed it.
    json::array failed_by;
    for (const auto& f : c.failed_by) {
      const domain::Incident& i = *f.incident;
      failed_by.push_back(json::object{
          {"id", i.id},
          {"started_at", FormatTimestamp(i.started_at)},
          {"restored_at", i.restored_at ? json::value(FormatTimestamp(*i.restored_at)) : json::value()},
          {"link", domain::LinkRuleName(f.link)}});
    }
    o["failed_by"] = std::move(failed_by);
  }
  if (figure == Figure::kReworkRate) o["rework"] = d.kind != domain::DeploymentKind::kPlanned;
  if (figure == Figure::kFailedDeploymentRecoveryTime) {
    o["recovered_at"] = FormatTimestamp(*d.recovered_at);
    o["value"] = Seconds(*c.value_ms);
  }
  return o;
}

Result<json::object> Explain(storage::EventStore& store, const Query& q, TimeMs now) {
  auto metric = q.Get("metric");
  if (!metric) {
    return Status::InvalidArgument("metric", "is required (one of the figures' names)");
  }
  std::optional<domain::Figure> figure = domain::FigureNamed(*metric);
  if (!figure) {
    return Status::InvalidArgument("metric",
                                   "\"" + metric->substr(0, 64) + "\" is not a figure of /metrics/dora");
  }
  auto tz = TzParam(q);
  if (!tz.ok()) return tz.status();
  auto parsed = DoraRangeParams(q, now, tz->value_or(TimeZone()));
  if (!parsed.ok()) return parsed.status();
  storage::DoraQuery& range = *parsed;
  auto link = LinkParam(q);
  if (!link.ok()) return link.status();
  range.link_previous = *link;
  auto paging = ExplainPagingParams(q);
  if (!paging.ok()) return paging.status();
  const int64_t limit = paging->limit, cursor = paging->cursor,
                left_out_cursor = paging->left_out_cursor;

  auto events = store.LoadDoraEvents(range);
  if (!events.ok()) return events.status();
  domain::ExplainInput in;
  in.events = &*events;
  in.from = range.from;
  in.link_previous = range.link_previous;
  std::optional<domain::DoraEvents> explicit_only;
  if (range.link_previous) {
    storage::DoraQuery plain = range;
    plain.link_previous = false;
    auto read = store.LoadDoraEvents(plain);
    if (!read.ok()) return read.status();
    explicit_only = std::move(*read);
    in.explicit_only = &*explicit_only;
  }
  const bool deployment_figure = domain::IsDeploymentFigure(*figure);
  std::vector<domain::Incident> incidents;
  if (!deployment_figure) {
    auto timeline = store.LoadTimeline(range);
    if (!timeline.ok()) return timeline.status();
    incidents = std::move(timeline->second);
    in.incidents = &incidents;
  }
  const domain::Explanation explained = domain::Explain(*figure, in);

  auto page = [&](size_t total, int64_t position, auto to_json) {
    return PagedJson(PageOf(total, position, limit), to_json);
  };
  auto left_out_json = [](const domain::LeftOutEvent& e) {
    return json::object{{"id", e.id}, {"reason", e.reason}};
  };
  auto [counted_page, next_cursor] =
      page(explained.counted.size(), cursor,
           [&](size_t k) { return CountedJson(*figure, explained.counted[k]); });
  auto [left_out_page, left_out_next] =
      page(explained.left_out.size(), left_out_cursor,
           [&](size_t k) { return left_out_json(explained.left_out[k]); });
  if (deployment_figure) {
    // Never-deployed deployments follow, in `left_out`, what was loaded with the range's events.
    // There may be any number: the store reads only the page's share of them, plus one to tell
    // whether there is a next page.
    const int64_t loaded = static_cast<int64_t>(explained.left_out.size());
    const int64_t end = left_out_cursor + limit;
    const int64_t offset = std::max<int64_t>(0, left_out_cursor - loaded);
    const int64_t count = end + 1 - std::max(loaded, left_out_cursor);
    if (count > 0) {
      auto undeployed = store.ListUndeployed(range, offset, count);
      if (!undeployed.ok()) return undeployed.status();
      for (const domain::Deployment& d : *undeployed) {
        if (static_cast<int64_t>(left_out_page.size()) == limit) {  // the extra one
          left_out_next = json::value(std::to_string(end));
          break;
        }
        left_out_page.push_back(left_out_json(domain::NeverDeployed(d)));
      }
    }
  }
  return json::object{{"metric", domain::FigureName(*figure)},
                      {"from", FormatTimestamp(range.from)},
                      {"to", FormatTimestamp(range.to)},
                      {"link", range.link_previous ? "previous_deployment" : "explicit"},
                      {"total", explained.counted.size()},
                      {"counted", std::move(counted_page)},
                      {"next_cursor", std::move(next_cursor)},
                      {"left_out", std::move(left_out_page)},
                      {"left_out_next_cursor", std::move(left_out_next)}};
}

}  // namespace

void ExplainDora(const Env& env, Call call) {
  auto body = Explain(*env.deps.store, call.query, env.deps.clock->NowMs());
  if (!body.ok()) return call.respond(ErrorResponse(body.status()));
  call.respond(http::Response::Json(200, json::serialize(*body)));
}

}  // namespace emm::api
