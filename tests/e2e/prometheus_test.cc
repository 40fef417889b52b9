// GET /metrics on the real binary, judged by Debian's Prometheus: promtool lints the exposition,
// and a real Prometheus scrapes the server and answers PromQL with what we work out by hand from
// a known set of events. `make test` installs the prometheus package; without it these tests fail.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "e2e/http_client.h"
#include "e2e/peer_process.h"
#include "e2e/prometheus_harness.h"
#include "e2e/server_process.h"
#include "testing/gunzip.h"

namespace emm::e2e {
namespace {

namespace json = boost::json;

constexpr const char* kToken = "scrape-secret";
constexpr const char* kAuth = "Token scrape-secret";
constexpr const char* kTeams = R"({"teams": {"core": {"projects": ["api"]}}})";
// The labels of project api's series.
const std::string kApi = R"(project_id="api",team_id="core",environment="production")";
constexpr const char* kText004 = "text/plain; version=0.0.4; charset=utf-8";
constexpr const char* kOpenMetrics = "application/openmetrics-text; version=1.0.0; charset=utf-8";
// What Prometheus 2.42 sends.
constexpr const char* kPrometheusAccept =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

// "2024-05-01T<hh:mm:ss>Z" for a second of that day.
std::string At(int second_of_day) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "2024-05-01T%02d:%02d:%02dZ", second_of_day / 3600,
                second_of_day / 60 % 60, second_of_day % 60);
  return buf;
}

// The known events. Lead times (deployed_at - first_commit_at), all in production:
//   api (team core): 30 s, 100 s, 250 s, 1000 s      web (no team): 500 s
// Cumulative lead-time buckets over both projects: le=60: 1, le=300: 3, le=600: 4, le=900: 4,
// le=1800: 5 ... +Inf: 5. Every deployment took 20 s. One incident on api's last deployment,
// detected 600 s after it and restored 2700 s after it started.
void PostKnownEvents(const HttpClient& c) {
  struct Deployment {
    const char* id;
    const char* project;
    int lead_s;
  };
  const Deployment deployments[] = {{"d1", "api", 30},
                                    {"d2", "api", 100},
                                    {"d3", "api", 250},
                                    {"d4", "api", 1000},
                                    {"w1", "web", 500}};
  int hour = 11;
  for (const Deployment& d : deployments) {
    int deployed = hour++ * 3600;
    json::object body{{"id", d.id},
                      {"project_id", d.project},
                      {"environment", "production"},
                      {"first_commit_at", At(deployed - d.lead_s)},
                      {"deploy_start_at", At(deployed - 20)},
                      {"deployed_at", At(deployed)}};
    ASSERT_EQ(
        c.Post("/api/v1/deployments", json::serialize(body), {{"Authorization", kAuth}}).status,
        201)
        << d.id;
  }
  json::object incident{{"project_id", "api"},
                        {"deployment_id", "d4"},
                        {"started_at", At(14 * 3600 + 600)},
                        {"restored_at", At(14 * 3600 + 600 + 2700)}};
  ASSERT_EQ(
      c.Post("/api/v1/incidents", json::serialize(incident), {{"Authorization", kAuth}}).status,
      201);
}

