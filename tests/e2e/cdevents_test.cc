// POST /api/v1/cdevents against the real binary, with CDEvents written from the spec's
// conformance examples (tests/testdata/cdevents), sent as CloudEvents in binary and structured
// mode: each mapping read back through the GET routes and the metric state, a resent event
// counted once, missing attributes named.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>
#include <string>

#include "e2e/http_client.h"
#include "e2e/metric_state.h"
#include "e2e/server_process.h"
#include "e2e/webhook_signing.h"

namespace emm::e2e {
namespace {

namespace json = boost::json;

constexpr const char* kDeployed = "271069a8-fc18-44f1-b38f-9d70a1695819";  // its context id
constexpr const char* kTeams = R"({"teams":{"shop":{"projects":["myapp","TestRepo/TestOrg"]}}})";

json::object Fixture(const std::string& name) {
  return json::parse(TestData("cdevents/" + name)).as_object();
}

// The fixture as another event: its context's id, type and timestamp replaced.
json::object Another(const std::string& name, const std::string& id, const std::string& type,
                     const std::string& timestamp) {
  json::object event = Fixture(name);
  json::object& context = event["context"].as_object();
  context["id"] = id;
  context["type"] = type;
  context["timestamp"] = timestamp;
  return event;
}

class CdEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("teams.json", kTeams);
    server_ = ServerProcess::Start(dir_.path(), {{"CONFIG", dir_.File("teams.json")}});
    ASSERT_NE(server_, nullptr);
  }
  // Binary mode: the attributes in ce-* headers (from the CDEvent's context), the CDEvent as body.
  HttpResponse Binary(const json::object& cdevent, std::string source = "") {
    const json::object& context = cdevent.at("context").as_object();
    if (source.empty()) source = std::string(context.at("source").as_string());
    return HttpClient(server_->port())
        .Post("/api/v1/cdevents", json::serialize(cdevent),
              {{"Content-Type", "application/json"},
               {"ce-specversion", "1.0"},
               {"ce-id", std::string(context.at("id").as_string())},
               {"ce-source", source},
               {"ce-type", std::string(context.at("type").as_string())},
               {"ce-time", std::string(context.at("timestamp").as_string())}});
  }
  // Structured mode: one JSON object with the attributes and the CDEvent as `data`.
  HttpResponse Structured(const json::object& cdevent) {
    const json::object& context = cdevent.at("context").as_object();
    json::object envelope{{"specversion", "1.0"},
                          {"id", context.at("id")},
                          {"source", context.at("source")},
                          {"type", context.at("type")},
                          {"datacontenttype", "application/json"},
                          {"data", cdevent}};
    return HttpClient(server_->port())
        .Post("/api/v1/cdevents", json::serialize(envelope),
              {{"Content-Type", "application/cloudevents+json; charset=utf-8"}});
  }
  // A deployment of myapp in `env` at `at`, with its own context id, chain and artifact.
  HttpResponse Deploy(const std::string& id, const std::string& at, const std::string& chain,
                      const std::string& artifact, const std::string& env = "production") {
    json::object d = Fixture("service_deployed_v0.4.json");
    json::object& context = d["context"].as_object();
    context["id"] = id;
    context["timestamp"] = at;
    context["chainId"] = chain;
    context.erase("links");
    json::object& content = d["subject"].as_object()["content"].as_object();
    content["artifactId"] = artifact;
    content["environment"].as_object()["id"] = env;
    return Binary(d);
  }
  // An incident on myapp in production, with what `change` sets.
  HttpResponse Incident(const std::string& id, void (*change)(json::object& context,
                                                              json::object& content)) {
    json::object i = Fixture("incident_detected_v0.4.json");
    i["context"].as_object()["id"] = "ctx-" + id;
    i["subject"].as_object()["id"] = id;
    i["context"].as_object().erase("links");
    i["subject"].as_object()["content"].as_object().erase("artifactId");
    change(i["context"].as_object(), i["subject"].as_object()["content"].as_object());
    return Binary(i);
  }
  json::value Get(const std::string& target) { return GetJson(server_->port(), target); }
  SeriesTotals Series(const std::string& metric, const std::string& project = "myapp") {
    return ReadSeries(dir_.File("em.db"), metric, project);
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(CdEventsTest, AServiceDeployedIsADeploymentCountedOnce) {
  auto r = Binary(Fixture("service_deployed_v0.4.json"));
  ASSERT_EQ(r.status, 201) << r.body;
  json::value d = Get(std::string("/api/v1/deployments/cdevents:") + kDeployed);
  EXPECT_EQ(d.at("project_id"), "myapp");
  EXPECT_EQ(d.at("environment"), "production");
  EXPECT_EQ(d.at("team_id"), "shop");
  EXPECT_EQ(d.at("status"), "deployed");
  EXPECT_EQ(d.at("kind"), "planned");
  EXPECT_EQ(d.at("deployed_at"), "2023-03-20T14:27:05.315Z");
  EXPECT_TRUE(d.at("first_commit_at").is_null());
  // Sent again (same source and id): nothing runs.
  auto again = Binary(Fixture("service_deployed_v0.4.json"));
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_NE(again.body.find("was handled before"), std::string::npos) << again.body;
  EXPECT_EQ(Series("deployment_frequency").count, 1);
  EXPECT_EQ(Series("lead_time_for_changes").count, 0);
}

TEST_F(CdEventsTest, ARollbackInStructuredModeIsRework) {
  ASSERT_EQ(Binary(Fixture("service_deployed_v0.4.json")).status, 201);
  auto r = Structured(Fixture("service_rolledback_v0.5.json"));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Get("/api/v1/deployments/cdevents:9b2d6a4e-3c1f-4d0a-8f6e-2a7c5e1b0d93").at("kind"),
            "rollback");
  json::value dora = Get("/api/v1/metrics/dora?from=2023-03-20T00:00:00Z&to=2023-03-21T00:00:00Z");
  EXPECT_EQ(dora.at("deployment_frequency").at("count").as_int64(), 2);
  EXPECT_EQ(dora.at("rework_rate").at("reworked").as_int64(), 1);
}

TEST_F(CdEventsTest, AnIncidentLinksToTheDeploymentItNamesAndIsRestored) {
  ASSERT_EQ(Binary(Fixture("service_deployed_v0.4.json")).status, 201);
  auto detected = Binary(Fixture("incident_detected_v0.4.json"));
  ASSERT_EQ(detected.status, 201) << detected.body;
  json::value i = Get("/api/v1/incidents/cdevents:incident-123");
  EXPECT_EQ(i.at("deployment_id").as_string(), std::string("cdevents:") + kDeployed);
  EXPECT_EQ(i.at("project_id"), "myapp");
  EXPECT_EQ(i.at("environment"), "production");
  EXPECT_EQ(Series("change_failure_count").count, 1);
  EXPECT_NEAR(Series("time_to_detect").sum, 1799.685, 1e-6);  // 14:27:05.315 -> 14:57:05
  // The same incident reported by someone else: counted once.
  json::object reported = Fixture("incident_detected_v0.4.json");
  reported["context"].as_object()["id"] = "another-event";
  reported["context"].as_object()["type"] = "dev.cdevents.incident.reported.0.2.0";
  auto r = Binary(reported);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("exists already"), std::string::npos) << r.body;
  EXPECT_EQ(Series("incident_count").count, 1);
  // Resolved half an hour after it started.
  ASSERT_EQ(Structured(Fixture("incident_resolved_v0.5.json")).status, 200);
  i = Get("/api/v1/incidents/cdevents:incident-123");
  EXPECT_EQ(i.at("restored_at"), "2023-03-20T15:27:05.000Z");
  EXPECT_EQ(Series("time_to_restore").sum, 1800);
}

