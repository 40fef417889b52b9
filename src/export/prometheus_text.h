// GET /metrics bodies: the DORA series from the database and the service's own series, in the
// Prometheus text format 0.0.4 or OpenMetrics 1.0. DORA series carry the names Prometheus' OTLP
// receiver gives the OTLP series (unit suffix, counters `_total`, histograms `_bucket{le}`,
// `_sum`, `_count`), so dashboards work on either path. Pure functions; numbers are formatted
// locale-independently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "domain/metrics.h"
#include "export/self_metrics.h"

namespace emm::exporting {

enum class ExpositionFormat { kText004, kOpenMetrics };

// OpenMetrics 1.0 only when the Accept header lists application/openmetrics-text (version 1.0.0,
// 0.0.1 or none) with a q-value above 0 and at least that of every text/plain or wildcard range;
// a tie goes to the range listed first. Anything else gets text 0.0.4, which every scraper takes.
ExpositionFormat NegotiateFormat(std::string_view accept_header);

// The exact Content-Type header of a body in `format`.
std::string_view ContentType(ExpositionFormat format);

// Every series of `series` whose metric em-metrics defines (others are skipped), then `self`.
// Families are sorted by name, series by label values; a family without series is left out.
std::string RenderExposition(const std::vector<domain::SeriesState>& series,
                             const SelfMetrics::Snapshot& self, ExpositionFormat format);

// The metric family name Prometheus derives from an OTLP metric: unit suffix ("s" -> "_seconds";
// "{...}" units add nothing), without the counters' "_total" (OpenMetrics keeps it off the family
// name; the 0.0.4 format and the samples append it).
std::string FamilyName(const domain::MetricDef& def);

// A sample value as Prometheus' Go libraries write it: shortest round-trip digits, exponent form
// below 1e-4 and from 1e6 on ("600", "1.5552e+07", "0.0025", "NaN", "+Inf").
std::string FormatFloat(double value);
// An `le` bound in OpenMetrics' canonical form, which Prometheus 3 also normalizes 0.0.4 bounds
// to: FormatFloat plus ".0" when it has neither '.' nor an exponent ("60.0", "1.5552e+07").
std::string FormatBound(double bound);

// HELP text escaped for `format`: backslash and newline; OpenMetrics also escapes double quotes.
std::string EscapeHelp(std::string_view text, ExpositionFormat format);

}  // namespace emm::exporting
