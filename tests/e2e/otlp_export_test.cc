// The OTLP push against a real receiver: tests/interop/otlp/sink.js decodes every body with the
// reference OpenTelemetry decoder from npm (@opentelemetry/otlp-transformer), so these tests check
// what a collector would read, not what our own encoder thinks it wrote.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "e2e/backend.h"
#include "e2e/http_client.h"
#include "e2e/otlp_sink.h"
#include "e2e/peer_process.h"
#include "e2e/server_process.h"

namespace emm::e2e {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

constexpr const char* kTeams = R"({"teams": {"alpha": {"projects": ["p"]}}})";

std::string Str(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

// Attributes as a map (string values only, which is all em-metrics sends).
std::map<std::string, std::string> Attrs(const json::value& list) {
  std::map<std::string, std::string> out;
  if (!list.is_array()) return out;
  for (const auto& kv : list.as_array()) {
    const auto& v = kv.at("value").as_object();
    out[Str(kv.at("key"))] =
        v.contains("stringValue") ? Str(v.at("stringValue")) : "(not a string)";
  }
  return out;
}

struct Metric {
  json::object def;                  // the Metric, points included
  std::vector<json::object> points;  // its data points
};

// Every metric of a decoded request, by name.
std::map<std::string, Metric> Metrics(const json::value& request) {
  std::map<std::string, Metric> out;
  if (!request.is_object()) return out;
  for (const auto& rm : request.at("resourceMetrics").as_array()) {
    for (const auto& sm : rm.at("scopeMetrics").as_array()) {
      for (const auto& m : sm.at("metrics").as_array()) {
        Metric& e = out[Str(m.at("name"))];
        e.def = m.as_object();
        const char* kind = m.as_object().contains("sum") ? "sum" : "histogram";
        for (const auto& p : m.at(kind).at("dataPoints").as_array())
          e.points.push_back(p.as_object());
      }
    }
  }
  return out;
}

// The data point of `metric` whose project_id is `project`, or null.
const json::object* PointOf(const std::map<std::string, Metric>& metrics, const std::string& metric,
                            const std::string& project) {
  auto it = metrics.find(metric);
  if (it == metrics.end()) return nullptr;
  for (const auto& p : it->second.points) {
    if (Attrs(p.at("attributes"))["project_id"] == project) return &p;
  }
  return nullptr;
}

// Accepted (200) records of the sink.
std::vector<json::object> Accepted(OtlpSink& sink) {
  std::vector<json::object> out;
  for (const auto& r : sink.Received()) {
    if (r.at("status").to_number<int>() == 200) out.push_back(r.as_object());
  }
  return out;
}

// Waits until an accepted request has `metric` for `project` with counter value / histogram
// count `want`; returns that request's metrics.
std::map<std::string, Metric> WaitForCount(OtlpSink& sink, const std::string& metric,
                                           const std::string& project, const std::string& want,
                                           milliseconds timeout = milliseconds(15000)) {
  auto until = std::chrono::steady_clock::now() + timeout;
  std::string last = "(none)";
  while (std::chrono::steady_clock::now() < until) {
    auto accepted = Accepted(sink);
    for (auto it = accepted.rbegin(); it != accepted.rend(); ++it) {
      auto metrics = Metrics(it->at("request"));
      if (const json::object* p = PointOf(metrics, metric, project)) {
        last = Str(p->contains("asInt") ? p->at("asInt") : p->at("count"));
        if (last == want) return metrics;
        break;
      }
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  ADD_FAILURE() << metric << "{project_id=" << project << "} never reached " << want
                << " (last: " << last << ")";
  return {};
}

std::string Deployment(const std::string& id, const std::string& project,
                       const std::string& first_commit_at = "2024-05-01T10:00:00Z") {
  return R"({"id":")" + id + R"(","project_id":")" + project + R"(","first_commit_at":")" +
         first_commit_at + R"(","deploy_start_at":")" + first_commit_at + R"("})";
}

class OtlpExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    sink_ = OtlpSink::Start(&error);
    ASSERT_NE(sink_, nullptr) << error;
    dir_.Write("teams.json", kTeams);
  }

  // The server, pushing to the sink every 100 ms.
  std::unique_ptr<ServerProcess> StartServer(Env extra = {}) {
    Env env = {{"CONFIG", "teams.json"},
               {"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", sink_->url()},
               {"OTEL_METRIC_EXPORT_INTERVAL", "100"},
               {"OTEL_METRIC_EXPORT_TIMEOUT", "300"},
               {"DEPLOYMENT_ENVIRONMENT", "production"}};
    for (auto& [k, v] : extra) env[k] = v;
    return ServerProcess::Start(dir_.path(), env);
  }

  void Deploy(HttpClient& c, const std::string& id, const std::string& project,
              const std::string& first_commit_at, const std::string& deployed_at) {
    ASSERT_EQ(c.Post("/api/v1/deployments", Deployment(id, project, first_commit_at)).status, 201);
    ASSERT_EQ(c.Post("/api/v1/deployments/" + id + "/deployed",
                     R"({"create_if_not_exists":false,"deployed_at":")" + deployed_at + R"("})")
                  .status,
              200);
  }

  TempDir dir_;
  std::unique_ptr<OtlpSink> sink_;
};

