// POST /webhooks/github's deployments (docs/github-app.md):
// - deployment_status: GitHub's deployments (from Actions environments or any deployment tool).
//   success: deployed (created if em-metrics does not know it yet); failure or error: a deployment
//   that never deployed; other states are acknowledged. Its lead time starts at the deployed
//   commit's author date, read from GitHub's API (the payload does not carry it).
// - workflow_run: a run of a workflow listed in the teams file's github.deployment_workflows.
//   completed with success: deployed; with failure: never deployed; anything else acknowledged.
//
// Why a failed deployment is not a change failure: the change never reached users, so DORA's
// change failure rate (deployments that needed remediation) and time to restore do not apply;
// it stays visible as a deployment that never deployed (deployment_started_count without a
// deployment, and explain's never-deployed list).
#include <boost/json.hpp>

#include "api/error_response.h"
#include "api/github_events.h"

namespace emm::api::github_events {
namespace json = boost::json;
namespace {

// What both events know of one deployment, for the command either way it went.
struct DeploymentFacts {
  std::string id;
  std::string project_id;
  std::string username;
  std::optional<std::string> environment;
  TimeMs first_commit_at = 0;
  TimeMs deploy_start_at = 0;
  TimeMs finished_at = 0;
  std::string commit_sha;
  bool succeeded = false;
};

WriteCommand CommandFor(const DeploymentFacts& f) {
  if (f.succeeded) {
    domain::MarkDeployed in;
    in.id = f.id;
    in.create_if_not_exists = true;
    in.project_id = f.project_id;
    in.username = f.username;
    in.environment = f.environment;
    in.first_commit_at = f.first_commit_at;
    in.deploy_start_at = f.deploy_start_at;
    in.deployed_at = f.finished_at;
    in.commit_sha = f.commit_sha;
    return in;
  }
  return domain::NewDeployment{f.id,         f.project_id,       f.username,
                               f.environment, f.first_commit_at, f.deploy_start_at,
                               std::nullopt, std::nullopt,       f.commit_sha};
}

}  // namespace

Status DeploymentStatusEvent(const Env& env, const json::object& body, Call& call) {
  const Delivery delivery = DeliveryOf(call);
  const json::object* status = ObjectAt(body, "deployment_status");
  const json::object* deployment = ObjectAt(body, "deployment");
  std::vector<FieldError> errors;
  if (status == nullptr) errors.push_back({"deployment_status", "is required (an object)"});
  if (deployment == nullptr) errors.push_back({"deployment", "is required (an object)"});
  if (!errors.empty()) return Status::Invalid(std::move(errors));
  const std::string state = StringAt(status, "state");
  if (state != "success" && state != "failure" && state != "error") {
    AcknowledgeDelivery(call.respond, delivery, "deployment_status",
                        "a deployment state other than success, failure or error");
    return Status::Ok();
  }
  dto::FieldReader d(*deployment), s(*status);
  DeploymentFacts f;
  f.succeeded = state == "success";
  auto id = d.Id("id", true);
  auto sha = d.Id("sha", true);
  f.environment = d.Id("environment", false);
  auto started = d.Time("created_at", true);
  auto finished = s.Time("created_at", true);
  f.username = StringAt(ObjectAt(*deployment, "creator"), "login");
  const json::object* installation = ObjectAt(body, "installation");
  std::optional<int64_t> installation_id;
  if (installation == nullptr) {
    errors.push_back({"installation.id", "is required: deliveries of a GitHub App carry it"});
  } else {
    dto::FieldReader i(*installation);
    installation_id = i.Count("id", true);
    CollectErrors(i, "installation.", &errors);
  }
  const std::string repository = StringAt(ObjectAt(body, "repository"), "full_name");
  if (!github::IsRepositoryName(repository)) {
    errors.push_back({"repository.full_name", "is required: owner/name"});
  }
  CollectErrors(d, "deployment.", &errors);
  CollectErrors(s, "deployment_status.", &errors);
  if (!errors.empty()) return Status::Invalid(std::move(errors));
  f.id = *id;
  f.commit_sha = *sha;
  f.deploy_start_at = *started;
  f.finished_at = *finished;
  f.project_id = env.deps.teams->Get()->github.ProjectOf(repository);
  RunWithGitHub(
      env, "deployment_status", delivery, body,
      [f, repository, inst = *installation_id](const github::AppClient& app,
                                               TimeMs deadline) mutable -> Result<Verdict> {
        auto authored = app.CommitAuthoredAt(inst, repository, f.commit_sha, deadline);
        if (!authored.ok()) return authored.status();
        f.first_commit_at = *authored;
        return Verdict{CommandFor(f), ""};
      },
      std::move(call.respond));
  return Status::Ok();
}

Status WorkflowRunEvent(const Env& env, const json::object& body, Call& call) {
  const Delivery delivery = DeliveryOf(call);
  auto action = dto::FieldReader(body).Id("action", false);
  if (action != "completed") {
    AcknowledgeDelivery(call.respond, delivery, "workflow_run", "an action other than completed");
    return Status::Ok();
  }
  const json::object* run = ObjectAt(body, "workflow_run");
  if (run == nullptr) return Status::InvalidArgument("workflow_run", "is required (an object)");
  const std::string repository = StringAt(ObjectAt(body, "repository"), "full_name");
  auto teams = env.deps.teams->Get();
  const config::DeploymentWorkflow* flow =
      teams->github.FindWorkflow(repository, StringAt(run, "path"), StringAt(run, "name"));
  if (flow == nullptr) {
    AcknowledgeDelivery(call.respond, delivery, "workflow_run",
                        "a workflow that github.deployment_workflows does not list");
    return Status::Ok();
  }
  const std::string conclusion = StringAt(run, "conclusion");
  if (conclusion != "success" && conclusion != "failure") {
    AcknowledgeDelivery(call.respond, delivery, "workflow_run",
                        "a conclusion other than success or failure");
    return Status::Ok();
  }
  dto::FieldReader r(*run);
  DeploymentFacts f;
  f.succeeded = conclusion == "success";
  auto id = r.Id("id", true);
  auto sha = r.Id("head_sha", true);
  auto started = r.Time("run_started_at", true);
  auto finished = r.Time("updated_at", true);  // a completed run's last update is its end
  std::vector<FieldError> errors;
  CollectErrors(r, "workflow_run.", &errors);
  const json::object* head = ObjectAt(*run, "head_commit");
  std::optional<TimeMs> committed;
  if (head == nullptr) {
    errors.push_back({"workflow_run.head_commit", "is required (an object)"});
  } else {
    dto::FieldReader h(*head);
    committed = h.Time("timestamp", true);
    CollectErrors(h, "workflow_run.head_commit.", &errors);
  }
  if (!github::IsRepositoryName(repository)) {
    errors.push_back({"repository.full_name", "is required: owner/name"});
  }
  if (!errors.empty()) return Status::Invalid(std::move(errors));
  // Runs and GitHub deployments are numbered apart: the prefix keeps their ids apart too.
  f.id = "run-" + *id;
  f.project_id = teams->github.ProjectOf(repository);
  f.username = StringAt(ObjectAt(*run, "actor"), "login");
  if (!flow->environment.empty()) f.environment = flow->environment;
  f.first_commit_at = *committed;
  f.deploy_start_at = *started;
  f.finished_at = *finished;
  f.commit_sha = *sha;
  RunDelivery(env, CommandFor(f), body, std::move(call.respond), delivery);
  return Status::Ok();
}

}  // namespace emm::api::github_events
