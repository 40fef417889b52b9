#include "export/forwarder.h"

#include <pthread.h>

#include <algorithm>

#include "common/log.h"
#include "export/retry.h"

namespace emm::exporting {

Forwarder::Forwarder(ForwarderOptions options, const MakeTransport& make_transport,
                     SelfMetrics* self, const Clock* clock)
    : options_(std::move(options)), self_(self), clock_(clock) {
  options_.encode.temporality = Temporality::kDelta;
  if (self_) self_->SetExporterEnabled(true);
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    transports_.push_back(make_transport());
    workers_.emplace_back([this, t = transports_.back().get()] { Work(t); });
  }
}

Forwarder::~Forwarder() { Stop(); }

void Forwarder::Submit(std::vector<domain::SeriesState> points, std::function<void(Status)> done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back({std::move(points), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  done(Status::Unavailable("the server is shutting down"));
}

void Forwarder::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  for (auto& w : workers_) {
    if (w.joinable()) w.join();
  }
}

void Forwarder::Work(Transport* transport) {
  pthread_setname_np(pthread_self(), "emm-forward");
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job.done(Push(transport, std::move(job.points)));
  }
}

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