TEST_F(OtlpExportTest, TheReferenceDecoderReadsNamesTypesValuesAttributesAndBuckets) {
  auto server =
      StartServer({{"OTEL_SERVICE_NAME", "dora"},
                   {"OTEL_RESOURCE_ATTRIBUTES", "region=eu%2Cwest,service.namespace=eng"}});
  ASSERT_NE(server, nullptr);
  HttpClient c(server->port());
  // Lead times 90 s and 2 days; a deployment without a team; an incident restored in 30 min.
  Deploy(c, "d1", "p", "2024-05-01T10:00:00Z", "2024-05-01T10:01:30Z");
  Deploy(c, "d2", "p", "2024-05-01T10:00:00Z", "2024-05-03T10:00:00Z");
  Deploy(c, "d3", "q", "2024-05-01T10:00:00Z", "2024-05-01T10:10:00Z");
  ASSERT_EQ(c.Post("/api/v1/incidents",
                   R"({"id":"i1","project_id":"p","deployment_id":"d2",)"
                   R"("started_at":"2024-05-03T11:00:00Z","restored_at":"2024-05-03T11:30:00Z"})")
                .status,
            201);

  auto metrics = WaitForCount(*sink_, "time_to_restore", "p", "1");
  ASSERT_FALSE(metrics.empty());
  auto accepted = Accepted(*sink_);
  const json::object& record = accepted.back();
  EXPECT_EQ(Str(record.at("contentType")), "application/x-protobuf");
  EXPECT_EQ(Str(record.at("userAgent")).rfind("em-metrics/", 0), 0u);

  // Resource and scope.
  const auto& rm = record.at("request").at("resourceMetrics").at(0);
  auto resource = Attrs(rm.at("resource").at("attributes"));
  EXPECT_EQ(resource["service.name"], "dora");
  EXPECT_EQ(resource["service.instance.id"].size(), 36u);
  EXPECT_EQ(resource["environment"], "production");
  EXPECT_EQ(resource["deployment.environment.name"], "production");
  EXPECT_EQ(resource["region"], "eu,west");
  EXPECT_EQ(resource["service.namespace"], "eng");
  EXPECT_EQ(Str(rm.at("scopeMetrics").at(0).at("scope").at("name")), "em-metrics");

  // Counters: monotonic cumulative sums with integer points.
  const auto& freq = metrics.at("deployment_frequency").def;
  EXPECT_EQ(Str(freq.at("unit")), "{deployment}");
  EXPECT_EQ(freq.at("sum").at("aggregationTemporality").to_number<int>(), 2);
  EXPECT_TRUE(freq.at("sum").at("isMonotonic").as_bool());
  const json::object* fp = PointOf(metrics, "deployment_frequency", "p");
  ASSERT_NE(fp, nullptr);
  EXPECT_EQ(Str(fp->at("asInt")), "2");
  auto fattrs = Attrs(fp->at("attributes"));
  EXPECT_EQ(fattrs, (std::map<std::string, std::string>{
                        {"project_id", "p"}, {"team_id", "alpha"}, {"environment", "production"}}));
  // No team resolves for q: the attribute is left out, not sent empty.
  const json::object* fq = PointOf(metrics, "deployment_frequency", "q");
  ASSERT_NE(fq, nullptr);
  EXPECT_EQ(Attrs(fq->at("attributes")).count("team_id"), 0u);
  EXPECT_EQ(Str(PointOf(metrics, "deployment_started", "p")->at("asInt")), "2");
  EXPECT_EQ(Str(PointOf(metrics, "incident_count", "p")->at("asInt")), "1");
  EXPECT_EQ(Str(PointOf(metrics, "change_failure_count", "p")->at("asInt")), "1");
  // Start times: the series' persisted start, before the export time.
  EXPECT_LT(std::stoull(Str(fp->at("startTimeUnixNano"))),
            std::stoull(Str(fp->at("timeUnixNano"))));

  // Histograms: seconds, bounds one minute to six months, per-bucket counts.
  const auto& lt = metrics.at("lead_time_for_changes").def;
  EXPECT_EQ(Str(lt.at("unit")), "s");
  EXPECT_EQ(lt.at("histogram").at("aggregationTemporality").to_number<int>(), 2);
  const json::object* lp = PointOf(metrics, "lead_time_for_changes", "p");
  ASSERT_NE(lp, nullptr);
  const auto& bounds = lp->at("explicitBounds").as_array();
  ASSERT_EQ(bounds.size(), 20u);
  EXPECT_EQ(bounds.front().to_number<double>(), 60);
  EXPECT_EQ(bounds.back().to_number<double>(), 182 * 86400);
  const auto& buckets = lp->at("bucketCounts").as_array();
  ASSERT_EQ(buckets.size(), 21u);
  // 90 s is in (60, 300] (bucket 1); 2 days = 172800 s is exactly the bound of bucket 11.
  for (size_t i = 0; i < buckets.size(); ++i) {
    EXPECT_EQ(Str(buckets[i]), (i == 1 || i == 11) ? "1" : "0") << "bucket " << i;
  }
  EXPECT_EQ(Str(lp->at("count")), "2");
  EXPECT_DOUBLE_EQ(lp->at("sum").to_number<double>(), 90 + 172800);
  EXPECT_DOUBLE_EQ(lp->at("min").to_number<double>(), 90);
  EXPECT_DOUBLE_EQ(lp->at("max").to_number<double>(), 172800);
  const json::object* ttr = PointOf(metrics, "time_to_restore", "p");
  ASSERT_NE(ttr, nullptr);
  EXPECT_DOUBLE_EQ(ttr->at("sum").to_number<double>(), 1800);
  // Detection: incident start - deployment time = 1 h.
  const json::object* ttd = PointOf(metrics, "time_to_detect", "p");
  ASSERT_NE(ttd, nullptr);
  EXPECT_DOUBLE_EQ(ttd->at("sum").to_number<double>(), 3600);
}

