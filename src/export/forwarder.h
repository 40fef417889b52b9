// Stateless forwarding (SQLITE_DB=none): each event's points are pushed to the collector as OTLP
// delta points before the request is answered, so a pipeline step learns whether its event
// arrived (2xx) or should be retried (502). Pushes run on a few worker threads with their own
// keep-alive connections, never on the HTTP I/O threads.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "common/worker_pool.h"
#include "domain/metrics.h"
#include "export/otlp_encoder.h"
#include "export/resource.h"
#include "export/self_metrics.h"
#include "export/transport.h"

namespace emm::exporting {

struct ForwarderOptions {
  Attributes resource;
  EncodeOptions encode;  // temporality is always delta here
  bool gzip = false;
  int64_t timeout_ms = 10000;  // one push, retries included
  int workers = 2;
  int64_t backoff_initial_ms = 100;
  int64_t backoff_max_ms = 2000;
};

class Forwarder {
 public:
  using MakeTransport = std::function<std::unique_ptr<Transport>()>;
  // Pointers must outlive the forwarder.
  Forwarder(ForwarderOptions options, const MakeTransport& make_transport, SelfMetrics* self,
            const Clock* clock);
  ~Forwarder();

  // Pushes `points` (each one event's worth of a series) as delta points. `done` runs on a worker
  // thread: Ok once the collector accepted them, kUpstream when it refused or could not be reached
  // in time, kUnavailable after Stop().
  void Submit(std::vector<domain::SeriesState> points, std::function<void(Status)> done);

  // Finishes what is queued, then joins the workers. Idempotent.
  void Stop();

 private:
  Status Push(Transport* transport, std::vector<domain::SeriesState> points);

  ForwarderOptions options_;
  SelfMetrics* self_;
  const Clock* clock_;
  std::vector<std::unique_ptr<Transport>> transports_;  // one per worker, its own connection
  WorkerPool workers_;                                  // last: stopped before the rest goes
};

}  // namespace emm::exporting
