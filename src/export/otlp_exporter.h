// Pushes the durable metric state to an OTLP/HTTP collector: every interval, and once more on
// shutdown. Each export reads the state from the database (never from process memory), so a
// collector outage of any length or a restart loses nothing: the next accepted export carries the
// totals, with each series' persisted start time. Retryable failures (429/502/503/504, no answer)
// are retried with exponential backoff and jitter, honouring Retry-After, within the export's
// time budget; after that the next interval tries again with fresh state. Runs on its own thread
// and reads through MetricStateSource (a read connection of the store), so ingestion never waits
// for it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "export/metric_state.h"
#include "export/otlp_encoder.h"
#include "export/resource.h"
#include "export/retry.h"
#include "export/self_metrics.h"
#include "export/transport.h"
#include "storage/export_leadership.h"

namespace emm::exporting {

struct ExporterOptions {
  Attributes resource;
  EncodeOptions encode;                 // encoding and temporality
  bool gzip = false;                    // OTEL_EXPORTER_OTLP_COMPRESSION=gzip
  int64_t interval_ms = 60000;          // OTEL_METRIC_EXPORT_INTERVAL
  int64_t export_timeout_ms = 30000;    // OTEL_METRIC_EXPORT_TIMEOUT: one export, retries included
  size_t max_request_bytes = 4u << 20;  // bodies are split to stay under this (before gzip)
  int64_t backoff_initial_ms = 1000;
  int64_t backoff_max_ms = 30000;
};

class OtlpExporter {
 public:
  // `state` saves marks only with delta temporality (what the collector acknowledged).
  // `leadership`: whether this replica exports (nullptr: always, the sole exporter). Every pointer
  // must outlive the exporter.
  OtlpExporter(ExporterOptions options, MetricStateSource* state,
               std::unique_ptr<Transport> transport, SelfMetrics* self, const Clock* clock,
               storage::ExportLeadership* leadership = nullptr);
  ~OtlpExporter();

  // Starts the periodic thread.
  void Start();
  // Stops the periodic thread, then exports one last time, retrying for at most
  // `final_timeout_ms`. Call while `state` can still save marks. Idempotent.
  void Stop(int64_t final_timeout_ms);

  // One export of the current state, retrying retryable failures for at most `timeout_ms`.
  // Ok when every request was accepted (or there was nothing to send). Not thread-safe: the
  // periodic thread calls it, or tests do when it is not started.
  Status ExportOnce(int64_t timeout_ms);

  // ExportOnce if this replica leads (what the periodic thread and Stop run); one that does not
  // sends nothing and keeps nothing back: the state and its marks are in the shared database,
  // where the leader reads them. Ok when skipped. Not thread-safe, as ExportOnce.
  Status ExportIfLeader(int64_t timeout_ms);

 private:
  void Loop();
  // Waits `ms`, or less when Stop() is called; false when stopping.
  bool Sleep(int64_t ms);
  Result<std::vector<domain::SeriesState>> PointsToSend(TimeMs now,
                                                        std::vector<domain::SeriesState>* states);
  Status SaveMarks(std::span<const domain::SeriesState> states, TimeMs acked_ms);

  ExporterOptions options_;
  MetricStateSource* state_;
  std::unique_ptr<Transport> transport_;
  SelfMetrics* self_;
  const Clock* clock_;
  storage::ExportLeadership* leadership_;
  // Whether the last ExportIfLeader led: on taking over, the marks are read again, since another
  // replica may have advanced them in the shared database meanwhile.
  bool leading_ = false;
  Backoff backoff_;
  bool failing_ = false;  // the last export failed: log the recovery
  // Delta temporality: what the collector has acknowledged, loaded from `state_` once.
  bool marks_loaded_ = false;
  std::map<domain::SeriesKey, domain::ExportMark> marks_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace emm::exporting
