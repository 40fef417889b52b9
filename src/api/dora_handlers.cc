// GET /api/v1/metrics/dora: exact DORA figures computed from the stored events over any range,
// narrowed by project, team and environment, optionally as a series of day/week/month buckets
// and split into groups. Definitions: the README's "DORA metrics from the database".
#include <boost/json.hpp>
#include <chrono>

#include "api/dto/csv.h"
#include "api/dto/dora_json.h"
#include "api/error_response.h"
#include "api/handlers.h"
#include "api/query_params.h"
#include "common/log.h"
#include "common/time_zone.h"
#include "domain/dora.h"

namespace emm::api {
namespace {

namespace json = boost::json;

struct DoraParams {
  storage::DoraQuery query;
  std::optional<domain::Interval> interval;
  TimeZone tz;  // whose midnights cut the series (UTC unless tz= names a zone)
  bool tz_given = false;
  std::optional<domain::GroupBy> group_by;
  domain::Preset preset = domain::Preset::kDora2023;
  OutputFormat format = OutputFormat::kJson;
};

Result<DoraParams> ParseDoraParams(const Query& q, std::string_view accept, TimeMs now) {
  DoraParams p;
  // tz first: dates in from and to are its midnights.
  auto tz = TzParam(q);
  if (!tz.ok()) return tz.status();
  if (*tz) {
    p.tz = std::move(**tz);
    p.tz_given = true;
  }
  auto range = DoraRangeParams(q, now, p.tz);
  if (!range.ok()) return range.status();
  p.query = std::move(*range);
  auto interval = IntervalParam(q);
  if (!interval.ok()) return interval.status();
  p.interval = *interval;
  auto group_by = ChoiceParam(q, "group_by", {"project", "team", "environment"});
  if (!group_by.ok()) return group_by.status();
  if (*group_by) {
    static constexpr domain::GroupBy kGroups[] = {domain::GroupBy::kProject, domain::GroupBy::kTeam,
                                                  domain::GroupBy::kEnvironment};
    p.group_by = kGroups[**group_by];
  }
  auto link = LinkParam(q);
  if (!link.ok()) return link.status();
  p.query.link_previous = *link;
  auto preset = ChoiceParam(q, "preset", {"dora-2023", "dora-2024"});
  if (!preset.ok()) return preset.status();
  if (*preset == std::optional<size_t>(1)) p.preset = domain::Preset::kDora2024;
  auto format = FormatParam(q, accept);
  if (!format.ok()) return format.status();
  p.format = *format;
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
      rows.push_back(dto::DoraRow(domain::ComputeDora(start, end, slice, p.preset), nullptr));
      continue;
    }
    for (const auto& [key, part] : domain::Partition(slice, *p.group_by)) {
      rows.push_back(dto::DoraRow(domain::ComputeDora(start, end, part, p.preset),
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
    if (Status s = domain::CheckBucketCount(buckets.size()); !s.ok()) return s;
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
  if (p.format != OutputFormat::kJson) return json::value(DoraRows(*facts, p));
  json::object out{
      {"from", FormatTimestamp(from)}, {"to", FormatTimestamp(to)},
      {"preset", domain::PresetName(p.preset)}};
  if (p.tz_given) out["tz"] = p.tz.name();
  dto::AddDoraMetrics(domain::ComputeDora(from, to, *facts, p.preset), &out);
  if (p.interval) {
    // One read for the whole range, cut in memory: each bucket sees what its own range would.
    std::vector<domain::DoraFacts> slices = domain::Split(*facts, buckets);
    json::array series;
    for (size_t k = 0; k < buckets.size(); ++k) {
      const auto& [start, end] = buckets[k];
      json::object b{{"start", FormatTimestamp(start)}, {"end", FormatTimestamp(end)}};
      dto::AddDoraMetrics(domain::ComputeDora(start, end, slices[k], p.preset), &b);
      series.push_back(std::move(b));
    }
    out["series"] = std::move(series);
  }
  if (p.group_by) {
    json::array groups;
    for (const auto& [key, part] : domain::Partition(*facts, *p.group_by)) {
      json::object g{{"key", json::object{{GroupKeyName(*p.group_by),
                                           key.empty() ? json::value() : json::value(key)}}}};
      dto::AddDoraMetrics(domain::ComputeDora(from, to, part, p.preset), &g);
      groups.push_back(std::move(g));
    }
    out["groups"] = std::move(groups);
  }
  return json::value(std::move(out));
}

}  // namespace

void GetDora(const Env& env, Call call) {
  auto params = ParseDoraParams(call.query, call.request.Header("Accept").value_or(""),
                                env.deps.clock->NowMs());
  if (!params.ok()) return call.respond(ErrorResponse(params.status()));
  auto body = DoraResponse(*env.deps.store, *params);
  if (!body.ok()) return call.respond(ErrorResponse(body.status()));
  if (params->format != OutputFormat::kCsv) {
    return call.respond(http::Response::Json(200, json::serialize(*body)));
  }
  const json::array& rows = body->as_array();
  std::vector<std::string> columns =
      dto::ColumnsOf(rows.empty() ? json::array{dto::DoraRow({}, nullptr)} : rows);
  http::Response res = http::Response::Empty(200);
  res.content_type = dto::kCsvContentType;
  res.body = dto::ToCsv(columns, rows);
  call.respond(std::move(res));
}

}  // namespace emm::api
