// GET /api/v1/metrics/dora: exact DORA figures computed from the stored events over any range,
// narrowed by project, team and environment, optionally as a series of day/week/month buckets
// and split into groups. Definitions: the README's "DORA metrics from the database".
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <set>

#include "api/api.h"
#include "common/log.h"
#include "common/time_zone.h"
#include "api/dto/csv.h"
#include "api/dto/dora_json.h"
#include "api/dto/events_json.h"
#include "api/error_response.h"
#include "api/query.h"

namespace emm::api {
namespace {

namespace json = boost::json;
using http::Request;
using http::Responder;
using http::Response;

constexpr TimeMs kDayMs = 86400000;
constexpr size_t kMaxBuckets = 1000;

Status Bad(std::string param, std::string message) {
  return Status::InvalidArgument(std::move(param), std::move(message));
}

std::vector<std::string> All(const Query& q, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : q.items()) {
    if (k == name) out.push_back(v);
  }
  return out;
}

enum class Format { kJson, kRows, kCsv };

// RFC 3339, or Unix milliseconds (what Grafana's ${__from} and ${__to} give).
Result<std::optional<TimeMs>> TimeParam(const Query& q, const char* name) {
  auto v = q.Get(name);
  if (!v) return std::optional<TimeMs>();
  if (!v->empty() && v->size() <= 15 && v->find_first_not_of("0123456789") == std::string::npos) {
    return std::optional<TimeMs>(std::stoll(*v));
  }
  auto t = ParseTimestamp(*v);
  if (!t) {
    return Bad(name, "\"" + v->substr(0, 64) +
                         "\" is not an RFC 3339 date-time with a zone (2024-05-01T10:00:00Z) "
                         "or Unix milliseconds");
  }
  return std::optional<TimeMs>(*t);
}

// from/to (default: the 30 days up to now, or up to `to`) and the repeatable filters.
Status ParseRangeAndFilters(const Query& q, TimeMs now, storage::DoraQuery* out) {
  auto from = TimeParam(q, "from");
  if (!from.ok()) return from.status();
  auto to = TimeParam(q, "to");
  if (!to.ok()) return to.status();
  out->to = to->value_or(now);
  out->from = from->value_or(out->to - 30 * kDayMs);
  if (out->from >= out->to) return Bad("from", "must be before to");
  out->projects = All(q, "project_id");
  out->teams = All(q, "team");
  out->environments = All(q, "environment");
  return Status::Ok();
}

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
  static const std::set<std::string, std::less<>> kKnown = {"from", "to",          "project_id",
                                                            "team", "environment", "type"};
  for (const auto& [k, v] : q.items()) {
    if (!kKnown.count(k)) {
      return Bad(k,
                 "is not a parameter of this route (from, to, project_id, team, environment, "
                 "type)");
    }
  }
  storage::DoraQuery range;
  EMM_RETURN_IF_ERROR(ParseRangeAndFilters(q, now, &range));
  bool deployments = true, incidents = true;
  if (auto type = q.Get("type")) {
    if (*type != "deployment" && *type != "incident") {
      return Bad("type", "must be deployment or incident, got \"" + type->substr(0, 64) + "\"");
    }
    deployments = *type == "deployment";
    incidents = *type == "incident";
  }
  auto timeline = store.LoadTimeline(range);
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
                         d.environment + ", lead time " + Human(at - d.first_commit_at) + ", " +
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

// GET /api/v1/metrics/dora/explain: the events behind one figure, each with its value, and what
// was left out and why. Both lists are paged, each with its own position (opaque to clients):
// `counted` with cursor, `left_out` with left_out_cursor; limit applies to each.
Result<json::object> Explain(storage::EventStore& store, const Query& q, TimeMs now) {
  static const std::set<std::string, std::less<>> kKnown = {
      "metric", "from",   "to",     "project_id",     "team",
      "environment", "limit", "cursor", "left_out_cursor", "link"};
  for (const auto& [k, v] : q.items()) {
    if (!kKnown.count(k)) {
      return Bad(k,
                 "is not a parameter of this route (metric, from, to, project_id, team, "
                 "environment, link, limit, cursor, left_out_cursor)");
    }
  }
  static const std::set<std::string, std::less<>> kMetrics = {"deployment_frequency",
                                                              "lead_time_for_changes",
                                                              "change_failure_rate",
                                                              "time_to_restore",
                                                              "failed_deployment_recovery_time",
                                                              "rework_rate",
                                                              "time_to_detect",
                                                              "deployment_duration"};
  auto metric = q.Get("metric");
  if (!metric) return Bad("metric", "is required (one of the figures' names)");
  if (!kMetrics.count(*metric)) {
    return Bad("metric", "\"" + metric->substr(0, 64) + "\" is not a figure of /metrics/dora");
  }
  storage::DoraQuery range;
  EMM_RETURN_IF_ERROR(ParseRangeAndFilters(q, now, &range));
  if (auto v = q.Get("link")) {
    if (*v != "explicit" && *v != "previous_deployment") {
      return Bad("link",
                 "must be explicit or previous_deployment, got \"" + v->substr(0, 64) + "\"");
    }
    range.link_previous = *v == "previous_deployment";
  }
  const char* const link = range.link_previous ? "previous_deployment" : "explicit";
  auto number = [&](const char* name, int64_t def, int64_t min, int64_t max) -> Result<int64_t> {
    auto v = q.Get(name);
    if (!v) return def;
    if (v->empty() || v->size() > 12 || v->find_first_not_of("0123456789") != std::string::npos ||
        std::stoll(*v) < min || std::stoll(*v) > max) {
      return Bad(name, "must be a whole number from " + std::to_string(min) + " to " +
                           std::to_string(max));
    }
    return std::stoll(*v);
  };
  auto limit = number("limit", 100, 1, 1000);
  if (!limit.ok()) return limit.status();
  auto cursor = number("cursor", 0, 0, INT64_MAX / 2);
  if (!cursor.ok()) return cursor.status();
  auto left_out_cursor = number("left_out_cursor", 0, 0, INT64_MAX / 2);
  if (!left_out_cursor.ok()) return left_out_cursor.status();

  auto events = store.LoadDoraEvents(range);
  if (!events.ok()) return events.status();
  // Which rule linked what: with previous_deployment, what the explicit links alone give tells
  // the two apart (deployments failed by an explicit link; incidents stored with a deployment).
  std::set<std::string, std::less<>> failed_explicitly;
  std::set<std::string, std::less<>> linked_explicitly;
  if (range.link_previous) {
    storage::DoraQuery plain = range;
    plain.link_previous = false;
    auto explicit_only = store.LoadDoraEvents(plain);
    if (!explicit_only.ok()) return explicit_only.status();
    for (const auto& d : explicit_only->deployed) {
      if (d.failed) failed_explicitly.insert(d.id);
    }
    for (const auto& [i, at] : explicit_only->detected) linked_explicitly.insert(i.id);
  }
  auto rule_of_incident = [&](const domain::Incident& i) {
    return !range.link_previous || linked_explicitly.count(i.id) ? "explicit"
                                                                 : "previous_deployment";
  };
  std::set<std::string, std::less<>> detected_ids;
  for (const auto& [i, at] : events->detected) detected_ids.insert(i.id);
  // Whole seconds as integers ("3600", not "3.6E3").
  auto seconds = [](TimeMs from, TimeMs to) {
    TimeMs ms = to - from;
    return ms % 1000 == 0 ? json::value(ms / 1000) : json::value(static_cast<double>(ms) / 1000.0);
  };
  json::array counted, left_out;
  const std::string& m = *metric;
  const bool deployment_figure = m != "time_to_restore" && m != "time_to_detect";

  if (m == "time_to_restore") {
    for (const domain::Incident& i : events->restored) {
      json::object o = dto::ToJson(i);
      o["value"] = seconds(i.started_at, *i.restored_at);
      counted.push_back(std::move(o));
    }
    auto timeline = store.LoadTimeline(range);
    if (!timeline.ok()) return timeline.status();
    for (const domain::Incident& i : timeline->second) {
      if (!i.restored_at && i.started_at >= range.from) {
        left_out.push_back(json::object{{"id", i.id}, {"reason", "not restored yet"}});
      }
    }
  } else if (m == "time_to_detect") {
    for (const auto& [i, deployed_at] : events->detected) {
      if (i.started_at < deployed_at) {
        left_out.push_back(json::object{
            {"id", i.id}, {"reason", "started before its deployment reached production"}});
        continue;
      }
      json::object o = dto::ToJson(i);
      o["deployment_deployed_at"] = FormatTimestamp(deployed_at);
      o["link"] = rule_of_incident(i);
      o["value"] = seconds(deployed_at, i.started_at);
      counted.push_back(std::move(o));
    }
    auto timeline = store.LoadTimeline(range);
    if (!timeline.ok()) return timeline.status();
    for (const domain::Incident& i : timeline->second) {
      if (!i.deployment_id && i.started_at >= range.from && !detected_ids.count(i.id)) {
        left_out.push_back(json::object{
            {"id", i.id},
            {"reason", range.link_previous
                           ? "no deployment_id, and no deployment of its project and environment "
                             "before it started (link=previous_deployment)"
                           : "no deployment_id: not linked to a deployment (link=explicit)"}});
      }
    }
  } else {
    std::vector<const domain::Deployment*> sorted;
    for (const domain::Deployment& d : events->deployed) sorted.push_back(&d);
    std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
      return std::tie(*a->deployed_at, a->id) < std::tie(*b->deployed_at, b->id);
    });
    for (const domain::Deployment* d : sorted) {
      const TimeMs at = *d->deployed_at;
      if (m == "failed_deployment_recovery_time") {
        if (!d->failed) continue;
        if (!d->recovered_at || *d->recovered_at < at) {
          left_out.push_back(json::object{{"id", d->id}, {"reason", "failed, not recovered yet"}});
          continue;
        }
      }
      json::object o{{"id", d->id},
                     {"project_id", d->project_id},
                     {"team_id", d->team_id.empty() ? json::value() : json::value(d->team_id)},
                     {"environment", d->environment},
                     {"deployed_at", FormatTimestamp(at)},
                     {"kind", domain::DeploymentKindName(d->kind)}};
      if (m == "lead_time_for_changes") o["value"] = seconds(d->first_commit_at, at);
      if (m == "deployment_duration") o["value"] = seconds(d->deploy_start_at, at);
      if (m == "change_failure_rate") {
        o["failed"] = d->failed;
        // The rule that made it failed; for one that did not fail, the rule that was applied.
        o["link"] = d->failed && range.link_previous && !failed_explicitly.count(d->id)
                        ? "previous_deployment"
                        : (d->failed ? "explicit" : link);
      }
      if (m == "rework_rate") o["rework"] = d->kind != domain::DeploymentKind::kPlanned;
      if (m == "failed_deployment_recovery_time") {
        o["recovered_at"] = FormatTimestamp(*d->recovered_at);
        o["value"] = seconds(at, *d->recovered_at);
      }
      counted.push_back(std::move(o));
    }
  }
  // [position, position + limit) of a list, and the position after it (null at the end).
  auto page = [&](const json::array& all, int64_t position) {
    const size_t total = all.size();
    const size_t begin = std::min<size_t>(static_cast<size_t>(position), total);
    const size_t end = std::min<size_t>(begin + static_cast<size_t>(*limit), total);
    json::array items(all.begin() + static_cast<std::ptrdiff_t>(begin),
                      all.begin() + static_cast<std::ptrdiff_t>(end));
    json::value next = end < total ? json::value(std::to_string(end)) : json::value();
    return std::pair(std::move(items), std::move(next));
  };
  auto [counted_page, next_cursor] = page(counted, *cursor);
  auto [left_out_page, left_out_next] = page(left_out, *left_out_cursor);
  if (deployment_figure) {
    // Never-deployed deployments follow, in `left_out`, what was loaded with the range's events.
    // There may be any number: the store reads only the page's share of them, plus one to tell
    // whether there is a next page.
    const int64_t loaded = static_cast<int64_t>(left_out.size());
    const int64_t end = *left_out_cursor + *limit;
    const int64_t offset = std::max<int64_t>(0, *left_out_cursor - loaded);
    const int64_t count = end + 1 - std::max(loaded, *left_out_cursor);
    if (count > 0) {
      auto undeployed = store.ListUndeployed(range, offset, count);
      if (!undeployed.ok()) return undeployed.status();
      for (const domain::Deployment& d : *undeployed) {
        if (static_cast<int64_t>(left_out_page.size()) == *limit) {  // the extra one
          left_out_next = json::value(std::to_string(end));
          break;
        }
        left_out_page.push_back(json::object{
            {"id", d.id}, {"reason", "started in the range but never marked deployed"}});
      }
    }
  }
  return json::object{{"metric", m},
                      {"from", FormatTimestamp(range.from)},
                      {"to", FormatTimestamp(range.to)},
                      {"link", link},
                      {"total", counted.size()},
                      {"counted", std::move(counted_page)},
                      {"next_cursor", std::move(next_cursor)},
                      {"left_out", std::move(left_out_page)},
                      {"left_out_next_cursor", std::move(left_out_next)}};
}

