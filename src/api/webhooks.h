// What the webhook handlers share (the rules of docs/webhooks.md): the 503 without a secret, the
// 200 that acknowledges a delivery without storing anything, and running a delivery's command
// once however often the provider redelivers it.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/handler.h"
#include "common/status.h"
#include "config/teams_file.h"

namespace emm::api {

// kUnavailable naming `variable` (a route whose secret is not configured takes nothing, so a
// half-configured deployment shows at once).
Status MissingWebhookSecret(std::string_view variable, std::string_view provider);

// 200 {"ignored": why}, logged at info with the delivery and the event: for deliveries em-metrics
// does not use, so the provider does not mark the hook as failing.
// `respond`: the call's responder, or one carried to a worker.
void AcknowledgeDelivery(const http::Responder& respond, const Delivery& delivery,
                         std::string_view event, std::string_view why);

// Runs `command` as the write routes do, recording `delivery` with it so that a replay runs
// nothing (a delivery without an id is run, not recorded). A creation whose record exists already (another delivery of the same event, or the
// REST route) is 200 {"ignored": "... exists already"} rather than 409: counted once, and not a
// failure for the provider to retry.
void RunDelivery(const Env& env, WriteCommand command, const boost::json::object& body,
                 http::Responder respond, std::optional<Delivery> delivery);

// `respond`, answering 200 {"ignored": why} in place of a `status` answer (for a provider that
// treats that status as a failure of its own).
http::Responder IgnoringStatus(http::Responder respond, int status, std::string why);

// An incident tool's incident as NewIncident: `tool_id` is the tool's prefix and id
// ("pagerduty:PGR0VU2"); the environment is the routing's, when it names one.
domain::NewIncident ToolIncident(std::string tool_id, std::string project,
                                 const config::IncidentRouting& routing);

}  // namespace emm::api
