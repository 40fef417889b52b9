// GET /api/v1/metrics/team-health: team-health figures computed exactly from the stored pull
// requests, reviews and tickets over any range, narrowed by team (and tickets by project),
// optionally as a series of day/week/month buckets and split by team; and
// GET /api/v1/metrics/team-health/explain: the pull requests or tickets behind one figure and why
// the others are left out, paged as the DORA explanation. Definitions: docs/team-health.md.
#include <boost/json.hpp>
#include <chrono>

#include "api/dto/team_health_json.h"
#include "api/error_response.h"
#include "api/handlers.h"
#include "api/query_params.h"
#include "api/responses.h"
#include "common/log.h"
#include "domain/team_health.h"

namespace emm::api {
namespace {

namespace json = boost::json;

// What both routes read: the range, its zone and the filters.
struct TeamHealthScope {
  storage::TeamHealthQuery query;  // its ticket_teams are set with the teams file (Load)
  TimeZone tz;  // whose midnights cut the series and read plain dates (UTC unless tz= names one)
  bool tz_given = false;
};

Result<TeamHealthScope> ParseScope(const Query& q, TimeMs now) {
  TeamHealthScope s;
  auto tz = TzParam(q);  // first: dates in from and to are its midnights
  if (!tz.ok()) return tz.status();
  if (*tz) {
    s.tz = std::move(**tz);
    s.tz_given = true;
  }
  constexpr TimeMs kThirtyDaysMs = 30LL * 86400000;
  auto range = RangeParams(q, now, kThirtyDaysMs, s.tz);
  if (!range.ok()) return range.status();
  s.query.from = range->from;
  s.query.to = range->to;
  s.query.teams = ListParam(q, "team");
  s.query.projects = ListParam(q, "project_id");
  return s;
}

// The range, the zone and the filters, echoed at the top of both answers. `pull_requests`: the
// answer has pull request figures, which project_id does not narrow (it says so).
json::object Head(const TeamHealthScope& s, bool pull_requests) {
  json::object out{{"from", FormatTimestamp(s.query.from)}, {"to", FormatTimestamp(s.query.to)}};
  if (s.tz_given) out["tz"] = s.tz.name();
  auto list = [](const std::vector<std::string>& v) { return json::value_from(v); };
  if (!s.query.teams.empty()) out["team"] = list(s.query.teams);
  if (!s.query.projects.empty()) {
    out["project_id"] = list(s.query.projects);
    if (pull_requests) {
      out["ignored_filters"] = json::object{
          {"project_id", "pull requests carry a team, not a project: project_id narrows the "
                         "ticket figures only"}};
    }
  }
  return out;
}

domain::TeamHealthContext ContextOf(const Env& env, const config::TeamsConfig& teams) {
  return {&teams.directory, &env.options.bots, &teams.ticketing};
}

// Reads the scope's facts; a team's tickets are those of its Linear team (the teams file's
// linear_team_id, else the team's own id).
Result<domain::TeamHealthFacts> Load(storage::EventStore& store, storage::TeamHealthQuery q,
                                     const config::TeamsConfig& teams) {
  for (const std::string& team : q.teams) {
    q.ticket_teams.emplace_back(teams.directory.LinearTeamOf(team));
  }
  const auto started = std::chrono::steady_clock::now();
  auto facts = store.LoadTeamHealthFacts(q);
  if (!facts.ok()) return facts.status();
  log::Debug("team-health range read",
             {{"pull_requests", static_cast<int64_t>(facts->pull_requests.size())},
              {"tickets", static_cast<int64_t>(facts->tickets.size())},
              {"read_us", static_cast<int64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - started)
                              .count())}});
  return facts;
}

struct FiguresParams {
  TeamHealthScope scope;
  std::optional<domain::Interval> interval;
  bool group_by_team = false;
  OutputFormat format = OutputFormat::kJson;
};

