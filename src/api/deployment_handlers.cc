// /api/v1/deployments: start, mark deployed (through the injected WriteRunner), list and read.
#include <boost/json.hpp>
#include <cstdint>

#include "api/dto/events_json.h"
#include "api/dto/fields.h"
#include "api/error_response.h"
#include "api/handlers.h"
#include "api/query_params.h"
#include "api/responses.h"

namespace emm::api {
namespace json = boost::json;

void PostDeployment(const Env& env, Call call) {
  auto body = dto::ParseBodyObject(call.request.body);
  if (!body.ok()) return call.respond(ErrorResponse(body.status()));
  auto in = dto::ToNewDeployment(*body);
  if (!in.ok()) return call.respond(ErrorResponse(in.status()));
  env.writes->Run(std::move(*in), *body, std::move(call.respond));
}

void PostDeployed(const Env& env, Call call) {
  auto body = dto::ParseBodyObject(call.request.body);
  if (!body.ok()) return call.respond(ErrorResponse(body.status()));
  auto in = dto::ToMarkDeployed(*body, Router::Param(call.path, "deployment_id"));
  if (!in.ok()) return call.respond(ErrorResponse(in.status()));
  env.writes->Run(std::move(*in), *body, std::move(call.respond));
}

void ListDeployments(const Env& env, Call call) {
  const Query& q = call.query;
  auto limit = IntParam(q, "limit", 50, 0, 10000);
  if (!limit.ok()) return call.respond(ErrorResponse(limit.status()));
  auto offset = IntParam(q, "offset", 0, 0, INT64_MAX);
  if (!offset.ok()) return call.respond(ErrorResponse(offset.status()));
  auto tz = TzParam(q);
  if (!tz.ok()) return call.respond(ErrorResponse(tz.status()));
  const TimeZone zone = tz->value_or(TimeZone());
  auto from = TimeParam(q, "from", zone);
  if (!from.ok()) return call.respond(ErrorResponse(from.status()));
  auto to = TimeParam(q, "to", zone);
  if (!to.ok()) return call.respond(ErrorResponse(to.status()));
  if (*from && *to && **from > **to) {
    return call.respond(ErrorResponse(Status::InvalidArgument("from", "must not be after to")));
  }
  storage::DeploymentQuery dq;
  dq.limit = *limit;
  dq.offset = *offset;
  dq.from = *from;
  dq.to = *to;
  dq.project_id = q.Get("project_id");
  dq.environment = q.Get("environment");
  auto rows = env.deps.store->ListDeployments(dq);
  if (!rows.ok()) return call.respond(ErrorResponse(rows.status()));
  json::array out;
  out.reserve(rows->size());
  for (const auto& d : *rows) out.push_back(dto::ToJson(d));
  call.respond(ListResponse(call.request, q, out, dto::ToJson(domain::Deployment{})));
}

void GetDeployment(const Env& env, Call call) {
  auto d = env.deps.store->GetDeployment(Router::Param(call.path, "deployment_id"));
  if (!d.ok()) return call.respond(ErrorResponse(d.status()));
  if (!d->has_value()) {
    return call.respond(ErrorResponse(Status::NotFound("Deployment does not exist")));
  }
  call.respond(JsonOk(dto::ToJson(**d)));
}

}  // namespace emm::api