struct DoraParams {
  storage::DoraQuery query;
  std::optional<domain::Interval> interval;
  TimeZone tz;  // whose midnights cut the series (UTC unless tz= names a zone)
  bool tz_given = false;
  std::optional<domain::GroupBy> group_by;
  Format format = Format::kJson;
};

Result<DoraParams> ParseDoraParams(const Query& q, std::string_view accept, TimeMs now) {
  static const std::set<std::string, std::less<>> kKnown = {
      "from",     "to",       "project_id", "team",   "environment",
      "interval", "group_by", "link",       "preset", "format",      "tz"};
  for (const auto& [k, v] : q.items()) {
    if (!kKnown.count(k)) {
      return Bad(k,
                 "is not a parameter of this route (from, to, project_id, team, environment, "
                 "interval, tz, group_by, link, preset, format)");
    }
  }
  DoraParams p;
  EMM_RETURN_IF_ERROR(ParseRangeAndFilters(q, now, &p.query));

  if (auto v = q.Get("interval")) {
    if (*v == "day") {
      p.interval = domain::Interval::kDay;
    } else if (*v == "week") {
      p.interval = domain::Interval::kWeek;
    } else if (*v == "month") {
      p.interval = domain::Interval::kMonth;
    } else {
      return Bad("interval", "must be day, week or month, got \"" + v->substr(0, 64) + "\"");
    }
  }
  if (auto v = q.Get("tz")) {
    auto tz = TimeZone::Load(*v);
    if (!tz.ok()) return tz.status();
    p.tz = std::move(*tz);
    p.tz_given = true;
  }
  if (auto v = q.Get("group_by")) {
    if (*v == "project") {
      p.group_by = domain::GroupBy::kProject;
    } else if (*v == "team") {
      p.group_by = domain::GroupBy::kTeam;
    } else if (*v == "environment") {
      p.group_by = domain::GroupBy::kEnvironment;
    } else {
      return Bad("group_by",
                 "must be project, team or environment, got \"" + v->substr(0, 64) + "\"");
    }
  }
  if (auto v = q.Get("link")) {
    if (*v != "explicit" && *v != "previous_deployment") {
      return Bad("link",
                 "must be explicit or previous_deployment, got \"" + v->substr(0, 64) + "\"");
    }
    p.query.link_previous = *v == "previous_deployment";
  }
  if (auto v = q.Get("preset"); v && *v != "dora-2023") {
    return Bad("preset", "must be dora-2023, got \"" + v->substr(0, 64) + "\"");
  }
  auto format = q.Get("format");
  if (format && *format != "json" && *format != "rows" && *format != "csv") {
    return Bad("format", "must be json, rows or csv, got \"" + format->substr(0, 64) + "\"");
  }
  if (dto::WantsCsv(format, accept)) {
    p.format = Format::kCsv;
  } else if (format == "rows") {
    p.format = Format::kRows;
  }
  return p;
}

