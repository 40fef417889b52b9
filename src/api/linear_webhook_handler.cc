// POST /webhooks/linear: Linear's Issue deliveries (contract section 11), signed with
// LINEAR_SECRET, each one the tracker's current state of an issue: upserted as a ticket (create,
// update and remove alike, as the original). Deliveries older than a minute are refused, as
// Linear's own SDK does, so a captured delivery cannot be replayed later.
#include <boost/json.hpp>
#include <cmath>
#include <cstdlib>

#include "api/dto/fields.h"
#include "api/dto/tickets_json.h"
#include "api/error_response.h"
#include "api/handlers.h"
#include "api/webhooks.h"
#include "auth/webhook_signature.h"

namespace emm::api {
namespace json = boost::json;
namespace {

// Linear's documented tolerance between webhookTimestamp and our clock, either way.
constexpr TimeMs kMaxClockGapMs = 60 * 1000;

// webhookTimestamp (Unix ms, inside the signed body) within a minute of now.
Status CheckTimestamp(const json::object& body, TimeMs now) {
  const json::value* v = body.if_contains("webhookTimestamp");
  if (v == nullptr || !v->is_number()) {
    return Status::Unauthenticated(
        "webhookTimestamp is missing: Linear sends it in every delivery so that an old one "
        "cannot be replayed");
  }
  const double sent = v->to_number<double>();
  const double gap_s = std::round((static_cast<double>(now) - sent) / 1000.0);
  if (std::fabs(static_cast<double>(now) - sent) > kMaxClockGapMs) {
    return Status::Unauthenticated(
        "webhookTimestamp is " + std::to_string(static_cast<int64_t>(std::fabs(gap_s))) + " s " +
        (gap_s >= 0 ? "old" : "in the future") +
        ": deliveries more than 60 s from this server's clock are refused (a replay, or a clock "
        "off by that much)");
  }
  return Status::Ok();
}

}  // namespace

void PostLinearWebhook(const Env& env, Call call) {
  const std::string& secret = env.options.linear_secret;
  if (secret.empty()) {
    return call.respond(ErrorResponse(MissingWebhookSecret("LINEAR_SECRET", "Linear")));
  }
  Status signed_ok = auth::VerifyLinearSignature(
      secret, call.request.body, call.request.Header("Linear-Signature").value_or(""));
  if (!signed_ok.ok()) return call.respond(ErrorResponse(signed_ok));
  auto body = dto::ParseBodyObject(call.request.body);
  if (!body.ok()) return call.respond(ErrorResponse(body.status()));
  Status fresh = CheckTimestamp(*body, env.deps.clock->NowMs());
  if (!fresh.ok()) return call.respond(ErrorResponse(fresh));

  // The same on Linear's retries: the delivery id. Without one (not Linear's own deliveries)
  // nothing recognises a replay, and the upsert's idempotence is enough.
  std::optional<Delivery> delivery;
  if (auto id = call.request.Header("Linear-Delivery"); id && !id->empty()) {
    delivery = Delivery{"linear", std::string(*id)};
  }
  const Delivery logged = delivery.value_or(Delivery{"linear", ""});
  dto::FieldReader r(*body);
  const std::string type = r.Id("type", false).value_or("");
  if (type != "Issue") {
    return AcknowledgeDelivery(call.respond, logged, type, "a type other than Issue");
  }
  const std::string action = r.Id("action", false).value_or("");
  if (action != "create" && action != "update" && action != "remove") {
    return AcknowledgeDelivery(call.respond, logged, type + "." + action,
                               "an action other than create, update or remove");
  }
  const json::object* data = r.Object("data", true);  // the issue
  if (data == nullptr) return call.respond(ErrorResponse(r.status()));
  auto update = dto::ToTicketUpdate(*data, env.deps.teams->Get()->ticketing);
  if (!update.ok()) return call.respond(ErrorResponse(update.status()));

  // Linear counts any answer but 200 as a failed delivery: a created ticket is 200 too.
  http::Responder respond = [inner = std::move(call.respond)](http::Response res) {
    if (res.status == 201) res.status = 200;
    inner(std::move(res));
  };
  RunDelivery(env, std::move(*update), *body, std::move(respond), std::move(delivery));
}

}  // namespace emm::api
