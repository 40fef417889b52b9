#include "export/prometheus_text.h"

#include <gtest/gtest.h>

#include <clocale>
#include <limits>
#include <locale>
#include <sstream>
#include <string>
#include <vector>

namespace emm::exporting {
namespace {

using domain::SeriesKey;
using domain::SeriesState;

constexpr TimeMs kStart = 1714557600000;  // 2024-05-01T10:00:00Z

SeriesState Counter(std::string metric, std::string project, std::string team, uint64_t n) {
  SeriesState s = SeriesState::Empty(*domain::FindMetric(metric),
                                     SeriesKey{metric, project, team, "production"}, kStart);
  for (uint64_t i = 0; i < n; ++i) s.Fold(1, kStart + 1000);
  return s;
}

SeriesState Histogram(std::string metric, std::string project, std::vector<double> values) {
  SeriesState s = SeriesState::Empty(*domain::FindMetric(metric),
                                     SeriesKey{metric, project, "core", "production"}, kStart);
  for (double v : values) s.Fold(v, kStart + 1000);
  return s;
}

std::string Text(const std::vector<SeriesState>& series, const SelfMetrics::Snapshot& self = {}) {
  return RenderExposition(series, self, ExpositionFormat::kText004);
}
std::string OpenMetrics(const std::vector<SeriesState>& series,
                        const SelfMetrics::Snapshot& self = {}) {
  return RenderExposition(series, self, ExpositionFormat::kOpenMetrics);
}

// The lines of `body` that start with `prefix`.
std::vector<std::string> Lines(const std::string& body, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  }
  return out;
}

bool Contains(const std::string& body, const std::string& line) {
  return ("\n" + body).find("\n" + line + "\n") != std::string::npos;
}

TEST(FamilyNameTest, UnitSuffixAsPrometheusOtlpTranslation) {
  EXPECT_EQ(FamilyName(domain::kLeadTimeForChanges), "lead_time_for_changes_seconds");
  EXPECT_EQ(FamilyName(domain::kTimeToRestore), "time_to_restore_seconds");
  EXPECT_EQ(FamilyName(domain::kDeploymentFrequency), "deployment_frequency");  // {deployment}
  EXPECT_EQ(FamilyName(domain::kIncidentCount), "incident_count");              // {incident}
  domain::MetricDef already{"wait_seconds", domain::MetricKind::kHistogram, "s", ""};
  EXPECT_EQ(FamilyName(already), "wait_seconds");
}

TEST(FormatFloatTest, GoShortestGFormat) {
  EXPECT_EQ(FormatFloat(0), "0");
  EXPECT_EQ(FormatFloat(1), "1");
  EXPECT_EQ(FormatFloat(-2.5), "-2.5");
  EXPECT_EQ(FormatFloat(600), "600");
  EXPECT_EQ(FormatFloat(604800), "604800");
  EXPECT_EQ(FormatFloat(1209600), "1.2096e+06");
  EXPECT_EQ(FormatFloat(15724800), "1.57248e+07");
  EXPECT_EQ(FormatFloat(1e6), "1e+06");
  EXPECT_EQ(FormatFloat(999999.5), "999999.5");
  EXPECT_EQ(FormatFloat(0.0005), "0.0005");
  EXPECT_EQ(FormatFloat(0.00005), "5e-05");
  EXPECT_EQ(FormatFloat(0.1 + 0.2), "0.30000000000000004");  // round-trips
  EXPECT_EQ(FormatFloat(1714557600.25), "1.71455760025e+09");
  EXPECT_EQ(FormatFloat(1e300), "1e+300");
  EXPECT_EQ(FormatFloat(123.456), "123.456");
  EXPECT_EQ(FormatFloat(100000), "100000");
  EXPECT_EQ(FormatFloat(123456.7), "123456.7");
  EXPECT_EQ(FormatFloat(-0.0001234), "-0.0001234");
  EXPECT_EQ(FormatFloat(5e-324), "5e-324");
  EXPECT_EQ(FormatFloat(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(FormatFloat(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatFloat(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatFloat(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(FormatFloatTest, BoundsInCanonicalFloatForm) {
  EXPECT_EQ(FormatBound(60), "60.0");
  EXPECT_EQ(FormatBound(1), "1.0");
  EXPECT_EQ(FormatBound(0.0025), "0.0025");
  EXPECT_EQ(FormatBound(15724800), "1.57248e+07");
  EXPECT_EQ(FormatBound(std::numeric_limits<double>::infinity()), "+Inf");
}

// A decimal comma and digit grouping, as a German locale has (none may be installed).
struct CommaPunct : std::numpunct<char> {
  char do_decimal_point() const override { return ','; }
  char do_thousands_sep() const override { return '.'; }
  std::string do_grouping() const override { return "\3"; }
};

TEST(FormatFloatTest, IndependentOfTheGlobalLocale) {
  std::locale previous = std::locale::global(std::locale(std::locale::classic(), new CommaPunct));
  const char* c_locale = std::setlocale(LC_ALL, "de_DE.UTF-8");  // when installed
  SelfMetrics::Snapshot self;
  self.start_ms = 1714557600250;
  self.requests[{"GET", "/health", 200}] = 12345;
  std::string body = RenderExposition({Histogram("time_to_restore", "api", {2.5, 1234567})}, self,
                                      ExpositionFormat::kText004);
  if (c_locale != nullptr) std::setlocale(LC_ALL, "C");
  std::locale::global(previous);
  EXPECT_TRUE(Contains(body, "process_start_time_seconds 1.71455760025e+09")) << body;
  EXPECT_NE(body.find(R"(status="200"} 12345)"), std::string::npos);
  EXPECT_NE(body.find(R"(le="1.2096e+06")"), std::string::npos);
  EXPECT_NE(body.find(R"(environment="production"} 1.2345695e+06)"), std::string::npos);
}

TEST(RenderTextTest, CountersGetTotalAndHelpAndType) {
  std::string body = Text({Counter("deployment_frequency", "api", "core", 3)});
  EXPECT_TRUE(Contains(body, "# HELP deployment_frequency_total Deployments that reached deployed"))
      << body;
  EXPECT_TRUE(Contains(body, "# TYPE deployment_frequency_total counter")) << body;
  EXPECT_TRUE(Contains(
      body,
      R"(deployment_frequency_total{project_id="api",team_id="core",environment="production"} 3)"))
      << body;
  EXPECT_TRUE(Lines(body, "deployment_frequency_created").empty());  // OpenMetrics only
  EXPECT_TRUE(Lines(body, "# EOF").empty());
  EXPECT_EQ(body.back(), '\n');
}

// Each histogram is written with its own bounds: pull request sizes in lines, not seconds.
TEST(RenderTextTest, AHistogramUsesItsMetricsOwnBounds) {
  std::string body = Text({Histogram("pull_request_loc_added", "", {120, 5})});
  const std::string l = R"(team_id="core",environment="production")";
  EXPECT_TRUE(Contains(body, "pull_request_loc_added_bucket{" + l + R"(,le="10.0"} 1)")) << body;
  EXPECT_TRUE(Contains(body, "pull_request_loc_added_bucket{" + l + R"(,le="300.0"} 2)"));
  EXPECT_TRUE(Contains(body, "pull_request_loc_added_bucket{" + l + R"(,le="+Inf"} 2)"));
  EXPECT_FALSE(Contains(body, "pull_request_loc_added_bucket{" + l + R"(,le="60.0"})"));
  // No project: no project_id label (an empty value is left out).
  EXPECT_EQ(body.find("project_id"), std::string::npos) << body;
  // Durations keep theirs.
  std::string durations = Text({Histogram("pull_request_time_to_merge", "", {120})});
  EXPECT_TRUE(Contains(durations, "pull_request_time_to_merge_seconds_bucket{" + l +
                                      R"(,le="60.0"} 0)"))
      << durations;
}

// Ticket series carry ticket_type (the original's attribute), after the others; time per ticket
// is in seconds, estimate changes in points with their own bounds.
TEST(RenderTextTest, TicketSeriesCarryTheirTicketType) {
  SeriesState count = SeriesState::Empty(domain::kTicketCount, {"ticket_count", "web", "ENG", "",
                                                                "bug"}, kStart);
  count.Fold(1, kStart + 1000);
  SeriesState points = SeriesState::Empty(
      domain::kTicketEstimationChanged, {"ticket_estimation_changed", "web", "ENG", "", "bug"},
      kStart);
  points.Fold(2, kStart + 1000);
  SeriesState time = SeriesState::Empty(domain::kTimePerTicket,
                                        {"time_per_ticket", "web", "ENG", "", "bug"}, kStart);
  time.Fold(5400, kStart + 1000);
  std::string body = Text({count, points, time});
  const std::string l = R"(project_id="web",team_id="ENG",ticket_type="bug")";
  EXPECT_TRUE(Contains(body, "ticket_count_total{" + l + "} 1")) << body;
  EXPECT_TRUE(Contains(body, "ticket_estimation_changed_bucket{" + l + R"(,le="2.0"} 1)"))
      << body;
  EXPECT_TRUE(Contains(body, "time_per_ticket_seconds_bucket{" + l + R"(,le="7200.0"} 1)"))
      << body;
}

TEST(RenderTextTest, EmptyTeamLeavesTheLabelOut) {
  std::string body = Text({Counter("incident_count", "web", "", 2)});
  EXPECT_TRUE(
      Contains(body, R"(incident_count_total{project_id="web",environment="production"} 2)"))
      << body;
  EXPECT_EQ(body.find("team_id"), std::string::npos);
}

TEST(RenderTextTest, HistogramBucketsAreCumulativeWithInfEqualToCount) {
  // 30 s, 100 s, 250 s, 1000 s, and one beyond six months.
  std::string body =
      Text({Histogram("lead_time_for_changes", "api", {30, 100, 250, 1000, 20000000})});
  EXPECT_TRUE(Contains(body, "# TYPE lead_time_for_changes_seconds histogram")) << body;
  const std::string l = R"(project_id="api",team_id="core",environment="production")";
  EXPECT_TRUE(Contains(body, "lead_time_for_changes_seconds_bucket{" + l + R"(,le="60.0"} 1)"));
  EXPECT_TRUE(Contains(body, "lead_time_for_changes_seconds_bucket{" + l + R"(,le="300.0"} 3)"));
  EXPECT_TRUE(Contains(body, "lead_time_for_changes_seconds_bucket{" + l + R"(,le="600.0"} 3)"));
  EXPECT_TRUE(Contains(body, "lead_time_for_changes_seconds_bucket{" + l + R"(,le="1800.0"} 4)"));
  EXPECT_TRUE(
      Contains(body, "lead_time_for_changes_seconds_bucket{" + l + R"(,le="1.57248e+07"} 4)"));
  EXPECT_TRUE(Contains(body, "lead_time_for_changes_seconds_bucket{" + l + R"(,le="+Inf"} 5)"));
  EXPECT_TRUE(Contains(body, "lead_time_for_changes_seconds_sum{" + l + "} 2.000138e+07"));
  EXPECT_TRUE(Contains(body, "lead_time_for_changes_seconds_count{" + l + "} 5"));
  auto buckets = Lines(body, "lead_time_for_changes_seconds_bucket");
  ASSERT_EQ(buckets.size(), domain::DurationBucketBounds().size() + 1);
  uint64_t previous = 0;  // never decreasing, in increasing le order
  for (const std::string& line : buckets) {
    uint64_t v = std::stoull(line.substr(line.rfind(' ') + 1));
    EXPECT_GE(v, previous) << line;
    previous = v;
  }
  EXPECT_NE(buckets.back().find("le=\"+Inf\""), std::string::npos);
}

TEST(RenderTextTest, EscapesLabelValuesAndHelp) {
  std::string body = Text({Counter("deployment_started", "a\"b\\c\nd", "", 1)});
  EXPECT_TRUE(Contains(
      body, R"(deployment_started_total{project_id="a\"b\\c\nd",environment="production"} 1)"))
      << body;
  SelfMetrics::Snapshot self;
  self.requests[{"GET", "/x\"y", 200}] = 1;
  body = Text({}, self);
  EXPECT_NE(body.find(R"(route="/x\"y")"), std::string::npos) << body;
}

TEST(RenderTextTest, FamiliesGroupedSortedAndEachLabelSetOnce) {
  std::vector<SeriesState> series = {
      Counter("deployment_frequency", "web", "", 1), Counter("incident_count", "api", "", 1),
      Counter("deployment_frequency", "api", "core", 2),
      Counter("deployment_frequency", "api", "core", 2),  // the same label set twice
      Counter("incident_count", "api", "", 1)};
  series[4].key.metric = "no_such_metric_v9";  // e.g. written by a newer version
  std::string body = Text(series);
  auto samples = Lines(body, "deployment_frequency_total{");
  ASSERT_EQ(samples.size(), 2u) << body;
  EXPECT_NE(samples[0].find("project_id=\"api\""), std::string::npos);
  EXPECT_NE(samples[1].find("project_id=\"web\""), std::string::npos);
  EXPECT_LT(body.find("# HELP deployment_frequency_total"), body.find("# HELP incident_count"));
  EXPECT_EQ(Lines(body, "# TYPE deployment_frequency_total").size(), 1u);
  EXPECT_EQ(body.find("no_such_metric"), std::string::npos);
  EXPECT_EQ(body, Text({series[3], series[2], series[1], series[0]}));  // order-independent
}

TEST(RenderTextTest, MetricsWithoutSeriesAreLeftOut) {
  std::string body = Text({});
  EXPECT_EQ(body.find("deployment_frequency"), std::string::npos);
  EXPECT_EQ(body.find("lead_time"), std::string::npos);
}

TEST(RenderTextTest, SelfSeries) {
  SelfMetrics m(kStart);
  m.RecordRequest("POST", "/api/v1/deployments", 201, 0.002);
  m.RecordRequest("POST", "/api/v1/deployments", 201, 0.003);
  m.RecordRequest("GET", "(unmatched)", 404, 0.0001);
  std::string body = Text({}, m.Get());
  EXPECT_TRUE(Contains(body, "# TYPE em_metrics_http_requests_total counter")) << body;
  EXPECT_TRUE(
      Contains(body, R"(em_metrics_http_requests_total{method="POST",route="/api/v1/deployments",)"
                     R"(status="201"} 2)"));
  EXPECT_TRUE(Contains(
      body,
      R"x(em_metrics_http_requests_total{method="GET",route="(unmatched)",status="404"} 1)x"));
  EXPECT_TRUE(Contains(body, "# TYPE em_metrics_http_request_duration_seconds histogram"));
  const std::string l = R"(method="POST",route="/api/v1/deployments")";
  EXPECT_TRUE(
      Contains(body, "em_metrics_http_request_duration_seconds_bucket{" + l + R"(,le="0.001"} 0)"));
  EXPECT_TRUE(
      Contains(body, "em_metrics_http_request_duration_seconds_bucket{" + l + R"(,le="0.005"} 2)"));
  EXPECT_TRUE(
      Contains(body, "em_metrics_http_request_duration_seconds_bucket{" + l + R"(,le="10.0"} 2)"));
  EXPECT_TRUE(
      Contains(body, "em_metrics_http_request_duration_seconds_bucket{" + l + R"(,le="+Inf"} 2)"));
  EXPECT_TRUE(Contains(body, "em_metrics_http_request_duration_seconds_count{" + l + "} 2"));
  EXPECT_TRUE(Contains(body, "em_metrics_exporter_enabled 0"));
  EXPECT_TRUE(Contains(body, "em_metrics_export_leader 0"));
  EXPECT_TRUE(Contains(body, "em_metrics_export_points_total 0"));
  EXPECT_TRUE(Contains(body, "em_metrics_export_rejected_points_total 0"));
  EXPECT_TRUE(Contains(body, "process_start_time_seconds 1.7145576e+09"));
  // No export has succeeded or failed yet.
  EXPECT_EQ(body.find("em_metrics_export_last_success_timestamp_seconds"), std::string::npos);
  EXPECT_EQ(body.find("em_metrics_export_failures_total"), std::string::npos);

  m.SetExporterEnabled(true);
  m.SetExportLeader(true);
  m.RecordExportSuccess(kStart + 60500, 7);
  m.RecordExportFailure("retryable");
  m.RecordRejectedPoints(2);
  body = Text({}, m.Get());
  EXPECT_TRUE(Contains(body, "em_metrics_exporter_enabled 1")) << body;
  EXPECT_TRUE(Contains(body, "# TYPE em_metrics_export_leader gauge"));
  EXPECT_TRUE(Contains(body, "em_metrics_export_leader 1"));
  EXPECT_TRUE(Contains(body, "# TYPE em_metrics_export_last_success_timestamp_seconds gauge"));
  EXPECT_TRUE(Contains(body, "em_metrics_export_last_success_timestamp_seconds 1.7145576605e+09"));
  EXPECT_TRUE(Contains(body, "em_metrics_export_points_total 7"));
  EXPECT_TRUE(Contains(body, "em_metrics_export_rejected_points_total 2"));
  EXPECT_TRUE(Contains(body, R"(em_metrics_export_failures_total{reason="retryable"} 1)"));

  // Events stored with times out of order: absent until one is, then counted by kind and field.
  EXPECT_EQ(body.find("em_metrics_inconsistent_events"), std::string::npos);
  m.RecordInconsistentEvent("deployment", "deployed_at");
  m.RecordInconsistentEvent("deployment", "deployed_at");
  m.RecordInconsistentEvent("incident", "restored_at");
  body = Text({}, m.Get());
  EXPECT_TRUE(Contains(body, "# TYPE em_metrics_inconsistent_events_total counter")) << body;
  EXPECT_TRUE(Contains(
      body, R"(em_metrics_inconsistent_events_total{field="deployed_at",kind="deployment"} 2)"));
  EXPECT_TRUE(Contains(
      body, R"(em_metrics_inconsistent_events_total{field="restored_at",kind="incident"} 1)"));
}

// The group commit's counters: present only with a database, seconds as counters with a unit.
TEST(RenderSelfTest, WritePathCounters) {
  SelfMetrics m(kStart);
  EXPECT_EQ(Text({}, m.Get()).find("em_metrics_write_"), std::string::npos);
  m.SetWritePathSource([] {
    SelfMetrics::WritePath p;
    p.batches = 3;
    p.items = 7;
    p.syncs = 2;
    p.queued_seconds = 0.25;
    p.batch_seconds = 0.5;
    p.sync_wait_seconds = 0.125;
    p.sync_seconds = 1.5;
    return p;
  });
  std::string body = Text({}, m.Get());
  EXPECT_TRUE(Contains(body, "# TYPE em_metrics_write_batches_total counter")) << body;
  EXPECT_TRUE(Contains(body, "em_metrics_write_batches_total 3"));
  EXPECT_TRUE(Contains(body, "em_metrics_write_items_total 7"));
  EXPECT_TRUE(Contains(body, "em_metrics_write_syncs_total 2"));
  EXPECT_TRUE(Contains(body, "em_metrics_write_queued_seconds_total 0.25"));
  EXPECT_TRUE(Contains(body, "em_metrics_write_batch_seconds_total 0.5"));
  EXPECT_TRUE(Contains(body, "em_metrics_write_sync_wait_seconds_total 0.125"));
  EXPECT_TRUE(Contains(body, "em_metrics_write_sync_seconds_total 1.5"));
  body = OpenMetrics({}, m.Get());
  EXPECT_TRUE(Contains(body, "# UNIT em_metrics_write_sync_seconds seconds")) << body;
  EXPECT_TRUE(Contains(body, "em_metrics_write_sync_seconds_total 1.5"));
  EXPECT_TRUE(Contains(body, "em_metrics_write_items_created 1.7145576e+09"));
  m.SetWritePathSource(nullptr);
  EXPECT_EQ(Text({}, m.Get()).find("em_metrics_write_"), std::string::npos);
}

TEST(RenderOpenMetricsTest, CounterFamilyWithoutTotalAndCreated) {
  std::string body = OpenMetrics({Counter("deployment_frequency", "api", "", 3)});
  EXPECT_TRUE(Contains(body, "# TYPE deployment_frequency counter")) << body;
  EXPECT_TRUE(Contains(body, "# HELP deployment_frequency Deployments that reached deployed"));
  const std::string l = R"({project_id="api",environment="production"})";
  EXPECT_TRUE(Contains(body, "deployment_frequency_total" + l + " 3"));
  EXPECT_TRUE(Contains(body, "deployment_frequency_created" + l + " 1.7145576e+09"));
  EXPECT_TRUE(Lines(body, "# TYPE deployment_frequency_total").empty());
}

TEST(RenderOpenMetricsTest, HistogramMetadataOrderUnitAndEof) {
  std::string body = OpenMetrics({Histogram("time_to_restore", "api", {1800})});
  std::string type = "# TYPE time_to_restore_seconds histogram\n";
  std::string unit = "# UNIT time_to_restore_seconds seconds\n";
  std::string help = "# HELP time_to_restore_seconds restored_at - started_at\n";
  EXPECT_NE(body.find(type + unit + help), std::string::npos) << body;
  const std::string l = R"(project_id="api",team_id="core",environment="production")";
  EXPECT_TRUE(Contains(body, "time_to_restore_seconds_bucket{" + l + R"(,le="1800.0"} 1)"));
  EXPECT_TRUE(Contains(body, "time_to_restore_seconds_created{" + l + "} 1.7145576e+09"));
  ASSERT_GE(body.size(), 6u);
  EXPECT_EQ(body.substr(body.size() - 6), "# EOF\n");
  EXPECT_EQ(body.find("# EOF"), body.size() - 6);  // once, at the end
}

TEST(RenderOpenMetricsTest, SelfCountersHaveCreatedAndEscapedLabels) {
  SelfMetrics::Snapshot self;
  self.start_ms = kStart;
  self.export_failures["a\"b"] = 1;
  std::string body = OpenMetrics({}, self);
  EXPECT_TRUE(Contains(body, "# TYPE em_metrics_export_failures counter")) << body;
  EXPECT_TRUE(Contains(body, R"(em_metrics_export_failures_total{reason="a\"b"} 1)")) << body;
  EXPECT_TRUE(Contains(body, R"(em_metrics_export_failures_created{reason="a\"b"} 1.7145576e+09)"));
  EXPECT_TRUE(Contains(body, "# UNIT process_start_time_seconds seconds"));
}

TEST(EscapeHelpTest, QuotesOnlyInOpenMetrics) {
  EXPECT_EQ(EscapeHelp("a \\ \"b\"\nc", ExpositionFormat::kText004), R"(a \\ "b"\nc)");
  EXPECT_EQ(EscapeHelp("a \\ \"b\"\nc", ExpositionFormat::kOpenMetrics), R"(a \\ \"b\"\nc)");
}

TEST(NegotiateFormatTest, PrometheusHeaders) {
  // Prometheus 2.42.
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;version=1.0.0,application/"
                            "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,"
                            "*/*;q=0.1"),
            ExpositionFormat::kOpenMetrics);
  // Prometheus 3.
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
                            "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;"
                            "version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;"
                            "q=0.2,*/*;q=0.1"),
            ExpositionFormat::kOpenMetrics);
}

TEST(NegotiateFormatTest, TextUnlessOpenMetricsIsPreferred) {
  EXPECT_EQ(NegotiateFormat(""), ExpositionFormat::kText004);
  EXPECT_EQ(NegotiateFormat("*/*"), ExpositionFormat::kText004);
  EXPECT_EQ(NegotiateFormat("text/plain"), ExpositionFormat::kText004);
  EXPECT_EQ(NegotiateFormat("application/json"), ExpositionFormat::kText004);
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text"), ExpositionFormat::kOpenMetrics);
  EXPECT_EQ(NegotiateFormat(" Application/OpenMetrics-Text ; Version=1.0.0"),
            ExpositionFormat::kOpenMetrics);
  // q-values decide; on a tie the range listed first wins.
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;q=0.3,text/plain;q=0.5"),
            ExpositionFormat::kText004);
  EXPECT_EQ(NegotiateFormat("text/plain;q=0.5,application/openmetrics-text;q=0.6"),
            ExpositionFormat::kOpenMetrics);
  EXPECT_EQ(NegotiateFormat("text/plain,application/openmetrics-text"), ExpositionFormat::kText004);
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text,text/plain"),
            ExpositionFormat::kOpenMetrics);
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;q=0,*/*"), ExpositionFormat::kText004);
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;q=0"), ExpositionFormat::kText004);
  // A version we do not speak.
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;version=2.0.0"),
            ExpositionFormat::kText004);
}

TEST(ContentTypeTest, ExactStrings) {
  EXPECT_EQ(ContentType(ExpositionFormat::kText004), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(ContentType(ExpositionFormat::kOpenMetrics),
            "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

}  // namespace
}  // namespace emm::exporting
