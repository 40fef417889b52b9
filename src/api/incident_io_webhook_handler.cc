// POST /webhooks/incident-io: incident.io's webhooks (Svix-signed with
// INCIDENT_IO_WEBHOOK_SECRET). An incident counts from the moment it is live: created live (or
// moved out of triage into live) it is opened as "incident-io:<id>"; its status moving into the
// "learning" category (resolved, post-incident work) restores it, into "closed" finishes it
// (restoring it first if it was not). Triage, declined, merged, canceled and paused incidents,
// test and tutorial incidents, private incidents (their events carry only an id) and every other
// event are acknowledged without storing (docs/webhooks.md#incidentio).
#include <boost/json.hpp>

#include "api/dto/fields.h"
#include "api/error_response.h"
#include "api/handlers.h"
#include "api/webhooks.h"
#include "auth/webhook_signature.h"
#include "common/log.h"

namespace emm::api {
namespace json = boost::json;
namespace {

constexpr std::string_view kCreated = "public_incident.incident_created_v2";
constexpr std::string_view kStatusUpdated = "public_incident.incident_status_updated_v2";

// The string `key` of `o` ("" when `o` is null, or the value absent or not text): custom fields
// are read with readers whose errors are dropped. Values get a text field's room, not an id's.
std::string TextIn(const json::object* o, std::string_view key) {
  return o == nullptr ? "" : dto::FieldReader(*o).Id(key, false, 4096).value_or("");
}

// The values of the incident's custom field `field` (its name or id), as text: an option's value,
// a text, a catalog entry's name and external id. Entries of another shape are passed over: a
// custom field only routes, it never makes a delivery fail.
std::vector<std::string> CustomFieldValues(const json::object& incident, std::string_view field) {
  std::vector<std::string> out;
  const json::value* entries = incident.if_contains("custom_field_entries");
  if (field.empty() || entries == nullptr || !entries->is_array()) return out;
  for (const json::value& entry : entries->get_array()) {
    if (!entry.is_object()) continue;
    dto::FieldReader e(entry.get_object());
    const json::object* def = e.Object("custom_field", false);
    if (TextIn(def, "name") != field && TextIn(def, "id") != field) continue;
    const json::value* values = entry.get_object().if_contains("values");
    if (values == nullptr || !values->is_array()) continue;
    for (const json::value& v : values->get_array()) {
      if (!v.is_object()) continue;
      dto::FieldReader value(v.get_object());
      const json::object* catalog_entry = value.Object("value_catalog_entry", false);
      for (std::string text : {TextIn(value.Object("value_option", false), "value"),
                               TextIn(&v.get_object(), "value_text"),
                               TextIn(catalog_entry, "name"), TextIn(catalog_entry, "external_id")}) {
        if (!text.empty()) out.push_back(std::move(text));
      }
    }
  }
  return out;
}

// The deployment the incident's `deployment_field` names, when one with that id is stored; a value
// naming none is logged and left out, so the incident is still taken (and linked by
// link=previous_deployment) instead of failing on every retry.
std::optional<std::string> NamedDeployment(const Env& env, const json::object& incident,
                                           const config::IncidentRouting& routing,
                                           const std::string& incident_id) {
  for (const std::string& id : CustomFieldValues(incident, routing.deployment_field)) {
    auto found = env.deps.store->GetDeployment(id);
    if (found.ok() && found->has_value()) return id;
    log::Warn("incident names a deployment em-metrics does not have: not linked",
              {{"incident", incident_id}, {"field", routing.deployment_field}, {"deployment", id}});
  }
  return std::nullopt;
}

}  // namespace

void PostIncidentIoWebhook(const Env& env, Call call) {
  const std::string& secret = env.options.incident_io_webhook_secret;
  if (secret.empty()) {
    return call.respond(
        ErrorResponse(MissingWebhookSecret("INCIDENT_IO_WEBHOOK_SECRET", "incident.io")));
  }
  const http::Request& req = call.request;
  const auth::SvixHeaders headers{req.Header("webhook-id").value_or(""),
                                  req.Header("webhook-timestamp").value_or(""),
                                  req.Header("webhook-signature").value_or("")};
  Status signed_ok = auth::VerifySvixSignature(secret, "INCIDENT_IO_WEBHOOK_SECRET", headers,
                                               req.body, env.deps.clock->NowMs());
  if (!signed_ok.ok()) return call.respond(ErrorResponse(signed_ok));
  const Delivery delivery{"incident-io", std::string(headers.id)};
  auto body = dto::ParseBodyObject(req.body);
  if (!body.ok()) return call.respond(ErrorResponse(body.status()));

  // {"event_type": T, T: payload}: the incident itself on creation; {"incident", "new_status",
  // "previous_status"} on a status change.
  dto::FieldReader top(*body);
  auto type = top.Id("event_type", true);
  if (!top.ok()) return call.respond(ErrorResponse(top.status()));
  const bool created = *type == kCreated;
  if (!created && *type != kStatusUpdated) {
    return AcknowledgeDelivery(call.respond, delivery, *type,
                               type->rfind("private_incident.", 0) == 0
                                   ? "a private incident's event carries only its id"
                                   : "an event em-metrics does not use");
  }
  const json::object* payload = top.Object(*type, true);
  if (payload == nullptr) return call.respond(ErrorResponse(top.status()));
  dto::FieldReader p(*payload, *type);
  const json::object* incident = created ? payload : p.Object("incident", true);
  const json::object* status = p.Object(created ? "incident_status" : "new_status", true);
  if (!p.ok()) return call.respond(ErrorResponse(p.status()));
  const std::string path = created ? std::string(*type) : std::string(*type) + ".incident";
  dto::FieldReader i(*incident, path);
  auto incident_id = i.Id("id", true);
  auto created_at = i.Time("created_at", false);
  auto updated_at = i.Time("updated_at", false);  // the moment of this change
  auto mode = i.Id("mode", false);
  if (!i.ok()) return call.respond(ErrorResponse(i.status()));
  dto::FieldReader st(*status, std::string(*type) + (created ? ".incident_status" : ".new_status"));
  auto category = st.Id("category", true);
  if (!st.ok()) return call.respond(ErrorResponse(st.status()));

  if (mode && (*mode == "test" || *mode == "tutorial")) {
    return AcknowledgeDelivery(call.respond, delivery, *type, "a " + *mode + " incident");
  }
  const bool live = *category == "live";
  const bool restored = *category == "learning";
  const bool closed = *category == "closed";
  if (!live && !restored && !closed) {
    return AcknowledgeDelivery(call.respond, delivery, *type,
                               "status category " + *category +
                                   ": not a live incident (taken once it is live)");
  }
  auto teams = env.deps.teams->Get();
  const config::IncidentRouting& routing = teams->incidents.incident_io;
  std::string project = routing.ProjectOf(CustomFieldValues(*incident, routing.project_field));
  if (project.empty()) {
    return AcknowledgeDelivery(
        call.respond, delivery, *type,
        routing.project_field.empty()
            ? std::string("no project for incident.io incidents in the teams file "
                          "(incidents.incident_io.default_project or project_field and projects)")
            : "its " + routing.project_field +
                  " is given no project in the teams file (incidents.incident_io.projects)");
  }
  std::string id = "incident-io:" + *incident_id;
  if (!created && !live) {
    // A change of an incident already taken; an unknown one is 404, and incident.io retries it
    // (its deliveries may arrive out of order).
    domain::IncidentTransition at{std::move(id), updated_at};
    if (restored) {
      return RunDelivery(env, RestoreIncidentCommand{std::move(at)}, *body,
                         std::move(call.respond), delivery);
    }
    return RunDelivery(env, FinishIncidentCommand{std::move(at)}, *body, std::move(call.respond),
                       delivery);
  }
  // Created (live, or already past it: a back-filled incident), or moved into live.
  domain::NewIncident in = ToolIncident(id, std::move(project), routing);
  in.started_at = created_at;
  const TimeMs changed_at = updated_at.value_or(env.deps.clock->NowMs());
  if (restored) in.restored_at = changed_at;
  if (closed) in.finished_at = changed_at;
  in.deployment_id = NamedDeployment(env, *incident, routing, id);
  RunDelivery(env, std::move(in), *body, std::move(call.respond), delivery);
}

}  // namespace emm::api
