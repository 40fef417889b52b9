#include "api/query_params.h"

#include <algorithm>
#include <charconv>

#include "api/dto/csv.h"
#include "common/strings.h"

namespace emm::api {
namespace {

// Values are echoed in messages, cut so that a long one cannot bloat the answer.
std::string Quoted(const std::string& v) { return "\"" + v.substr(0, 64) + "\""; }

template <typename Names>
std::string Joined(const Names& names, const char* last_sep) {
  std::string out;
  size_t i = 0;
  for (std::string_view n : names) {
    if (i > 0) out += i + 1 == names.size() ? last_sep : ", ";
    out += n;
    ++i;
  }
  return out;
}

// `v`, the value of `name`, as a date "YYYY-MM-DD" (days since 1970-01-01).
Result<int64_t> ParseDate(std::string_view name, const std::string& v) {
  if (auto days = ParseCivilDate(v)) return *days;
  const bool date_shaped = v.size() == 10 && v[4] == '-' && v[7] == '-';
  return Status::InvalidArgument(std::string(name),
                                 Quoted(v) + (date_shaped ? " is not a date that exists (YYYY-MM-DD)"
                                                          : " is not a date (YYYY-MM-DD)"));
}

// Adds `field`'s error unless it is named already (a parameter given several times).
void NameOnce(std::vector<FieldError>& errors, const std::string& field, std::string message) {
  bool named = std::any_of(errors.begin(), errors.end(),
                           [&](const FieldError& e) { return e.field == field; });
  if (!named) errors.push_back({field, std::move(message)});
}

}  // namespace

Status RequireKnown(const Query& q, std::span<const std::string_view> known) {
  std::vector<FieldError> errors;
  for (const auto& [k, v] : q.items()) {
    if (std::find(known.begin(), known.end(), k) != known.end()) continue;
    NameOnce(errors, k,
             known.size() == 0 ? std::string("is not a parameter of this route (it takes none)")
                               : "is not a parameter of this route (" + Joined(known, ", ") + ")");
  }
  return errors.empty() ? Status::Ok() : Status::Invalid(std::move(errors));
}

Status RequirePrintable(const Query& q, std::span<const std::string_view> known,
                        const PathParams& path) {
  std::vector<FieldError> errors;
  auto check = [&](const std::string& name, const std::string& value) {
    if (HasControlCharacter(value)) NameOnce(errors, name, kNoControlCharacters);
  };
  for (const auto& [name, value] : path) check(name, value);
  for (const auto& [k, v] : q.items()) {
    if (std::find(known.begin(), known.end(), k) != known.end()) check(k, v);
  }
  return errors.empty() ? Status::Ok() : Status::Invalid(std::move(errors));
}

Result<std::optional<TimeMs>> TimeParam(const Query& q, std::string_view name,
                                        const TimeZone& tz) {
  auto v = q.Get(name);
  if (!v) return std::optional<TimeMs>();
  // Unix milliseconds: up to 15 digits (to the year 33658), nothing else.
  if (!v->empty() && v->size() <= 15 && v->find_first_not_of("0123456789") == std::string::npos) {
    return std::optional<TimeMs>(std::stoll(*v));
  }
  if (v->size() == 10 && (*v)[4] == '-' && (*v)[7] == '-') {
    auto days = ParseDate(name, *v);
    if (!days.ok()) return days.status();
    return std::optional<TimeMs>(tz.ToUtc(*days * 86400000));
  }
  if (auto t = ParseTimestamp(*v)) return std::optional<TimeMs>(*t);
  return Status::InvalidArgument(std::string(name),
                                 Quoted(*v) +
                                     " is not an RFC 3339 date-time with a zone "
                                     "(2024-05-01T10:00:00Z), a date (2024-05-01) or Unix "
                                     "milliseconds");
}

Result<std::optional<int64_t>> DateParam(const Query& q, std::string_view name) {
  auto v = q.Get(name);
  if (!v) return std::optional<int64_t>();
  auto days = ParseDate(name, *v);
  if (!days.ok()) return days.status();
  return std::optional<int64_t>(*days);
}

Result<int64_t> IntParam(const Query& q, std::string_view name, int64_t def, int64_t min,
                         int64_t max) {
  auto v = q.Get(name);
  if (!v) return def;
  int64_t n = 0;
  auto r = std::from_chars(v->data(), v->data() + v->size(), n);
  if (r.ec != std::errc() || r.ptr != v->data() + v->size() || n < min || n > max) {
    return Status::InvalidArgument(
        std::string(name),
        "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return n;
}

std::vector<std::string> ListParam(const Query& q, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : q.items()) {
    if (k == name) out.push_back(v);
  }
  return out;
}

std::vector<std::string> CommaListParam(const Query& q, std::string_view name) {
  std::vector<std::string> out;
  for (const std::string& v : ListParam(q, name)) {
    size_t start = 0;
    while (start <= v.size()) {
      size_t comma = v.find(',', start);
      if (comma == std::string::npos) comma = v.size();
      if (comma > start) out.push_back(v.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return out;
}

Result<std::optional<size_t>> ChoiceParam(const Query& q, std::string_view name,
                                          std::initializer_list<std::string_view> choices) {
  return ChoiceParam(q, name, std::span<const std::string_view>(choices.begin(), choices.size()));
}

Result<std::optional<size_t>> ChoiceParam(const Query& q, std::string_view name,
                                          std::span<const std::string_view> choices) {
  auto v = q.Get(name);
  if (!v) return std::optional<size_t>();
  size_t i = 0;
  for (std::string_view c : choices) {
    if (*v == c) return std::optional<size_t>(i);
    ++i;
  }
  return Status::InvalidArgument(std::string(name),
                                 "must be " + Joined(choices, " or ") + ", got " + Quoted(*v));
}

Result<bool> LinkParam(const Query& q) {
  auto link = ChoiceParam(q, "link", {"explicit", "previous_deployment"});
  if (!link.ok()) return link.status();
  return *link == std::optional<size_t>(1);
}

Result<std::optional<TimeZone>> TzParam(const Query& q) {
  auto v = q.Get("tz");
  if (!v) return std::optional<TimeZone>();
  auto tz = TimeZone::Load(*v);
  if (!tz.ok()) return tz.status();
  return std::optional<TimeZone>(std::move(*tz));
}

Result<TimeRange> RangeParams(const Query& q, TimeMs now, TimeMs default_span_ms,
                              const TimeZone& tz) {
  auto from = TimeParam(q, "from", tz);
  if (!from.ok()) return from.status();
  auto to = TimeParam(q, "to", tz);
  if (!to.ok()) return to.status();
  TimeRange r;
  r.to = to->value_or(now);
  r.from = from->value_or(r.to - default_span_ms);
  if (r.from >= r.to) return Status::InvalidArgument("from", "must be before to");
  return r;
}

Result<std::optional<domain::Interval>> IntervalParam(const Query& q) {
  auto interval = ChoiceParam(q, "interval", {"day", "week", "month"});
  if (!interval.ok()) return interval.status();
  if (!*interval) return std::optional<domain::Interval>();
  static constexpr domain::Interval kIntervals[] = {domain::Interval::kDay, domain::Interval::kWeek,
                                                    domain::Interval::kMonth};
  return std::optional(kIntervals[**interval]);
}

Result<OutputFormat> FormatParam(const Query& q, std::string_view accept) {
  auto format = ChoiceParam(q, "format", {"json", "rows", "csv"});
  if (!format.ok()) return format.status();
  if (dto::WantsCsv(q.Get("format"), accept)) return OutputFormat::kCsv;
  return *format == std::optional<size_t>(1) ? OutputFormat::kRows : OutputFormat::kJson;
}

Result<ExplainPaging> ExplainPagingParams(const Query& q) {
  ExplainPaging p;
  auto limit = IntParam(q, "limit", 100, 1, 1000);
  if (!limit.ok()) return limit.status();
  auto cursor = IntParam(q, "cursor", 0, 0, INT64_MAX / 2);
  if (!cursor.ok()) return cursor.status();
  auto left_out_cursor = IntParam(q, "left_out_cursor", 0, 0, INT64_MAX / 2);
  if (!left_out_cursor.ok()) return left_out_cursor.status();
  return ExplainPaging{*limit, *cursor, *left_out_cursor};
}

Page PageOf(size_t total, int64_t position, int64_t limit) {
  Page p;
  p.begin = std::min<size_t>(static_cast<size_t>(position), total);
  p.end = std::min<size_t>(p.begin + static_cast<size_t>(limit), total);
  if (p.end < total) p.next = p.end;
  return p;
}

storage::DoraQuery DoraFilterParams(const Query& q) {
  storage::DoraQuery out;
  out.projects = ListParam(q, "project_id");
  out.teams = ListParam(q, "team");
  out.environments = ListParam(q, "environment");
  return out;
}

Result<storage::DoraQuery> DoraRangeParams(const Query& q, TimeMs now, const TimeZone& tz) {
  constexpr TimeMs kThirtyDaysMs = 30LL * 86400000;
  auto range = RangeParams(q, now, kThirtyDaysMs, tz);
  if (!range.ok()) return range.status();
  storage::DoraQuery out = DoraFilterParams(q);
  out.from = range->from;
  out.to = range->to;
  return out;
}

}  // namespace emm::api