const char* GroupKeyName(domain::GroupBy by) {
  return by == domain::GroupBy::kProject ? "project"
         : by == domain::GroupBy::kTeam  ? "team"
                                         : "environment";
}

// Flat rows: one per bucket (interval), per group (group_by), per both, or one for the range.
json::array DoraRows(const domain::DoraFacts& facts, const DoraParams& p) {
  std::vector<std::pair<TimeMs, TimeMs>> ranges = {{p.query.from, p.query.to}};
  std::vector<domain::DoraFacts> slices;
  if (p.interval) {
    ranges = domain::Buckets(p.query.from, p.query.to, *p.interval, p.tz);
    slices = domain::Split(facts, ranges);
  }
  json::array rows;
  for (size_t k = 0; k < ranges.size(); ++k) {
    const auto& [start, end] = ranges[k];
    const domain::DoraFacts& slice = p.interval ? slices[k] : facts;
    if (!p.group_by) {
      rows.push_back(dto::DoraRow(domain::ComputeDora(start, end, slice), nullptr));
      continue;
    }
    for (const auto& [key, part] : domain::Partition(slice, *p.group_by)) {
      rows.push_back(dto::DoraRow(domain::ComputeDora(start, end, part),
                                  key.empty() ? json::value() : json::value(key)));
    }
  }
  return rows;
}

