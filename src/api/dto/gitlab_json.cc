#include "api/dto/gitlab_json.h"

#include "api/dto/fields.h"

namespace emm::api::dto {
namespace json = boost::json;
namespace {

// The payload's `user`: who triggered the event (each field nullopt when absent).
struct User {
  std::optional<std::string> id;
  std::optional<std::string> username;
};

User UserOf(FieldReader& top) {
  const json::object* user = top.Object("user", false);
  if (user == nullptr) return {};
  FieldReader r(*user, "user");
  User out{r.Id("id", false), r.Id("username", false)};
  top.Collect(r);
  return out;
}

}  // namespace

Result<GitLabMergeRequest> ReadGitLabMergeRequest(const json::object& body) {
  FieldReader top(body);
  const json::object* attrs = top.Object("object_attributes", true);
  const User user = UserOf(top);
  if (attrs == nullptr) return top.status();
  FieldReader a(*attrs, "object_attributes");
  GitLabMergeRequest out;
  out.action = a.Id("action", false).value_or("");
  auto project = a.Id("target_project_id", true);
  auto iid = a.Id("iid", true);
  auto created_at = a.Time("created_at", true, TimeText::kRfc3339OrRuby);
  out.updated_at = a.Time("updated_at", false, TimeText::kRfc3339OrRuby);
  auto author_id = a.Id("author_id", false);
  top.Collect(a);
  if (!top.ok()) return top.status();
  out.id = "gitlab:" + *project + "!" + *iid;
  out.created_at = *created_at;
  out.username = user.username;
  out.by_author = user.username && user.id && author_id && *user.id == *author_id;
  return out;
}

Result<GitLabDeployment> ReadGitLabDeployment(const json::object& body) {
  FieldReader r(body);
  GitLabDeployment out;
  out.status = r.Id("status", false).value_or("");
  auto deployment_id = r.Id("deployment_id", true);
  out.environment = r.Id("environment", false);
  out.at = r.Time("status_changed_at", false, TimeText::kRfc3339OrRuby);
  auto url = r.Id("commit_url", false, 2048);
  const size_t slash = url ? url->rfind('/') : std::string::npos;
  out.commit_sha = slash != std::string::npos && slash + 1 < url->size()
                       ? std::optional(url->substr(slash + 1))
                       : r.Id("short_sha", false);
  out.project_id = r.NestedId("project", "path_with_namespace", true).value_or("");
  out.username = UserOf(r).username.value_or("");
  if (!r.ok()) return r.status();
  out.id = "gitlab:" + *deployment_id;
  return out;
}

}  // namespace emm::api::dto