Result<FiguresParams> ParseFiguresParams(const Query& q, std::string_view accept, TimeMs now) {
  FiguresParams p;
  auto scope = ParseScope(q, now);
  if (!scope.ok()) return scope.status();
  p.scope = std::move(*scope);
  auto interval = IntervalParam(q);
  if (!interval.ok()) return interval.status();
  p.interval = *interval;
  // Pull requests carry a team only: team is the one grouping there is.
  auto group_by = ChoiceParam(q, "group_by", {"team"});
  if (!group_by.ok()) return group_by.status();
  p.group_by_team = group_by->has_value();
  auto format = FormatParam(q, accept);
  if (!format.ok()) return format.status();
  p.format = *format;
  return p;
}

Result<json::value> Figures(const Env& env, const FiguresParams& p) {
  const TimeMs from = p.scope.query.from, to = p.scope.query.to;
  std::vector<std::pair<TimeMs, TimeMs>> ranges = {{from, to}};
  if (p.interval) {
    ranges = domain::Buckets(from, to, *p.interval, p.scope.tz);
    if (Status s = domain::CheckBucketCount(ranges.size()); !s.ok()) return s;
  }
  const auto teams = env.deps.teams->Get();  // one snapshot for the whole answer
  auto facts = Load(*env.deps.store, p.scope.query, *teams);
  if (!facts.ok()) return facts.status();
  const domain::TeamHealthContext context = ContextOf(env, *teams);

  if (p.format != OutputFormat::kJson) {
    // Flat rows: one per bucket (interval), per team (group_by), per both, or one for the range.
    // Bucket first, then team, as DORA's rows.
    std::vector<std::pair<json::value, std::vector<domain::TeamHealthReport>>> parts;
    if (!p.group_by_team) {
      parts.emplace_back(nullptr, domain::ComputeTeamHealth(*facts, ranges, context));
    } else {
      for (const auto& [team, part] : domain::PartitionByTeam(*facts, &teams->directory)) {
        parts.emplace_back(team.empty() ? json::value() : json::value(team),
                           domain::ComputeTeamHealth(part, ranges, context));
      }
    }
    json::array rows;
    for (size_t k = 0; k < ranges.size(); ++k) {
      for (const auto& [group, reports] : parts) rows.push_back(dto::TeamHealthRow(reports[k], group));
    }
    return json::value(std::move(rows));
  }

  json::object out = Head(p.scope, true);
  dto::AddTeamHealth(domain::ComputeTeamHealth(*facts, from, to, context), &out);
  if (p.interval) {
    json::array series;
    for (const auto& report : domain::ComputeTeamHealth(*facts, ranges, context)) {
      json::object b{{"start", FormatTimestamp(report.from)}, {"end", FormatTimestamp(report.to)}};
      dto::AddTeamHealth(report, &b);
      series.push_back(std::move(b));
    }
    out["series"] = std::move(series);
  }
  if (p.group_by_team) {
    json::array groups;
    for (const auto& [team, part] : domain::PartitionByTeam(*facts, &teams->directory)) {
      json::object g{
          {"key", json::object{{"team", team.empty() ? json::value() : json::value(team)}}}};
      dto::AddTeamHealth(domain::ComputeTeamHealth(part, from, to, context), &g);
      groups.push_back(std::move(g));
    }
    out["groups"] = std::move(groups);
  }
  return json::value(std::move(out));
}

// An explanation's two paged lists: "total", "counted" (each item by `counted_json`),
// "next_cursor", "left_out" ({id, reason}), "left_out_next_cursor".
template <typename Counted, typename LeftOut, typename CountedJson>
void AddPages(const std::vector<Counted>& counted, const std::vector<LeftOut>& left_out,
              const ExplainPaging& paging, json::object* out, CountedJson counted_json) {
  auto [counted_page, next_cursor] =
      PagedJson(PageOf(counted.size(), paging.cursor, paging.limit), counted_json);
  auto [left_out_page, left_out_next] =
      PagedJson(PageOf(left_out.size(), paging.left_out_cursor, paging.limit), [&](size_t k) {
        return json::object{{"id", left_out[k].id}, {"reason", left_out[k].reason}};
      });
  (*out)["total"] = counted.size();
  (*out)["counted"] = std::move(counted_page);
  (*out)["next_cursor"] = std::move(next_cursor);
  (*out)["left_out"] = std::move(left_out_page);
  (*out)["left_out_next_cursor"] = std::move(left_out_next);
}

