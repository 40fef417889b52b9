#include "api/dto/tickets_json.h"

#include <algorithm>
#include <regex>
#include <tuple>

#include "api/dto/csv.h"
#include "api/dto/fields.h"
#include "api/dto/json_values.h"
#include "auth/crypto.h"

namespace emm::api::dto {
namespace json = boost::json;
namespace {

using domain::TicketStatus;

// Linear's workflow state types, as the original maps them.
TicketStatus StatusOfStateType(std::string_view type) {
  if (type == "triage" || type == "backlog") return TicketStatus::kBacklog;
  if (type == "unstarted") return TicketStatus::kTodo;
  if (type == "started") return TicketStatus::kDoing;
  if (type == "completed") return TicketStatus::kDone;
  if (type == "canceled") return TicketStatus::kCanceled;
  return TicketStatus::kUnknown;
}



std::vector<domain::TicketLabel> Labels(const json::object& data, FieldReader* r) {
  std::vector<domain::TicketLabel> out;
  const json::value* v = data.if_contains("labels");
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) {
    r->AddError("labels", "must be an array of labels");
    return out;
  }
  const json::array& labels = v->get_array();
  for (size_t i = 0; i < labels.size(); ++i) {
    const std::string at = "labels[" + std::to_string(i) + "]";
    if (!labels[i].is_object()) {
      r->AddError(at, "must be a label object");
      continue;
    }
    FieldReader l(labels[i].get_object(), at);
    auto id = l.Id("id", true);
    auto name = l.Id("name", true);
    auto parent = l.Id("parentId", false);
    r->Collect(l);
    if (id && name) out.push_back({*id, *name, parent.value_or("")});
  }
  return out;
}

bool IsEmail(const std::string& s) {
  // The original's `email` format.
  static const std::regex kEmail(R"(^[a-zA-Z0-9.\-_]+@[a-zA-Z0-9.\-_]+\.[a-zA-Z0-9]{2,}$)");
  return std::regex_match(s, kEmail);
}

json::array StatusHistory(const std::vector<domain::TicketStatusChange>& changes) {
  json::array out;
  for (const auto& c : changes) {
    out.push_back(json::object{
        {"from", c.from ? json::value(domain::TicketStatusName(*c.from)) : json::value()},
        {"to", domain::TicketStatusName(c.to)},
        {"at", FormatTimestamp(c.at)},
        {"recorded_at", FormatTimestamp(c.recorded_at)}});
  }
  return out;
}

json::array EstimationHistory(const std::vector<domain::TicketEstimationChange>& changes) {
  json::array out;
  for (const auto& c : changes) {
    out.push_back(json::object{{"from", Num(c.from)},
                               {"to", Num(c.to)},
                               {"at", FormatTimestamp(c.at)},
                               {"recorded_at", FormatTimestamp(c.recorded_at)}});
  }
  return out;
}

// The six per-project figures, in the original's order.
void AddProjectFigures(const domain::TicketFigures& p, const domain::TicketFigures& actor,
                       json::object* o) {
  (*o)["actor_monthly_project_ticket_count"] = p.tickets;
  (*o)["actor_monthly_project_ticket_percent"] =
      Opt(domain::Share(static_cast<double>(p.tickets), static_cast<double>(actor.tickets)));
  (*o)["sum_month_project_estimation"] = Num(p.estimation);
  (*o)["percent_month_project_estimation"] = Opt(domain::Share(p.estimation, actor.estimation));
  (*o)["sum_month_project_time_spent_seconds"] = Num(p.seconds);
  (*o)["percent_month_project_time_spent_seconds"] = Opt(domain::Share(p.seconds, actor.seconds));
}

}  // namespace

std::string ActorHash(std::string_view email) {
  return auth::Base64Encode(auth::Sha256(email));
}

Result<domain::TicketUpdate> ToTicketUpdate(const json::object& data,
                                            const domain::TicketingOptions& options) {
  FieldReader r(data, "data");
  domain::TicketUpdate u;
  auto id = r.Id("identifier", true);
  u.external_id = r.Id("id", false).value_or("");
  auto created = r.Time("createdAt", true);
  u.updated_at = r.Time("updatedAt", false);
  u.started_at = r.Time("startedAt", false);
  u.finished_at = r.Time("completedAt", false);
  u.estimation = r.Number("estimate", false);
  u.parent_ticket_id = r.Id("parentId", false);
  u.team_id = r.NestedId("team", "key", false).value_or("");
  u.project_id = r.NestedId("project", "name", false).value_or("");
  auto state = r.NestedId("state", "type", true);
  // No assignee (or one without an e-mail) is the hash of "": the original's "no-actor".
  u.actor_hash = ActorHash(r.NestedId("assignee", "email", false).value_or(""));
  auto labels = Labels(data, &r);
  if (!r.ok()) return r.status();
  u.id = *id;
  u.created_at = *created;
  u.status = StatusOfStateType(*state);
  u.ticket_type = domain::SelectTicketType(options.ticket_type_selector, labels);
  u.skip_parents = options.ignore_parent_issues;
  return u;
}

