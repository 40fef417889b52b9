#include "domain/events.h"

namespace emm::domain {

const char* DeploymentStatusName(DeploymentStatus s) {
  return s == DeploymentStatus::kDeployed ? "deployed" : "started";
}

const char* DeploymentKindName(DeploymentKind k) {
  switch (k) {
    case DeploymentKind::kPlanned:
      return "planned";
    case DeploymentKind::kHotfix:
      return "hotfix";
    case DeploymentKind::kRollback:
      return "rollback";
  }
  return "planned";
}

std::optional<DeploymentKind> ParseDeploymentKind(std::string_view name) {
  if (name == "planned") return DeploymentKind::kPlanned;
  if (name == "hotfix") return DeploymentKind::kHotfix;
  if (name == "rollback") return DeploymentKind::kRollback;
  return std::nullopt;
}

}  // namespace emm::domain
