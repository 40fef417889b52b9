#include "api/dto/events_json.h"

#include "api/dto/fields.h"
#include "api/dto/json_values.h"

namespace emm::api::dto {
namespace json = boost::json;
namespace {

// kind: planned (default), hotfix or rollback.
std::optional<domain::DeploymentKind> ReadKind(FieldReader& r) {
  auto kind = r.Id("kind", false, 32);
  if (!kind) return std::nullopt;
  auto parsed = domain::ParseDeploymentKind(*kind);
  if (!parsed) r.AddError("kind", "must be planned, hotfix or rollback, got \"" + *kind + "\"");
  return parsed;
}

}  // namespace

Result<domain::NewDeployment> ToNewDeployment(const json::object& body) {
  FieldReader r(body);
  domain::NewDeployment d;
  auto id = r.Id("id", true);
  auto project = r.Id("project_id", true);
  auto first_commit = r.Time("first_commit_at", true);
  auto username = r.Id("username", false);
  d.environment = r.Id("environment", false);
  d.deploy_start_at = r.Time("deploy_start_at", false);
  d.deployed_at = r.Time("deployed_at", false);
  d.kind = ReadKind(r);
  d.commit_sha = r.Id("commit_sha", false);
  if (!r.ok()) return r.status();
  d.id = *id;
  d.project_id = *project;
  d.first_commit_at = *first_commit;
  d.username = username.value_or("");
  return d;
}

Result<domain::MarkDeployed> ToMarkDeployed(const json::object& body, std::string id) {
  FieldReader r(body);
  domain::MarkDeployed d;
  d.id = std::move(id);
  auto create = r.Bool("create_if_not_exists", true);
  d.project_id = r.Id("project_id", false);
  auto username = r.Id("username", false);
  d.environment = r.Id("environment", false);
  d.first_commit_at = r.Time("first_commit_at", false);
  d.deploy_start_at = r.Time("deploy_start_at", false);
  d.deployed_at = r.Time("deployed_at", false);
  d.kind = ReadKind(r);
  d.commit_sha = r.Id("commit_sha", false);
  if (!r.ok()) return r.status();
  d.create_if_not_exists = *create;
  d.username = username.value_or("");
  return d;
}

Result<domain::NewIncident> ToNewIncident(const json::object& body) {
  FieldReader r(body);
  domain::NewIncident i;
  i.id = r.Id("id", false);
  auto project = r.Id("project_id", true);
  i.deployment_id = r.Id("deployment_id", false);
  i.environment = r.Id("environment", false);
  i.started_at = r.Time("started_at", false);
  i.restored_at = r.Time("restored_at", false);
  i.finished_at = r.Time("finished_at", false);
  if (!r.ok()) return r.status();
  i.project_id = *project;
  return i;
}

Result<domain::IncidentTransition> ToIncidentTransition(const json::object& body, std::string id) {
  FieldReader r(body);
  domain::IncidentTransition t;
  t.id = std::move(id);
  t.date = r.Time("date", false);
  if (!r.ok()) return r.status();
  return t;
}

Result<domain::NewPullRequest> ToNewPullRequest(const json::object& body) {
  FieldReader r(body);
  domain::NewPullRequest pr;
  auto id = r.Id("id", true);
  auto team = r.Id("team_id", true);
  auto author = r.Id("author", false);  // ours: who opened it (team health counts engineers)
  pr.opened_at = r.Time("opened_at", false);
  pr.additions = r.Count("additions", false);
  pr.deletions = r.Count("deletions", false);
  if (!r.ok()) return r.status();
  pr.id = *id;
  pr.team_id = *team;
  pr.author = author.value_or("");
  return pr;
}

Result<domain::PullRequestReviewed> ToPullRequestReviewed(const json::object& body, std::string id) {
  FieldReader r(body);
  domain::PullRequestReviewed review;
  review.id = std::move(id);
  review.reviewed_at = r.Time("reviewed_at", false);
  auto approved = r.Bool("approved", false);
  auto comments = r.Count("nb_comments", false);
  auto reviewer = r.Id("reviewer", false);  // ours: who reviewed
  if (!r.ok()) return r.status();
  review.reviewer = reviewer.value_or("");
  review.approved = approved.value_or(false);
  review.comments = comments.value_or(0);
  return review;
}

Result<domain::PullRequestTransition> ToPullRequestTransition(const json::object& body,
                                                              std::string id,
                                                              std::string_view field) {
  FieldReader r(body);
  domain::PullRequestTransition t;
  t.id = std::move(id);
  t.at = r.Time(field, false);
  if (!r.ok()) return r.status();
  return t;
}

json::object ToJson(const domain::PullRequest& pr) {
  auto opt_int = [](const std::optional<int64_t>& v) { return v ? json::value(*v) : json::value(); };
  return json::object{{"id", pr.id},
                      {"team_id", OptString(pr.team_id)},
                      {"author", OptString(pr.author)},
                      {"opened_at", FormatTimestamp(pr.opened_at)},
                      {"closed_at", OptTime(pr.closed_at)},
                      {"merged_at", OptTime(pr.merged_at)},
                      {"first_review_at", OptTime(pr.first_review_at)},
                      {"first_approved_at", OptTime(pr.first_approved_at)},
                      {"nb_comments", pr.comments},
                      {"nb_reviews", pr.reviews},
                      {"additions", opt_int(pr.additions)},
                      {"deletions", opt_int(pr.deletions)}};
}

json::object ToJson(const domain::Deployment& d) {
  json::object o;
  o["id"] = d.id;
  o["project_id"] = d.project_id;
  o["first_commit_at"] = OptTime(d.first_commit_at);
  o["deploy_start_at"] = FormatTimestamp(d.deploy_start_at);
  o["deployed_at"] = OptTime(d.deployed_at);
  o["status"] = domain::DeploymentStatusName(d.status);
  o["environment"] = d.environment;
  o["team_id"] = OptString(d.team_id);
  o["kind"] = domain::DeploymentKindName(d.kind);
  o["commit_sha"] = OptString(d.commit_sha);
  return o;
}

json::object ToJson(const domain::Incident& i) {
  json::object o;
  o["id"] = i.id;
  o["project_id"] = i.project_id;
  o["deployment_id"] = i.deployment_id ? json::value(*i.deployment_id) : json::value(nullptr);
  o["started_at"] = FormatTimestamp(i.started_at);
  o["restored_at"] = OptTime(i.restored_at);
  o["finished_at"] = OptTime(i.finished_at);
  o["environment"] = i.environment;
  o["team_id"] = OptString(i.team_id);
  return o;
}

}  // namespace emm::api::dto