TEST_F(OtlpExportTest, JsonGzipAndHeaders) {
  auto server =
      StartServer({{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"},
                   {"OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"},
                   {"OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20s3cret,X-Tenant=t1"}});
  ASSERT_NE(server, nullptr);
  HttpClient c(server->port());
  Deploy(c, "d1", "p", "2024-05-01T10:00:00Z", "2024-05-01T10:05:00Z");
  auto metrics = WaitForCount(*sink_, "deployment_frequency", "p", "1");
  ASSERT_FALSE(metrics.empty());
  const json::object record = Accepted(*sink_).back();
  EXPECT_EQ(Str(record.at("contentType")), "application/json");
  EXPECT_EQ(Str(record.at("contentEncoding")), "gzip");
  EXPECT_EQ(Str(record.at("headers").at("authorization")), "Bearer s3cret");
  EXPECT_EQ(Str(record.at("headers").at("x-tenant")), "t1");
  const json::object* lp = PointOf(metrics, "lead_time_for_changes", "p");
  ASSERT_NE(lp, nullptr);
  EXPECT_DOUBLE_EQ(lp->at("sum").to_number<double>(), 300);
}

// The issue's outage case: refusals (503), then dropped connections, events arriving all along,
// one restart in the middle; when the receiver comes back, the totals are exactly right and the
// series kept their start time.
TEST_F(OtlpExportTest, AnOutageAndARestartLoseNothing) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  const auto before = std::chrono::system_clock::now();
  auto first_acked = before;
  ASSERT_TRUE(sink_->Program({{"status", 503}, {"retryAfter", "0"}, {"times", -1}}));
  int n = 0;
  auto deploy_some = [&](HttpClient& c, int count) {
    for (int i = 0; i < count; ++i, ++n) {
      std::string id = "d" + std::to_string(n);
      Deploy(c, id, "p", "2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z");
    }
  };
  {
    HttpClient c(server->port());
    deploy_some(c, 1);
    first_acked = std::chrono::system_clock::now();
    deploy_some(c, 3);
    ASSERT_TRUE(sink_->WaitForRequests(3, milliseconds(10000)));
    ASSERT_TRUE(sink_->Program({{"drop", true}, {"times", -1}}));
    size_t seen = sink_->Received().size();
    deploy_some(c, 3);
    ASSERT_TRUE(sink_->WaitForRequests(seen + 2, milliseconds(10000)));
  }
  server->Signal(SIGTERM);
  ASSERT_EQ(server->WaitExit(milliseconds(10000)), 0);
  EXPECT_NE(server->Log().find("final metrics export failed"), std::string::npos);

  server = StartServer();
  ASSERT_NE(server, nullptr);
  {
    HttpClient c(server->port());
    deploy_some(c, 3);
  }
  size_t seen = sink_->Received().size();
  ASSERT_TRUE(sink_->WaitForRequests(seen + 1, milliseconds(10000)));  // still down
  for (const auto& r : sink_->Received()) EXPECT_NE(r.at("status").to_number<int>(), 200);

  ASSERT_TRUE(sink_->Program({{"status", 200}, {"times", 0}}));  // back (no step applies)
  auto metrics = WaitForCount(*sink_, "deployment_frequency", "p", "10");
  ASSERT_FALSE(metrics.empty());
  EXPECT_EQ(Str(PointOf(metrics, "deployment_started", "p")->at("asInt")), "10");
  const json::object* lp = PointOf(metrics, "lead_time_for_changes", "p");
  ASSERT_NE(lp, nullptr);
  EXPECT_EQ(Str(lp->at("count")), "10");
  EXPECT_DOUBLE_EQ(lp->at("sum").to_number<double>(), 10 * 3600);
  // The start time is the series' first event, before the restart.
  const json::object* fp = PointOf(metrics, "deployment_frequency", "p");
  uint64_t start_ms = std::stoull(Str(fp->at("startTimeUnixNano"))) / 1000000;
  auto ms = [](auto t) {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count());
  };
  EXPECT_GE(start_ms, ms(before));
  EXPECT_LE(start_ms, ms(first_acked));
  // Refusals were retried: more than one attempt per failing interval happened, and counted.
  auto scrape = HttpClient(server->port()).Get("/metrics");
  EXPECT_NE(scrape.body.find("em_metrics_export_failures_total{reason=\"connection\"}"),
            std::string::npos)
      << scrape.body;
}

