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
  dto::FieldReader top(body);
  const json::object* status = top.Object("deployment_status", true);
  const json::object* deployment = top.Object("deployment", true);
  if (!top.ok()) return top.status();
  dto::FieldReader d(*deployment, "deployment"), s(*status, "deployment_status");
  const std::string state = s.Id("state", false).value_or("");
  if (state != "success" && state != "failure" && state != "error") {
    AcknowledgeDelivery(call.respond, delivery, "deployment_status",
                        "a deployment state other than success, failure or error");
    return Status::Ok();
  }
  DeploymentFacts f;
  f.succeeded = state == "success";
  auto id = d.Id("id", true);
  auto sha = d.Id("sha", true);
  f.environment = d.Id("environment", false);
  auto started = d.Time("created_at", true);
  auto finished = s.Time("created_at", true);
  f.username = d.NestedId("creator", "login", false).value_or("");
  const AppTarget target = ReadAppTarget(top);
  top.Collect(d);
  top.Collect(s);
  if (!top.ok()) return top.status();
  f.id = *id;
  f.commit_sha = *sha;
  f.deploy_start_at = *started;
  f.finished_at = *finished;
  f.project_id = env.deps.teams->Get()->github.ProjectOf(target.repository);
  RunWithGitHub(
      env, "deployment_status", delivery, body,
      [f, target](const github::AppClient& app, TimeMs deadline) mutable -> Result<Verdict> {
        auto authored =
            app.CommitAuthoredAt(target.installation_id, target.repository, f.commit_sha, deadline);
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
  dto::FieldReader top(body);
  const json::object* run = top.Object("workflow_run", true);
  if (run == nullptr) return top.status();
  dto::FieldReader r(*run, "workflow_run");
  const std::string repository = ReadRepository(top);
  auto teams = env.deps.teams->Get();
  // Names and paths get the room of a path (2048 bytes), not an id's.
  const config::DeploymentWorkflow* flow =
      teams->github.FindWorkflow(repository, r.Id("path", false, 2048).value_or(""),
                                 r.Id("name", false, 2048).value_or(""));
  if (flow == nullptr) {
    AcknowledgeDelivery(call.respond, delivery, "workflow_run",
                        "a workflow that github.deployment_workflows does not list");
    return Status::Ok();
  }
  const std::string conclusion = r.Id("conclusion", false).value_or("");
  if (conclusion != "success" && conclusion != "failure") {
    AcknowledgeDelivery(call.respond, delivery, "workflow_run",
                        "a conclusion other than success or failure");
    return Status::Ok();
  }
  DeploymentFacts f;
  f.succeeded = conclusion == "success";
  auto id = r.Id("id", true);
  auto sha = r.Id("head_sha", true);
  auto started = r.Time("run_started_at", true);
  auto finished = r.Time("updated_at", true);  // a completed run's last update is its end
  f.username = r.NestedId("actor", "login", false).value_or("");
  std::optional<TimeMs> committed;
  if (const json::object* head = r.Object("head_commit", true)) {
    dto::FieldReader h(*head, "head_commit");
    committed = h.Time("timestamp", true);
    r.Collect(h);
  }
  top.Collect(r);
  if (!top.ok()) return top.status();
  // Runs and GitHub deployments are numbered apart: the prefix keeps their ids apart too.
  f.id = "run-" + *id;
  f.project_id = teams->github.ProjectOf(repository);
  if (!flow->environment.empty()) f.environment = flow->environment;
  f.first_commit_at = *committed;
  f.deploy_start_at = *started;
  f.finished_at = *finished;
  f.commit_sha = *sha;
  RunDelivery(env, CommandFor(f), body, std::move(call.respond), delivery);
  return Status::Ok();
}

}  // namespace emm::api::github_events
