// What clients ask em-metrics to do, and the rules that turn each request into stored events and
// metric samples. Every function runs inside one Transaction: it validates, writes the events and
// folds the metrics into the durable series state, or fails and leaves nothing behind.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "domain/events.h"
#include "domain/metrics.h"
#include "domain/teams.h"
#include "domain/transaction.h"

namespace emm::domain {

// A time that contradicts another time of the same event (CI runners' clocks skew). The event
// is stored as sent, since losing it is worse than a skewed duration, but the negative duration is
// observed into no metric and no DORA figure.
struct Inconsistency {
  std::string kind;   // "deployment" or "incident"
  std::string id;     // of the event
  std::string field;  // the field that comes too early or too late, e.g. "deployed_at"
  std::string message;
};

// What a command needs besides its input. `teams` must outlive the call.
struct CommandContext {
  const TeamDirectory* teams;
  std::string default_environment;  // DEPLOYMENT_ENVIRONMENT
  TimeMs now = 0;
  // Where a command notes the inconsistencies it accepted; may be null. Only meaningful once the
  // command's transaction committed.
  std::vector<Inconsistency>* inconsistencies = nullptr;

  // Notes a contradiction the command accepts (into `inconsistencies`, when set).
  void Note(std::string kind, std::string id, std::string field, std::string message) const {
    if (inconsistencies == nullptr) return;
    inconsistencies->push_back({std::move(kind), std::move(id), std::move(field),
                                std::move(message)});
  }
};

// "deployed_at (2025-01-01T00:00:00.000Z) is before first_commit_at (2025-01-02T...)": how a
// contradiction is worded in notes, logs and explanations.
std::string IsBefore(std::string_view field, TimeMs at, std::string_view other, TimeMs other_at);

enum class Outcome {
  kCreated,    // a new record (HTTP 201)
  kUpdated,    // an existing record changed state (200)
  kUnchanged,  // the transition had already happened: idempotent repeat (200, nothing counted)
};

struct NewDeployment {
  std::string id;
  std::string project_id;
  std::string username;  // team lookup only
  std::optional<std::string> environment;
  std::optional<TimeMs> first_commit_at;  // none: not known (a webhook), no lead time
  // Default: now, or deployed_at when that is earlier (a back-filled deployment).
  std::optional<TimeMs> deploy_start_at;
  std::optional<TimeMs> deployed_at;  // given: created already deployed
  std::optional<DeploymentKind> kind;     // default: planned
  std::optional<std::string> commit_sha;
  // Other names incidents may find it by (Transaction::PutDeploymentAlias), as of its deployed_at
  // (or its start while not deployed).
  std::vector<std::string> aliases = {};
  CodeHost username_host = CodeHost::kGitHub;  // whose login `username` is
};

struct MarkDeployed {
  std::string id;
  bool create_if_not_exists = false;
  std::optional<std::string> project_id;
  std::string username;
  std::optional<std::string> environment;
  // Creating: required, unless the sender cannot know it (first_commit_unknown: a webhook), and
  // then the deployment gives no lead time.
  std::optional<TimeMs> first_commit_at;
  bool first_commit_unknown = false;
  std::optional<TimeMs> deploy_start_at;  // creating: default the earlier of now and deployed_at
  std::optional<TimeMs> deployed_at;      // default: now
  std::optional<DeploymentKind> kind;     // given: recorded (also on an existing deployment)
  std::optional<std::string> commit_sha;  // given: recorded (also on an existing deployment)
  std::vector<std::string> aliases = {};  // recorded when it is deployed now (NewDeployment's)
  CodeHost username_host = CodeHost::kGitHub;
};

struct NewIncident {
  std::optional<std::string> id;  // default: incident_<project_id>_<N>
  std::string project_id;
  std::optional<std::string> deployment_id;
  // Without deployment_id: names that may find its deployment (deployment ids or aliases, the
  // surest first); the first that finds one links it, none leaves it unlinked.
  std::vector<std::string> deployment_hints;
  std::optional<std::string> environment;
  // Default: the earliest of now, restored_at and finished_at.
  std::optional<TimeMs> started_at;
  std::optional<TimeMs> restored_at;
  std::optional<TimeMs> finished_at;  // implies restored_at when that is absent
};

struct IncidentTransition {
  std::string id;
  std::optional<TimeMs> date;  // default: now
};

Result<Outcome> CreateDeployment(Transaction& tx, const CommandContext& ctx,
                                 const NewDeployment& in);
Result<Outcome> MarkDeploymentDeployed(Transaction& tx, const CommandContext& ctx,
                                       const MarkDeployed& in);
// On success, *id_out (if given) receives the incident's id (useful when it was generated).
Result<Outcome> CreateIncident(Transaction& tx, const CommandContext& ctx, const NewIncident& in,
                               std::string* id_out = nullptr);
Result<Outcome> RestoreIncident(Transaction& tx, const CommandContext& ctx,
                                const IncidentTransition& in);
Result<Outcome> FinishIncident(Transaction& tx, const CommandContext& ctx,
                               const IncidentTransition& in);

// Recomputes every series from the stored events (e.g. after bucket bounds change). Series start
// at `ctx.now`, which backends read as a reset.
Status RebuildMetrics(Transaction& tx, const CommandContext& ctx);

// The samples each event produces; shared by the live path and the rebuild.
std::vector<Sample> SamplesForDeploymentCreated(const Deployment& d);
std::vector<Sample> SamplesForDeploymentDeployed(const Deployment& d);
std::vector<Sample> SamplesForIncidentRestored(const Incident& i);
std::vector<Sample> SamplesForIncidentFinished(const Incident& i);

// Folds samples into the durable series state.
Status Record(Transaction& tx, const std::vector<Sample>& samples, TimeMs now);

}  // namespace emm::domain