class MetricsEndpointTest : public ::testing::Test {
 protected:
  void Start(Env env = {}, std::vector<std::string> args = {}) {
    dir_.Write("teams.json", kTeams);
    env.try_emplace("CONFIG", "teams.json");
    env.try_emplace("EM_METRICS_NO_AUTH", "");
    env.try_emplace("EM_METRICS_TOKEN_AUTH", kToken);
    server_ = ServerProcess::Start(dir_.path(), env, std::move(args));
    ASSERT_NE(server_, nullptr);
    client_ = std::make_unique<HttpClient>(server_->port());
  }
  HttpResponse Scrape(const Headers& headers = {{"Authorization", kAuth}}) {
    return client_->Get("/metrics", headers);
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(MetricsEndpointTest, NeedsCredentialsLikeTheApi) {
  Start();
  EXPECT_EQ(Scrape({}).status, 401);
  EXPECT_EQ(Scrape({{"Authorization", "Token wrong"}}).status, 403);
  auto ok = Scrape();
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.Header("content-type"), kText004);
}

// Prometheus sends Accept-Encoding: gzip; the exposition is then gzipped, and says so.
TEST_F(MetricsEndpointTest, GzipWhenTheScraperAcceptsIt) {
  Start();
  PostKnownEvents(*client_);
  auto plain = Scrape();
  ASSERT_EQ(plain.status, 200);
  EXPECT_EQ(plain.Header("content-encoding"), "");
  EXPECT_NE(plain.Header("vary").find("Accept-Encoding"), std::string::npos);
  auto zipped = Scrape({{"Authorization", kAuth}, {"Accept-Encoding", "gzip, deflate"}});
  ASSERT_EQ(zipped.status, 200);
  EXPECT_EQ(zipped.Header("content-encoding"), "gzip");
  EXPECT_EQ(zipped.Header("content-type"), kText004);
  const std::string body = testing_util::Gunzip(zipped.body);
  ASSERT_FALSE(body.empty()) << "not a gzip body";
  EXPECT_LT(zipped.body.size(), body.size());
  // The DORA series are the same either way (the self series move with every request).
  auto dora = [](const std::string& text) {
    std::string out;
    size_t at = 0;
    while (at < text.size()) {
      size_t end = text.find('\n', at);
      if (end == std::string::npos) end = text.size();
      std::string line = text.substr(at, end - at);
      if (line.rfind("deployment_", 0) == 0 || line.rfind("lead_time", 0) == 0) out += line + "\n";
      at = end + 1;
    }
    return out;
  };
  EXPECT_FALSE(dora(plain.body).empty());
  EXPECT_EQ(dora(body), dora(plain.body));
  // gzip refused (q=0) or not offered: identity.
  auto refused = Scrape({{"Authorization", kAuth}, {"Accept-Encoding", "gzip;q=0, identity"}});
  EXPECT_EQ(refused.Header("content-encoding"), "");
  EXPECT_EQ(dora(refused.body), dora(plain.body));
}

TEST_F(MetricsEndpointTest, ScrapeNoAuthOpensOnlyMetrics) {
  Start({{"EM_METRICS_SCRAPE_NO_AUTH", "true"}});
  EXPECT_EQ(Scrape({}).status, 200);
  EXPECT_EQ(client_->Get("/api/v1/health").status, 401);
  EXPECT_EQ(client_->Get("/api/v1/deployments").status, 401);
}

TEST_F(MetricsEndpointTest, ScrapeNoAuthFlag) {
  Start({}, {"--scrape-no-auth"});
  EXPECT_EQ(Scrape({}).status, 200);
  EXPECT_EQ(client_->Get("/api/v1/health").status, 401);
}

TEST_F(MetricsEndpointTest, NegotiatesOpenMetrics) {
  Start();
  PostKnownEvents(*client_);
  auto om = Scrape({{"Authorization", kAuth}, {"Accept", kPrometheusAccept}});
  EXPECT_EQ(om.status, 200);
  EXPECT_EQ(om.Header("content-type"), kOpenMetrics);
  ASSERT_GE(om.body.size(), 6u);
  EXPECT_EQ(om.body.substr(om.body.size() - 6), "# EOF\n");
  EXPECT_NE(om.body.find("# TYPE deployment_frequency counter\n"), std::string::npos);
  EXPECT_NE(om.body.find("deployment_frequency_total{" + kApi + "} 4\n"), std::string::npos)
      << om.body;
  auto text = Scrape({{"Authorization", kAuth}, {"Accept", "text/plain"}});
  EXPECT_EQ(text.Header("content-type"), kText004);
  EXPECT_EQ(text.body.find("# EOF"), std::string::npos);
  EXPECT_NE(text.body.find("# TYPE deployment_frequency_total counter\n"), std::string::npos);
}

TEST_F(MetricsEndpointTest, SeriesSurviveARestart) {
  Start();
  PostKnownEvents(*client_);
  const std::string line = "lead_time_for_changes_seconds_count{" + kApi + "} 4\n";
  ASSERT_NE(Scrape().body.find(line), std::string::npos);
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->WaitExit(std::chrono::seconds(10)), 0);
  Start();  // same directory, same database
  auto after = Scrape();
  EXPECT_NE(after.body.find(line), std::string::npos) << after.body;
  // The self series start over with the process.
  EXPECT_EQ(after.body.find(R"(route="/api/v1/deployments")"), std::string::npos);
}