// Without a link, the latest deployment of the incident's chain, else of its artifact, in its
// environment; else none (the query-time previous_deployment rule still applies).
TEST_F(CdEventsTest, AnIncidentWithoutALinkFindsItsChainOrArtifact) {
  ASSERT_EQ(Deploy("d1", "2023-03-20T10:00:00Z", "chain-1", "pkg:oci/myapp@v1").status, 201);
  ASSERT_EQ(Deploy("d2", "2023-03-20T11:00:00Z", "chain-2", "pkg:oci/myapp@v2").status, 201);
  ASSERT_EQ(Deploy("d3", "2023-03-20T12:00:00Z", "chain-1", "pkg:oci/myapp@v1", "staging").status,
            201);
  ASSERT_EQ(Incident("by-chain", [](json::object& c, json::object&) { c["chainId"] = "chain-1"; })
                .status,
            201);
  ASSERT_EQ(Incident("by-artifact",
                     [](json::object&, json::object& s) { s["artifactId"] = "pkg:oci/myapp@v2"; })
                .status,
            201);
  ASSERT_EQ(Incident("by-nothing", [](json::object&, json::object&) {}).status, 201);
  EXPECT_EQ(Get("/api/v1/incidents/cdevents:by-chain").at("deployment_id"), "cdevents:d1");
  EXPECT_EQ(Get("/api/v1/incidents/cdevents:by-artifact").at("deployment_id"), "cdevents:d2");
  EXPECT_TRUE(Get("/api/v1/incidents/cdevents:by-nothing").at("deployment_id").is_null());
  EXPECT_EQ(Series("change_failure_count").count, 2);
}

