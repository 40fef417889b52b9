// The Node.js original's README examples, each body as documented, against the real binary: a
// pipeline or back-fill script written for the original must work unchanged. And clock skew:
// times that contradict each other are stored as sent, counted and logged, and no negative
// duration reaches a metric or a DORA figure (docs/compatibility.md).
#include <gtest/gtest.h>

#include <string>

#include "e2e/http_client.h"
#include "e2e/metric_state.h"
#include "e2e/server_process.h"

namespace emm::e2e {
namespace {

class CompatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start(dir_.path());
    ASSERT_NE(server_, nullptr);
  }
  HttpResponse Post(const std::string& path, const std::string& body) {
    return HttpClient(server_->port()).Post(path, body, {{"Content-Type", "application/json"}});
  }
  HttpResponse Get(const std::string& path) { return HttpClient(server_->port()).Get(path); }
  std::string Db() const { return dir_.File("em.db"); }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

// POST /deployments as the original's README documents it: no deploy_start_at, a past deployed_at.
TEST_F(CompatTest, TheReadmesBackFilledDeploymentIsCreated) {
  auto r = Post("/api/v1/deployments",
                R"({"id":"7","project_id":"web","first_commit_at":"2020-01-01T00:00:00Z",)"
                R"("deployed_at":"2020-01-01T00:10:00Z"})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto d = Get("/api/v1/deployments/7").Json();
  EXPECT_EQ(d.at("status"), "deployed");
  EXPECT_EQ(d.at("deploy_start_at"), "2020-01-01T00:10:00.000Z");  // the earlier of now, deployed_at
  EXPECT_EQ(ReadSeries(Db(), "lead_time_for_changes", "web").sum, 600);
  EXPECT_EQ(ReadSeries(Db(), "deployment_duration", "web").count, 1);
}

TEST_F(CompatTest, TheReadmesTwoStepPipelineWorks) {
  ASSERT_EQ(Post("/api/v1/deployments",
                 R"({"id":"run-41","project_id":"web","first_commit_at":"2020-01-01T00:00:00Z"})")
                .status,
            201);
  EXPECT_EQ(Post("/api/v1/deployments/run-41/deployed", R"({"create_if_not_exists":false})").status,
            200);
  EXPECT_EQ(Post("/api/v1/deployments/nope/deployed", R"({"create_if_not_exists":false})").status,
            404);
}

// /deployed with create_if_not_exists and the fields the README lists (no deploy_start_at).
TEST_F(CompatTest, TheReadmesStandaloneDeployedIsCreated) {
  auto r = Post("/api/v1/deployments/8/deployed",
                R"({"create_if_not_exists":true,"project_id":"web",)"
                R"("first_commit_at":"2020-01-01T00:00:00Z","deployed_at":"2020-01-01T00:10:00Z"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Get("/api/v1/deployments/8").Json().at("deploy_start_at"), "2020-01-01T00:10:00.000Z");
  // Without deployed_at: deployed now, started now.
  auto now = Post("/api/v1/deployments/9/deployed",
                  R"({"create_if_not_exists":true,"project_id":"web",)"
                  R"("first_commit_at":"2020-01-01T00:00:00Z"})");
  EXPECT_EQ(now.status, 201) << now.body;
}

// POST /incidents with every documented field, with some, and with past restore or finish
// times but no started_at (the start defaults to the earliest time given).
TEST_F(CompatTest, TheReadmesIncidentBodiesAreCreated) {
  ASSERT_EQ(Post("/api/v1/deployments/8/deployed",
                 R"({"create_if_not_exists":true,"project_id":"web",)"
                 R"("first_commit_at":"2020-01-01T00:00:00Z","deployed_at":"2020-01-01T00:10:00Z"})")
                .status,
            201);
  EXPECT_EQ(Post("/api/v1/incidents", R"({"project_id":"web"})").status, 201);
  EXPECT_EQ(Post("/api/v1/incidents",
                 R"({"id":"i-full","project_id":"web","deployment_id":"8",)"
                 R"("started_at":"2020-01-01T01:00:00Z","restored_at":"2020-01-01T01:30:00Z",)"
                 R"("finished_at":"2020-01-01T02:00:00Z"})")
                .status,
            201);
  auto restored = Post("/api/v1/incidents",
                       R"({"id":"i-restored","project_id":"web","restored_at":"2020-01-02T00:00:00Z"})");
  ASSERT_EQ(restored.status, 201) << restored.body;
  EXPECT_EQ(Get("/api/v1/incidents/i-restored").Json().at("started_at"),
            "2020-01-02T00:00:00.000Z");
  auto finished = Post("/api/v1/incidents",
                       R"({"id":"i-finished","project_id":"web","finished_at":"2020-01-03T00:00:00Z"})");
  ASSERT_EQ(finished.status, 201) << finished.body;
  EXPECT_EQ(Get("/api/v1/incidents/i-finished").Json().at("started_at"),
            "2020-01-03T00:00:00.000Z");
  // The transitions, with and without a date.
  ASSERT_EQ(Post("/api/v1/incidents", R"({"id":"i-open","project_id":"web"})").status, 201);
  EXPECT_EQ(Post("/api/v1/incidents/i-open/restored", R"({})").status, 200);
  EXPECT_EQ(Post("/api/v1/incidents/i-open/finished", R"({"date":"2099-01-01T00:00:00Z"})").status,
            200);
}

// Skewed clocks: stored as sent, counted on /metrics, logged once, no negative duration anywhere.
TEST_F(CompatTest, TimesOutOfOrderAreStoredCountedAndKeptOutOfTheFigures) {
  auto r = Post("/api/v1/deployments",
                R"({"id":"skew","project_id":"web","first_commit_at":"2025-12-02T10:00:00Z",)"
                R"("deploy_start_at":"2025-12-02T09:00:00Z","deployed_at":"2025-12-02T09:30:00Z"})");
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(Post("/api/v1/deployments",
                 R"({"id":"fine","project_id":"web","first_commit_at":"2025-12-02T08:00:00Z",)"
                 R"("deploy_start_at":"2025-12-02T09:00:00Z","deployed_at":"2025-12-02T09:30:00Z"})")
                .status,
            201);
  ASSERT_EQ(Post("/api/v1/incidents",
                 R"({"id":"back","project_id":"web","started_at":"2025-12-02T12:00:00Z",)"
                 R"("restored_at":"2025-12-02T11:00:00Z"})")
                .status,
            201);
  EXPECT_EQ(Get("/api/v1/deployments/skew").Json().at("first_commit_at"),
            "2025-12-02T10:00:00.000Z");
  EXPECT_EQ(Get("/api/v1/incidents/back").Json().at("restored_at"), "2025-12-02T11:00:00.000Z");

  // Metrics: counted, but only the sound lead time (1.5 h) is observed.
  EXPECT_EQ(ReadSeries(Db(), "deployment_frequency", "web").count, 2);
  auto lead = ReadSeries(Db(), "lead_time_for_changes", "web");
  EXPECT_EQ(lead.count, 1);
  EXPECT_EQ(lead.sum, 5400);
  EXPECT_EQ(ReadSeries(Db(), "incident_restored", "web").count, 1);
  EXPECT_EQ(ReadSeries(Db(), "time_to_restore", "web").count, 0);

  auto dora = Get("/api/v1/metrics/dora?from=2025-12-01T00:00:00Z&to=2025-12-03T00:00:00Z").Json();
  EXPECT_EQ(dora.at("deployment_frequency").at("count").to_number<int>(), 2);
  EXPECT_EQ(dora.at("lead_time_for_changes").at("count").to_number<int>(), 1);
  EXPECT_EQ(dora.at("lead_time_for_changes").at("median").to_number<double>(), 5400);
  EXPECT_EQ(dora.at("time_to_restore").at("count").to_number<int>(), 0);
  // Every duration says its unit.
  for (const char* figure : {"lead_time_for_changes", "time_to_restore",
                             "failed_deployment_recovery_time", "time_to_detect",
                             "deployment_duration"}) {
    EXPECT_EQ(dora.at(figure).at("unit"), "seconds") << figure;
  }

  // The explanation says which event was left out of the lead time, and why.
  auto explain = Get("/api/v1/metrics/dora/explain?metric=lead_time_for_changes"
                     "&from=2025-12-01&to=2025-12-03")
                     .Json();
  ASSERT_EQ(explain.at("left_out").as_array().size(), 1u) << explain;
  EXPECT_EQ(explain.at("left_out").at(0).at("id"), "skew");
  EXPECT_NE(std::string(explain.at("left_out").at(0).at("reason").as_string()).find(
                "first_commit_at"),
            std::string::npos);
  auto explain_ttr =
      Get("/api/v1/metrics/dora/explain?metric=time_to_restore&from=2025-12-01&to=2025-12-03")
          .Json();
  EXPECT_EQ(explain_ttr.at("left_out").at(0).at("id"), "back") << explain_ttr;

  auto metrics = Get("/metrics").body;
  EXPECT_NE(metrics.find(
                R"(em_metrics_inconsistent_events_total{field="deployed_at",kind="deployment"} 1)"),
            std::string::npos)
      << metrics;
  EXPECT_NE(
      metrics.find(R"(em_metrics_inconsistent_events_total{field="restored_at",kind="incident"} 1)"),
      std::string::npos);
  const std::string log = server_->Log();
  EXPECT_NE(log.find(R"("msg":"event stored with times out of order","kind":"deployment","id":"skew")"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find(R"("kind":"incident","id":"back","field":"restored_at")"), std::string::npos);
}

// "Why is this deployment red?": the change failure rate's explanation names, per deployment,
// the incidents that failed it and the rule that linked each.
TEST_F(CompatTest, ExplainNamesTheIncidentsThatFailedEachDeployment) {
  ASSERT_EQ(Post("/api/v1/deployments/red/deployed",
                 R"({"create_if_not_exists":true,"project_id":"web","environment":"production",)"
                 R"("first_commit_at":"2025-12-02T08:00:00Z","deployed_at":"2025-12-02T09:00:00Z"})")
                .status,
            201);
  ASSERT_EQ(Post("/api/v1/incidents",
                 R"({"id":"named","project_id":"web","deployment_id":"red","environment":"production",)"
                 R"("started_at":"2025-12-02T09:30:00Z","restored_at":"2025-12-02T10:00:00Z"})")
                .status,
            201);
  ASSERT_EQ(Post("/api/v1/incidents",
                 R"({"id":"unnamed","project_id":"web","environment":"production",)"
                 R"("started_at":"2025-12-02T09:40:00Z"})")
                .status,
            201);
  auto e = Get("/api/v1/metrics/dora/explain?metric=change_failure_rate&from=2025-12-02"
               "&to=2025-12-03&link=previous_deployment")
               .Json();
  const auto& red = e.at("counted").at(0);
  EXPECT_EQ(red.at("id"), "red");
  EXPECT_EQ(red.at("failed"), true);
  const auto& by = red.at("failed_by").as_array();
  ASSERT_EQ(by.size(), 2u) << e;
  EXPECT_EQ(by[0].at("id"), "named");
  EXPECT_EQ(by[0].at("started_at"), "2025-12-02T09:30:00.000Z");
  EXPECT_EQ(by[0].at("restored_at"), "2025-12-02T10:00:00.000Z");
  EXPECT_EQ(by[0].at("link"), "explicit");
  EXPECT_EQ(by[1].at("id"), "unnamed");
  EXPECT_TRUE(by[1].at("restored_at").is_null());
  EXPECT_EQ(by[1].at("link"), "previous_deployment");
  // With explicit links only, the unnamed incident fails nothing.
  auto plain = Get("/api/v1/metrics/dora/explain?metric=failed_deployment_recovery_time"
                   "&from=2025-12-02&to=2025-12-03")
                   .Json();
  ASSERT_EQ(plain.at("counted").at(0).at("failed_by").as_array().size(), 1u) << plain;
}

TEST_F(CompatTest, Dora2024PresetIsNamedInTheAnswer) {
  auto r = Get("/api/v1/metrics/dora?from=2025-12-01&to=2025-12-03&preset=dora-2024");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().at("preset"), "dora-2024");
  auto bad = Get("/api/v1/metrics/dora?from=2025-12-01&to=2025-12-03&preset=dora-2022");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("preset"), std::string::npos);
}

// A date that does not parse stays the one 400 about dates; a plain date is its UTC midnight (the
// original's `new Date("2020-01-01")`); a date-time without a zone is refused.
TEST_F(CompatTest, OnlyADateThatDoesNotParseIsRefused) {
  auto r = Post("/api/v1/deployments",
                R"({"id":"x","project_id":"web","first_commit_at":"yesterday"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("first_commit_at"), std::string::npos);
  auto zoneless = Post("/api/v1/deployments",
                       R"({"id":"y","project_id":"web","first_commit_at":"2020-01-01T10:00:00"})");
  EXPECT_EQ(zoneless.status, 400);
  auto plain = Post("/api/v1/deployments",
                    R"({"id":"z","project_id":"web","first_commit_at":"2020-01-01",)"
                    R"("deployed_at":"2020-01-02"})");
  ASSERT_EQ(plain.status, 201) << plain.body;
  auto d = Get("/api/v1/deployments/z").Json();
  EXPECT_EQ(d.at("first_commit_at"), "2020-01-01T00:00:00.000Z");
  EXPECT_EQ(d.at("deployed_at"), "2020-01-02T00:00:00.000Z");
}

}  // namespace
}  // namespace emm::e2e
