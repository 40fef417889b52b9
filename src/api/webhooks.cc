#include "api/webhooks.h"

#include "common/log.h"

namespace emm::api {
namespace json = boost::json;

Status MissingWebhookSecret(std::string_view variable, std::string_view provider) {
  return Status::Unavailable(std::string(variable) + " is not set: " + std::string(provider) +
                             " deliveries cannot be verified, so none is taken");
}

void AcknowledgeDelivery(const http::Responder& respond, const Delivery& delivery,
                         std::string_view event, std::string_view why) {
  log::Info("webhook delivery ignored", {{"source", delivery.source},
                                         {"delivery", delivery.id},
                                         {"event", event},
                                         {"why", why}});
  respond(http::Response::Json(200, json::serialize(json::object{{"ignored", std::string(why)}})));
}

http::Responder IgnoringStatus(http::Responder respond, int status, std::string why) {
  return [inner = std::move(respond), status, why = std::move(why)](http::Response res) {
    if (res.status == status) {
      res = http::Response::Json(200, json::serialize(json::object{{"ignored", why}}));
    }
    inner(std::move(res));
  };
}

void RunDelivery(const Env& env, WriteCommand command, const json::object& body,
                 http::Responder respond, std::optional<Delivery> delivery) {
  const char* what = std::holds_alternative<domain::NewIncident>(command)       ? "incident"
                     : std::holds_alternative<domain::NewPullRequest>(command)  ? "pull request"
                     : std::holds_alternative<domain::NewDeployment>(command)   ? "deployment"
                                                                                : nullptr;
  if (delivery && delivery->id.empty()) delivery.reset();
  if (what != nullptr) {
    respond =
        IgnoringStatus(std::move(respond), 409, std::string("the ") + what + " exists already");
  }
  env.writes->Run(std::move(command), body, std::move(respond), std::move(delivery));
}

domain::NewIncident ToolIncident(std::string tool_id, std::string project,
                                 const config::IncidentRouting& routing) {
  domain::NewIncident in;
  in.id = std::move(tool_id);
  in.project_id = std::move(project);
  if (!routing.environment.empty()) in.environment = routing.environment;
  return in;
}

}  // namespace emm::api
