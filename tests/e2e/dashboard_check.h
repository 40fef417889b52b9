// Checks a Grafana dashboard file against live data: every Prometheus query (panels, template
// variables, annotations) asked of a real Prometheus must return series, and every Infinity query
// asked of the real em-metrics must answer 200 with the fields its root selector and columns
// name. Template variables and Grafana's built-ins ($__range, ${__from}, ...) are substituted
// first, as Grafana would. Used by dashboards_test.cc; returns the problems rather than failing,
// so a test can also show that a broken dashboard is caught.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "e2e/http_client.h"

namespace emm::e2e {

// The data source uids the dashboards use (deploy/compose/grafana/provisioning/datasources).
inline constexpr const char* kPrometheusUid = "prometheus";
inline constexpr const char* kInfinityUid = "em-metrics-api";

struct DashboardContext {
  uint16_t prometheus_port = 0;
  uint16_t api_port = 0;  // em-metrics: Infinity's base URL
  Headers api_headers;    // the data source's auth, sent with every Infinity query
  // The value each query variable takes (a seeded team, project...); custom variables default
  // to their current value.
  std::map<std::string, std::string> variables;
  int64_t from_ms = 0;  // the dashboard's time range
  int64_t to_ms = 0;
};

struct DashboardReport {
  // Every problem found, each naming the panel (or variable, or annotation) and the query.
  std::vector<std::string> problems;
  // What was asked (so a test can tell a dashboard checked from one skipped).
  int prometheus_queries = 0;
  int infinity_queries = 0;
  int variable_queries = 0;
};

DashboardReport CheckDashboard(const std::string& json_text, const DashboardContext& ctx);

}  // namespace emm::e2e