// The explanation of a ticket figure: the tickets behind it and why the others are left out.
json::object ExplainTickets(domain::TicketFigure figure, const domain::TeamHealthFacts& facts,
                            const TeamHealthScope& scope, const config::TeamsConfig& teams,
                            const ExplainPaging& paging) {
  const domain::TicketExplanation e = domain::ExplainTicketHealth(
      figure, facts.tickets, scope.query.from, scope.query.to, teams.ticketing);
  json::object out{{"metric", domain::TicketFigureName(figure)}};
  for (auto& [k, v] : Head(scope, false)) out[k] = v;
  out["unit"] = dto::TicketValueUnit(figure);
  AddPages(e.counted, e.left_out, paging, &out, [&](size_t k) {
    return dto::CountedTicketJson(figure, e.counted[k]);
  });
  return out;
}

Result<json::object> Explain(const Env& env, const Query& q) {
  auto metric = q.Get("metric");
  std::string listed;
  for (auto names : {domain::TeamHealthFigureNames(), domain::TicketFigureNames()}) {
    for (std::string_view n : names) listed += (listed.empty() ? "" : ", ") + std::string(n);
  }
  if (!metric) return Status::InvalidArgument("metric", "is required (" + listed + ")");
  const std::optional<domain::TeamHealthFigure> figure = domain::TeamHealthFigureNamed(*metric);
  const std::optional<domain::TicketFigure> ticket_figure = domain::TicketFigureNamed(*metric);
  if (!figure && !ticket_figure) {
    return Status::InvalidArgument("metric", "\"" + metric->substr(0, 64) +
                                                 "\" is not a figure of /metrics/team-health (" +
                                                 listed + ")");
  }
  auto scope = ParseScope(q, env.deps.clock->NowMs());
  if (!scope.ok()) return scope.status();
  auto paging = ExplainPagingParams(q);
  if (!paging.ok()) return paging.status();

  const auto teams = env.deps.teams->Get();
  scope->query.pull_requests = figure.has_value();  // read only what the figure is about
  scope->query.tickets = ticket_figure.has_value();
  auto facts = Load(*env.deps.store, scope->query, *teams);
  if (!facts.ok()) return facts.status();
  if (ticket_figure) return ExplainTickets(*ticket_figure, *facts, *scope, *teams, *paging);

  const domain::TeamHealthExplanation e = domain::ExplainTeamHealth(
      *figure, *facts, scope->query.from, scope->query.to, ContextOf(env, *teams));
  json::object out{{"metric", domain::TeamHealthFigureName(*figure)}};
  for (auto& [k, v] : Head(*scope, true)) out[k] = v;
  out["unit"] = dto::ValueUnit(*figure);
  AddPages(e.counted, e.left_out, *paging, &out,
           [&](size_t k) { return dto::CountedJson(*figure, e.counted[k]); });
  if (*figure == domain::TeamHealthFigure::kMergedPerEngineerPerWeek) {
    // Who the engineers are: a team's few people, never paged.
    out["engineers"] = dto::EngineersJson(e.engineers);
    json::array contributors;
    for (const domain::Contributor& c : e.contributors) {
      contributors.push_back(dto::ContributorJson(c));
    }
    out["contributors"] = std::move(contributors);
  }
  return out;
}

}  // namespace

void GetTeamHealth(const Env& env, Call call) {
  auto params = ParseFiguresParams(call.query, call.request.Header("Accept").value_or(""),
                                   env.deps.clock->NowMs());
  if (!params.ok()) return call.respond(ErrorResponse(params.status()));
  auto body = Figures(env, *params);
  if (!body.ok()) return call.respond(ErrorResponse(body.status()));
  if (params->format == OutputFormat::kJson) return call.respond(JsonOk(*body));
  call.respond(ListResponse(call.request, call.query, body->as_array(),
                            dto::TeamHealthRow(domain::TeamHealthReport{}, nullptr)));
}

void ExplainTeamHealth(const Env& env, Call call) {
  auto body = Explain(env, call.query);
  if (!body.ok()) return call.respond(ErrorResponse(body.status()));
  call.respond(JsonOk(*body));
}

}  // namespace emm::api
