#include "export/otlp_exporter.h"

#include <pthread.h>

#include <algorithm>

#include "common/log.h"

namespace emm::exporting {

OtlpExporter::OtlpExporter(ExporterOptions options, MetricStateSource* state,
                           std::unique_ptr<Transport> transport, SelfMetrics* self,
                           const Clock* clock, storage::ExportLeadership* leadership)
    : options_(std::move(options)),
      state_(state),
      transport_(std::move(transport)),
      self_(self),
      clock_(clock),
      leadership_(leadership),
      backoff_(options_.backoff_initial_ms, options_.backoff_max_ms) {
  if (self_) {
    self_->SetExporterEnabled(true);
    self_->SetExportLeader(leadership_ == nullptr);  // a replica leads from its first try
  }
}

OtlpExporter::~OtlpExporter() { Stop(0); }

void OtlpExporter::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void OtlpExporter::Stop(int64_t final_timeout_ms) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  if (final_timeout_ms <= 0) return;
  // The last export may retry (its sleeps are no longer cut short).
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }
  Status s = ExportIfLeader(final_timeout_ms);
  if (!leading_) return;  // the leader pushes the state this replica wrote
  if (s.ok()) {
    log::Info("final metrics export done");
  } else {
    log::Warn(
        "final metrics export failed; the state stays in the database and the next start "
        "exports it",
        {{"error", s.ToString()}});
  }
}

void OtlpExporter::Loop() {
  pthread_setname_np(pthread_self(), "emm-export");
  while (Sleep(options_.interval_ms)) (void)ExportIfLeader(options_.export_timeout_ms);
}

Status OtlpExporter::ExportIfLeader(int64_t timeout_ms) {
  const bool leads = leadership_ == nullptr || leadership_->IsLeader();
  if (leads && !leading_) {
    marks_loaded_ = false;
    marks_.clear();
  }
  leading_ = leads;
  if (self_) self_->SetExportLeader(leads);
  return leads ? ExportOnce(timeout_ms) : Status::Ok();
}

bool OtlpExporter::Sleep(int64_t ms) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_; });
  return !stopping_;
}

Result<std::vector<domain::SeriesState>> OtlpExporter::PointsToSend(
    TimeMs now, std::vector<domain::SeriesState>* states) {
  auto listed = state_->ListSeries();
  if (!listed.ok()) return listed.status();
  *states = std::move(*listed);
  if (options_.encode.temporality == Temporality::kCumulative) return *states;

  if (!marks_loaded_) {
    auto marks = state_->ListExportMarks();
    if (!marks.ok()) return marks.status();
    for (auto& m : *marks) marks_[m.key] = std::move(m);
    marks_loaded_ = true;
  }
  // Delta: the change since the acknowledged mark; unchanged series send nothing. `states` keeps
  // the cumulative values, aligned with the returned points, to become the next marks.
  std::vector<domain::SeriesState> points, sent_states;
  for (domain::SeriesState& s : *states) {
    domain::SeriesState d = s;
    auto it = marks_.find(s.key);
    if (it != marks_.end() && it->second.series_start_ms == s.start_ms &&
        it->second.count <= s.count) {
      const domain::ExportMark& m = it->second;
      d.start_ms = m.acked_ms;
      d.count = s.count - m.count;
      d.sum = s.sum - m.sum;
      for (size_t i = 0; i < d.buckets.size() && i < m.buckets.size(); ++i) {
        d.buckets[i] = d.buckets[i] >= m.buckets[i] ? d.buckets[i] - m.buckets[i] : 0;
      }
    }
    if (d.count == 0) continue;
    d.start_ms = std::min(d.start_ms, now - 1);  // a delta interval is never empty
    points.push_back(std::move(d));
    sent_states.push_back(std::move(s));
  }
  *states = std::move(sent_states);
  return points;
}

