// GET /metrics: the Prometheus exposition of the stored series and the service's own.
#include "api/error_response.h"
#include "api/handlers.h"
#include "export/prometheus_text.h"
#include "export/transport.h"

namespace emm::api {

void GetMetrics(const Env& env, Call call) {
  const ApiDeps& deps = env.deps;
  const http::Request& req = call.request;
  std::vector<domain::SeriesState> series;
  if (deps.metric_state != nullptr) {  // stateless mode: only the service's own series
    auto listed = deps.metric_state->ListSeries();
    if (!listed.ok()) return call.respond(ErrorResponse(listed.status()));
    series = std::move(*listed);
  }
  exporting::SelfMetrics::Snapshot self;
  if (deps.self_metrics != nullptr) self = deps.self_metrics->Get();
  auto format = exporting::NegotiateFormat(req.Header("Accept").value_or(""));
  http::Response res = http::Response::Empty(200);
  res.content_type = exporting::ContentType(format);
  res.body = exporting::RenderExposition(series, self, format);
  // Prometheus asks for gzip: the exposition is repetitive text (10,000 series: 11 MiB, about
  // 0.6 MiB gzipped). Level 1: most of the gain for little CPU.
  if (http::AcceptsGzip(req.Header("Accept-Encoding").value_or(""))) {
    std::string z = exporting::Gzip(res.body, 1);
    if (!z.empty()) {
      res.body = std::move(z);
      res.headers.emplace_back("Content-Encoding", "gzip");
    }
  }
  res.headers.emplace_back("Vary", "Accept, Accept-Encoding");
  call.respond(std::move(res));
}

}  // namespace emm::api