TEST_F(CdEventsTest, ChangesArePullRequests) {
  ASSERT_EQ(Binary(Another("change_merged_v0.5.json", "change-created-1",
                           "dev.cdevents.change.created.0.4.0", "2023-03-20T10:27:05Z"))
                .status,
            201);
  auto merged = Structured(Fixture("change_merged_v0.5.json"));
  ASSERT_EQ(merged.status, 200) << merged.body;
  json::value pr = Get("/api/v1/pull-requests/cdevents:mySubject123");
  EXPECT_EQ(pr.at("team_id"), "shop");
  EXPECT_EQ(pr.at("merged_at"), "2023-03-20T12:27:05.000Z");
  EXPECT_EQ(Series("pull_request_time_to_merge", "").sum, 7200);
  // A change em-metrics never saw created: 404, as POST /api/v1/pull-requests/:id/merged.
  json::object other = Fixture("change_merged_v0.5.json");
  other["context"].as_object()["id"] = "m-2";
  other["subject"].as_object()["id"] = "unknown-change";
  EXPECT_EQ(Binary(other).status, 404);
}

// Created at 10:27:05, closed at 14:27:05: done, 4 h (14400 s) spent.
TEST_F(CdEventsTest, TicketsAreCreatedAndClosed) {
  ASSERT_EQ(Binary(Another("ticket_closed_v0.4.json", "ticket-created-1",
                           "dev.cdevents.ticket.created.0.1.0", "2023-03-20T10:27:05Z"))
                .status,
            201);
  EXPECT_EQ(Get("/api/v1/tickets/cdevents:ticket-123").at("status"), "BACKLOG");
  auto closed = Binary(Fixture("ticket_closed_v0.4.json"));
  ASSERT_EQ(closed.status, 200) << closed.body;
  json::value t = Get("/api/v1/tickets/cdevents:ticket-123");
  EXPECT_EQ(t.at("status"), "DONE");
  EXPECT_EQ(t.at("project_id"), "security");
  EXPECT_EQ(t.at("ticket_type"), "task");
  EXPECT_EQ(t.at("finished_at"), "2023-03-20T14:27:05.000Z");
  EXPECT_EQ(Series("ticket_count", "security").count, 1);
  EXPECT_EQ(Series("time_per_ticket", "security").sum, 14400);
  // Closing one em-metrics never saw created: 404; without a resolution: 400 naming it.
  json::object unknown = Fixture("ticket_closed_v0.4.json");
  unknown["context"].as_object()["id"] = "close-2";
  unknown["subject"].as_object()["id"] = "ticket-999";
  EXPECT_EQ(Binary(unknown).status, 404);
  unknown["subject"].as_object()["content"].as_object().erase("resolution");
  auto no_resolution = Binary(unknown);
  EXPECT_EQ(no_resolution.status, 400);
  EXPECT_NE(no_resolution.body.find("subject.content.resolution"), std::string::npos);
}

TEST_F(CdEventsTest, TypesNotReadAreAcknowledged) {
  json::object updated = Fixture("ticket_closed_v0.4.json");
  updated["context"].as_object()["type"] = "dev.cdevents.ticket.updated.0.1.0";
  EXPECT_EQ(Binary(updated).status, 200);
  json::object pipeline = Fixture("service_deployed_v0.4.json");
  pipeline["context"].as_object()["type"] = "dev.cdevents.pipelinerun.started.0.2.0";
  EXPECT_EQ(Binary(pipeline).status, 200);
  json::object old = Fixture("service_deployed_v0.4.json");
  old["context"].as_object()["type"] = "dev.cdevents.service.deployed.0.1.1";
  EXPECT_EQ(Binary(old).status, 200);
  json::object other = Fixture("service_deployed_v0.4.json");
  other["context"].as_object()["type"] = "com.example.thing.happened";
  EXPECT_EQ(Binary(other).status, 200);
  EXPECT_TRUE(StoredIds(dir_.File("em.db"), "deployments").empty());
}

TEST_F(CdEventsTest, MissingAttributesAndFieldsAreNamed) {
  auto r = HttpClient(server_->port())
               .Post("/api/v1/cdevents", TestData("cdevents/service_deployed_v0.4.json"),
                     {{"Content-Type", "application/json"}, {"ce-type", "x"}});
  EXPECT_EQ(r.status, 400);
  for (const char* name : {"ce-specversion", "ce-id", "ce-source"}) {
    EXPECT_NE(r.body.find(name), std::string::npos) << name << " " << r.body;
  }
  json::object incident = Fixture("incident_detected_v0.4.json");
  incident["subject"].as_object()["content"].as_object().erase("service");
  auto no_service = Binary(incident);
  EXPECT_EQ(no_service.status, 400);
  EXPECT_NE(no_service.body.find("subject.content.service.id"), std::string::npos)
      << no_service.body;
  EXPECT_EQ(QueryInt(dir_.File("em.db"), "SELECT count(*) FROM webhook_deliveries"), 0);
}

