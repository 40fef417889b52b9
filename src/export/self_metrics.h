// The service's own health series, served on /metrics beside the DORA series: requests by route
// and status, request durations, and how the OTLP export is doing. Thread-safe; cheap enough to
// call once per request.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "common/time.h"

namespace emm::exporting {

class SelfMetrics {
 public:
  // Upper bounds (seconds) of em_metrics_http_request_duration_seconds.
  static std::span<const double> DurationBounds();

  // One answered request; `route` is the route pattern ("/api/v1/deployments/:id"), never a path.
  void RecordRequest(std::string_view method, std::string_view route, int status, double seconds);
  // An export request the collector accepted (`points` data points in it).
  void RecordExportSuccess(TimeMs at, uint64_t points);
  // An export request that failed; `reason` is a short label value: "rejected" (a 4xx such as
  // 400, not retried), "retryable" (429/502/503/504), "connection", "server" (other 5xx).
  void RecordExportFailure(std::string_view reason);
  // Points the collector accepted but reported as rejected (OTLP partial success).
  void RecordRejectedPoints(uint64_t points);
  void SetExporterEnabled(bool enabled);
  // Whether this replica pushes the shared metric state now (storage::ExportLeadership).
  void SetExportLeader(bool leader);
  // An event stored with times that contradict each other (domain::Inconsistency): `kind`
  // deployment or incident, `field` the time out of order.
  void RecordInconsistentEvent(std::string_view kind, std::string_view field);

  struct RequestKey {
    std::string method;
    std::string route;
    int status = 0;
    auto operator<=>(const RequestKey&) const = default;
  };
  struct DurationKey {
    std::string method;
    std::string route;
    auto operator<=>(const DurationKey&) const = default;
  };
  struct Histogram {
    std::vector<uint64_t> buckets;  // DurationBounds().size() + 1, per bucket (not cumulative)
    double sum = 0;
    uint64_t count = 0;
  };
  // The group commit's counters (storage::WriteQueue::Stats), em_metrics_write_*.
  struct WritePath {
    uint64_t batches = 0;
    uint64_t items = 0;
    uint64_t syncs = 0;
    double queued_seconds = 0;
    double batch_seconds = 0;
    double sync_wait_seconds = 0;
    double sync_seconds = 0;
  };
  struct Snapshot {
    TimeMs start_ms = 0;                         // when this process started counting
    std::map<RequestKey, uint64_t> requests;     // em_metrics_http_requests_total
    std::map<DurationKey, Histogram> durations;  // em_metrics_http_request_duration_seconds
    bool exporter_enabled = false;
    bool export_leader = false;                 // em_metrics_export_leader
    std::optional<TimeMs> last_export_success;  // em_metrics_export_last_success_timestamp_seconds
    uint64_t exported_points = 0;               // em_metrics_export_points_total
    uint64_t rejected_points = 0;               // em_metrics_export_rejected_points_total
    std::map<std::string, uint64_t> export_failures;  // em_metrics_export_failures_total{reason}
    std::optional<WritePath> write_path;  // absent without a database (stateless forwarding)
    // em_metrics_inconsistent_events_total{kind,field}
    std::map<std::pair<std::string, std::string>, uint64_t> inconsistent_events;
  };
  Snapshot Get() const;

  // Where Get() reads the write path's counters from (set once, at start-up).
  void SetWritePathSource(std::function<WritePath()> source);

  explicit SelfMetrics(TimeMs start_ms = 0) { snap_.start_ms = start_ms; }

 private:
  mutable std::mutex mu_;
  Snapshot snap_;
  std::function<WritePath()> write_path_;
};

}  // namespace emm::exporting