Status OtlpExporter::SaveMarks(std::span<const domain::SeriesState> states, TimeMs acked_ms) {
  std::vector<domain::ExportMark> marks;
  for (const domain::SeriesState& s : states) {
    marks.push_back({s.key, s.start_ms, acked_ms, s.count, s.sum, s.buckets});
  }
  Status saved = state_->SaveExportMarks(marks);
  // Held in memory either way: deltas are not sent twice while this process lives. If saving
  // failed, a restart re-sends at most what this request carried.
  for (auto& m : marks) marks_[m.key] = std::move(m);
  return saved;
}

Status OtlpExporter::ExportOnce(int64_t timeout_ms) {
  const TimeMs now = clock_->NowMs();
  const TimeMs deadline = now + timeout_ms;
  std::vector<domain::SeriesState> states;
  auto points = PointsToSend(now, &states);
  if (!points.ok()) {
    log::Error("metrics export: cannot read the metric state",
               {{"error", points.status().ToString()}});
    return points.status();
  }
  if (points->empty()) return Status::Ok();
  auto requests =
      EncodeInChunks(options_.resource, *points, options_.encode, now, options_.max_request_bytes);
  Status result = Status::Ok();
  for (EncodedRequest& req : requests) {
    const std::string body = options_.gzip ? Gzip(req.body) : std::move(req.body);
    const uint64_t npoints = req.end - req.begin;
    for (;;) {
      PostResult r = transport_->Post(body, options_.gzip);
      Verdict v = Classify(r.status);
      if (v == Verdict::kAccepted) {
        PartialSuccess partial;
        if (!DecodeResponse(r.body, options_.encode.encoding, &partial)) {
          log::Debug("metrics export: undecodable success response", {{"status", r.status}});
        }
        if (partial.rejected_data_points > 0 || !partial.error_message.empty()) {
          log::Warn("collector accepted the export partially",
                    {{"rejected_data_points", static_cast<int64_t>(partial.rejected_data_points)},
                     {"message", partial.error_message}});
          if (self_)
            self_->RecordRejectedPoints(static_cast<uint64_t>(partial.rejected_data_points));
        }
        if (self_) self_->RecordExportSuccess(clock_->NowMs(), npoints);
        if (options_.encode.temporality == Temporality::kDelta) {
          Status saved = SaveMarks(std::span(states).subspan(req.begin, npoints), now);
          if (!saved.ok()) {
            log::Error("metrics export: cannot save what the collector acknowledged",
                       {{"error", saved.ToString()}});
          }
        }
        if (failing_)
          log::Info("metrics export recovered", {{"points", static_cast<int64_t>(npoints)}});
        failing_ = false;
        backoff_.Reset();
        log::Debug("metrics exported", {{"points", static_cast<int64_t>(npoints)},
                                        {"bytes", static_cast<int64_t>(body.size())}});
        break;
      }
      failing_ = true;
      if (v == Verdict::kRejected) {
        // Not retried: the same body would be refused again. Cumulative state is resent next
        // interval anyway; delta marks do not move, so nothing is skipped.
        if (self_) self_->RecordExportFailure(r.status >= 500 ? "server" : "rejected");
        log::Error("collector refused the metrics export",
                   {{"status", r.status},
                    {"body", std::string_view(r.body).substr(0, 1024)},
                    {"points", static_cast<int64_t>(npoints)}});
        result = Status::Unavailable("collector answered " + std::to_string(r.status));
        break;
      }
      if (self_) self_->RecordExportFailure(r.status == 0 ? "connection" : "retryable");
      int64_t wait = backoff_.NextDelayMs();
      if (auto after = ParseRetryAfter(r.retry_after, clock_->NowMs())) wait = *after;
      const bool in_time = clock_->NowMs() + wait <= deadline;
      log::Warn("metrics export failed; will retry",
                {{"status", r.status},
                 {"error", r.status == 0 ? r.error : std::string_view(r.body).substr(0, 256)},
                 {"retry_in_ms", in_time ? wait : options_.interval_ms}});
      if (!in_time || !Sleep(wait)) {
        return Status::Unavailable(r.status == 0
                                       ? "collector unreachable: " + r.error
                                       : "collector answered " + std::to_string(r.status));
      }
    }
  }
  return result;
}

}  // namespace emm::exporting
