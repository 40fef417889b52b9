// ForwardingWriteRunner: stateless mode (SQLITE_DB=none), the original README's "serverless
// function in front of a collector". Each write runs the same domain command as with a database,
// on a Transaction with nothing behind it; what the command would have looked up comes from the
// request itself.
#include <memory>

#include "api/dto/fields.h"
#include "api/error_response.h"
#include "api/write_runner.h"
#include "export/forwarding_transaction.h"

namespace emm::api {
namespace {

// Fills `tx` with what `command` would look up in a database, from the command and the body.
Status Prepare(const WriteCommand& command, const boost::json::object& body,
               const domain::CommandContext& ctx, exporting::ForwardingTransaction* tx) {
  if (auto* in = std::get_if<domain::MarkDeployed>(&command)) {
    if (in->create_if_not_exists) return Status::Ok();
    return Status::Unimplemented(
        std::string(kNoDatabase) +
        ": the deployment cannot be looked up; send create_if_not_exists: true with project_id, "
        "first_commit_at and deploy_start_at");
  }
  if (auto* in = std::get_if<domain::NewIncident>(&command)) {
    // The linked deployment is not stored: it stands for itself, in the incident's project
    // (change_failure_count is counted; time_to_detect needs its deployed_at, so is not).
    tx->deployment_for = [in, &ctx](std::string_view id) {
      if (in->deployment_id != id) return std::optional<domain::Deployment>();  // a mere hint
      domain::Deployment d;
      d.id = std::string(id);
      d.project_id = in->project_id;
      d.environment = in->environment.value_or(ctx.default_environment);
      d.team_id = ctx.teams->Resolve(d.project_id, "");
      return std::optional<domain::Deployment>(std::move(d));
    };
    return Status::Ok();
  }
  const domain::IncidentTransition* in = nullptr;
  bool restore = false;
  if (auto* c = std::get_if<RestoreIncidentCommand>(&command)) {
    in = &c->in;
    restore = true;
  } else if (auto* c = std::get_if<FinishIncidentCommand>(&command)) {
    in = &c->in;
  }
  if (in == nullptr) return Status::Ok();  // a new deployment looks nothing up
  // Without a database the request carries what would have been looked up.
  dto::FieldReader f(body);
  auto project_id = f.Id("project_id", true);
  auto started_at = f.Time("started_at", true);
  auto environment = f.Id("environment", false);
  auto restored_at = f.Time("restored_at", false);
  if (!f.ok()) {
    std::vector<FieldError> errors = f.status().fields();
    for (auto& e : errors) {
      if (e.message == "is required") {
        e.message = std::string("is required when ") + kNoDatabase + ": the incident is not stored";
      }
    }
    return Status::Invalid(std::move(errors));
  }
  domain::Incident i;
  i.id = in->id;
  i.project_id = *project_id;
  i.environment = environment.value_or(ctx.default_environment);
  i.team_id = ctx.teams->Resolve(i.project_id, "");
  i.started_at = *started_at;
  i.created_at = ctx.now;
  // /finished counts incident_finished only: whether the incident was restored is not known here
  // (send /restored for time_to_restore), and counting a restore now could count one twice.
  if (!restore) i.restored_at = restored_at ? *restored_at : in->date.value_or(ctx.now);
  tx->incident = std::move(i);
  return Status::Ok();
}

}  // namespace

void ForwardingWriteRunner::Run(WriteCommand command, const boost::json::object& body,
                                http::Responder respond, std::optional<Delivery>) const {
  auto teams = deps_.teams->Get();
  domain::CommandContext ctx{&teams->directory, default_environment_, deps_.clock->NowMs()};
  std::vector<domain::Inconsistency> notes;
  ctx.inconsistencies = &notes;
  exporting::ForwardingTransaction tx;
  tx.id_seed = ctx.now;
  Status prepared = Prepare(command, body, ctx, &tx);
  if (!prepared.ok()) return respond(ErrorResponse(prepared));
  Result<domain::Outcome> outcome = RunCommand(command, tx, ctx, nullptr);
  if (!outcome.ok()) return respond(ErrorResponse(outcome.status()));
  const int status = *outcome == domain::Outcome::kCreated ? 201 : 200;
  // Only a deployment's Location: a stateless incident id is made up here and never stored.
  std::string location;
  if (auto* d = std::get_if<domain::NewDeployment>(&command)) location = "/api/v1/deployments/" + d->id;
  deps_.forwarder->Submit(tx.points(), [respond = std::move(respond), status,
                                        location = std::move(location), notes = std::move(notes),
                                        self = deps_.self_metrics](Status s) {
    if (!s.ok()) return respond(ErrorResponse(s));
    ReportInconsistencies(notes, self);
    http::Response res = http::Response::Empty(status);
    if (!location.empty()) res.headers.emplace_back("Location", location);
    respond(std::move(res));
  });
}

}  // namespace emm::api
