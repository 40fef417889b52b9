// DORA reports as JSON: durations in seconds, ratios as fractions 0..1, missing data as null.
#pragma once

#include <boost/json.hpp>

#include "domain/dora.h"

namespace emm::api::dto {

// The metric objects of a report (deployment_frequency ... deployment_duration) and
// overall_level, added to `out`.
void AddDoraMetrics(const domain::DoraReport& r, boost::json::object* out);

// The same figures as one flat row (start, end, group, then a column per value), for Grafana's
// Infinity data source and CSV; `group` is the group_by value (null: none or unresolved).
boost::json::object DoraRow(const domain::DoraReport& r, const boost::json::value& group);

}  // namespace emm::api::dto