Result<json::value> DoraResponse(storage::EventStore& store, const DoraParams& p) {
  const TimeMs from = p.query.from, to = p.query.to;
  std::vector<std::pair<TimeMs, TimeMs>> buckets;
  if (p.interval) {
    buckets = domain::Buckets(from, to, *p.interval, p.tz);
    if (buckets.size() > kMaxBuckets) {
      return Bad("interval", "makes " + std::to_string(buckets.size()) + " buckets (at most " +
                                 std::to_string(kMaxBuckets) +
                                 "): use a longer interval or a shorter range");
    }
  }
  const auto started = std::chrono::steady_clock::now();
  auto facts = store.LoadDoraFacts(p.query);
  if (!facts.ok()) return facts.status();
  log::Debug("dora range read",
             {{"deployments", static_cast<int64_t>(facts->deployed.size())},
              {"restored", static_cast<int64_t>(facts->restored.size())},
              {"detected", static_cast<int64_t>(facts->detected.size())},
              {"groups", static_cast<int64_t>(facts->groups.size())},
              {"read_us", static_cast<int64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - started)
                              .count())}});
  if (p.format != Format::kJson) return json::value(DoraRows(*facts, p));
  json::object out{
      {"from", FormatTimestamp(from)}, {"to", FormatTimestamp(to)}, {"preset", "dora-2023"}};
  if (p.tz_given) out["tz"] = p.tz.name();
  dto::AddDoraMetrics(domain::ComputeDora(from, to, *facts), &out);
  if (p.interval) {
    // One read for the whole range, cut in memory: each bucket sees what its own range would.
    std::vector<domain::DoraFacts> slices = domain::Split(*facts, buckets);
    json::array series;
    for (size_t k = 0; k < buckets.size(); ++k) {
      const auto& [start, end] = buckets[k];
      json::object b{{"start", FormatTimestamp(start)}, {"end", FormatTimestamp(end)}};
      dto::AddDoraMetrics(domain::ComputeDora(start, end, slices[k]), &b);
      series.push_back(std::move(b));
    }
    out["series"] = std::move(series);
  }
  if (p.group_by) {
    json::array groups;
    for (const auto& [key, part] : domain::Partition(*facts, *p.group_by)) {
      json::object g{{"key", json::object{{GroupKeyName(*p.group_by),
                                           key.empty() ? json::value() : json::value(key)}}}};
      dto::AddDoraMetrics(domain::ComputeDora(from, to, part), &g);
      groups.push_back(std::move(g));
    }
    out["groups"] = std::move(groups);
  }
  return json::value(std::move(out));
}

}  // namespace

