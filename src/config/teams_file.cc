#include "config/teams_file.h"

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/json_kind.h"
#include "common/strings.h"

namespace emm::config {
namespace json = boost::json;
namespace {

class Validator {
 public:
  explicit Validator(std::string name) : name_(std::move(name)) {}

  Status Fail(const std::string& key, const std::string& problem) const {
    return Status::InvalidArgument(key, name_ + ": " + key + ": " + problem);
  }

  Status Expect(const json::value& v, json::kind kind, const std::string& key,
                const char* what) const {
    bool ok = v.kind() == kind;
    if (!ok) return Fail(key, std::string("must be ") + what + ", got " + DescribeJsonKind(v));
    return Status::Ok();
  }

  Status StringArray(const json::value& v, const std::string& key,
                     std::vector<std::string>* out) const {
    EMM_RETURN_IF_ERROR(Expect(v, json::kind::array, key, "an array of strings"));
    const json::array& a = v.get_array();
    for (size_t i = 0; i < a.size(); ++i) {
      std::string k = key + "[" + std::to_string(i) + "]";
      EMM_RETURN_IF_ERROR(Expect(a[i], json::kind::string, k, "a string"));
      if (out) out->emplace_back(a[i].get_string());
    }
    return Status::Ok();
  }

 private:
  std::string name_;
};

// incidents.<tool>: the one shape both incident tools share; `fields` are the keys this tool takes.
Status ParseIncidentRouting(const Validator& check, const json::value& v, const std::string& key,
                            std::initializer_list<std::string_view> fields, IncidentRouting* out) {
  EMM_RETURN_IF_ERROR(check.Expect(v, json::kind::object, key, "an object"));
  const json::object& o = v.get_object();
  for (const auto& [name, value] : o) {
    if (std::find(fields.begin(), fields.end(), std::string_view(name)) == fields.end()) {
      std::string known;
      for (std::string_view f : fields) known += (known.empty() ? "" : ", ") + std::string(f);
      return check.Fail(key + "." + std::string(name), "is not a setting here (" + known + ")");
    }
  }
  for (auto [name, dest] : {std::pair{"default_project", &out->default_project},
                            std::pair{"environment", &out->environment},
                            std::pair{"project_field", &out->project_field},
                            std::pair{"deployment_field", &out->deployment_field}}) {
    const json::value* f = o.if_contains(name);
    if (f == nullptr) continue;
    std::string k = key + "." + name;
    EMM_RETURN_IF_ERROR(check.Expect(*f, json::kind::string, k, "a string"));
    if (f->get_string().empty()) return check.Fail(k, "must not be empty");
    *dest = std::string(f->get_string());
  }
  if (const json::value* p = o.if_contains("projects")) {
    std::string k = key + ".projects";
    EMM_RETURN_IF_ERROR(check.Expect(*p, json::kind::object, k, "an object of name -> project id"));
    for (const auto& [name, project] : p->get_object()) {
      std::string pk = k + "." + std::string(name);
      EMM_RETURN_IF_ERROR(check.Expect(project, json::kind::string, pk, "a project id (a string)"));
      if (project.get_string().empty()) return check.Fail(pk, "must not be empty");
      out->projects.emplace(std::string(name), std::string(project.get_string()));
    }
    if (std::find(fields.begin(), fields.end(), "project_field") != fields.end() &&
        out->project_field.empty()) {
      return check.Fail(k, "needs project_field: the custom field whose value is looked up here");
    }
  }
  return Status::Ok();
}

// The "github" object: {"projects": {"owner/name": "project"}, "deployment_workflows":
// [{"workflow": ..., "repository": ..., "environment": ...}]}.
Status ParseGitHub(const Validator& check, const json::value& v, GitHubMapping* out) {
  EMM_RETURN_IF_ERROR(check.Expect(v, json::kind::object, "github", "an object"));
  const json::object& github = v.get_object();
  for (const auto& [key, value] : github) {
    if (key != "projects" && key != "deployment_workflows") {
      return check.Fail("github." + std::string(key),
                        "is not a known key (projects, deployment_workflows)");
    }
  }
  if (const json::value* p = github.if_contains("projects")) {
    EMM_RETURN_IF_ERROR(check.Expect(*p, json::kind::object, "github.projects",
                                     "an object of repository (owner/name) -> project id"));
    for (const auto& [repo, project] : p->get_object()) {
      std::string key = "github.projects." + std::string(repo);
      EMM_RETURN_IF_ERROR(check.Expect(project, json::kind::string, key, "a string"));
      if (project.get_string().empty()) return check.Fail(key, "must not be empty");
      out->projects.emplace(std::string(repo), std::string(project.get_string()));
    }
  }
  if (const json::value* w = github.if_contains("deployment_workflows")) {
    const std::string key = "github.deployment_workflows";
    EMM_RETURN_IF_ERROR(check.Expect(*w, json::kind::array, key, "an array of objects"));
    const json::array& list = w->get_array();
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string k = key + "[" + std::to_string(i) + "]";
      EMM_RETURN_IF_ERROR(check.Expect(list[i], json::kind::object, k, "an object"));
      DeploymentWorkflow flow;
      for (const auto& [field, value] : list[i].get_object()) {
        std::string* dest = field == "workflow"      ? &flow.workflow
                            : field == "repository"  ? &flow.repository
                            : field == "environment" ? &flow.environment
                                                     : nullptr;
        if (dest == nullptr) {
          return check.Fail(k + "." + std::string(field),
                            "is not a known key (workflow, repository, environment)");
        }
        EMM_RETURN_IF_ERROR(
            check.Expect(value, json::kind::string, k + "." + std::string(field), "a string"));
        *dest = std::string(value.get_string());
      }
      if (flow.workflow.empty()) {
        return check.Fail(k + ".workflow",
                          "is required: the workflow file's path (.github/workflows/deploy.yml) "
                          "or the workflow's name");
      }
      out->deployment_workflows.push_back(std::move(flow));
    }
  }
  return Status::Ok();
}

// ticketing.new_value_types: ticket types (label names, any case) whose time is new value.
Status ParseNewValueTypes(const Validator& check, const json::value& v,
                          std::vector<std::string>* out) {
  const std::string key = "ticketing.new_value_types";
  std::vector<std::string> types;
  EMM_RETURN_IF_ERROR(check.StringArray(v, key, &types));
  if (types.empty()) {
    return check.Fail(key, "must name at least one ticket type (leave it out when none is new "
                           "value)");
  }
  for (size_t i = 0; i < types.size(); ++i) {
    if (types[i].empty()) return check.Fail(key + "[" + std::to_string(i) + "]", "must not be empty");
    out->push_back(AsciiLower(types[i]));
  }
  return Status::Ok();
}

}  // namespace

