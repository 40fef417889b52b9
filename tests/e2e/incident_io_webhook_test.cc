// POST /webhooks/incident-io against the real binary with webhook events written from incident.io's
// API reference (tests/testdata/incident-io), signed here the Svix way: created live, then
// resolved (learning) and closed, is one incident with its three times; replays count once;
// wrong signatures and stale timestamps store nothing.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>

#include "e2e/http_client.h"
#include "e2e/metric_state.h"
#include "e2e/server_process.h"
#include "e2e/webhook_signing.h"

namespace emm::e2e {
namespace {

namespace json = boost::json;

constexpr const char* kKey = "c2VjcmV0LWtleS1mb3ItdGhlLWUyZS10ZXN0cw==";
const std::string kSecret = std::string("whsec_") + kKey;
// The documentation's custom field "Affected Team" = "Product" is the project "product-web".
constexpr const char* kTeams =
    R"({"teams":{"web":{"projects":["product-web"]}},)"
    R"("incidents":{"incident_io":{"project_field":"Affected Team",)"
    R"("projects":{"Product":"product-web"},"environment":"production",)"
    R"("deployment_field":"Deployment"}}})";
constexpr const char* kIncident = "/api/v1/incidents/incident-io:01FDAG4SAP5TYPT98WGR2N7W91";

std::string Now() {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
}

class IncidentIoWebhookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    created_ = TestData("incident-io/incident-created.json");
    learning_ = TestData("incident-io/incident-status-learning.json");
    closed_ = TestData("incident-io/incident-status-closed.json");
    ASSERT_FALSE(created_.empty());
    dir_.Write("teams.json", kTeams);
    server_ = ServerProcess::Start(dir_.path(), {{"INCIDENT_IO_WEBHOOK_SECRET", kSecret},
                                                 {"CONFIG", dir_.File("teams.json")}});
    ASSERT_NE(server_, nullptr);
  }
  // Each delivery its own webhook-id unless a test replays one.
  HttpResponse Deliver(const std::string& body, std::string id = "",
                       std::string timestamp = "", std::string signature = "") {
    if (id.empty()) id = "msg_" + std::to_string(++deliveries_);
    if (timestamp.empty()) timestamp = Now();
    if (signature.empty()) signature = SvixSignature(kKey, id, timestamp, body);
    return HttpClient(server_->port())
        .Post("/webhooks/incident-io", body,
              {{"Content-Type", "application/json"},
               {"webhook-id", id},
               {"webhook-timestamp", timestamp},
               {"webhook-signature", signature}});
  }
  SeriesTotals Series(const std::string& metric) {
    return ReadSeries(dir_.File("em.db"), metric, "product-web");
  }
  json::value Incident() { return HttpClient(server_->port()).Get(kIncident).Json(); }

  TempDir dir_;
  int deliveries_ = 0;
  std::string created_, learning_, closed_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(IncidentIoWebhookTest, CreatedResolvedAndClosedIsOneIncidentWithItsTimes) {
  auto r = Deliver(created_);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Header("location"), kIncident);
  auto incident = Incident();
  EXPECT_EQ(incident.at("project_id"), "product-web");
  EXPECT_EQ(incident.at("team_id"), "web");
  EXPECT_EQ(incident.at("environment"), "production");
  EXPECT_EQ(incident.at("started_at"), "2021-08-17T13:28:57.801Z");
  EXPECT_TRUE(incident.at("restored_at").is_null());

  ASSERT_EQ(Deliver(learning_).status, 200);  // "Post-incident": users no longer affected
  incident = Incident();
  EXPECT_EQ(incident.at("restored_at"), "2021-08-17T14:28:57.801Z");
  EXPECT_TRUE(incident.at("finished_at").is_null());
  EXPECT_EQ(Series("time_to_restore").sum, 3600);

  ASSERT_EQ(Deliver(closed_).status, 200);
  incident = Incident();
  EXPECT_EQ(incident.at("restored_at"), "2021-08-17T14:28:57.801Z");
  EXPECT_EQ(incident.at("finished_at"), "2021-08-19T09:00:00.000Z");
  EXPECT_EQ(Series("incident_finished").count, 1);
}