void Api::AddDoraRoutes() {
  const ApiDeps& deps = deps_;
  router_.Add({"GET", "/api/v1/metrics/dora/explain", true,
               [&deps](const Request& req, const PathParams&, Responder r) {
                 auto body = Explain(*deps.store, Query::Parse(req.query), deps.clock->NowMs());
                 if (!body.ok()) return r(ErrorResponse(body.status()));
                 r(Response::Json(200, json::serialize(*body)));
               }});
  router_.Add({"GET", "/api/v1/annotations", true,
               [&deps](const Request& req, const PathParams&, Responder r) {
                 auto rows = Annotations(*deps.store, Query::Parse(req.query), deps.clock->NowMs());
                 if (!rows.ok()) return r(ErrorResponse(rows.status()));
                 r(Response::Json(200, json::serialize(*rows)));
               }});
  router_.Add({"GET", "/api/v1/metrics/dora", true,
               [&deps](const Request& req, const PathParams&, Responder r) {
                 auto params =
                     ParseDoraParams(Query::Parse(req.query), req.Header("Accept").value_or(""),
                                     deps.clock->NowMs());
                 if (!params.ok()) return r(ErrorResponse(params.status()));
                 auto body = DoraResponse(*deps.store, *params);
                 if (!body.ok()) return r(ErrorResponse(body.status()));
                 if (params->format != Format::kCsv) {
                   return r(Response::Json(200, json::serialize(*body)));
                 }
                 const json::array& rows = body->as_array();
                 std::vector<std::string> columns =
                     dto::ColumnsOf(rows.empty() ? json::array{dto::DoraRow({}, nullptr)} : rows);
                 Response res = Response::Empty(200);
                 res.content_type = dto::kCsvContentType;
                 res.body = dto::ToCsv(columns, rows);
                 r(std::move(res));
               }});
}

}  // namespace emm::api