std::string IncidentRouting::ProjectOf(const std::vector<std::string>& keys) const {
  for (const std::string& k : keys) {
    if (auto it = projects.find(k); it != projects.end()) return it->second;
  }
  return default_project;
}

std::string GitHubMapping::ProjectOf(std::string_view full_name) const {
  auto it = projects.find(full_name);
  return it == projects.end() ? std::string(full_name) : it->second;
}

const DeploymentWorkflow* GitHubMapping::FindWorkflow(std::string_view repository,
                                                      std::string_view path,
                                                      std::string_view name) const {
  for (const DeploymentWorkflow& w : deployment_workflows) {
    if (!w.repository.empty() && w.repository != repository) continue;
    if (w.workflow == path || w.workflow == name) return &w;
  }
  return nullptr;
}

Result<TeamsConfig> ParseTeamsConfig(std::string_view text, const std::string& name) {
  Validator check(name);
  json::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec) return check.Fail("(file)", "is not valid JSON: " + ec.message());
  EMM_RETURN_IF_ERROR(check.Expect(root, json::kind::object, "(top level)", "an object"));
  const json::object& top = root.get_object();
  std::vector<domain::Team> teams;

  if (const json::value* t = top.if_contains("teams")) {
    EMM_RETURN_IF_ERROR(
        check.Expect(*t, json::kind::object, "teams", "an object of team id -> team"));
    for (const auto& [id, team_value] : t->get_object()) {
      std::string key = "teams." + std::string(id);
      EMM_RETURN_IF_ERROR(check.Expect(team_value, json::kind::object, key, "an object"));
      const json::object& team = team_value.get_object();
      domain::Team out;
      out.id = std::string(id);
      for (const char* field : {"id", "github_team_name", "linear_team_id"}) {
        if (const json::value* v = team.if_contains(field)) {
          EMM_RETURN_IF_ERROR(check.Expect(*v, json::kind::string, key + "." + field, "a string"));
        }
      }
      // The Linear team key of the team's tickets (team health's team filter); the original
      // ignored it.
      if (const json::value* v = team.if_contains("linear_team_id")) {
        out.linear_team_id = std::string(v->get_string());
      }
      if (const json::value* p = team.if_contains("projects")) {
        EMM_RETURN_IF_ERROR(check.StringArray(*p, key + ".projects", &out.projects));
      }
      if (const json::value* u = team.if_contains("users")) {
        std::string ukey = key + ".users";
        EMM_RETURN_IF_ERROR(check.Expect(*u, json::kind::array, ukey, "an array of objects"));
        const json::array& users = u->get_array();
        for (size_t i = 0; i < users.size(); ++i) {
          std::string k = ukey + "[" + std::to_string(i) + "]";
          if (users[i].is_string()) {
            return check.Fail(k, "must be an object such as {\"github_username\": \"" +
                                     std::string(users[i].get_string()) +
                                     "\"} (plain strings are the old README's format)");
          }
          EMM_RETURN_IF_ERROR(check.Expect(users[i], json::kind::object, k, "an object"));
          domain::TeamUser user;
          for (auto [field, dest] : {std::pair{"github_username", &user.github_username},
                                     std::pair{"gitlab_username", &user.gitlab_username},
                                     std::pair{"email", &user.email},
                                     std::pair{"slack_member_id", &user.slack_member_id}}) {
            if (const json::value* v = users[i].get_object().if_contains(field)) {
              EMM_RETURN_IF_ERROR(
                  check.Expect(*v, json::kind::string, k + "." + field, "a string"));
              *dest = std::string(v->get_string());
            }
          }
          out.users.push_back(std::move(user));
        }
      }
      teams.push_back(std::move(out));
    }
  }

  domain::TicketingOptions ticketing;
  if (const json::value* t = top.if_contains("ticketing")) {
    EMM_RETURN_IF_ERROR(check.Expect(*t, json::kind::object, "ticketing", "an object"));
    if (const json::value* n = t->get_object().if_contains("new_value_types")) {
      EMM_RETURN_IF_ERROR(ParseNewValueTypes(check, *n, &ticketing.new_value_types));
    }
    if (const json::value* l = t->get_object().if_contains("linear")) {
      EMM_RETURN_IF_ERROR(check.Expect(*l, json::kind::object, "ticketing.linear", "an object"));
      const json::object& linear = l->get_object();
      if (const json::value* v = linear.if_contains("ignore_parent_issues")) {
        EMM_RETURN_IF_ERROR(check.Expect(*v, json::kind::bool_,
                                         "ticketing.linear.ignore_parent_issues", "a boolean"));
        ticketing.ignore_parent_issues = v->get_bool();
      }
      if (const json::value* s = linear.if_contains("ticket_type_selector")) {
        std::string key = "ticketing.linear.ticket_type_selector";
        EMM_RETURN_IF_ERROR(check.Expect(*s, json::kind::object, key, "an object"));
        const json::object& sel = s->get_object();
        const json::value* parent = sel.if_contains("parent_label_id");
        const json::value* allow = sel.if_contains("allow_list");
        if (!parent && !allow) {
          return check.Fail(key, "needs parent_label_id or allow_list");
        }
        if (parent && !parent->is_null() && !parent->is_string()) {
          return check.Fail(key + ".parent_label_id", "must be a string or null");
        }
        domain::TicketTypeSelector selector;
        if (parent && parent->is_string()) {
          selector.parent_label_id = std::string(parent->get_string());
        }
        if (allow) {
          EMM_RETURN_IF_ERROR(
              check.StringArray(*allow, key + ".allow_list", &selector.allow_list));
        }
        ticketing.ticket_type_selector = std::move(selector);
      }
    }
  }

  IncidentSources incidents;
  if (const json::value* i = top.if_contains("incidents")) {
    EMM_RETURN_IF_ERROR(check.Expect(*i, json::kind::object, "incidents", "an object"));
    for (const auto& [tool, routing] : i->get_object()) {
      std::string key = "incidents." + std::string(tool);
      if (tool == "pagerduty") {
        EMM_RETURN_IF_ERROR(ParseIncidentRouting(
            check, routing, key, {"projects", "default_project", "environment"},
            &incidents.pagerduty));
      } else if (tool == "incident_io") {
        EMM_RETURN_IF_ERROR(ParseIncidentRouting(check, routing, key,
                                                 {"project_field", "projects", "default_project",
                                                  "environment", "deployment_field"},
                                                 &incidents.incident_io));
      } else {
        return check.Fail(key, "is no incident tool em-metrics takes (pagerduty, incident_io)");
      }
    }
  }
  GitHubMapping github;
  if (const json::value* g = top.if_contains("github")) {
    EMM_RETURN_IF_ERROR(ParseGitHub(check, *g, &github));
  }

  TeamsConfig out;
  out.path = name;
  out.incidents = std::move(incidents);
  out.github = std::move(github);
  out.json = json::serialize(root);
  out.directory = domain::TeamDirectory(std::move(teams));
  out.ticketing = std::move(ticketing);
  return out;
}

Result<TeamsConfig> LoadTeamsFile(const std::string& path) {
  if (path.empty()) return TeamsConfig{};
  std::filesystem::path p = std::filesystem::absolute(path);
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    return Status::InvalidArgument("CONFIG",
                                   p.string() + ": cannot be read (missing or no access)");
  }
  std::stringstream buf;
  buf << in.rdbuf();
  auto parsed = ParseTeamsConfig(buf.str(), p.string());
  if (parsed.ok()) parsed->path = p.string();
  return parsed;
}

}  // namespace emm::config