// Each field at the longest it takes, in text that does not compress: stored on every backend
// (PostgreSQL indexes at most 2,704 bytes a row: a deployment's artifact alias and an incident's
// URI subject fit), and the service and environment, ids like the API's, refused past 256 bytes
// naming the field, before anything is stored.
TEST_F(CdEventsTest, TheLongestValuesEachFieldTakesAreStoredOnEveryBackend) {
  std::mt19937 random(14);
  auto text = [&](size_t n) {
    static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::string out(n, 'x');
    for (char& c : out) c = kChars[random() % (sizeof kChars - 1)];
    return out;
  };
  const std::string service = text(256), environment = text(256), artifact = text(2048);
  json::object d = Fixture("service_deployed_v0.4.json");
  json::object& context = d["context"].as_object();
  context["id"] = text(256);
  context["chainId"] = text(256);
  context["source"] = "/" + text(2047);
  json::object& subject = d["subject"].as_object();
  subject["id"] = service;
  subject["content"].as_object()["artifactId"] = artifact;
  subject["content"].as_object()["environment"].as_object()["id"] = environment;
  auto deployed = Binary(d);
  ASSERT_EQ(deployed.status, 201) << deployed.body.substr(0, 300);

  json::object i = Fixture("incident_detected_v0.4.json");
  i["context"].as_object()["id"] = text(256);
  i["context"].as_object().erase("links");
  i["subject"].as_object()["id"] = "/" + text(2047);
  json::object& content = i["subject"].as_object()["content"].as_object();
  content["service"].as_object()["id"] = service;
  content["environment"].as_object()["id"] = environment;
  content["artifactId"] = artifact;  // links it to the deployment through the alias
  auto detected = Binary(i);
  ASSERT_EQ(detected.status, 201) << detected.body.substr(0, 300);
  json::value dora = Get("/api/v1/metrics/dora?from=2023-03-20T00:00:00Z&to=2023-03-22T00:00:00Z");
  EXPECT_EQ(dora.at("deployment_frequency").at("count").as_int64(), 1);
  EXPECT_EQ(dora.at("change_failure_rate").at("failed").as_int64(), 1);

  for (const auto& [field, set] : std::vector<std::pair<std::string, void (*)(json::object&, std::string)>>{
           {"subject.id", [](json::object& e, std::string v) { e["subject"].as_object()["id"] = v; }},
           {"subject.content.environment.id",
            [](json::object& e, std::string v) {
              e["subject"].as_object()["content"].as_object()["environment"].as_object()["id"] = v;
            }}}) {
    json::object too_long = Fixture("service_deployed_v0.4.json");
    too_long["context"].as_object()["id"] = text(16);
    set(too_long, text(257));
    auto r = Binary(too_long);
    EXPECT_EQ(r.status, 400) << field << " " << r.body.substr(0, 300);
    EXPECT_NE(r.body.find("\"field\":\"" + field + "\""), std::string::npos) << r.body.substr(0, 300);
  }
  EXPECT_EQ(QueryInt(dir_.File("em.db"), "SELECT count(*) FROM deployments"), 1);
}

TEST_F(CdEventsTest, ALargeEventIsHandled) {
  const std::string event = TestData("cdevents/service_deployed_v0.4.json");
  auto r = HttpClient(server_->port())
               .Post("/api/v1/cdevents", PadTo(event, "customData", 1024 * 1024),
                     {{"Content-Type", "application/json"},
                      {"ce-specversion", "1.0"},
                      {"ce-id", kDeployed},
                      {"ce-source", "/event/source/123"},
                      {"ce-type", "dev.cdevents.service.deployed.0.2.0"}});
  EXPECT_EQ(r.status, 201) << r.body.substr(0, 200);
  EXPECT_EQ(Series("deployment_frequency").count, 1);
}

TEST(CdEventsAuthTest, TheApisAuthenticationApplies) {
  TempDir dir;
  auto server = ServerProcess::Start(dir.path(), {{"EM_METRICS_NO_AUTH", "false"},
                                                  {"EM_METRICS_TOKEN_AUTH", "s3cret"}});
  ASSERT_NE(server, nullptr);
  const std::string body = TestData("cdevents/service_deployed_v0.4.json");
  Headers h{{"ce-specversion", "1.0"},
            {"ce-id", "1"},
            {"ce-source", "/s"},
            {"ce-type", "dev.cdevents.service.deployed.0.2.0"}};
  EXPECT_EQ(HttpClient(server->port()).Post("/api/v1/cdevents", body, h).status, 401);
  h.emplace_back("Authorization", "Token s3cret");
  EXPECT_EQ(HttpClient(server->port()).Post("/api/v1/cdevents", body, h).status, 201);
}

}  // namespace
}  // namespace emm::e2e
