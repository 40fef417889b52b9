// The metric state of the event store: reads from the store, export marks written through the
// write queue (its group commit, one writer). What the server gives the exporter and /metrics.
#pragma once

#include <span>
#include <vector>

#include "export/metric_state.h"
#include "storage/event_store.h"
#include "storage/write_queue.h"

namespace emm::api {

class StoredMetricState final : public exporting::MetricStateSource {
 public:
  // Both must outlive this; `writes` must run while marks are saved.
  StoredMetricState(storage::EventStore* store, storage::WriteQueue* writes)
      : store_(store), writes_(writes) {}

  Result<std::vector<domain::SeriesState>> ListSeries() override { return store_->ListSeries(); }
  Result<std::vector<domain::ExportMark>> ListExportMarks() override {
    return store_->ListExportMarks();
  }
  Status SaveExportMarks(std::span<const domain::ExportMark> marks) override {
    return writes_->Run([marks](domain::Transaction& tx) {
      for (const auto& m : marks) EMM_RETURN_IF_ERROR(tx.PutExportMark(m));
      return Status::Ok();
    });
  }

 private:
  storage::EventStore* store_;
  storage::WriteQueue* writes_;
};

}  // namespace emm::api
