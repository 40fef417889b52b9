// GET /api/v1/dora/metrics: our DORA figures in the shape of GitLab's DORA API, so tools that read
// GitLab's (Backstage plugins, scripts, dashboards) read em-metrics unchanged. The same store read,
// buckets and figures as GET /api/v1/metrics/dora; the parameters and where the values differ
// from GitLab's: docs/dora.md, "GitLab-shaped API".
#include <boost/json.hpp>
#include <string>

#include "api/dto/dora_json.h"
#include "api/error_response.h"
#include "api/handlers.h"
#include "api/query_params.h"
#include "domain/gitlab_dora.h"

namespace emm::api {
namespace {

struct GitLabDoraParams {
  storage::DoraQuery query;  // the filters; from and to are the buckets' range
  domain::GitLabMetric metric = domain::GitLabMetric::kDeploymentFrequency;
  domain::GitLabInterval interval = domain::GitLabInterval::kDaily;
  int64_t first_day = 0;  // start_date, local days since the epoch
  int64_t last_day = 0;   // end_date, included
  TimeZone tz;
};

Result<GitLabDoraParams> ParseGitLabDoraParams(const Query& q, TimeMs now) {
  GitLabDoraParams p;
  auto tz = TzParam(q);
  if (!tz.ok()) return tz.status();
  if (*tz) p.tz = std::move(**tz);

  auto metric = ChoiceParam(q, "metric", domain::kGitLabMetricNames);
  if (!metric.ok()) return metric.status();
  if (!*metric) {
    std::string names;
    for (std::string_view name : domain::kGitLabMetricNames) {
      names += (names.empty() ? "" : ", ") + std::string(name);
    }
    return Status::InvalidArgument("metric", "is required (" + names + ")");
  }
  p.metric = static_cast<domain::GitLabMetric>(**metric);
  auto interval = ChoiceParam(q, "interval", domain::kGitLabIntervalNames);
  if (!interval.ok()) return interval.status();
  if (*interval) p.interval = static_cast<domain::GitLabInterval>(**interval);

  // GitLab's defaults: today, and 3 months before. The start is counted back from end_date when
  // one is given, so a client that sends only end_date is never refused over a date it did not
  // send.
  auto end = DateParam(q, "end_date");
  if (!end.ok()) return end.status();
  auto start = DateParam(q, "start_date");
  if (!start.ok()) return start.status();
  p.last_day = end->value_or(LocalDay(now, p.tz.OffsetAt(now)));
  p.first_day = start->value_or(AddMonths(p.last_day, -3));
  if (p.first_day > p.last_day) {
    return Status::InvalidArgument("start_date", "must not be after end_date");
  }
  if (Status s =
          domain::CheckBucketCount(domain::GitLabBucketCount(p.first_day, p.last_day, p.interval));
      !s.ok()) {
    return s;
  }

  p.query = DoraFilterParams(q);
  // GitLab's environment tiers (production, staging, testing, development, other) are read as
  // environment names: a tier is what most pipelines name their environment.
  for (std::string_view name : {"environment_tiers", "environment_tiers[]"}) {
    for (std::string& tier : CommaListParam(q, name)) {
      p.query.environments.push_back(std::move(tier));
    }
  }
  return p;
}

}  // namespace

void GetGitLabDora(const Env& env, Call call) {
  auto p = ParseGitLabDoraParams(call.query, env.deps.clock->NowMs());
  if (!p.ok()) return call.respond(ErrorResponse(p.status()));
  const std::vector<domain::GitLabBucket> buckets =
      domain::GitLabBuckets(p->first_day, p->last_day, p->interval, p->tz);
  p->query.from = buckets.front().from;
  p->query.to = buckets.back().to;
  auto facts = env.deps.store->LoadDoraFacts(p->query);
  if (!facts.ok()) return call.respond(ErrorResponse(facts.status()));
  call.respond(http::Response::Json(200, boost::json::serialize(dto::GitLabSeriesJson(
                                             domain::GitLabSeries(*facts, buckets, p->metric)))));
}

}  // namespace emm::api
