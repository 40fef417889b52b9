// MetricStateSource: the durable metric state as the exporter and /metrics read it, and where the
// exporter saves what a collector acknowledged. The exporter sees only this, not the store or the
// write queue; the server wires it to them (api/stored_metric_state.h), tests may use a fake.
#pragma once

#include <span>
#include <vector>

#include "common/status.h"
#include "domain/metrics.h"

namespace emm::exporting {

class MetricStateSource {
 public:
  virtual ~MetricStateSource() = default;

  // Every series, as last committed. Thread-safe.
  virtual Result<std::vector<domain::SeriesState>> ListSeries() = 0;
  // What the collector acknowledged, per series (delta temporality). Thread-safe.
  virtual Result<std::vector<domain::ExportMark>> ListExportMarks() = 0;
  // Durably replaces the marks of these series' keys, all or none; ok once they are committed.
  virtual Status SaveExportMarks(std::span<const domain::ExportMark> marks) = 0;
};

}  // namespace emm::exporting
