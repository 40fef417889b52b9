// What em-metrics stores: deployments, incidents, pull requests and tickets, as plain data.
// Instants are UTC ms.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/time.h"

namespace emm::domain {

enum class DeploymentStatus { kStarted, kDeployed };

const char* DeploymentStatusName(DeploymentStatus s);

// Why a deployment shipped: hotfixes and rollbacks are rework (DORA 2024's rework rate).
enum class DeploymentKind { kPlanned, kHotfix, kRollback };

const char* DeploymentKindName(DeploymentKind k);
std::optional<DeploymentKind> ParseDeploymentKind(std::string_view name);

struct Deployment {
  std::string id;
  std::string project_id;
  std::string team_id;  // empty: no team could be resolved
  std::string environment;
  // None when the sender cannot know it (a GitLab or CDEvents webhook): no lead time then.
  std::optional<TimeMs> first_commit_at;
  TimeMs deploy_start_at = 0;
  std::optional<TimeMs> deployed_at;  // set once status is kDeployed
  DeploymentStatus status = DeploymentStatus::kStarted;
  TimeMs created_at = 0;  // when em-metrics first heard of it
  DeploymentKind kind = DeploymentKind::kPlanned;
  std::string commit_sha;  // empty: not given
  // Kept up to date by the incident commands, so that DORA ranges need no join: at least one
  // incident is linked to it (change failure), and the earliest restored_at among them.
  bool failed = false;
  std::optional<TimeMs> recovered_at;
};

struct Incident {
  std::string id;
  std::string project_id;
  std::string team_id;  // empty: no team could be resolved
  std::string environment;
  std::optional<std::string> deployment_id;
  TimeMs started_at = 0;
  std::optional<TimeMs> restored_at;  // users no longer affected (rollbacks count)
  std::optional<TimeMs> finished_at;  // fixed or closed; implies restored
  TimeMs created_at = 0;
};

// A pull request, as its code host or pipeline reported it. Times are UTC milliseconds.
struct PullRequest {
  std::string id;
  std::string team_id;
  std::string author;                       // login or name; "" when not given
  TimeMs opened_at = 0;
  std::optional<TimeMs> closed_at;          // closed without a merge
  std::optional<TimeMs> merged_at;
  std::optional<TimeMs> first_review_at;
  std::optional<TimeMs> first_approved_at;
  int64_t reviews = 0;                      // every review (the original kept only the first)
  int64_t comments = 0;                     // summed over its reviews
  std::optional<int64_t> additions;         // lines, as given when it was opened
  std::optional<int64_t> deletions;
  TimeMs created_at = 0;                    // when em-metrics first stored it
};

// One review of a pull request: each is kept, so that every metric can be rebuilt from them.
struct PullRequestReview {
  std::string pull_request_id;
  TimeMs reviewed_at = 0;
  bool approved = false;
  int64_t comments = 0;
  std::string reviewer;  // login or name; "" when not given
};

// Where a ticket stands in its tracker's workflow (the original's six values, stored as their
// names).
enum class TicketStatus { kBacklog, kTodo, kDoing, kDone, kCanceled, kUnknown };

const char* TicketStatusName(TicketStatus s);  // "BACKLOG", "TODO", ...
std::optional<TicketStatus> ParseTicketStatus(std::string_view name);

// A ticket (a Linear issue), as its tracker last reported it, with what em-metrics keeps of its
// past: the first estimate, the first start, whether and when it was first done.
struct Ticket {
  std::string id;           // the tracker's readable id (Linear's identifier, "ENG-42")
  std::string external_id;  // the tracker's own id (Linear's UUID), what children name as parent
  std::string team_id;
  std::string project_id;  // empty: no project
  TimeMs created_at = 0;
  std::optional<TimeMs> updated_at;  // the tracker's last change; older updates are stale
  // The first start reported before the ticket was first done; kept, so that its time per ticket
  // stays what was counted.
  std::optional<TimeMs> started_at;
  std::optional<TimeMs> finished_at;  // set exactly while the status is kDone: when it was done
  std::optional<std::string> parent_ticket_id;  // the parent's external_id
  std::string actor_hash;                       // base64 SHA-256 of the assignee's e-mail
  std::string ticket_type = "unknown";
  TicketStatus status = TicketStatus::kBacklog;
  std::optional<double> current_estimation;
  std::optional<double> initial_estimation;  // the first estimate seen; never overwritten
  std::optional<double> final_estimation;    // the estimate when it was last done
  std::optional<TimeMs> first_done_at;       // counted in ticket_count then, and only then
  TimeMs recorded_at = 0;                    // when em-metrics first stored it

  bool operator==(const Ticket&) const = default;
};

// One change of a ticket's status, each kept so that time spent, re-openings and every ticket
// metric can be recomputed.
struct TicketStatusChange {
  std::string ticket_id;
  std::optional<TicketStatus> from;  // none: the status the ticket was first seen in
  TicketStatus to = TicketStatus::kBacklog;
  TimeMs at = 0;           // when it changed, by the tracker's clock
  TimeMs recorded_at = 0;  // when em-metrics stored it
};

// One change of a ticket's estimate (from one value to another; the first estimate is none).
struct TicketEstimationChange {
  std::string ticket_id;
  double from = 0;
  double to = 0;
  TimeMs at = 0;
  TimeMs recorded_at = 0;
};

}  // namespace emm::domain
