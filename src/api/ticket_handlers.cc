// Tickets: the original's POST /api/v1/ticketing/stats (monthly figures per actor and project,
// JSON or CSV), and ours to list and read tickets back with their history. Tickets are written by
// the trackers' webhooks (linear_webhook_handler.cc).
#include <boost/json.hpp>
#include <cstdint>

#include "api/dto/csv.h"
#include "api/dto/fields.h"
#include "api/dto/tickets_json.h"
#include "api/error_response.h"
#include "api/handlers.h"
#include "api/query_params.h"
#include "api/responses.h"

namespace emm::api {
namespace json = boost::json;

void ListTickets(const Env& env, Call call) {
  const Query& q = call.query;
  auto limit = IntParam(q, "limit", 50, 0, 10000);
  if (!limit.ok()) return call.respond(ErrorResponse(limit.status()));
  auto offset = IntParam(q, "offset", 0, 0, INT64_MAX);
  if (!offset.ok()) return call.respond(ErrorResponse(offset.status()));
  auto status =
      ChoiceParam(q, "status", {"BACKLOG", "TODO", "DOING", "DONE", "CANCELED", "UNKNOWN"});
  if (!status.ok()) return call.respond(ErrorResponse(status.status()));
  storage::TicketQuery tq;
  tq.limit = *limit;
  tq.offset = *offset;
  tq.team_id = q.Get("team_id");
  tq.project_id = q.Get("project_id");
  if (*status) tq.status = domain::ParseTicketStatus(*q.Get("status"));
  auto rows = env.deps.store->ListTickets(tq);
  if (!rows.ok()) return call.respond(ErrorResponse(rows.status()));
  json::array out;
  out.reserve(rows->size());
  for (const auto& t : *rows) out.push_back(dto::ToJson(t));
  call.respond(ListResponse(call.request, q, out, dto::ToJson(domain::Ticket{})));
}

void GetTicket(const Env& env, Call call) {
  const std::string id = Router::Param(call.path, "ticket_id");
  auto ticket = env.deps.store->GetTicket(id);
  if (!ticket.ok()) return call.respond(ErrorResponse(ticket.status()));
  if (!ticket->has_value()) {
    return call.respond(ErrorResponse(Status::NotFound("Ticket does not exist")));
  }
  auto history = env.deps.store->GetTicketHistory(id);
  if (!history.ok()) return call.respond(ErrorResponse(history.status()));
  call.respond(JsonOk(dto::ToJson(**ticket, *history)));
}

void PostTicketingStats(const Env& env, Call call) {
  auto format = ChoiceParam(call.query, "format", {"json", "csv"});
  if (!format.ok()) return call.respond(ErrorResponse(format.status()));
  auto body = dto::ParseBodyObject(call.request.body);
  if (!body.ok()) return call.respond(ErrorResponse(body.status()));
  auto in = dto::ToTicketStatsRequest(*body, env.deps.clock->NowMs());
  if (!in.ok()) return call.respond(ErrorResponse(in.status()));
  storage::TicketStatsQuery sq{in->from, in->to,
                               env.deps.teams->Get()->ticketing.ignore_parent_issues};
  auto tickets = env.deps.store->LoadTicketsForStats(sq);
  if (!tickets.ok()) return call.respond(ErrorResponse(tickets.status()));
  const domain::TicketStats stats = domain::ComputeTicketStats(*tickets, in->from, in->to);
  const dto::ActorNames names(in->unhash_actors);
  if (format->value_or(0) == 1) {
    http::Response res = http::Response::Empty(200);
    res.content_type = dto::kCsvContentType;
    res.body = dto::TicketStatsCsv(stats, names);
    return call.respond(std::move(res));
  }
  call.respond(JsonOk(dto::TicketStatsJson(stats, in->from, in->to, names)));
}

}  // namespace emm::api
