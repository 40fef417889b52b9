// POST /webhooks/gitlab: a GitLab project or group webhook (docs/webhooks.md#gitlab), its
// X-Gitlab-Token compared with GITLAB_WEBHOOK_TOKEN. Merge request events run the pull request
// commands and deployment events the deployment commands, as the REST routes do.
//
// GitLab disables a webhook for good after four 4xx answers in a row, so what em-metrics merely
// does not know (a merge request it never saw opened, a repeated opening) is 200 {"ignored"},
// never 404 or 409; only a delivery em-metrics cannot read at all is a 4xx.
#include <boost/json.hpp>

#include "api/dto/fields.h"
#include "api/dto/gitlab_json.h"
#include "api/error_response.h"
#include "api/handlers.h"
#include "api/webhooks.h"
#include "auth/webhook_signature.h"

namespace emm::api {
namespace json = boost::json;
namespace {

using domain::CodeHost;

constexpr std::string_view kSource = "gitlab";

// A delivery as it came.
struct Received {
  const Call& call;
  std::string event;  // X-Gitlab-Event
  // GitLab's Idempotency-Key (GitLab 17.4 and later) is the same on a retry and a "Resend
  // request", so the write runner runs it once. X-Gitlab-Event-UUID is not: each sending draws a
  // new one, and webhooks triggered by webhooks share it; it only goes to the log.
  std::optional<Delivery> delivery;
  Delivery logged;  // the Idempotency-Key, else X-Gitlab-Event-UUID

  void Ignore(std::string_view why) const {
    AcknowledgeDelivery(call.respond, logged, event, why);
  }
};

// Merge Request Hook: open and reopen create the pull request (as POST /api/v1/pull-requests),
// approval and approved are one approver's approval each (GitLab sends `approval` for each
// approval short of the rule's count and `approved` for the one that meets it), merge and close
// end it. Other actions (update, unapproval, ...) are acknowledged.
Status MergeRequestEvent(const Env& env, const json::object& body, const Received& d) {
  const json::object* attrs = dto::FieldReader(body).Object("object_attributes", false);
  const std::string action =
      attrs ? dto::FieldReader(*attrs).Id("action", false).value_or("") : "";
  const bool opens = action == "open" || action == "reopen";
  const bool approves = action == "approval" || action == "approved";
  if (!opens && !approves && action != "merge" && action != "close") {
    d.Ignore("a merge request action other than open, reopen, approval, approved, merge or close");
    return Status::Ok();
  }
  auto mr = dto::ReadGitLabMergeRequest(body);
  if (!mr.ok()) return mr.status();
  if (opens) {
    const auto teams = env.deps.teams->Get();
    if (!mr->by_author || !teams->directory.HasUser(CodeHost::kGitLab, *mr->username)) {
      d.Ignore("the author is not a user of the teams file (users[].gitlab_username)");
      return Status::Ok();
    }
    domain::NewPullRequest in{mr->id,
                              teams->directory.Resolve("", *mr->username, CodeHost::kGitLab),
                              mr->created_at,
                              std::nullopt,  // GitLab's payload has no line counts
                              std::nullopt,
                              *mr->username};
    RunDelivery(env, std::move(in), body, d.call.respond, d.delivery);
    return Status::Ok();
  }
  WriteCommand command = MergePullRequestCommand{{mr->id, mr->updated_at}};
  if (approves) {
    if (!mr->username) return Status::InvalidArgument("user.username", "is required: the approver");
    // The payload carries no approval time: the delivery's arrival stands for it.
    command = domain::PullRequestReviewed{mr->id, std::nullopt, true, 0, *mr->username};
  } else if (action == "close") {
    command = ClosePullRequestCommand{{mr->id, mr->updated_at}};
  }
  RunDelivery(env, std::move(command), body,
              IgnoringStatus(d.call.respond, 404,
                             "merge request " + mr->id +
                                 " is not known to em-metrics (opened before the webhook was set "
                                 "up, or by an author the teams file does not list)"),
              d.delivery);
  return Status::Ok();
}

// Deployment Hook: running starts a deployment; success deploys it (created if em-metrics missed
// its start); failed keeps it as a deployment that never reached production (not a change
// failure: nothing changed for users); canceled and other states are acknowledged. The payload
// has no commit time: these deployments give no lead time.
Status DeploymentEvent(const Env& env, const json::object& body, const Received& d) {
  const std::string status = dto::FieldReader(body).Id("status", false).value_or("");
  if (status != "running" && status != "success" && status != "failed") {
    d.Ignore("a deployment status other than running, success or failed");
    return Status::Ok();
  }
  auto deployment = dto::ReadGitLabDeployment(body);
  if (!deployment.ok()) return deployment.status();
  const dto::GitLabDeployment& g = *deployment;
  if (status == "success") {
    domain::MarkDeployed in;
    in.id = g.id;
    in.create_if_not_exists = true;
    in.first_commit_unknown = true;
    in.project_id = g.project_id;
    in.username = g.username;
    in.username_host = CodeHost::kGitLab;
    in.environment = g.environment;
    in.deployed_at = g.at;
    in.commit_sha = g.commit_sha;
    RunDelivery(env, std::move(in), body, d.call.respond, d.delivery);
    return Status::Ok();
  }
  domain::NewDeployment in;
  in.id = g.id;
  in.project_id = g.project_id;
  in.username = g.username;
  in.username_host = CodeHost::kGitLab;
  in.environment = g.environment;
  in.deploy_start_at = g.at;
  in.commit_sha = g.commit_sha;
  // A redelivery, or a failure after the start: the deployment exists already (200).
  RunDelivery(env, std::move(in), body, d.call.respond, d.delivery);
  return Status::Ok();
}

}  // namespace

void PostGitLabWebhook(const Env& env, Call call) {
  const std::string& token = env.options.gitlab_webhook_token;
  if (token.empty()) {
    return call.respond(ErrorResponse(MissingWebhookSecret("GITLAB_WEBHOOK_TOKEN", "GitLab")));
  }
  Status verified =
      auth::VerifyGitLabToken(token, call.request.Header("X-Gitlab-Token").value_or(""));
  if (!verified.ok()) return call.respond(ErrorResponse(verified));
  const std::string key(call.request.Header("Idempotency-Key").value_or(""));
  std::optional<Delivery> delivery;
  if (!key.empty()) delivery = Delivery{std::string(kSource), key};
  const Received d{call, std::string(call.request.Header("X-Gitlab-Event").value_or("")), delivery,
                   delivery.value_or(Delivery{std::string(kSource),
                                              std::string(call.request.Header("X-Gitlab-Event-UUID")
                                                              .value_or(""))})};
  auto body = dto::ParseBodyObject(call.request.body);
  if (!body.ok()) return call.respond(ErrorResponse(body.status()));
  // Each event answers the call itself once it has handed its command over.
  Status s = Status::Ok();
  if (d.event == "Merge Request Hook") {
    s = MergeRequestEvent(env, *body, d);
  } else if (d.event == "Deployment Hook") {
    s = DeploymentEvent(env, *body, d);
  } else {
    return d.Ignore("an event em-metrics does not use");
  }
  if (!s.ok()) call.respond(ErrorResponse(s));
}

}  // namespace emm::api
