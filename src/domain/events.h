// What em-metrics stores: deployments and incidents, as plain data. Instants are UTC ms.
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
  TimeMs first_commit_at = 0;
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

}  // namespace emm::domain
