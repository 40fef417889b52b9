// POST /webhooks/github: GitHub's deliveries, signed with GITHUB_WEBHOOK_SECRET, as the original's
// GitHub App receives them (contract section 10) plus deployments. Pull requests opened, closed or
// merged by configured users run the same domain commands as the REST routes; their reviews are
// counted once the App has read the review's comments from GitHub's API (a review of only replies
// is not one); deployment statuses and deployment workflows' runs are deployments
// (github_deployment_events.cc).
#include <boost/json.hpp>

#include "api/dto/fields.h"
#include "api/error_response.h"
#include "api/github_events.h"
#include "api/handlers.h"
#include "api/webhooks.h"
#include "auth/webhook_signature.h"
#include "common/log.h"

namespace emm::api {
namespace json = boost::json;
namespace github_events {

Delivery DeliveryOf(const Call& call) {
  return Delivery{"github", std::string(call.request.Header("X-GitHub-Delivery").value_or(""))};
}

AppTarget ReadAppTarget(dto::FieldReader& body) {
  AppTarget out;
  if (const json::object* installation = body.Object("installation", false)) {
    dto::FieldReader i(*installation, "installation");
    out.installation_id = i.Count("id", true).value_or(0);
    body.Collect(i);
  } else {
    body.AddError("installation.id", "is required: deliveries of a GitHub App carry it");
  }
  out.repository = ReadRepository(body);
  return out;
}

std::string ReadRepository(dto::FieldReader& body) {
  std::string repository = body.NestedId("repository", "full_name", false).value_or("");
  if (!github::IsRepositoryName(repository)) {
    body.AddError("repository.full_name", "is required: owner/name");
  }
  return repository;
}

void RunWithGitHub(const Env& env, std::string event, Delivery delivery, json::object body,
                   Lookup lookup, http::Responder respond) {
  if (env.deps.github == nullptr || env.deps.background == nullptr) {
    return respond(ErrorResponse(Status::Unavailable(
        event + " deliveries need the GitHub App's API access: set GITHUB_CLIENT_ID and "
                "GITHUB_RSA_PEM_KEY_B64 (docs/github-app.md), then redeliver")));
  }
  const TimeMs deadline = env.deps.clock->NowMs() + kApiDeadlineMs;
  // One owner for everything the job needs; the job answers exactly once.
  struct Job {
    std::string event;
    Delivery delivery;
    json::object body;
    Lookup lookup;
    http::Responder respond;
  };
  auto job = std::make_shared<Job>(
      Job{std::move(event), std::move(delivery), std::move(body), std::move(lookup),
          std::move(respond)});
  const Env* e = &env;  // outlives every call
  bool queued = env.deps.background->Submit([e, job, deadline](size_t) {
    Result<Verdict> verdict = job->lookup(*e->deps.github, deadline);
    if (!verdict.ok()) {
      if (verdict.status().code() == StatusCode::kUpstream) {
        log::Warn("github api call failed", {{"event", job->event},
                                             {"delivery", job->delivery.id},
                                             {"error", verdict.status().message()}});
      }
      return job->respond(ErrorResponse(verdict.status()));
    }
    if (!verdict->command) {
      return AcknowledgeDelivery(job->respond, job->delivery, job->event, verdict->ignored);
    }
    RunDelivery(*e, std::move(*verdict->command), job->body, std::move(job->respond),
                std::move(job->delivery));
  });
  if (!queued) job->respond(ErrorResponse(Status::Unavailable("the server is shutting down")));
}

}  // namespace github_events

namespace {
using github_events::DeliveryOf;

// pull_request opened or closed (merged or not), by a configured user.
Status PullRequestEvent(const Env& env, const json::object& body, std::string_view action,
                        Call& call) {
  dto::FieldReader top(body);
  const json::object* pr = top.Object("pull_request", true);
  if (pr == nullptr) return top.status();
  dto::FieldReader r(*pr, "pull_request");
  auto id = r.Id("id", true);  // GitHub's numeric id, as its decimal string (as the original)
  auto opened_at = r.Time("created_at", true);
  const std::string login = r.NestedId("user", "login", false).value_or("");
  if (!r.ok()) return r.status();
  auto teams = env.deps.teams->Get();
  if (!teams->directory.HasGithubUser(login)) {
    AcknowledgeDelivery(call.respond, DeliveryOf(call), "pull_request",
                        "the author is no configured user");
    return Status::Ok();
  }
  if (action == "opened") {
    domain::NewPullRequest in{*id, teams->directory.Resolve("", login), opened_at,
                              r.Count("additions", false), r.Count("deletions", false), login};
    if (!r.ok()) return r.status();
    RunDelivery(env, std::move(in), body, std::move(call.respond), DeliveryOf(call));
    return Status::Ok();
  }
  // closed: merged or not. An unknown pull request is 404, as the original.
  auto merged = r.Bool("merged", false);
  const bool was_merged = merged.value_or(false);
  auto at = r.Time(was_merged ? "merged_at" : "closed_at", false);
  if (!r.ok()) return r.status();
  if (was_merged) {
    RunDelivery(env, MergePullRequestCommand{{*id, at}}, body, std::move(call.respond),
                DeliveryOf(call));
  } else {
    RunDelivery(env, ClosePullRequestCommand{{*id, at}}, body, std::move(call.respond),
                DeliveryOf(call));
  }
  return Status::Ok();
}

// Whether a review counts, from its inline comments: all of them, unless every one answers an
// existing thread. The original ignored a review whose comments were all replies, which it also
// concluded for a review without any comment, so it never counted a plain approval; here a
// review without inline comments counts.
bool RepliesOnly(const std::vector<github::ReviewComment>& comments) {
  if (comments.empty()) return false;
  for (const auto& c : comments) {
    if (!c.in_reply_to_id) return false;
  }
  return true;
}

// pull_request_review submitted, by someone else than the author of a configured user's pull
// request, approving, requesting changes or commenting.
Status ReviewEvent(const Env& env, const json::object& body, Call& call) {
  const Delivery delivery = DeliveryOf(call);
  auto action = dto::FieldReader(body).Id("action", false);
  if (action != "submitted") {
    AcknowledgeDelivery(call.respond, delivery, "pull_request_review",
                        "an action other than submitted");
    return Status::Ok();
  }
  dto::FieldReader top(body);
  const json::object* pr = top.Object("pull_request", true);
  const json::object* review = top.Object("review", true);
  if (!top.ok()) return top.status();
  dto::FieldReader p(*pr, "pull_request"), rv(*review, "review");
  const std::string author = p.NestedId("user", "login", false).value_or("");
  const std::string reviewer = rv.NestedId("user", "login", false).value_or("");
  const std::string state = rv.Id("state", false).value_or("");
  std::string ignored;
  if (!env.deps.teams->Get()->directory.HasGithubUser(author)) {
    ignored = "the pull request's author is no configured user";
  } else if (reviewer == author) {
    ignored = "a review by the pull request's author";
  } else if (state != "approved" && state != "changes_requested" && state != "commented") {
    ignored = "a review state other than approved, changes_requested or commented";
  }
  if (!ignored.empty()) {
    AcknowledgeDelivery(call.respond, delivery, "pull_request_review", ignored);
    return Status::Ok();
  }
  auto id = p.Id("id", true);
  auto number = p.Count("number", true);
  auto review_id = rv.Count("id", true);
  auto submitted_at = rv.Time("submitted_at", true);
  const github_events::AppTarget target = github_events::ReadAppTarget(top);
  top.Collect(p);
  top.Collect(rv);
  if (!top.ok()) return top.status();

  github::ReviewRef ref{target.installation_id, target.repository, *number, *review_id};
  domain::PullRequestReviewed reviewed{*id, submitted_at, state == "approved", 0, reviewer};
  github_events::RunWithGitHub(
      env, "pull_request_review", delivery, body,
      [ref, reviewed](const github::AppClient& app,
                      TimeMs deadline) -> Result<github_events::Verdict> {
        auto comments = app.ListReviewComments(ref, deadline);
        if (!comments.ok()) return comments.status();
        if (RepliesOnly(*comments)) {
          return github_events::Verdict{std::nullopt, "a review made only of replies"};
        }
        domain::PullRequestReviewed in = reviewed;
        in.comments = static_cast<int64_t>(comments->size());
        return github_events::Verdict{WriteCommand(std::move(in)), ""};
      },
      std::move(call.respond));
  return Status::Ok();
}

}  // namespace

void PostGitHubWebhook(const Env& env, Call call) {
  const std::string& secret = env.options.github_webhook_secret;
  if (secret.empty()) {
    return call.respond(ErrorResponse(MissingWebhookSecret("GITHUB_WEBHOOK_SECRET", "GitHub")));
  }
  Status signed_ok = auth::VerifyGitHubSignature(
      secret, call.request.body, call.request.Header("X-Hub-Signature-256").value_or(""));
  if (!signed_ok.ok()) return call.respond(ErrorResponse(signed_ok));
  const std::string event(call.request.Header("X-GitHub-Event").value_or(""));
  auto body = dto::ParseBodyObject(call.request.body);
  if (!body.ok()) return call.respond(ErrorResponse(body.status()));
  // Each event's function answers once it has handed its work over, or returns the error.
  auto respond = call.respond;
  Status s;
  if (event == "pull_request") {
    auto action = dto::FieldReader(*body).Id("action", false);
    if (action != "opened" && action != "closed") {
      return AcknowledgeDelivery(respond, DeliveryOf(call), event,
                                 "an action other than opened or closed");
    }
    s = PullRequestEvent(env, *body, *action, call);
  } else if (event == "pull_request_review") {
    s = ReviewEvent(env, *body, call);
  } else if (event == "deployment_status") {
    s = github_events::DeploymentStatusEvent(env, *body, call);
  } else if (event == "workflow_run") {
    s = github_events::WorkflowRunEvent(env, *body, call);
  } else {
    return AcknowledgeDelivery(respond, DeliveryOf(call), event, "an event em-metrics does not use");
  }
  if (!s.ok()) respond(ErrorResponse(s));
}

}  // namespace emm::api
