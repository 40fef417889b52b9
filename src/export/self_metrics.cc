#include "export/self_metrics.h"

#include <algorithm>
#include <array>

namespace emm::exporting {
namespace {
constexpr std::array<double, 14> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                            0.1,    0.25,  0.5,    1,     2.5,  5,     10};
}  // namespace

std::span<const double> SelfMetrics::DurationBounds() { return kBounds; }

void SelfMetrics::RecordRequest(std::string_view method, std::string_view route, int status,
                                double seconds) {
  size_t i = std::lower_bound(kBounds.begin(), kBounds.end(), seconds) - kBounds.begin();
  std::lock_guard<std::mutex> lock(mu_);
  ++snap_.requests[RequestKey{std::string(method), std::string(route), status}];
  Histogram& h = snap_.durations[DurationKey{std::string(method), std::string(route)}];
  if (h.buckets.empty()) h.buckets.assign(kBounds.size() + 1, 0);
  ++h.buckets[i];
  h.sum += seconds;
  ++h.count;
}

void SelfMetrics::RecordExportSuccess(TimeMs at, uint64_t points) {
  std::lock_guard<std::mutex> lock(mu_);
  snap_.last_export_success = at;
  snap_.exported_points += points;
}

void SelfMetrics::RecordExportFailure(std::string_view reason) {
  std::lock_guard<std::mutex> lock(mu_);
  ++snap_.export_failures[std::string(reason)];
}

void SelfMetrics::RecordRejectedPoints(uint64_t points) {
  std::lock_guard<std::mutex> lock(mu_);
  snap_.rejected_points += points;
}

void SelfMetrics::RecordInconsistentEvent(std::string_view kind, std::string_view field) {
  std::lock_guard<std::mutex> lock(mu_);
  ++snap_.inconsistent_events[{std::string(kind), std::string(field)}];
}

void SelfMetrics::SetExporterEnabled(bool enabled) {
  std::lock_guard<std::mutex> lock(mu_);
  snap_.exporter_enabled = enabled;
}

void SelfMetrics::SetExportLeader(bool leader) {
  std::lock_guard<std::mutex> lock(mu_);
  snap_.export_leader = leader;
}

void SelfMetrics::SetWritePathSource(std::function<WritePath()> source) {
  std::lock_guard<std::mutex> lock(mu_);
  write_path_ = std::move(source);
}

SelfMetrics::Snapshot SelfMetrics::Get() const {
  std::lock_guard<std::mutex> lock(mu_);
  Snapshot s = snap_;
  if (write_path_) s.write_path = write_path_();
  return s;
}

}  // namespace emm::exporting
