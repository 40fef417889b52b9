// Shared by the handlers of POST /webhooks/github's events (github_webhook_handler.cc for pull
// requests and reviews, github_deployment_events.cc for deployments): reading GitHub's payloads
// and running what needs GitHub's API on a worker.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "api/dto/fields.h"
#include "api/handler.h"
#include "api/webhooks.h"

namespace emm::api::github_events {

// GitHub waits 10 s for an answer before it lists a delivery as failed: the API calls a delivery
// needs get 8 s in all, so that a slow GitHub is a 502 we give, not a timeout GitHub sees.
inline constexpr int64_t kApiDeadlineMs = 8000;

// The delivery's X-GitHub-Delivery (an empty id when absent: run, not recorded): a redelivery
// (same id) runs nothing again.
Delivery DeliveryOf(const Call& call);

// What the App's API calls of a delivery need: its installation.id and repository.full_name,
// read by `body`, the delivery's reader (an error collected there for each one wrong or missing).
struct AppTarget {
  int64_t installation_id = 0;
  std::string repository;
};
AppTarget ReadAppTarget(dto::FieldReader& body);

// The delivery's repository.full_name, owner/name, read by `body` (an error collected there
// otherwise).
std::string ReadRepository(dto::FieldReader& body);

// What a delivery that needed GitHub's API comes to: a command to run, or why nothing is done.
struct Verdict {
  std::optional<WriteCommand> command;
  std::string ignored;  // when there is no command
};
using Lookup = std::function<Result<Verdict>(const github::AppClient& app, TimeMs deadline)>;

// Runs `lookup` on a worker (never an I/O thread), then its command as RunDelivery does, answered
// with `respond`. No GitHub App configured: 503 naming the variables. A lookup error is answered
// as ErrorResponse maps it (GitHub down or refusing: 502, so GitHub lists the delivery as failed
// and it can be redelivered).
void RunWithGitHub(const Env& env, std::string event, Delivery delivery, boost::json::object body,
                   Lookup lookup, http::Responder respond);

// The deployment events; each answers `call` itself or returns the error to answer.
Status DeploymentStatusEvent(const Env& env, const boost::json::object& body, Call& call);
Status WorkflowRunEvent(const Env& env, const boost::json::object& body, Call& call);

}  // namespace emm::api::github_events