TEST_F(OtlpExportTest, ARefusalIsLoggedWithTheCollectorsAnswerAndNotRetried) {
  ASSERT_TRUE(sink_->Program({{"status", 400}, {"body", "invalid temporality"}, {"times", 1}}));
  auto server = StartServer({{"OTEL_METRIC_EXPORT_INTERVAL", "300"}});
  ASSERT_NE(server, nullptr);
  HttpClient c(server->port());
  ASSERT_EQ(c.Post("/api/v1/deployments", Deployment("d1", "p")).status, 201);
  ASSERT_TRUE(server->WaitForLog("collector refused the metrics export", milliseconds(10000)));
  EXPECT_NE(server->Log().find("invalid temporality"), std::string::npos);
  auto metrics = WaitForCount(*sink_, "deployment_started", "p", "1");
  ASSERT_FALSE(metrics.empty());
  auto received = sink_->Received();
  ASSERT_GE(received.size(), 2u);
  EXPECT_EQ(received[0].at("status").to_number<int>(), 400);
  // The next attempt came with the next interval, not as an immediate retry.
  EXPECT_GE(received[1].at("receivedAtMs").to_number<int64_t>() -
                received[0].at("receivedAtMs").to_number<int64_t>(),
            200);
  auto scrape = c.Get("/metrics");
  EXPECT_NE(scrape.body.find("em_metrics_export_failures_total{reason=\"rejected\"} 1"),
            std::string::npos)
      << scrape.body;
}

