#include "export/forwarder.h"

#include <algorithm>
#include <thread>

#include "common/log.h"
#include "export/retry.h"

namespace emm::exporting {

Forwarder::Forwarder(ForwarderOptions options, const MakeTransport& make_transport,
                     SelfMetrics* self, const Clock* clock)
    : options_(std::move(options)),
      self_(self),
      clock_(clock),
      transports_([&] {
        std::vector<std::unique_ptr<Transport>> t;
        for (int i = 0; i < std::max(1, options_.workers); ++i) t.push_back(make_transport());
        return t;
      }()),
      workers_("emm-forward", static_cast<int>(transports_.size())) {
  options_.encode.temporality = Temporality::kDelta;
  if (self_) self_->SetExporterEnabled(true);
}

Forwarder::~Forwarder() { Stop(); }

void Forwarder::Submit(std::vector<domain::SeriesState> points, std::function<void(Status)> done) {
  // The job owns `done` until it runs; a refused job gives it back through `refused`.
  auto job = std::make_shared<std::pair<std::vector<domain::SeriesState>,
                                        std::function<void(Status)>>>(std::move(points),
                                                                      std::move(done));
  bool queued = workers_.Submit([this, job](size_t worker) {
    job->second(Push(transports_[worker].get(), std::move(job->first)));
  });
  if (!queued) job->second(Status::Unavailable("the server is shutting down"));
}

void Forwarder::Stop() { workers_.Stop(); }

Status Forwarder::Push(Transport* transport, std::vector<domain::SeriesState> points) {
  if (points.empty()) return Status::Ok();
  const TimeMs now = clock_->NowMs();
  const TimeMs deadline = now + options_.timeout_ms;
  // A delta point covers (start, time]: the event's instant, as a one-millisecond interval.
  for (auto& p : points) p.start_ms = std::min(p.start_ms, now - 1);
  std::string body = EncodeRequest(options_.resource, points, options_.encode, now);
  if (options_.gzip) body = Gzip(body);
  Backoff backoff(options_.backoff_initial_ms, options_.backoff_max_ms);
  for (;;) {
    PostResult r = transport->Post(body, options_.gzip);
    Verdict v = Classify(r.status);
    if (v == Verdict::kAccepted) {
      if (self_) self_->RecordExportSuccess(clock_->NowMs(), points.size());
      return Status::Ok();
    }
    const std::string what = r.status == 0 ? "collector unreachable: " + r.error
                                           : "collector answered " + std::to_string(r.status);
    if (v == Verdict::kRejected) {
      if (self_) self_->RecordExportFailure(r.status >= 500 ? "server" : "rejected");
      log::Error("collector refused forwarded points",
                 {{"status", r.status}, {"body", std::string_view(r.body).substr(0, 1024)}});
      return Status::Upstream(what + ": the event was not recorded");
    }
    if (self_) self_->RecordExportFailure(r.status == 0 ? "connection" : "retryable");
    int64_t wait = backoff.NextDelayMs();
    if (auto after = ParseRetryAfter(r.retry_after, clock_->NowMs())) wait = *after;
    if (clock_->NowMs() + wait > deadline) {
      log::Warn("forwarding failed", {{"status", r.status}, {"error", r.error}});
      return Status::Upstream(what + ": the event was not recorded; retry the request");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(wait));
  }
}

}  // namespace emm::exporting
