// Stateless mode (SQLITE_DB=none): the original README's "serverless function in front of a
// collector". Each write runs the same domain command as with a database, on a Transaction with
// nothing behind it; the points it produces are pushed to the collector before the answer, so a
// 2xx means the collector has them and a 502 tells the pipeline step to retry.
#include <boost/json.hpp>
#include <memory>

#include "api/api.h"
#include "api/dto/events_json.h"
#include "api/dto/fields.h"
#include "api/error_response.h"
#include "domain/commands.h"
#include "export/forwarding_transaction.h"

namespace emm::api {
namespace {

using http::Request;
using http::Responder;
using http::Response;

constexpr const char* kNoDatabase = "em-metrics runs without a database (SQLITE_DB=none)";

// Runs `command` on a ForwardingTransaction, then pushes its points; answers 201/200 once the
// collector accepted them.
template <typename Command>
void Forward(const ApiDeps& deps, const ApiOptions& opts,
             const std::function<void(exporting::ForwardingTransaction&,
                                      const domain::CommandContext&)>& prepare,
             Command command, Responder respond, std::string location = "") {
  auto teams = deps.teams->Get();
  domain::CommandContext ctx{&teams->directory, opts.default_environment, deps.clock->NowMs()};
  exporting::ForwardingTransaction tx;
  tx.id_seed = ctx.now;
  if (prepare) prepare(tx, ctx);
  Result<domain::Outcome> outcome = command(tx, ctx);
  if (!outcome.ok()) return respond(ErrorResponse(outcome.status()));
  const int status = *outcome == domain::Outcome::kCreated ? 201 : 200;
  deps.forwarder->Submit(tx.points(), [respond = std::move(respond), status,
                                       location = std::move(location)](Status s) {
    if (!s.ok()) return respond(ErrorResponse(s));
    Response res = Response::Empty(status);
    if (!location.empty()) res.headers.emplace_back("Location", location);
    respond(std::move(res));
  });
}

void NeedsDatabase(const Request&, const PathParams&, Responder r) {
  r(ErrorResponse(Status::Unimplemented(std::string(kNoDatabase) +
                                        ": no events are stored, so none can be read")));
}

}  // namespace

void Api::AddForwardingRoutes() {
  const ApiDeps& deps = deps_;
  const ApiOptions& opts = options_;

  router_.Add({"POST", "/api/v1/deployments", true,
               [&deps, &opts](const Request& req, const PathParams&, Responder r) {
                 auto body = dto::ParseBodyObject(req.body);
                 if (!body.ok()) return r(ErrorResponse(body.status()));
                 auto in = dto::ToNewDeployment(*body);
                 if (!in.ok()) return r(ErrorResponse(in.status()));
                 std::string location = "/api/v1/deployments/" + in->id;
                 Forward(
                     deps, opts, nullptr,
                     [&in](domain::Transaction& tx, const domain::CommandContext& ctx) {
                       return domain::CreateDeployment(tx, ctx, *in);
                     },
                     std::move(r), std::move(location));
               }});
  router_.Add({"POST", "/api/v1/deployments/:deployment_id/deployed", true,
               [&deps, &opts](const Request& req, const PathParams& p, Responder r) {
                 auto body = dto::ParseBodyObject(req.body);
                 if (!body.ok()) return r(ErrorResponse(body.status()));
                 auto in = dto::ToMarkDeployed(*body, Router::Param(p, "deployment_id"));
                 if (!in.ok()) return r(ErrorResponse(in.status()));
                 if (!in->create_if_not_exists) {
                   return r(ErrorResponse(Status::Unimplemented(
                       std::string(kNoDatabase) +
                       ": the deployment cannot be looked up; send create_if_not_exists: true with "
                       "project_id, first_commit_at and deploy_start_at")));
                 }
                 Forward(
                     deps, opts, nullptr,
                     [&in](domain::Transaction& tx, const domain::CommandContext& ctx) {
                       return domain::MarkDeploymentDeployed(tx, ctx, *in);
                     },
                     std::move(r));
               }});
  router_.Add({"POST", "/api/v1/incidents", true,
               [&deps, &opts](const Request& req, const PathParams&, Responder r) {
                 auto body = dto::ParseBodyObject(req.body);
                 if (!body.ok()) return r(ErrorResponse(body.status()));
                 auto in = dto::ToNewIncident(*body);
                 if (!in.ok()) return r(ErrorResponse(in.status()));
                 std::string id;
                 // The linked deployment is not stored: it stands for itself, in the incident's
                 // project (change_failure_count is counted; time_to_detect needs its deployed_at,
                 // so is not).
                 auto prepare = [&in](exporting::ForwardingTransaction& tx,
                                      const domain::CommandContext& ctx) {
                   tx.deployment_for = [&in, &ctx](std::string_view id) {
                     domain::Deployment d;
                     d.id = std::string(id);
                     d.project_id = in->project_id;
                     d.environment = in->environment.value_or(ctx.default_environment);
                     d.team_id = ctx.teams->Resolve(d.project_id, "");
                     return std::optional<domain::Deployment>(std::move(d));
                   };
                 };
                 Forward(
                     deps, opts, prepare,
                     [&in, &id](domain::Transaction& tx, const domain::CommandContext& ctx) {
                       return domain::CreateIncident(tx, ctx, *in, &id);
                     },
                     std::move(r));
               }});
  for (const char* action : {"restored", "finished"}) {
    const bool restore = std::string_view(action) == "restored";
    router_.Add({"POST", std::string("/api/v1/incidents/:incident_id/") + action, true,
                 [&deps, &opts, restore](const Request& req, const PathParams& p, Responder r) {
                   auto body = dto::ParseBodyObject(req.body);
                   if (!body.ok()) return r(ErrorResponse(body.status()));
                   auto in = dto::ToIncidentTransition(*body, Router::Param(p, "incident_id"));
                   if (!in.ok()) return r(ErrorResponse(in.status()));
                   // Without a database the request carries what would have been looked up.
                   dto::FieldReader f(*body);
                   auto project_id = f.Id("project_id", true);
                   auto started_at = f.Time("started_at", true);
                   auto environment = f.Id("environment", false);
                   auto restored_at = f.Time("restored_at", false);
                   if (!f.ok()) {
                     std::vector<FieldError> errors = f.status().fields();
                     for (auto& e : errors) {
                       if (e.message == "is required") {
                         e.message = std::string("is required when ") + kNoDatabase +
                                     ": the incident is not stored";
                       }
                     }
                     return r(ErrorResponse(Status::Invalid(std::move(errors))));
                   }
                   auto prepare = [&](exporting::ForwardingTransaction& tx,
                                      const domain::CommandContext& ctx) {
                     domain::Incident i;
                     i.id = in->id;
                     i.project_id = *project_id;
                     i.environment = environment.value_or(ctx.default_environment);
                     i.team_id = ctx.teams->Resolve(i.project_id, "");
                     i.started_at = *started_at;
                     i.created_at = ctx.now;
                     // /finished counts incident_finished only: whether the incident was restored
                     // is not known here (send /restored for time_to_restore), and counting a
                     // restore now could count one twice.
                     if (!restore)
                       i.restored_at = restored_at ? *restored_at : in->date.value_or(ctx.now);
                     tx.incident = std::move(i);
                   };
                   Forward(
                       deps, opts, prepare,
                       [&in, restore](domain::Transaction& tx, const domain::CommandContext& ctx) {
                         return restore ? domain::RestoreIncident(tx, ctx, *in)
                                        : domain::FinishIncident(tx, ctx, *in);
                       },
                       std::move(r));
                 }});
  }
  for (const char* path :
       {"/api/v1/deployments", "/api/v1/deployments/:deployment_id", "/api/v1/metrics/dora",
        "/api/v1/annotations", "/api/v1/metrics/dora/explain", "/api/v1/incidents",
        "/api/v1/incidents/:incident_id"}) {
    router_.Add({"GET", path, true, &NeedsDatabase});
  }
}

}  // namespace emm::api