TEST_F(OtlpExportTest, DeltaTemporalitySendsEveryChangeExactlyOnceAcrossARestart) {
  Env delta = {{"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta"}};
  // The sum of every accepted delta point of deployment_started{p}, each checked to be a delta.
  auto total_sent = [&] {
    uint64_t total = 0;
    for (const auto& r : Accepted(*sink_)) {
      auto metrics = Metrics(r.at("request"));
      if (const json::object* p = PointOf(metrics, "deployment_started", "p")) {
        EXPECT_EQ(metrics.at("deployment_started")
                      .def.at("sum")
                      .at("aggregationTemporality")
                      .to_number<int>(),
                  1);
        total += std::stoull(Str(p->at("asInt")));
      }
    }
    return total;
  };
  // Waits (generously) until the deltas sent add up to `want`: a push may fall between two
  // writes, so how they are split over requests is the exporter's business, not the total.
  auto wait_total = [&](uint64_t want) {
    auto until = std::chrono::steady_clock::now() + milliseconds(15000);
    uint64_t got = total_sent();
    while (got < want && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(milliseconds(50));
      got = total_sent();
    }
    EXPECT_GE(got, want) << "deltas sent never added up to " << want;
  };
  auto server = StartServer(delta);
  ASSERT_NE(server, nullptr);
  {
    HttpClient c(server->port());
    ASSERT_EQ(c.Post("/api/v1/deployments", Deployment("d1", "p")).status, 201);
    ASSERT_EQ(c.Post("/api/v1/deployments", Deployment("d2", "p")).status, 201);
    wait_total(2);
    ASSERT_EQ(c.Post("/api/v1/deployments", Deployment("d3", "p")).status, 201);
    wait_total(3);
  }
  server->Signal(SIGTERM);
  ASSERT_EQ(server->WaitExit(milliseconds(10000)), 0);
  server = StartServer(delta);
  ASSERT_NE(server, nullptr);
  HttpClient c(server->port());
  ASSERT_EQ(c.Post("/api/v1/deployments", Deployment("d4", "p")).status, 201);
  wait_total(4);
  // Let a few more intervals pass: unchanged series send nothing more, and nothing was sent
  // twice across the restart.
  std::this_thread::sleep_for(milliseconds(400));
  EXPECT_EQ(total_sent(), 4u);
}