json::object ToJson(const domain::Ticket& t) {
  return json::object{{"id", t.id},
                      {"team_id", t.team_id},
                      {"project_id", t.project_id},
                      {"created_at", FormatTimestamp(t.created_at)},
                      {"started_at", OptTime(t.started_at)},
                      {"finished_at", OptTime(t.finished_at)},
                      {"parent_ticket_id", OptString(t.parent_ticket_id.value_or(""))},
                      {"actor_hash", t.actor_hash},
                      {"ticket_type", t.ticket_type},
                      {"status", domain::TicketStatusName(t.status)},
                      {"current_estimation", Opt(t.current_estimation)},
                      {"initial_estimation", Opt(t.initial_estimation)},
                      {"final_estimation", Opt(t.final_estimation)},
                      {"external_id", OptString(t.external_id)},
                      {"updated_at", OptTime(t.updated_at)},
                      {"first_done_at", OptTime(t.first_done_at)},
                      {"recorded_at", FormatTimestamp(t.recorded_at)}};
}

json::object ToJson(const domain::Ticket& t, const storage::TicketHistory& history) {
  json::object o = ToJson(t);
  o["status_history"] = StatusHistory(history.statuses);
  o["estimation_history"] = EstimationHistory(history.estimations);
  return o;
}

Result<TicketStatsRequest> ToTicketStatsRequest(const json::object& body, TimeMs now) {
  FieldReader r(body);
  const domain::TicketStatsRange defaults = domain::DefaultTicketStatsRange(now);
  TicketStatsRequest out;
  out.from = r.Time("from", false).value_or(defaults.from);
  // The original's `to` defaults to `from` + 6 months, whichever `from` was given.
  constexpr TimeMs kDayMs = 86400000;
  const int64_t from_day = LocalDay(out.from, 0);
  out.to = r.Time("to", false)
               .value_or(AddMonths(from_day, 6) * kDayMs + (out.from - from_day * kDayMs));
  if (const json::value* v = body.if_contains("unhash_actors"); v != nullptr && !v->is_null()) {
    if (!v->is_array() || v->get_array().empty()) {
      r.AddError("unhash_actors", "must be an array of at least one e-mail address");
    } else {
      const json::array& emails = v->get_array();
      std::map<std::string, size_t> seen;
      for (size_t i = 0; i < emails.size(); ++i) {
        const std::string at = "unhash_actors[" + std::to_string(i) + "]";
        if (!emails[i].is_string() || !IsEmail(std::string(emails[i].get_string()))) {
          r.AddError(at, "must be an e-mail address");
          continue;
        }
        std::string email(emails[i].get_string());
        auto [it, fresh] = seen.emplace(email, i);
        if (!fresh) {
          r.AddError(at, "repeats unhash_actors[" + std::to_string(it->second) + "]");
          continue;
        }
        out.unhash_actors.push_back(std::move(email));
      }
    }
  }
  if (r.ok() && out.to <= out.from) r.AddError("to", "must be after from");
  if (!r.ok()) return r.status();
  return out;
}

ActorNames::ActorNames(const std::vector<std::string>& emails) {
  names_[ActorHash("")] = "no-actor";
  for (const std::string& e : emails) names_[ActorHash(e)] = e;
}

const std::string& ActorNames::Of(const std::string& hash) const {
  auto it = names_.find(hash);
  return it == names_.end() ? hash : it->second;
}

json::object TicketStatsJson(const domain::TicketStats& stats, TimeMs from, TimeMs to,
                             const ActorNames& names) {
  json::object summary;
  for (const auto& [month, actors] : stats) {
    json::object by_actor;
    for (const auto& [hash, a] : actors) {
      json::object projects;
      for (const auto& [project, p] : a.projects) {
        json::object figures;
        AddProjectFigures(p, a.total, &figures);
        projects[project] = std::move(figures);
      }
      by_actor[names.Of(hash)] = json::object{{"actor_monthly_time", Num(a.total.seconds)},
                                              {"actor_monthly_estimation", Num(a.total.estimation)},
                                              {"actor_monthly_ticket_count", a.total.tickets},
                                              {"projects", std::move(projects)}};
    }
    summary[FormatCivilDate(month)] = json::object{{"by_actor", std::move(by_actor)}};
  }
  return json::object{{"from", FormatTimestamp(from)},
                      {"to", FormatTimestamp(to)},
                      {"summary", std::move(summary)}};
}

std::string TicketStatsCsv(const domain::TicketStats& stats, const ActorNames& names) {
  static const std::vector<std::string> kColumns = {
      "actor_monthly_ticket_count",
      "actor_monthly_project_ticket_count",
      "actor_monthly_project_ticket_percent",
      "actor_hash",
      "actor_monthly_estimation",
      "actor_monthly_time",
      "project_id",
      "month",
      "sum_month_project_estimation",
      "percent_month_project_estimation",
      "sum_month_project_time_spent_seconds",
      "percent_month_project_time_spent_seconds"};
  // (month, project, hash): the original's ORDER BY.
  using Line = std::tuple<int64_t, std::string, std::string>;
  std::vector<Line> lines;
  for (const auto& [month, actors] : stats) {
    for (const auto& [hash, a] : actors) {
      for (const auto& [project, p] : a.projects) lines.emplace_back(month, project, hash);
    }
  }
  std::sort(lines.begin(), lines.end());
  json::array rows;
  for (const auto& [month, project, hash] : lines) {
    const domain::ActorMonth& a = stats.at(month).at(hash);
    json::object row{{"actor_monthly_ticket_count", a.total.tickets},
                     {"actor_hash", names.Of(hash)},
                     {"actor_monthly_estimation", Num(a.total.estimation)},
                     {"actor_monthly_time", Num(a.total.seconds)},
                     {"project_id", project},
                     {"month", FormatCivilDate(month)}};
    AddProjectFigures(a.projects.at(project), a.total, &row);
    rows.push_back(std::move(row));
  }
  return ToCsv(kColumns, rows);
}

}  // namespace emm::api::dto
