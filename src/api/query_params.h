// Query-parameter parsers shared by every route, so that a parameter means the same thing and is
// refused with the same message wherever it appears. Each failure is a 400 naming the parameter.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/query.h"
#include "api/router.h"
#include "common/status.h"
#include "common/time.h"
#include "common/time_zone.h"
#include "storage/event_store.h"

namespace emm::api {

// Refuses every parameter whose name is not in `known`, one field error per unknown name (each
// named once, however often it was repeated), the message listing what the route takes.
Status RequireKnown(const Query& q, std::span<const std::string_view> known);

// Refuses a value with a control character (a NUL, a newline, ...) in a path segment or in a
// parameter of `known`, naming each. No stored id or name holds one (the bodies' fields refuse
// them too), and PostgreSQL would cut a NUL's text short and match something else.
Status RequirePrintable(const Query& q, std::span<const std::string_view> known,
                        const PathParams& path);

// A point in time: RFC 3339 with a zone ("2024-05-01T10:00:00Z"), Unix milliseconds (Grafana's
// ${__from}), or a plain date "2024-05-01" meaning local midnight of that day in `tz` (UTC by
// default). Absent: nullopt. A date that does not exist (2026-02-30) is refused.
Result<std::optional<TimeMs>> TimeParam(const Query& q, std::string_view name,
                                        const TimeZone& tz = TimeZone());

// A calendar date "2024-05-01" and nothing else, as days since 1970-01-01 (GitLab's start_date
// and end_date). Absent: nullopt. A date that does not exist (2026-02-30) is refused.
Result<std::optional<int64_t>> DateParam(const Query& q, std::string_view name);

// A whole number in [min, max]; absent: `def`.
Result<int64_t> IntParam(const Query& q, std::string_view name, int64_t def, int64_t min,
                         int64_t max);

// Every value of a repeatable parameter (project_id=a&project_id=b), in order.
std::vector<std::string> ListParam(const Query& q, std::string_view name);

// Every value of a repeatable parameter, each also split at commas
// (environment_tiers=production,staging&environment_tiers=other), empty items dropped.
std::vector<std::string> CommaListParam(const Query& q, std::string_view name);

// One of `choices`: its index; absent: nullopt. Refused otherwise, naming the choices.
Result<std::optional<size_t>> ChoiceParam(const Query& q, std::string_view name,
                                          std::initializer_list<std::string_view> choices);
Result<std::optional<size_t>> ChoiceParam(const Query& q, std::string_view name,
                                          std::span<const std::string_view> choices);

// link=explicit (the default) or previous_deployment: whether incidents without a deployment_id
// are linked to the previous deployment of their project and environment.
Result<bool> LinkParam(const Query& q);

// tz: an IANA zone name; absent: nullopt (the caller's default is UTC).
Result<std::optional<TimeZone>> TzParam(const Query& q);

// from and to of a DORA-style range [from, to): to defaults to `now`, from to `default_span_ms`
// before to; from must be before to. Dates are midnights in `tz`.
struct TimeRange {
  TimeMs from = 0;
  TimeMs to = 0;
};
Result<TimeRange> RangeParams(const Query& q, TimeMs now, TimeMs default_span_ms,
                              const TimeZone& tz);

// interval=day|week|month (the figures' series); absent: nullopt.
Result<std::optional<domain::Interval>> IntervalParam(const Query& q);

// What a figures route answers: JSON (its own shape), flat JSON rows (format=rows), or those rows
// as CSV (format=csv, or an Accept header naming text/csv).
enum class OutputFormat { kJson, kRows, kCsv };
Result<OutputFormat> FormatParam(const Query& q, std::string_view accept);

// An explanation's two paged lists: limit (1-1000, default 100) applies to each; cursor and
// left_out_cursor are each list's position (a previous answer's next_cursor, left_out_next_cursor).
struct ExplainPaging {
  int64_t limit = 100;
  int64_t cursor = 0;
  int64_t left_out_cursor = 0;
};
Result<ExplainPaging> ExplainPagingParams(const Query& q);

// [begin, end) of a list of `total` items from `position`, `limit` of them, and the position after
// it (the next cursor: nullopt at the end).
struct Page {
  size_t begin = 0;
  size_t end = 0;
  std::optional<size_t> next;
};
Page PageOf(size_t total, int64_t position, int64_t limit);

// The repeatable project_id, team and environment filters of the DORA routes; the range and
// `link` are left to the caller.
storage::DoraQuery DoraFilterParams(const Query& q);

// The range (RangeParams, 30 days by default) and the filters (DoraFilterParams) of the DORA
// routes (figures, explain, annotations). `link` is left to the caller.
Result<storage::DoraQuery> DoraRangeParams(const Query& q, TimeMs now, const TimeZone& tz);

}  // namespace emm::api