TEST_F(OtlpExportTest, LargeStatesAreSplitIntoSeveralRequests) {
  auto server = StartServer({{"EM_METRICS_OTLP_MAX_REQUEST_KIB", "2"}});
  ASSERT_NE(server, nullptr);
  HttpClient c(server->port());
  for (int i = 0; i < 40; ++i) {
    ASSERT_EQ(
        c.Post("/api/v1/deployments", Deployment("d" + std::to_string(i), "p" + std::to_string(i)))
            .status,
        201);
  }
  // Every project shows up in some accepted request of small size.
  auto until = std::chrono::steady_clock::now() + milliseconds(10000);
  std::set<std::string> projects;
  while (projects.size() < 40 && std::chrono::steady_clock::now() < until) {
    projects.clear();
    for (const auto& r : Accepted(*sink_)) {
      EXPECT_LE(r.at("rawSize").to_number<int64_t>(), 2048);
      auto metrics = Metrics(r.at("request"));
      if (!metrics.count("deployment_started")) continue;
      for (const auto& p : metrics.at("deployment_started").points) {
        projects.insert(Attrs(p.at("attributes"))["project_id"]);
      }
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(projects.size(), 40u);
}

TEST_F(OtlpExportTest, StatelessModeAnswersOnlyOnceTheCollectorHasThePoints) {
  SkipOnPostgres("SQLITE_DB=none, SQLite's stateless forwarding");
  auto server = StartServer({{"SQLITE_DB", "none"}, {"OTEL_EXPORTER_OTLP_TIMEOUT", "500"}});
  ASSERT_NE(server, nullptr);
  EXPECT_FALSE(std::ifstream(dir_.File("em.db")).good());
  HttpClient c(server->port());
  auto r =
      c.Post("/api/v1/deployments/d1/deployed",
             R"({"create_if_not_exists":true,"project_id":"p",)"
             R"("first_commit_at":"2024-05-01T10:00:00Z","deploy_start_at":"2024-05-01T10:50:00Z",)"
             R"("deployed_at":"2024-05-01T11:00:00Z"})");
  ASSERT_EQ(r.status, 201) << r.body;
  // Already at the collector when the answer came: no waiting.
  auto accepted = Accepted(*sink_);
  ASSERT_EQ(accepted.size(), 1u);
  auto metrics = Metrics(accepted[0].at("request"));
  EXPECT_EQ(metrics.at("deployment_frequency")
                .def.at("sum")
                .at("aggregationTemporality")
                .to_number<int>(),
            1);
  EXPECT_EQ(Str(PointOf(metrics, "deployment_frequency", "p")->at("asInt")), "1");
  EXPECT_DOUBLE_EQ(PointOf(metrics, "lead_time_for_changes", "p")->at("sum").to_number<double>(),
                   3600);
  EXPECT_DOUBLE_EQ(PointOf(metrics, "deployment_duration", "p")->at("sum").to_number<double>(),
                   600);
  EXPECT_EQ(Attrs(PointOf(metrics, "deployment_frequency", "p")->at("attributes"))["team_id"],
            "alpha");

  // Restored needs the incident's start and project, which nothing stores.
  auto bad = c.Post("/api/v1/incidents/i1/restored", "{}");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("started_at"), std::string::npos);
  auto ok = c.Post(
      "/api/v1/incidents/i1/restored",
      R"({"project_id":"p","started_at":"2024-05-01T12:00:00Z","date":"2024-05-01T12:20:00Z"})");
  EXPECT_EQ(ok.status, 200) << ok.body;
  metrics = Metrics(Accepted(*sink_).back().at("request"));
  EXPECT_DOUBLE_EQ(PointOf(metrics, "time_to_restore", "p")->at("sum").to_number<double>(), 1200);

  // Reads and two-step flows need stored state.
  EXPECT_EQ(c.Get("/api/v1/deployments").status, 501);
  EXPECT_EQ(c.Post("/api/v1/deployments/d1/deployed", R"({"create_if_not_exists":false})").status,
            501);
  // Tickets are upserted against their stored state, and their stats read it.
  EXPECT_EQ(c.Post("/api/v1/ticketing/stats", "{}").status, 501);
  EXPECT_EQ(c.Post("/webhooks/linear", "{}").status, 501);

  // The collector refuses: the pipeline step gets a 502 to retry.
  ASSERT_TRUE(sink_->Program({{"status", 503}, {"times", -1}}));
  auto refused = c.Post("/api/v1/deployments", Deployment("d2", "p"));
  EXPECT_EQ(refused.status, 502) << refused.body;
  EXPECT_NE(refused.body.find("collector"), std::string::npos);
  ASSERT_TRUE(sink_->Program({{"status", 400}, {"times", -1}}));
  EXPECT_EQ(c.Post("/api/v1/deployments", Deployment("d3", "p")).status, 502);
}

TEST_F(OtlpExportTest, StatelessModeNeedsACollector) {
  SkipOnPostgres("SQLITE_DB=none, SQLite's stateless forwarding");
  auto r = RunToExit(dir_.path(), {{"SQLITE_DB", "none"}, {"PORT", "0"}}, {});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("OTEL_COLLECTOR_URL"), std::string::npos) << r.output;
}

