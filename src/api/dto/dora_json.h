// DORA reports as JSON: durations in seconds, ratios as fractions 0..1, missing data as null.
#pragma once

#include <boost/json.hpp>

#include "domain/dora.h"

namespace emm::api::dto {

// The metric objects of a report (deployment_frequency ... deployment_duration) and
// overall_level, added to `out`.
void AddDoraMetrics(const domain::DoraReport& r, boost::json::object* out);

}  // namespace emm::api::dto
