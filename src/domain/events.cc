#include "domain/events.h"

#include <utility>

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

namespace {
constexpr std::pair<TicketStatus, const char*> kTicketStatusNames[] = {
    {TicketStatus::kBacklog, "BACKLOG"}, {TicketStatus::kTodo, "TODO"},
    {TicketStatus::kDoing, "DOING"},     {TicketStatus::kDone, "DONE"},
    {TicketStatus::kCanceled, "CANCELED"}, {TicketStatus::kUnknown, "UNKNOWN"}};
}  // namespace

const char* TicketStatusName(TicketStatus s) {
  for (const auto& [status, name] : kTicketStatusNames) {
    if (status == s) return name;
  }
  return "UNKNOWN";
}

std::optional<TicketStatus> ParseTicketStatus(std::string_view name) {
  for (const auto& [status, text] : kTicketStatusNames) {
    if (name == text) return status;
  }
  return std::nullopt;
}

}  // namespace emm::domain