TEST_F(OtlpExportTest, BadExporterSettingsExitTwoNamingTheVariable) {
  for (const auto& [var, value] : std::vector<std::pair<std::string, std::string>>{
           {"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"},
           {"OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"},
           {"OTEL_RESOURCE_ATTRIBUTES", "broken"},
           {"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "localhost:4318"}}) {
    Env env = {
        {"PORT", "0"}, {"SQLITE_DB", dir_.File("em.db")}, {"OTEL_COLLECTOR_URL", sink_->url()}};
    env[var] = value;
    auto r = RunToExit(dir_.path(), env, {});
    EXPECT_EQ(r.exit_code, 2) << var << "=" << value << "\n" << r.output;
    EXPECT_TRUE(r.output.find(var) != std::string::npos ||
                r.output.find("OTLP endpoint") != std::string::npos)
        << r.output;
  }
}

// https with the collector's CA given (OTEL_EXPORTER_OTLP_CERTIFICATE) works; without it the
// certificate is refused, the failure logged and counted, and nothing is sent in clear.
TEST_F(OtlpExportTest, HttpsVerifiesTheCollectorsCertificate) {
  std::string openssl = FindProgram("openssl");
  ASSERT_FALSE(openssl.empty()) << "openssl is missing";
  auto gen = RunProgram(dir_.path(),
                        {openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                         "key.pem", "-out", "cert.pem", "-days", "2", "-subj", "/CN=localhost",
                         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"},
                        "");
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  OtlpSinkOptions tls;
  tls.tls_cert = dir_.File("cert.pem");
  tls.tls_key = dir_.File("key.pem");
  std::string error;
  auto sink = OtlpSink::Start(&error, tls);
  ASSERT_NE(sink, nullptr) << error;
  ASSERT_EQ(sink->tls_url().rfind("https://", 0), 0u);

  auto trusted = StartServer({{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", sink->tls_url()},
                              {"OTEL_EXPORTER_OTLP_CERTIFICATE", dir_.File("cert.pem")}});
  ASSERT_NE(trusted, nullptr);
  HttpClient c(trusted->port());
  ASSERT_EQ(c.Post("/api/v1/deployments", Deployment("d1", "p")).status, 201);
  auto metrics = WaitForCount(*sink, "deployment_started", "p", "1");
  ASSERT_FALSE(metrics.empty());
  trusted.reset();
  sink->Reset();

  TempDir other;
  other.Write("teams.json", kTeams);
  auto untrusted =
      ServerProcess::Start(other.path(), {{"CONFIG", "teams.json"},
                                          {"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", sink->tls_url()},
                                          {"OTEL_METRIC_EXPORT_INTERVAL", "100"},
                                          {"OTEL_METRIC_EXPORT_TIMEOUT", "300"}});
  ASSERT_NE(untrusted, nullptr);
  HttpClient u(untrusted->port());
  ASSERT_EQ(u.Post("/api/v1/deployments", Deployment("d1", "p")).status, 201);
  ASSERT_TRUE(untrusted->WaitForLog("metrics export failed", milliseconds(10000)));
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_TRUE(sink->Received().empty());  // the handshake failed: no request was made
  auto scrape = u.Get("/metrics");
  EXPECT_NE(scrape.body.find("em_metrics_export_failures_total{reason=\"connection\"}"),
            std::string::npos)
      << scrape.body;
  EXPECT_NE(untrusted->Log().find("certificate"), std::string::npos) << untrusted->Log();
}

}  // namespace
}  // namespace emm::e2e
