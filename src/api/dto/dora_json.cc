#include "api/dto/dora_json.h"

#include <cmath>

#include "api/dto/json_values.h"

namespace emm::api::dto {
namespace json = boost::json;
namespace {

constexpr const char* kSeconds = "seconds";

json::value Opt(const std::optional<domain::Level>& l) {
  return l ? json::value(domain::LevelName(*l)) : json::value();
}

}  // namespace

void AddDoraMetrics(const domain::DoraReport& r, json::object* out) {
  json::object& o = *out;
  const auto& f = r.deployment_frequency;
  o["deployment_frequency"] = json::object{{"count", f.count},
                                           {"per_day", Num(f.per_day)},
                                           {"per_week", Num(f.per_week)},
                                           {"level", Opt(f.level)}};
  // Durations say their unit, so a client never has to guess seconds from milliseconds.
  auto timed = [](const domain::DoraReport::Timed& t) {
    return json::object{{"count", t.stats.count},     {"median", Opt(t.stats.median)},
                        {"p90", Opt(t.stats.p90)},     {"mean", Opt(t.stats.mean)},
                        {"unit", kSeconds},            {"level", Opt(t.level)}};
  };
  o["lead_time_for_changes"] = timed(r.lead_time_for_changes);
  const auto& cfr = r.change_failure_rate;
  o["change_failure_rate"] = json::object{{"failed", cfr.numerator},
                                          {"total", cfr.total},
                                          {"ratio", Opt(cfr.ratio)},
                                          {"level", Opt(cfr.level)}};
  o["time_to_restore"] = timed(r.time_to_restore);
  o["failed_deployment_recovery_time"] =
      json::object{{"count", r.failed_deployment_recovery_time.count},
                   {"median", Opt(r.failed_deployment_recovery_time.median)},
                   {"unit", kSeconds}};
  o["rework_rate"] = json::object{{"reworked", r.rework_rate.numerator},
                                  {"total", r.rework_rate.total},
                                  {"ratio", Opt(r.rework_rate.ratio)}};
  o["time_to_detect"] =
      json::object{{"count", r.time_to_detect.count},
                   {"median", Opt(r.time_to_detect.median)},
                   {"unit", kSeconds}};
  o["deployment_duration"] = json::object{{"count", r.deployment_duration.count},
                                          {"median", Opt(r.deployment_duration.median)},
                                          {"p90", Opt(r.deployment_duration.p90)},
                                          {"unit", kSeconds}};
  o["overall_level"] = Opt(r.overall_level);
}

json::object DoraRow(const domain::DoraReport& r, const json::value& group) {
  const auto& f = r.deployment_frequency;
  const auto& lt = r.lead_time_for_changes;
  const auto& cfr = r.change_failure_rate;
  const auto& ttr = r.time_to_restore;
  return json::object{
      {"start", FormatTimestamp(r.from)},
      {"end", FormatTimestamp(r.to)},
      {"group", group},
      {"deployments", f.count},
      {"deployments_per_day", Num(f.per_day)},
      {"deployments_per_week", Num(f.per_week)},
      {"deployment_frequency_level", Opt(f.level)},
      {"lead_time_median", Opt(lt.stats.median)},
      {"lead_time_p90", Opt(lt.stats.p90)},
      {"lead_time_mean", Opt(lt.stats.mean)},
      {"lead_time_level", Opt(lt.level)},
      {"failed_deployments", cfr.numerator},
      {"change_failure_rate", Opt(cfr.ratio)},
      {"change_failure_rate_level", Opt(cfr.level)},
      {"restores", ttr.stats.count},
      {"time_to_restore_median", Opt(ttr.stats.median)},
      {"time_to_restore_p90", Opt(ttr.stats.p90)},
      {"time_to_restore_mean", Opt(ttr.stats.mean)},
      {"time_to_restore_level", Opt(ttr.level)},
      {"failed_deployment_recovery_time_median", Opt(r.failed_deployment_recovery_time.median)},
      {"reworked_deployments", r.rework_rate.numerator},
      {"rework_rate", Opt(r.rework_rate.ratio)},
      {"time_to_detect_median", Opt(r.time_to_detect.median)},
      {"deployment_duration_median", Opt(r.deployment_duration.median)},
      {"deployment_duration_p90", Opt(r.deployment_duration.p90)},
      {"overall_level", Opt(r.overall_level)}};
}

json::array GitLabSeriesJson(const std::vector<domain::GitLabPoint>& points) {
  json::array out;
  out.reserve(points.size());
  for (const domain::GitLabPoint& p : points) {
    out.push_back(json::object{{"date", FormatCivilDate(p.day)}, {"value", Opt(p.value)}});
  }
  return out;
}

}  // namespace emm::api::dto
