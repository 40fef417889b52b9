// POST /webhooks/github: GitHub's deliveries for the pull requests of the configured users, as
// the original's GitHub App receives them (contract section 10), signed with
// GITHUB_WEBHOOK_SECRET. A pull request opened, closed or merged runs the same domain command as
// the REST routes. Reviews need the App's API access to count their comments: not handled yet
// (501, so GitHub lists the delivery as failed and it can be redelivered later).
#include <boost/json.hpp>

#include "api/dto/fields.h"
#include "api/error_response.h"
#include "api/handlers.h"
#include "auth/webhook_signature.h"
#include "common/log.h"

namespace emm::api {
namespace json = boost::json;
namespace {

// 200 with what was done, for deliveries that are acknowledged without storing anything.
void Acknowledge(const Call& call, std::string_view event, std::string_view why) {
  log::Info("github delivery ignored", {{"event", event},
                                        {"delivery", call.request.Header("X-GitHub-Delivery")
                                                         .value_or("")},
                                        {"why", why}});
  call.respond(http::Response::Json(
      200, json::serialize(json::object{{"ignored", std::string(why)}})));
}

const json::object* ObjectAt(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_object() ? &it->value().get_object() : nullptr;
}

// GitHub's id of this delivery, the same on a redelivery: the write runner runs it once.
std::optional<Delivery> DeliveryOf(const Call& call) {
  auto id = call.request.Header("X-GitHub-Delivery");
  if (!id || id->empty()) return std::nullopt;
  return Delivery{"github", std::string(*id)};
}

// The pull request event's fields as the command needs them; field errors name their path.
Status PullRequestEvent(const Env& env, const json::object& body, std::string_view action,
                        Call call) {
  const json::object* pr = ObjectAt(body, "pull_request");
  if (pr == nullptr) {
    return Status::InvalidArgument("pull_request", "is required (an object)");
  }
  const json::object* user = ObjectAt(*pr, "user");
  dto::FieldReader r(*pr);
  auto id = r.Id("id", true);  // GitHub's numeric id, as its decimal string (as the original)
  auto opened_at = r.Time("created_at", true);
  std::optional<std::string> login;
  if (user != nullptr) login = dto::FieldReader(*user).Id("login", false);
  if (!r.ok()) {
    std::vector<FieldError> errors = r.status().fields();
    for (auto& e : errors) e.field = "pull_request." + e.field;
    return Status::Invalid(std::move(errors));
  }
  auto teams = env.deps.teams->Get();
  if (!login || !teams->directory.HasGithubUser(*login)) {
    Acknowledge(call, "pull_request", "the author is no configured user");
    return Status::Ok();
  }
  if (action == "opened") {
    domain::NewPullRequest in{*id, teams->directory.Resolve("", *login), opened_at,
                              r.Count("additions", false), r.Count("deletions", false), *login};
    if (!r.ok()) return r.status();
    // A redelivery of the same opening is not a new pull request: 200, counted once.
    std::optional<Delivery> delivery = DeliveryOf(call);
    Call redelivery_safe = std::move(call);
    http::Responder respond = [inner = std::move(redelivery_safe.respond)](http::Response res) {
      if (res.status == 409) {
        res = http::Response::Json(200, R"({"ignored":"the pull request exists already"})");
      }
      inner(std::move(res));
    };
    env.writes->Run(std::move(in), body, std::move(respond), std::move(delivery));
    return Status::Ok();
  }
  // closed: merged or not. An unknown pull request is 404, as the original.
  auto merged = r.Bool("merged", false);
  if (merged.value_or(false)) {
    auto at = r.Time("merged_at", false);
    if (!r.ok()) return r.status();
    env.writes->Run(MergePullRequestCommand{{*id, at}}, body, std::move(call.respond),
                    DeliveryOf(call));
  } else {
    auto at = r.Time("closed_at", false);
    if (!r.ok()) return r.status();
    env.writes->Run(ClosePullRequestCommand{{*id, at}}, body, std::move(call.respond),
                    DeliveryOf(call));
  }
  return Status::Ok();
}

}  // namespace

void PostGitHubWebhook(const Env& env, Call call) {
  const std::string& secret = env.options.github_webhook_secret;
  if (secret.empty()) {
    return call.respond(ErrorResponse(Status::Unavailable(
        "GITHUB_WEBHOOK_SECRET is not set: GitHub deliveries cannot be verified, so none is "
        "taken")));
  }
  Status signed_ok = auth::VerifyGitHubSignature(
      secret, call.request.body, call.request.Header("X-Hub-Signature-256").value_or(""));
  if (!signed_ok.ok()) return call.respond(ErrorResponse(signed_ok));
  const std::string event(call.request.Header("X-GitHub-Event").value_or(""));
  auto body = dto::ParseBodyObject(call.request.body);
  if (!body.ok()) return call.respond(ErrorResponse(body.status()));
  if (event == "pull_request_review") {
    return call.respond(ErrorResponse(Status::Unimplemented(
        "pull_request_review deliveries are not counted yet: their comments need the GitHub "
        "App's API access (coming); redeliver them once it is there")));
  }
  if (event != "pull_request") return Acknowledge(call, event, "an event em-metrics does not use");
  auto action = dto::FieldReader(*body).Id("action", false);
  if (!action || (*action != "opened" && *action != "closed")) {
    return Acknowledge(call, event, "an action other than opened or closed");
  }
  // PullRequestEvent answers itself once it has handed the command over.
  auto respond = call.respond;
  Status s = PullRequestEvent(env, *body, *action, std::move(call));
  if (!s.ok()) respond(ErrorResponse(s));
}

}  // namespace emm::api
