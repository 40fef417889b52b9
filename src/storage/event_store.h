// EventStore: where events and the metric state live. One implementation per backend
// (sqlite/ now, postgres/ later); callers see only this interface and domain types.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "domain/dora.h"
#include "domain/events.h"
#include "domain/metrics.h"
#include "domain/team_health.h"
#include "domain/transaction.h"

namespace emm::storage {

struct DeploymentQuery {
  std::optional<std::string> project_id;
  std::optional<std::string> environment;
  std::optional<TimeMs> from;  // deployed_at >= from
  std::optional<TimeMs> to;    // deployed_at < to
  int64_t limit = 50;
  int64_t offset = 0;
};

enum class IncidentFilter { kAll, kInProgress, kUnfinished };

struct IncidentQuery {
  IncidentFilter filter = IncidentFilter::kAll;
  std::optional<std::string> project_id;
};

struct PullRequestQuery {
  std::optional<std::string> team_id;
  int64_t limit = 50;
  int64_t offset = 0;
};

struct TicketQuery {
  std::optional<std::string> team_id;
  std::optional<std::string> project_id;
  std::optional<domain::TicketStatus> status;
  int64_t limit = 50;
  int64_t offset = 0;
};

// A ticket's past, each list in the order stored.
struct TicketHistory {
  std::vector<domain::TicketStatusChange> statuses;
  std::vector<domain::TicketEstimationChange> estimations;
};

// What POST /api/v1/ticketing/stats reads: at least every done ticket finished in [from, to]
// (the domain's InTicketStats picks the ones that count).
struct TicketStatsQuery {
  TimeMs from = 0;
  TimeMs to = 0;
  // Leave out tickets that another stored ticket names as its parent (ignore_parent_issues).
  bool exclude_parents = true;
};

// The events behind the DORA figures of [from, to). An empty list means "any".
struct DoraQuery {
  TimeMs from = 0;
  TimeMs to = 0;
  std::vector<std::string> projects;
  std::vector<std::string> teams;
  std::vector<std::string> environments;
  // Also link each incident without a deployment_id to the most recent deployment of its project
  // and environment deployed before it started (link=previous_deployment).
  bool link_previous = false;
};

// The pull requests and tickets behind the team-health figures of [from, to). Pull requests carry
// a team, no project; tickets the tracker's team (Linear's key) and a project.
struct TeamHealthQuery {
  TimeMs from = 0;
  TimeMs to = 0;
  std::vector<std::string> teams;  // pull requests' team_id; empty: every team
  // Tickets' team_id (the Linear keys of `teams`: TeamDirectory::LinearTeamOf); empty: every
  // team's.
  std::vector<std::string> ticket_teams = {};
  std::vector<std::string> projects = {};  // tickets' project_id; empty: any (none too)
  bool pull_requests = true;  // read them (an explanation of a ticket figure does not)
  bool tickets = true;
};

class EventStore {
 public:
  // A unit of work over the domain's transaction interface.
  using Work = std::function<Status(domain::Transaction&)>;

  virtual ~EventStore() = default;

  // Runs each item atomically (all of it or none of it) inside one database transaction that is
  // committed, and synced, once for the whole batch; a failing item does not affect the others.
  // Returns one Status per item: an item's writes are durable only if its Status is ok.
  // REQUIRES: one caller at a time (the WriteQueue's thread).
  virtual std::vector<Status> RunBatch(std::span<const Work> work) = 0;

  // Makes every batch committed so far durable (survives power loss). RunBatch's commit may leave
  // that to this call so that syncing one batch overlaps with running the next. May be called
  // from another thread while RunBatch runs, never concurrently with itself.
  virtual Status Sync() { return Status::Ok(); }

  // Reads see every committed write. Thread-safe.
  virtual Result<std::optional<domain::Deployment>> GetDeployment(std::string_view id) = 0;
  virtual Result<std::vector<domain::Deployment>> ListDeployments(const DeploymentQuery& q) = 0;
  virtual Result<std::optional<domain::Incident>> GetIncident(std::string_view id) = 0;
  virtual Result<std::vector<domain::Incident>> ListIncidents(const IncidentQuery& q) = 0;
  virtual Result<std::optional<domain::PullRequest>> GetPullRequest(std::string_view id) = 0;
  // Oldest opened first (then by id).
  virtual Result<std::vector<domain::PullRequest>> ListPullRequests(const PullRequestQuery& q) = 0;
  virtual Result<std::optional<domain::Ticket>> GetTicket(std::string_view id) = 0;
  // Oldest created first (then by id).
  virtual Result<std::vector<domain::Ticket>> ListTickets(const TicketQuery& q) = 0;
  // Empty lists for an unknown id.
  virtual Result<TicketHistory> GetTicketHistory(std::string_view id) = 0;
  virtual Result<std::vector<domain::Ticket>> LoadTicketsForStats(const TicketStatsQuery& q) = 0;
  virtual Result<std::vector<domain::SeriesState>> ListSeries() = 0;
  virtual Result<std::vector<domain::ExportMark>> ListExportMarks() = 0;
  // The events behind one range's figures as full records (explanations), one snapshot.
  virtual Result<domain::DoraEvents> LoadDoraEvents(const DoraQuery& q) = 0;
  // Everything ComputeDora needs for one range, read as one consistent snapshot: the same events
  // as LoadDoraEvents, as facts (deployment ids only with q.link_previous).
  virtual Result<domain::DoraFacts> LoadDoraFacts(const DoraQuery& q) = 0;
  // For annotations: deployments deployed in [from, to) and incidents that started or were
  // restored in it, both in time order.
  virtual Result<std::pair<std::vector<domain::Deployment>, std::vector<domain::Incident>>>
  LoadTimeline(const DoraQuery& q) = 0;
  // Every pull request of q.teams (every team when empty) opened, merged, closed or reviewed in
  // [from, to), each with all of its reviews whenever they were made, and every ticket of
  // q.ticket_teams and q.projects first done, created, canceled or re-opened in it, read as one
  // consistent snapshot; facts.teams is q.teams.
  virtual Result<domain::TeamHealthFacts> LoadTeamHealthFacts(const TeamHealthQuery& q) = 0;
  // Deployments started (deploy_start_at) in [from, to) and never marked deployed, oldest first
  // (then by id), `limit` of them from the `offset`-th: what a DORA explanation reports as left
  // out.
  virtual Result<std::vector<domain::Deployment>> ListUndeployed(const DoraQuery& q,
                                                                 int64_t offset,
                                                                 int64_t limit) = 0;
};

}  // namespace emm::storage