TEST_F(MetricsEndpointTest, SelfSeriesCountAnsweredRequests) {
  Start();
  PostKnownEvents(*client_);
  client_->Get("/no/such/route/42");
  auto body = Scrape().body;
  EXPECT_NE(body.find(R"(em_metrics_http_requests_total{method="POST",route="/api/v1/deployments",)"
                      R"(status="201"} 5)"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(R"(em_metrics_http_requests_total{method="POST",route="/api/v1/incidents",)"
                      R"(status="201"} 1)"),
            std::string::npos);
  EXPECT_NE(
      body.find(
          R"x(em_metrics_http_requests_total{method="GET",route="(unmatched)",status="404"} 1)x"),
      std::string::npos);
  EXPECT_EQ(body.find("/no/such/route"), std::string::npos);  // paths never become labels
  EXPECT_NE(body.find(R"(em_metrics_http_request_duration_seconds_count{method="POST",)"
                      R"(route="/api/v1/deployments"} 5)"),
            std::string::npos);
  EXPECT_NE(body.find("em_metrics_exporter_enabled 0\n"), std::string::npos);
  // The group commit's counters: every write went through it, and was synced.
  auto counter = [&body](const std::string& name) {
    size_t at = body.find("\n" + name + " ");
    return at == std::string::npos ? -1.0 : std::stod(body.substr(at + name.size() + 2));
  };
  EXPECT_GE(counter("em_metrics_write_items_total"), 6) << body;
  EXPECT_GE(counter("em_metrics_write_batches_total"), 1);
  EXPECT_LE(counter("em_metrics_write_batches_total"), counter("em_metrics_write_items_total"));
  EXPECT_GE(counter("em_metrics_write_syncs_total"), 1);
  EXPECT_GT(counter("em_metrics_write_sync_seconds_total"), 0);
}

TEST_F(MetricsEndpointTest, PromtoolFindsNothing) {
  std::string promtool = RequireTool("promtool");
  ASSERT_FALSE(promtool.empty());
  Start();
  PostKnownEvents(*client_);
  client_->Get("/nope");
  auto text = Scrape();
  ASSERT_EQ(text.status, 200);
  auto lint = RunProgram(dir_.path(), {promtool, "check", "metrics"}, text.body);
  EXPECT_EQ(lint.exit_code, 0) << lint.output << "\n--- the exposition:\n" << text.body;
  EXPECT_EQ(lint.output, "");
  // promtool (2.42) parses only the 0.0.4 format: OpenMetrics' counter families (`# TYPE x
  // counter` over `x_total` samples) read to it as untyped series without HELP, so the
  // OpenMetrics body is checked by Prometheus' own scrape below instead.
}

class PrometheusScrapeTest : public MetricsEndpointTest {
 protected:
  static std::string Job(const std::string& name, uint16_t port, const std::string& extra = "") {
    return PrometheusHarness::Job(name, port, extra);
  }
  void StartPrometheus(const std::vector<std::string>& jobs) { prometheus_.Start(dir_, jobs); }
  std::optional<double> Query(const std::string& promql) { return prometheus_.Query(promql); }

  PrometheusHarness prometheus_;
};

TEST_F(PrometheusScrapeTest, QueriesReturnTheKnownCountsAndQuantiles) {
  Start({{"EM_METRICS_SCRAPE_NO_AUTH", "true"}});
  PostKnownEvents(*client_);
  // A second server that keeps /metrics behind its token: scraped with and without it.
  TempDir closed_dir;
  auto closed = ServerProcess::Start(
      closed_dir.path(), {{"EM_METRICS_NO_AUTH", ""}, {"EM_METRICS_TOKEN_AUTH", kToken}});
  ASSERT_NE(closed, nullptr);
  dir_.Write("token", kToken);
  StartPrometheus({Job("em-metrics", server_->port()),
                   Job("with-token", closed->port(),
                       "    authorization:\n      type: Token\n      credentials_file: " +
                           dir_.File("token") + "\n"),
                   Job("without-token", closed->port())});
  if (HasFatalFailure()) return;
  EXPECT_EQ(Query(R"(up{job="em-metrics"})"), 1.0) << prometheus_.Log();
  EXPECT_EQ(Query(R"(up{job="with-token"})"), 1.0);
  EXPECT_EQ(Query(R"(up{job="without-token"})"), 0.0);  // answered 401

  EXPECT_EQ(Query("deployment_frequency_total{" + kApi + "}"), 4.0);
  EXPECT_EQ(Query(R"(deployment_frequency_total{project_id="web",team_id=""})"), 1.0);
  EXPECT_EQ(Query("sum(deployment_frequency_total)"), 5.0);
  EXPECT_EQ(Query("sum(lead_time_for_changes_seconds_count)"), 5.0);
  EXPECT_EQ(Query("sum(lead_time_for_changes_seconds_sum)"), 1880.0);
  // Rank 0.5 * 5 = 2.5 falls in (60, 300] holding observations 2 and 3:
  // 60 + (300 - 60) * (2.5 - 1) / 2 = 240.
  EXPECT_EQ(Query("histogram_quantile(0.5, sum by (le) (lead_time_for_changes_seconds_bucket))"),
            240.0);
  // Rank 4.5 falls in (900, 1800] holding observation 5: 900 + 900 * (4.5 - 4) / 1 = 1350.
  EXPECT_EQ(Query("histogram_quantile(0.9, sum by (le) (lead_time_for_changes_seconds_bucket))"),
            1350.0);
  EXPECT_EQ(Query(R"(lead_time_for_changes_seconds_bucket{project_id="web",le="600.0"})"), 1.0);
  EXPECT_EQ(Query(R"(lead_time_for_changes_seconds_bucket{project_id="web",le="300.0"})"), 0.0);
  EXPECT_EQ(Query("sum(deployment_duration_seconds_sum)"), 100.0);
  EXPECT_EQ(Query(R"(incident_count_total{project_id="api"})"), 1.0);
  EXPECT_EQ(Query(R"(change_failure_count_total{project_id="api"})"), 1.0);
  EXPECT_EQ(Query("time_to_restore_seconds_sum"), 2700.0);
  EXPECT_EQ(Query("time_to_detect_seconds_sum"), 600.0);
  // Prometheus 2.x asks for OpenMetrics first and keeps its `_created` samples as series: this
  // one exists only if the scrape was negotiated to, and parsed as, OpenMetrics.
  EXPECT_TRUE(Query(R"(deployment_frequency_created{project_id="web"})").has_value())
      << "the scrape did not use OpenMetrics";
  // The service's own series, scraped too.
  EXPECT_EQ(Query(R"(em_metrics_http_requests_total{route="/api/v1/deployments",status="201"})"),
            5.0);
  EXPECT_EQ(Query(R"(em_metrics_exporter_enabled{job="em-metrics"})"), 0.0);
}

}  // namespace
}  // namespace emm::e2e
