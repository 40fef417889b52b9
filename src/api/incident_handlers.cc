// /api/v1/incidents: open, restore, finish (through the injected WriteRunner), list and read.
#include <boost/json.hpp>

#include "api/dto/events_json.h"
#include "api/dto/fields.h"
#include "api/error_response.h"
#include "api/handlers.h"
#include "api/query_params.h"
#include "api/responses.h"

namespace emm::api {
namespace json = boost::json;

void PostIncident(const Env& env, Call call) {
  auto body = dto::ParseBodyObject(call.request.body);
  if (!body.ok()) return call.respond(ErrorResponse(body.status()));
  auto in = dto::ToNewIncident(*body);
  if (!in.ok()) return call.respond(ErrorResponse(in.status()));
  env.writes->Run(std::move(*in), *body, std::move(call.respond));
}

void PostRestored(const Env& env, Call call) {
  auto body = dto::ParseBodyObject(call.request.body);
  if (!body.ok()) return call.respond(ErrorResponse(body.status()));
  auto in = dto::ToIncidentTransition(*body, Router::Param(call.path, "incident_id"));
  if (!in.ok()) return call.respond(ErrorResponse(in.status()));
  env.writes->Run(RestoreIncidentCommand{std::move(*in)}, *body, std::move(call.respond));
}

void PostFinished(const Env& env, Call call) {
  auto body = dto::ParseBodyObject(call.request.body);
  if (!body.ok()) return call.respond(ErrorResponse(body.status()));
  auto in = dto::ToIncidentTransition(*body, Router::Param(call.path, "incident_id"));
  if (!in.ok()) return call.respond(ErrorResponse(in.status()));
  env.writes->Run(FinishIncidentCommand{std::move(*in)}, *body, std::move(call.respond));
}

void ListIncidents(const Env& env, Call call) {
  const Query& q = call.query;
  storage::IncidentQuery iq;
  // `filter` is what the original's code reads, `type` what its README says.
  const char* param = q.Get("filter") ? "filter" : "type";
  auto filter = ChoiceParam(q, param, {"in-progress", "unfinished"});
  if (!filter.ok()) return call.respond(ErrorResponse(filter.status()));
  if (*filter) {
    iq.filter = **filter == 0 ? storage::IncidentFilter::kInProgress
                              : storage::IncidentFilter::kUnfinished;
  }
  iq.project_id = q.Get("project_id");
  auto rows = env.deps.store->ListIncidents(iq);
  if (!rows.ok()) return call.respond(ErrorResponse(rows.status()));
  json::array out;
  out.reserve(rows->size());
  for (const auto& i : *rows) out.push_back(dto::ToJson(i));
  call.respond(ListResponse(call.request, q, out, dto::ToJson(domain::Incident{})));
}

void GetIncident(const Env& env, Call call) {
  auto i = env.deps.store->GetIncident(Router::Param(call.path, "incident_id"));
  if (!i.ok()) return call.respond(ErrorResponse(i.status()));
  if (!i->has_value()) {
    return call.respond(ErrorResponse(Status::NotFound("Incident does not exist")));
  }
  call.respond(JsonOk(dto::ToJson(**i)));
}

}  // namespace emm::api
