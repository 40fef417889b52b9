#include "domain/events.h"

namespace emm::domain {

const char* DeploymentStatusName(DeploymentStatus s) {
  return s == DeploymentStatus::kDeployed ? "deployed" : "started";
}

}  // namespace emm::domain