TEST_F(IncidentIoWebhookTest, ARedeliveryCountsOnce) {
  ASSERT_EQ(Deliver(created_, "msg_created").status, 201);
  // A retry keeps the webhook-id (with a fresh timestamp and signature).
  auto replay = Deliver(created_, "msg_created");
  EXPECT_EQ(replay.status, 200) << replay.body;
  EXPECT_NE(replay.body.find("delivery msg_created was handled before"), std::string::npos)
      << replay.body;
  ASSERT_EQ(Deliver(learning_, "msg_learning").status, 200);
  EXPECT_EQ(Deliver(learning_, "msg_learning").status, 200);
  EXPECT_EQ(Series("incident_count").count, 1);
  EXPECT_EQ(Series("incident_restored").count, 1);
  // The incident moving into live again (reopened) is not a new incident.
  json::value relive = json::parse(learning_);
  auto& update = relive.at("public_incident.incident_status_updated_v2").as_object();
  update["new_status"].as_object()["category"] = "live";
  auto again = Deliver(json::serialize(relive));
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_NE(again.body.find("exists already"), std::string::npos) << again.body;
  EXPECT_EQ(Series("incident_count").count, 1);
}

TEST_F(IncidentIoWebhookTest, ABadSignatureOrAStaleTimestampIs401AndStoresNothing) {
  const std::string ts = Now();
  auto wrong = Deliver(created_, "msg_a", ts,
                       SvixSignature("b3RoZXIta2V5", "msg_a", ts, created_));
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(wrong.body.find("webhook-signature"), std::string::npos) << wrong.body;
  // Signed for another id, or the body changed on the way.
  EXPECT_EQ(Deliver(created_, "msg_b", ts, SvixSignature(kKey, "msg_c", ts, created_)).status,
            401);
  std::string tampered = created_;
  tampered[tampered.find("Product")] = 'p';
  EXPECT_EQ(Deliver(tampered, "msg_d", ts, SvixSignature(kKey, "msg_d", ts, created_)).status,
            401);
  // Correctly signed, but ten minutes old: a captured delivery replayed later.
  const std::string old = std::to_string(std::stoll(ts) - 600);
  auto stale = Deliver(created_, "msg_e", old);
  EXPECT_EQ(stale.status, 401);
  EXPECT_NE(stale.body.find("webhook-timestamp"), std::string::npos) << stale.body;
  auto unsigned_one = HttpClient(server_->port()).Post("/webhooks/incident-io", created_);
  EXPECT_EQ(unsigned_one.status, 401);
  EXPECT_EQ(HttpClient(server_->port()).Get(kIncident).status, 404);
  EXPECT_TRUE(StoredIds(dir_.File("em.db"), "incidents").empty());
}

TEST_F(IncidentIoWebhookTest, EverythingButLiveIncidentsIsAcknowledged) {
  auto expect_ignored = [&](const std::string& body, const std::string& why) {
    auto r = Deliver(body);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find(why), std::string::npos) << r.body;
  };
  expect_ignored(R"({"event_type":"public_incident.incident_updated_v2",)"
                 R"("public_incident.incident_updated_v2":{"id":"x"}})",
                 "does not use");
  expect_ignored(R"({"event_type":"private_incident.incident_created_v2",)"
                 R"("private_incident.incident_created_v2":{"id":"abc123"}})",
                 "private incident");
  json::value triage = json::parse(created_);
  auto& incident = triage.at("public_incident.incident_created_v2").as_object();
  incident["incident_status"].as_object()["category"] = "triage";
  expect_ignored(json::serialize(triage), "status category triage");
  json::value test = json::parse(created_);
  test.at("public_incident.incident_created_v2").as_object()["mode"] = "test";
  expect_ignored(json::serialize(test), "a test incident");
  // No project for its "Affected Team" (and no default_project).
  std::string other = created_;
  for (size_t at; (at = other.find("\"Product\"")) != std::string::npos;) {
    other.replace(at, 9, "\"Finance\"");
  }
  expect_ignored(other, "its Affected Team is given no project");
  EXPECT_TRUE(StoredIds(dir_.File("em.db"), "incidents").empty());
  // Not JSON, or a required field missing: 400 naming it.
  EXPECT_EQ(Deliver("not json").status, 400);
  json::value no_status = json::parse(learning_);
  no_status.at("public_incident.incident_status_updated_v2").as_object().erase("new_status");
  auto r = Deliver(json::serialize(no_status));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("public_incident.incident_status_updated_v2.new_status"),
            std::string::npos)
      << r.body;
}

