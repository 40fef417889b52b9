// GET /api/v1/metrics/dora: exact DORA figures computed from the stored events over any range,
// narrowed by project, team and environment, optionally as a series of day/week/month buckets
// and split into groups. Definitions: the README's "DORA metrics from the database".
#include <boost/json.hpp>
#include <set>

#include "api/api.h"
#include "api/dto/csv.h"
#include "api/dto/dora_json.h"
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

struct DoraParams {
  storage::DoraQuery query;
  std::optional<domain::Interval> interval;
  std::optional<domain::GroupBy> group_by;
  Format format = Format::kJson;
};

Result<DoraParams> ParseDoraParams(const Query& q, std::string_view accept, TimeMs now) {
  static const std::set<std::string, std::less<>> kKnown = {
      "from",     "to",       "project_id", "team",   "environment",
      "interval", "group_by", "link",       "preset", "format"};
  for (const auto& [k, v] : q.items()) {
    if (!kKnown.count(k)) {
      return Bad(k,
                 "is not a parameter of this route (from, to, project_id, team, environment, "
                 "interval, group_by, link, preset, format)");
    }
  }
  DoraParams p;
  auto time = [&](const char* name) -> Result<std::optional<TimeMs>> {
    auto v = q.Get(name);
    if (!v) return std::optional<TimeMs>();
    auto t = ParseTimestamp(*v);
    if (!t) {
      return Bad(name, "\"" + v->substr(0, 64) +
                           "\" is not an RFC 3339 date-time with a zone, such as "
                           "2024-05-01T10:00:00Z");
    }
    return std::optional<TimeMs>(*t);
  };
  auto from = time("from");
  if (!from.ok()) return from.status();
  auto to = time("to");
  if (!to.ok()) return to.status();
  // Default: the 30 days up to now (or up to `to`).
  p.query.to = to->value_or(now);
  p.query.from = from->value_or(p.query.to - 30 * kDayMs);
  if (p.query.from >= p.query.to) return Bad("from", "must be before to");
  p.query.projects = All(q, "project_id");
  p.query.teams = All(q, "team");
  p.query.environments = All(q, "environment");

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
  if (auto v = q.Get("link"); v && *v != "explicit") {
    return Bad("link", *v == "previous_deployment"
                           ? "previous_deployment is not available in this version: incidents "
                             "are linked by their deployment_id only (explicit)"
                           : "must be explicit, got \"" + v->substr(0, 64) + "\"");
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
json::array DoraRows(const domain::DoraEvents& events, const DoraParams& p) {
  std::vector<std::pair<TimeMs, TimeMs>> ranges = {{p.query.from, p.query.to}};
  if (p.interval) ranges = domain::Buckets(p.query.from, p.query.to, *p.interval);
  json::array rows;
  for (const auto& [start, end] : ranges) {
    domain::DoraEvents slice = p.interval ? domain::Slice(events, start, end) : events;
    if (!p.group_by) {
      rows.push_back(dto::DoraRow(domain::ComputeDora(start, end, slice), nullptr));
      continue;
    }
    for (const auto& [key, ge] : domain::Partition(slice, *p.group_by)) {
      rows.push_back(dto::DoraRow(domain::ComputeDora(start, end, ge),
                                  key.empty() ? json::value() : json::value(key)));
    }
  }
  return rows;
}

Result<json::value> DoraResponse(storage::EventStore& store, const DoraParams& p) {
  auto events = store.LoadDoraEvents(p.query);
  if (!events.ok()) return events.status();
  const TimeMs from = p.query.from, to = p.query.to;
  if (p.interval) {
    size_t n = domain::Buckets(from, to, *p.interval).size();
    if (n > kMaxBuckets) {
      return Bad("interval", "makes " + std::to_string(n) + " buckets (at most " +
                                 std::to_string(kMaxBuckets) +
                                 "): use a longer interval or a shorter range");
    }
  }
  if (p.format != Format::kJson) return json::value(DoraRows(*events, p));
  json::object out{
      {"from", FormatTimestamp(from)}, {"to", FormatTimestamp(to)}, {"preset", "dora-2023"}};
  dto::AddDoraMetrics(domain::ComputeDora(from, to, *events), &out);
  if (p.interval) {
    auto buckets = domain::Buckets(from, to, *p.interval);
    // One read for the whole range, cut in memory: each bucket sees what its own range would.
    json::array series;
    for (const auto& [start, end] : buckets) {
      json::object b{{"start", FormatTimestamp(start)}, {"end", FormatTimestamp(end)}};
      dto::AddDoraMetrics(domain::ComputeDora(start, end, domain::Slice(*events, start, end)), &b);
      series.push_back(std::move(b));
    }
    out["series"] = std::move(series);
  }
  if (p.group_by) {
    json::array groups;
    for (const auto& [key, ge] : domain::Partition(*events, *p.group_by)) {
      json::object g{{"key", json::object{{GroupKeyName(*p.group_by),
                                           key.empty() ? json::value() : json::value(key)}}}};
      dto::AddDoraMetrics(domain::ComputeDora(from, to, ge), &g);
      groups.push_back(std::move(g));
    }
    out["groups"] = std::move(groups);
  }
  return json::value(std::move(out));
}

}  // namespace

void Api::AddDoraRoutes() {
  const ApiDeps& deps = deps_;
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
