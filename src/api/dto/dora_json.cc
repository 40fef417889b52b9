#include "api/dto/dora_json.h"

namespace emm::api::dto {
namespace json = boost::json;
namespace {

json::value Opt(const std::optional<double>& v) { return v ? json::value(*v) : json::value(); }
json::value Opt(const std::optional<domain::Level>& l) {
  return l ? json::value(domain::LevelName(*l)) : json::value();
}

}  // namespace

void AddDoraMetrics(const domain::DoraReport& r, json::object* out) {
  json::object& o = *out;
  const auto& f = r.deployment_frequency;
  o["deployment_frequency"] = json::object{{"count", f.count},
                                           {"per_day", f.per_day},
                                           {"per_week", f.per_week},
                                           {"level", Opt(f.level)}};
  auto timed = [](const domain::DoraReport::Timed& t) {
    return json::object{{"count", t.stats.count},
                        {"median", Opt(t.stats.median)},
                        {"p90", Opt(t.stats.p90)},
                        {"mean", Opt(t.stats.mean)},
                        {"level", Opt(t.level)}};
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
                   {"median", Opt(r.failed_deployment_recovery_time.median)}};
  o["rework_rate"] = json::object{{"reworked", r.rework_rate.numerator},
                                  {"total", r.rework_rate.total},
                                  {"ratio", Opt(r.rework_rate.ratio)}};
  o["time_to_detect"] =
      json::object{{"count", r.time_to_detect.count}, {"median", Opt(r.time_to_detect.median)}};
  o["deployment_duration"] = json::object{{"count", r.deployment_duration.count},
                                          {"median", Opt(r.deployment_duration.median)},
                                          {"p90", Opt(r.deployment_duration.p90)}};
  o["overall_level"] = Opt(r.overall_level);
}

}  // namespace emm::api::dto
