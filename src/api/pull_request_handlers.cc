// /api/v1/pull-requests: the original's REST routes (used by its pull request GitHub Action) to
// open, review, close and merge (through the injected WriteRunner), and ours to list and read.
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

void PostPullRequest(const Env& env, Call call) {
  auto body = dto::ParseBodyObject(call.request.body);
  if (!body.ok()) return call.respond(ErrorResponse(body.status()));
  auto in = dto::ToNewPullRequest(*body);
  if (!in.ok()) return call.respond(ErrorResponse(in.status()));
  env.writes->Run(std::move(*in), *body, std::move(call.respond));
}

void PostPullRequestReviewed(const Env& env, Call call) {
  auto body = dto::ParseBodyObject(call.request.body);
  if (!body.ok()) return call.respond(ErrorResponse(body.status()));
  auto in = dto::ToPullRequestReviewed(*body, Router::Param(call.path, "pull_request_id"));
  if (!in.ok()) return call.respond(ErrorResponse(in.status()));
  env.writes->Run(std::move(*in), *body, std::move(call.respond));
}

void PostPullRequestClosed(const Env& env, Call call) {
  auto body = dto::ParseBodyObject(call.request.body);
  if (!body.ok()) return call.respond(ErrorResponse(body.status()));
  auto in = dto::ToPullRequestTransition(*body, Router::Param(call.path, "pull_request_id"),
                                         "closed_at");
  if (!in.ok()) return call.respond(ErrorResponse(in.status()));
  env.writes->Run(ClosePullRequestCommand{std::move(*in)}, *body, std::move(call.respond));
}

void PostPullRequestMerged(const Env& env, Call call) {
  auto body = dto::ParseBodyObject(call.request.body);
  if (!body.ok()) return call.respond(ErrorResponse(body.status()));
  auto in = dto::ToPullRequestTransition(*body, Router::Param(call.path, "pull_request_id"),
                                         "merged_at");
  if (!in.ok()) return call.respond(ErrorResponse(in.status()));
  env.writes->Run(MergePullRequestCommand{std::move(*in)}, *body, std::move(call.respond));
}

void ListPullRequests(const Env& env, Call call) {
  const Query& q = call.query;
  auto limit = IntParam(q, "limit", 50, 0, 10000);
  if (!limit.ok()) return call.respond(ErrorResponse(limit.status()));
  auto offset = IntParam(q, "offset", 0, 0, INT64_MAX);
  if (!offset.ok()) return call.respond(ErrorResponse(offset.status()));
  storage::PullRequestQuery pq;
  pq.limit = *limit;
  pq.offset = *offset;
  pq.team_id = q.Get("team_id");
  auto rows = env.deps.store->ListPullRequests(pq);
  if (!rows.ok()) return call.respond(ErrorResponse(rows.status()));
  json::array out;
  out.reserve(rows->size());
  for (const auto& pr : *rows) out.push_back(dto::ToJson(pr));
  call.respond(ListResponse(call.request, q, out, dto::ToJson(domain::PullRequest{})));
}

void GetPullRequest(const Env& env, Call call) {
  auto pr = env.deps.store->GetPullRequest(Router::Param(call.path, "pull_request_id"));
  if (!pr.ok()) return call.respond(ErrorResponse(pr.status()));
  if (!pr->has_value()) {
    return call.respond(ErrorResponse(Status::NotFound("PullRequest does not exist")));
  }
  call.respond(JsonOk(dto::ToJson(**pr)));
}

}  // namespace emm::api