// incident.io's deliveries may arrive out of order: a change to an incident not seen yet is 404,
// which incident.io retries, and it runs once the incident exists.
TEST_F(IncidentIoWebhookTest, AChangeToAnUnknownIncidentIs404UntilItExists) {
  EXPECT_EQ(Deliver(learning_, "msg_early").status, 404);
  ASSERT_EQ(Deliver(created_).status, 201);
  EXPECT_EQ(Deliver(learning_, "msg_early").status, 200);
  EXPECT_EQ(Incident().at("restored_at"), "2021-08-17T14:28:57.801Z");
}

// The custom field named by deployment_field links the incident to that deployment, when it
// exists; a value naming none leaves the incident unlinked (link=previous_deployment can still
// place it) rather than failing every retry.
TEST_F(IncidentIoWebhookTest, ADeploymentNamedInTheIncidentIsLinked) {
  auto d = HttpClient(server_->port())
               .Post("/api/v1/deployments",
                     R"({"id":"deploy-42","project_id":"product-web",)"
                     R"("first_commit_at":"2021-08-17T09:00:00Z",)"
                     R"("deployed_at":"2021-08-17T12:00:00Z","environment":"production"})",
                     {{"Content-Type", "application/json"}});
  ASSERT_EQ(d.status, 201) << d.body;
  auto with_deployment = [&](const std::string& deployment, const std::string& incident_id) {
    json::value v = json::parse(created_);
    auto& incident = v.at("public_incident.incident_created_v2").as_object();
    incident["id"] = incident_id;
    incident["custom_field_entries"].as_array().push_back(json::parse(
        R"({"custom_field":{"id":"01FCNDV6P870EA6S7TK1DSYDG9","name":"Deployment",)"
        R"("field_type":"text"},"values":[{"value_text":")" +
        deployment + R"("}]})"));
    return json::serialize(v);
  };
  ASSERT_EQ(Deliver(with_deployment("deploy-42", "01LINKED")).status, 201);
  auto linked = HttpClient(server_->port()).Get("/api/v1/incidents/incident-io:01LINKED").Json();
  EXPECT_EQ(linked.at("deployment_id"), "deploy-42");
  EXPECT_EQ(ReadSeries(dir_.File("em.db"), "change_failure_count", "product-web").count, 1);
  ASSERT_EQ(Deliver(with_deployment("deploy-nope", "01UNLINKED")).status, 201);
  auto unlinked =
      HttpClient(server_->port()).Get("/api/v1/incidents/incident-io:01UNLINKED").Json();
  EXPECT_TRUE(unlinked.at("deployment_id").is_null());
  EXPECT_TRUE(server_->WaitForLog("deploy-nope", std::chrono::seconds(5)));
}

TEST_F(IncidentIoWebhookTest, AOneMebibyteDeliveryIsHandled) {
  const std::string body = PadTo(created_, "padding", 1024 * 1024);
  auto r = Deliver(body);
  EXPECT_EQ(r.status, 201) << r.body.substr(0, 200);
  EXPECT_EQ(Series("incident_count").count, 1);
}

TEST(IncidentIoWebhookSecretTest, ASecretThatIsNoSigningSecretStopsTheStart) {
  TempDir dir;
  auto r = RunToExit(dir.path(), {{"INCIDENT_IO_WEBHOOK_SECRET", "my password"}}, {"serve"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("INCIDENT_IO_WEBHOOK_SECRET"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace emm::e2e
