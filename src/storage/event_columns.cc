#include "storage/event_columns.h"

#include <charconv>

namespace emm::storage {

std::string Prefixed(const char* columns, std::string_view alias) {
  const std::string qualifier = std::string(alias) + ".";
  std::string out = qualifier;
  for (const char* p = columns; *p; ++p) {
    out += *p;
    if (*p == ' ') out += qualifier;
  }
  return out;
}

domain::DeploymentStatus DeploymentStatusFromText(std::string_view s) {
  return s == "deployed" ? domain::DeploymentStatus::kDeployed : domain::DeploymentStatus::kStarted;
}

domain::DeploymentKind DeploymentKindFromText(std::string_view s) {
  return domain::ParseDeploymentKind(s).value_or(domain::DeploymentKind::kPlanned);
}

domain::TicketStatus TicketStatusFromText(std::string_view s) {
  return domain::ParseTicketStatus(s).value_or(domain::TicketStatus::kUnknown);
}

std::string_view MetricKindText(domain::MetricKind k) {
  return k == domain::MetricKind::kHistogram ? "histogram" : "counter";
}

domain::MetricKind MetricKindFromText(std::string_view s) {
  return s == "histogram" ? domain::MetricKind::kHistogram : domain::MetricKind::kCounter;
}

std::string EncodeBuckets(const std::vector<uint64_t>& b) {
  std::string out;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i) out.push_back(',');
    out += std::to_string(b[i]);
  }
  return out;
}

std::vector<uint64_t> DecodeBuckets(std::string_view s) {
  std::vector<uint64_t> out;
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string_view part = s.substr(0, comma);
    uint64_t v = 0;
    std::from_chars(part.data(), part.data() + part.size(), v);
    out.push_back(v);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace emm::storage
