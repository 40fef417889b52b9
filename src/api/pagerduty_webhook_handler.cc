// POST /webhooks/pagerduty: PagerDuty's Webhooks v3 deliveries (a webhook subscription on a
// service, a team or the account), signed with PAGERDUTY_WEBHOOK_SECRET. incident.triggered opens
// the incident "pagerduty:<incident id>" in the project the teams file gives its service
// (incidents.pagerduty); incident.resolved restores and finishes it: PagerDuty has no later event
// (no "postmortem done"), and DORA's time to restore ends when users are no longer affected,
// which is what resolving says. Every other event is acknowledged (docs/webhooks.md#pagerduty).
#include <boost/json.hpp>

#include "api/dto/fields.h"
#include "api/error_response.h"
#include "api/handlers.h"
#include "api/webhooks.h"
#include "auth/webhook_signature.h"

namespace emm::api {
namespace json = boost::json;

void PostPagerDutyWebhook(const Env& env, Call call) {
  const std::string& secret = env.options.pagerduty_webhook_secret;
  if (secret.empty()) {
    return call.respond(ErrorResponse(MissingWebhookSecret("PAGERDUTY_WEBHOOK_SECRET", "PagerDuty")));
  }
  Status signed_ok = auth::VerifyPagerDutySignature(
      secret, call.request.body, call.request.Header("X-PagerDuty-Signature").value_or(""));
  if (!signed_ok.ok()) return call.respond(ErrorResponse(signed_ok));
  auto body = dto::ParseBodyObject(call.request.body);
  if (!body.ok()) return call.respond(ErrorResponse(body.status()));

  // The envelope: {"event": {"id", "event_type", "occurred_at", "data": {...}}}.
  dto::FieldReader top(*body);
  const json::object* event = top.Object("event", true);
  if (event == nullptr) return call.respond(ErrorResponse(top.status()));
  dto::FieldReader ev(*event, "event");
  auto type = ev.Id("event_type", true);
  if (!ev.ok()) return call.respond(ErrorResponse(ev.status()));
  const bool triggered = *type == "incident.triggered";
  const bool used = triggered || *type == "incident.resolved";
  // The same on PagerDuty's retries: the delivery id. Events not used need nothing more.
  auto event_id = ev.Id("id", used);
  if (!ev.ok()) return call.respond(ErrorResponse(ev.status()));
  const Delivery delivery{"pagerduty", event_id.value_or("")};
  if (!used) {
    return AcknowledgeDelivery(call.respond, delivery, *type, "an event em-metrics does not use");
  }
  auto occurred_at = ev.Time("occurred_at", false);
  const json::object* data = ev.Object("data", true);
  if (!ev.ok()) return call.respond(ErrorResponse(ev.status()));
  dto::FieldReader incident(*data, "event.data");
  auto incident_id = incident.Id("id", true);
  auto created_at = incident.Time("created_at", false);
  const json::object* service = incident.Object("service", true);
  if (!incident.ok()) return call.respond(ErrorResponse(incident.status()));
  dto::FieldReader s(*service, "event.data.service");
  auto service_id = s.Id("id", false);
  auto service_name = s.Id("summary", false);
  if (!s.ok()) return call.respond(ErrorResponse(s.status()));

  // The service's id first (stable), then its name (readable).
  std::vector<std::string> keys;
  if (service_id) keys.push_back(*service_id);
  if (service_name) keys.push_back(*service_name);
  auto teams = env.deps.teams->Get();
  const config::IncidentRouting& routing = teams->incidents.pagerduty;
  std::string project = routing.ProjectOf(keys);
  if (project.empty()) {
    return AcknowledgeDelivery(
        call.respond, delivery, *type,
        "service " + service_name.value_or("") + " (" + service_id.value_or("no id") +
            ") is given no project in the teams file (incidents.pagerduty.projects)");
  }
  std::string id = "pagerduty:" + *incident_id;
  if (triggered) {
    domain::NewIncident in = ToolIncident(std::move(id), std::move(project), routing);
    in.started_at = created_at ? created_at : occurred_at;
    return RunDelivery(env, std::move(in), *body, std::move(call.respond), delivery);
  }
  // Finishing restores first when the incident was not restored; an unknown incident is 404.
  RunDelivery(env, FinishIncidentCommand{{std::move(id), occurred_at}}, *body,
              std::move(call.respond), delivery);
}

}  // namespace emm::api
