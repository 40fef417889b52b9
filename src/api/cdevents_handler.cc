// POST /api/v1/cdevents: CDEvents (spec v0.4 and v0.5) sent as CloudEvents over HTTP, in binary
// or structured mode, behind the API's own authentication (docs/webhooks.md#cdevents). Each event
// runs the command the REST routes would: services deployed, upgraded or rolled back are
// deployments; incidents detected or reported open an incident, resolved restores it; changes
// created, merged or abandoned are pull requests; tickets created or closed are tickets. A
// CloudEvent is delivered once per source and id: a resent event runs nothing.
#include <boost/json.hpp>

#include "api/dto/cdevents_json.h"
#include "api/dto/fields.h"
#include "api/dto/tickets_json.h"
#include "api/error_response.h"
#include "api/handlers.h"
#include "api/webhooks.h"

namespace emm::api {
namespace json = boost::json;
namespace {

constexpr std::string_view kPrefix = "cdevents:";

// Names by which an incident finds the deployment of the same chain, or of the same artifact,
// in its environment (deployment aliases: each names the latest deployment carrying it).
std::string ChainAlias(const std::string& chain, const std::string& environment) {
  return "cdevents-chain:" + chain + "@" + environment;
}
std::string ArtifactAlias(const std::string& artifact, const std::string& environment) {
  return "cdevents-artifact:" + artifact + "@" + environment;
}

// service.deployed, .upgraded, .rolledback: a deployment, deployed at the event's timestamp, whose
// id is the event's ("cdevents:<context id>"), so that incidents link to it by that id. A rollback
// is rework (DORA 2024's rework rate). The events carry no commit time: no lead time.
Result<WriteCommand> ServiceCommand(const dto::CdEvent& e, const std::string& predicate) {
  std::vector<FieldError> errors;
  if (!e.environment) errors.push_back({"subject.content.environment.id", "is required"});
  // The subject, a URI for other types, is the project here: an id like the API's own.
  if (e.subject_id.size() > dto::kMaxIdBytes) {
    errors.push_back({"subject.id", "must be at most " + std::to_string(dto::kMaxIdBytes) +
                                        " bytes: it names the service, the deployment's project"});
  }
  if (!errors.empty()) return Status::Invalid(std::move(errors));
  domain::MarkDeployed in;
  in.id = std::string(kPrefix) + e.context_id;
  in.create_if_not_exists = true;
  in.first_commit_unknown = true;
  in.project_id = e.subject_id;  // the service
  in.environment = e.environment;
  in.deployed_at = e.timestamp;
  in.kind = predicate == "rolledback" ? domain::DeploymentKind::kRollback
                                      : domain::DeploymentKind::kPlanned;
  if (e.chain_id) in.aliases.push_back(ChainAlias(*e.chain_id, *e.environment));
  if (e.artifact_id) in.aliases.push_back(ArtifactAlias(*e.artifact_id, *e.environment));
  return WriteCommand(std::move(in));
}

// incident.detected, .reported: an incident "cdevents:<subject id>" in the affected service's
// project, started at the event's timestamp, linked to the deployment its links name, else the
// latest one of its chain, else of its artifact, in its environment. incident.resolved restores it.
Result<WriteCommand> IncidentCommand(const dto::CdEvent& e, const std::string& predicate) {
  const std::string id = std::string(kPrefix) + e.subject_id;
  if (predicate == "resolved") return WriteCommand(RestoreIncidentCommand{{id, e.timestamp}});
  std::vector<FieldError> errors;
  if (!e.environment) errors.push_back({"subject.content.environment.id", "is required"});
  if (!e.service_id) {
    errors.push_back({"subject.content.service.id",
                      "is required: em-metrics files incidents by project, the affected service"});
  }
  if (!errors.empty()) return Status::Invalid(std::move(errors));
  domain::NewIncident in;
  in.id = id;
  in.project_id = *e.service_id;
  in.environment = e.environment;
  in.started_at = e.timestamp;
  for (const std::string& linked : e.linked_ids) {
    in.deployment_hints.push_back(std::string(kPrefix) + linked);
  }
  if (e.chain_id) in.deployment_hints.push_back(ChainAlias(*e.chain_id, *e.environment));
  if (e.artifact_id) in.deployment_hints.push_back(ArtifactAlias(*e.artifact_id, *e.environment));
  return WriteCommand(std::move(in));
}

// change.created, .merged, .abandoned: the pull request "cdevents:<subject id>" opened, merged or
// closed at the event's timestamp. Its team is its repository's, as a project of the teams file
// (a change names no author).
Result<WriteCommand> ChangeCommand(const Env& env, const dto::CdEvent& e,
                                   const std::string& predicate) {
  const std::string id = std::string(kPrefix) + e.subject_id;
  if (predicate == "merged") return WriteCommand(MergePullRequestCommand{{id, e.timestamp}});
  if (predicate == "abandoned") return WriteCommand(ClosePullRequestCommand{{id, e.timestamp}});
  domain::NewPullRequest in;
  in.id = id;
  in.team_id = env.deps.teams->Get()->directory.Resolve(e.repository_id.value_or(""), "");
  in.opened_at = e.timestamp;
  return WriteCommand(std::move(in));
}

// ticket.created: a ticket "cdevents:<subject id>" in the backlog, created at the event's
// timestamp, of project `group` (and that project's team in the teams file), its type
// `ticketType`, its actor the first assignee (hashed, as Linear's). ticket.closed: that ticket
// done (resolution completed) or canceled (any other resolution) at the event's timestamp.
Result<WriteCommand> TicketCommand(const Env& env, const dto::CdEvent& e,
                                   const std::string& predicate) {
  const std::string id = std::string(kPrefix) + e.subject_id;
  if (predicate == "closed") {
    if (!e.resolution) {
      return Status::InvalidArgument("subject.content.resolution",
                                     "is required: completed, withdrawn, ...");
    }
    const auto status = *e.resolution == "completed" ? domain::TicketStatus::kDone
                                                     : domain::TicketStatus::kCanceled;
    return WriteCommand(CloseTicketCommand{{id, status, e.timestamp}});
  }
  domain::TicketUpdate in;
  in.id = id;
  in.project_id = e.group.value_or("");
  in.team_id = env.deps.teams->Get()->directory.Resolve(in.project_id, "");
  in.created_at = e.timestamp;
  in.updated_at = e.timestamp;
  in.status = domain::TicketStatus::kBacklog;
  in.ticket_type = e.ticket_type.value_or(domain::kUnknownTicketType);
  in.actor_hash = dto::ActorHash(e.assignee.value_or(""));
  in.skip_parents = false;  // a CDEvent names no parent
  return WriteCommand(std::move(in));
}

// Whether em-metrics reads this type: services in the versions of spec v0.4 and v0.5 (0.2.0,
// 0.3.0), incidents, changes and tickets in any.
bool Reads(const dto::CdEventType& t) {
  auto one_of = [&](std::initializer_list<std::string_view> predicates) {
    for (std::string_view p : predicates) {
      if (t.predicate == p) return true;
    }
    return false;
  };
  if (t.subject == "service") {
    return (t.version == "0.2.0" || t.version == "0.3.0") &&
           one_of({"deployed", "upgraded", "rolledback"});
  }
  if (t.subject == "incident") return one_of({"detected", "reported", "resolved"});
  if (t.subject == "change") return one_of({"created", "merged", "abandoned"});
  if (t.subject == "ticket") return one_of({"created", "closed"});
  return false;
}

Result<WriteCommand> CommandFor(const Env& env, const dto::CdEventType& t, const dto::CdEvent& e) {
  if (t.subject == "service") return ServiceCommand(e, t.predicate);
  if (t.subject == "incident") return IncidentCommand(e, t.predicate);
  if (t.subject == "ticket") return TicketCommand(env, e, t.predicate);
  return ChangeCommand(env, e, t.predicate);
}

}  // namespace

void PostCdEvent(const Env& env, Call call) {
  auto event = dto::ReadCloudEvent(call.request);
  if (!event.ok()) return call.respond(ErrorResponse(event.status()));
  // CloudEvents' id is unique per source: together they are the delivery.
  const Delivery delivery{"cdevents:" + event->source, event->id};
  auto type = dto::ParseCdEventType(event->type);
  if (!type) return AcknowledgeDelivery(call.respond, delivery, event->type, "not a CDEvent type");
  if (!Reads(*type)) {
    return AcknowledgeDelivery(call.respond, delivery, event->type,
                               "a CDEvent type (or version) em-metrics does not read");
  }
  auto cd = dto::ReadCdEvent(event->data, event->type);
  if (!cd.ok()) return call.respond(ErrorResponse(cd.status()));
  auto command = CommandFor(env, *type, *cd);
  if (!command.ok()) return call.respond(ErrorResponse(command.status()));
  RunDelivery(env, std::move(*command), event->data, std::move(call.respond), delivery);
}

}  // namespace emm::api
