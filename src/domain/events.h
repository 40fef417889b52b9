// What em-metrics stores: deployments and incidents, as plain data. Instants are UTC ms.
#pragma once

#include <optional>
#include <string>

#include "common/time.h"

namespace emm::domain {

enum class DeploymentStatus { kStarted, kDeployed };

const char* DeploymentStatusName(DeploymentStatus s);

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

}  // namespace emm::domain
