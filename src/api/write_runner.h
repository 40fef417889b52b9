// What runs a write route's domain command, injected so that each write route exists once: the
// handler turns the body into a command and hands it over; the runner runs it in the stored write
// queue (answering after the commit) or, in stateless mode, on a transaction with nothing behind
// it and pushes its points to the collector (answering once the collector has them).
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "api/options.h"
#include "domain/commands.h"
#include "domain/pull_requests.h"
#include "domain/tickets.h"
#include "http/message.h"

namespace emm::api {

struct RestoreIncidentCommand {
  domain::IncidentTransition in;
};
struct FinishIncidentCommand {
  domain::IncidentTransition in;
};
struct ClosePullRequestCommand {
  domain::PullRequestTransition in;
};
struct MergePullRequestCommand {
  domain::PullRequestTransition in;
};
struct CloseTicketCommand {
  domain::TicketClosing in;
};
using WriteCommand =
    std::variant<domain::NewDeployment, domain::MarkDeployed, domain::NewIncident,
                 RestoreIncidentCommand, FinishIncidentCommand, domain::NewPullRequest,
                 domain::PullRequestReviewed, ClosePullRequestCommand, MergePullRequestCommand,
                 domain::TicketUpdate, CloseTicketCommand>;

// A webhook delivery's identity (GitHub's X-GitHub-Delivery, Linear's Linear-Delivery, ...): a
// stored write records it in the command's own transaction, so a replay runs nothing.
struct Delivery {
  std::string source;  // "github", "linear", ...
  std::string id;
};

// Runs `command` on `tx` (the one place that maps a WriteCommand to its domain function).
// `created_id` receives a created incident's id.
Result<domain::Outcome> RunCommand(const WriteCommand& command, domain::Transaction& tx,
                                   const domain::CommandContext& ctx, std::string* created_id);

// Says what a committed (or forwarded) command accepted out of order: one warning per
// inconsistency, with the event's ids, and em_metrics_inconsistent_events_total (`self` may be null).
void ReportInconsistencies(const std::vector<domain::Inconsistency>& notes,
                           exporting::SelfMetrics* self);

// Thread-safe. The pointers in `deps` that a runner uses (below) must outlive it.
class WriteRunner {
 public:
  WriteRunner(const ApiOptions& options, const ApiDeps& deps)
      : default_environment_(options.default_environment), deps_(deps) {}
  virtual ~WriteRunner() = default;
  // Runs `command` and answers 201 (created, with Location where the record can be read) or 200,
  // or the error as ErrorResponse maps it. `body` is the request's JSON object: a runner may read
  // what it cannot look up from it, only before Run returns.
  // With a `delivery`, a stored runner answers a replay of it 200 {"ignored": ...} without
  // running the command again (the stateless runner stores nothing and runs every delivery).
  virtual void Run(WriteCommand command, const boost::json::object& body, http::Responder respond,
                   std::optional<Delivery> delivery) const = 0;
  void Run(WriteCommand command, const boost::json::object& body, http::Responder respond) const {
    Run(std::move(command), body, std::move(respond), std::nullopt);
  }

 protected:
  const std::string default_environment_;  // DEPLOYMENT_ENVIRONMENT
  const ApiDeps deps_;
};

// Through the group commit (deps.writes, storage::WriteQueue): answered once the batch is durable.
// Uses deps.writes, deps.teams and deps.clock.
class StoredWriteRunner final : public WriteRunner {
 public:
  using WriteRunner::WriteRunner;
  using WriteRunner::Run;
  void Run(WriteCommand command, const boost::json::object& body, http::Responder respond,
           std::optional<Delivery> delivery) const override;
};

// Stateless mode (SQLITE_DB=none): the command runs on a ForwardingTransaction and its points are
// pushed (deps.forwarder) before the answer, so a 2xx means the collector has them and a 502 tells
// the pipeline step to retry. Uses deps.forwarder, deps.teams and deps.clock.
class ForwardingWriteRunner final : public WriteRunner {
 public:
  using WriteRunner::WriteRunner;
  using WriteRunner::Run;
  void Run(WriteCommand command, const boost::json::object& body, http::Responder respond,
           std::optional<Delivery> delivery) const override;
};

}  // namespace emm::api
