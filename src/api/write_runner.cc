#include "api/write_runner.h"

#include <memory>

#include "api/error_response.h"
#include "common/log.h"
#include "common/percent.h"
#include "export/self_metrics.h"

namespace emm::api {
namespace {

template <typename... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <typename... F>
Overloaded(F...) -> Overloaded<F...>;

// Where a created record can be read back; empty for transitions. Ids are percent-encoded, so
// one holding '/' or '#' names one resource (the router decodes path parameters).
std::string LocationOf(const WriteCommand& command, const std::string& created_id) {
  if (auto* d = std::get_if<domain::NewDeployment>(&command)) {
    return "/api/v1/deployments/" + PercentEncodeSegment(d->id);
  }
  if (std::holds_alternative<domain::NewIncident>(command)) {
    return "/api/v1/incidents/" + PercentEncodeSegment(created_id);
  }
  if (auto* p = std::get_if<domain::NewPullRequest>(&command)) {
    return "/api/v1/pull-requests/" + PercentEncodeSegment(p->id);
  }
  if (auto* t = std::get_if<domain::TicketUpdate>(&command)) {
    return "/api/v1/tickets/" + PercentEncodeSegment(t->id);
  }
  return {};
}

// One allocation per write for everything the two callbacks share.
struct Pending {
  std::shared_ptr<const config::TeamsConfig> teams;  // the snapshot this request runs with
  domain::CommandContext ctx;                        // points into `teams`
  WriteCommand command;
  Result<domain::Outcome> outcome;
  std::string created_id;
  http::Responder respond;
  std::vector<domain::Inconsistency> notes;  // what the command accepted out of order
  std::optional<Delivery> delivery;
  bool replayed = false;  // the delivery ran before: nothing done
};

}  // namespace

void ReportInconsistencies(const std::vector<domain::Inconsistency>& notes,
                           exporting::SelfMetrics* self) {
  for (const domain::Inconsistency& n : notes) {
    log::Warn("event stored with times out of order",
              {{"kind", n.kind}, {"id", n.id}, {"field", n.field}, {"detail", n.message}});
    if (self != nullptr) self->RecordInconsistentEvent(n.kind, n.field);
  }
}

Result<domain::Outcome> RunCommand(const WriteCommand& command, domain::Transaction& tx,
                                   const domain::CommandContext& ctx, std::string* created_id) {
  return std::visit(
      Overloaded{
          [&](const domain::NewDeployment& in) { return domain::CreateDeployment(tx, ctx, in); },
          [&](const domain::MarkDeployed& in) {
            return domain::MarkDeploymentDeployed(tx, ctx, in);
          },
          [&](const domain::NewIncident& in) {
            return domain::CreateIncident(tx, ctx, in, created_id);
          },
          [&](const RestoreIncidentCommand& c) { return domain::RestoreIncident(tx, ctx, c.in); },
          [&](const FinishIncidentCommand& c) { return domain::FinishIncident(tx, ctx, c.in); },
          [&](const domain::NewPullRequest& in) { return domain::CreatePullRequest(tx, ctx, in); },
          [&](const domain::PullRequestReviewed& in) {
            return domain::ReviewPullRequest(tx, ctx, in);
          },
          [&](const ClosePullRequestCommand& c) { return domain::ClosePullRequest(tx, ctx, c.in); },
          [&](const MergePullRequestCommand& c) { return domain::MergePullRequest(tx, ctx, c.in); },
          [&](const domain::TicketUpdate& in) { return domain::UpsertTicket(tx, ctx, in); },
          [&](const CloseTicketCommand& c) { return domain::CloseTicket(tx, ctx, c.in); },
      },
      command);
}

void StoredWriteRunner::Run(WriteCommand command, const boost::json::object&,
                            http::Responder respond, std::optional<Delivery> delivery) const {
  auto teams = deps_.teams->Get();
  const domain::TeamDirectory* directory = &teams->directory;
  auto p = std::make_shared<Pending>(Pending{
      std::move(teams), domain::CommandContext{directory, default_environment_, deps_.clock->NowMs()},
      std::move(command), Status::Internal("command did not run"), std::string(),
      std::move(respond), {}, std::move(delivery)});
  p->ctx.inconsistencies = &p->notes;
  deps_.writes->Submit(
      [p](domain::Transaction& tx) {
        p->notes.clear();  // a retried item starts over
        p->replayed = false;
        if (p->delivery) {
          Status seen = tx.InsertDelivery(p->delivery->source, p->delivery->id, p->ctx.now);
          if (seen.code() == StatusCode::kAlreadyExists) {
            p->replayed = true;
            return Status::Ok();
          }
          EMM_RETURN_IF_ERROR(seen);
        }
        p->outcome = RunCommand(p->command, tx, p->ctx, &p->created_id);
        return p->outcome.status();
      },
      [p, self = deps_.self_metrics](Status s) {
        if (!s.ok()) return p->respond(ErrorResponse(s));
        if (p->replayed) {
          log::Info("webhook delivery replayed: nothing done",
                    {{"source", p->delivery->source}, {"delivery", p->delivery->id}});
          return p->respond(http::Response::Json(
              200, boost::json::serialize(boost::json::object{
                       {"ignored", "delivery " + p->delivery->id + " was handled before"}})));
        }
        // Only now is the event stored: say what it was accepted with.
        ReportInconsistencies(p->notes, self);
        http::Response res =
            http::Response::Empty(*p->outcome == domain::Outcome::kCreated ? 201 : 200);
        std::string location = LocationOf(p->command, p->created_id);
        if (!location.empty()) res.headers.emplace_back("Location", std::move(location));
        p->respond(std::move(res));
      });
}

}  // namespace emm::api
