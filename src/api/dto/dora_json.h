// DORA reports as JSON: durations in seconds, ratios as fractions 0..1, missing data as null.
#pragma once

#include <boost/json.hpp>

#include <vector>

#include "domain/dora.h"
#include "domain/gitlab_dora.h"

namespace emm::api::dto {

// The metric objects of a report (deployment_frequency ... deployment_duration) and
// overall_level, added to `out`.
void AddDoraMetrics(const domain::DoraReport& r, boost::json::object* out);

// The same figures as one flat row (start, end, group, then a column per value), for Grafana's
// Infinity data source and CSV; `group` is the group_by value (null: none or unresolved).
boost::json::object DoraRow(const domain::DoraReport& r, const boost::json::value& group);

// GitLab's DORA API shape: [{"date":"2024-05-01","value":N}, ...], null where there is no value.
boost::json::array GitLabSeriesJson(const std::vector<domain::GitLabPoint>& points);

}  // namespace emm::api::dto
