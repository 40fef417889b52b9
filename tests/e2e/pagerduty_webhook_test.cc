// POST /webhooks/pagerduty against the real binary with Webhooks v3 incident events written from
// PagerDuty's documentation (tests/testdata/pagerduty), signed here: triggered then resolved makes
// one incident with both times, replays count once, wrong signatures store nothing.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "e2e/http_client.h"
#include "e2e/metric_state.h"
#include "e2e/server_process.h"
#include "e2e/webhook_signing.h"

namespace emm::e2e {
namespace {

namespace json = boost::json;

constexpr const char* kSecret = "pd-test-secret";
// The documentation's service PF9KMXH ("API Service") is the project "api".
constexpr const char* kTeams =
    R"({"teams":{"platform":{"projects":["api"]}},)"
    R"("incidents":{"pagerduty":{"projects":{"PF9KMXH":"api"},"environment":"production"}}})";
constexpr const char* kIncident = "/api/v1/incidents/pagerduty:PGR0VU2";

class PagerDutyWebhookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    triggered_ = TestData("pagerduty/incident-triggered.json");
    resolved_ = TestData("pagerduty/incident-resolved.json");
    ASSERT_FALSE(triggered_.empty());
    ASSERT_FALSE(resolved_.empty());
    dir_.Write("teams.json", kTeams);
    server_ = ServerProcess::Start(dir_.path(), {{"PAGERDUTY_WEBHOOK_SECRET", kSecret},
                                                 {"CONFIG", dir_.File("teams.json")}});
    ASSERT_NE(server_, nullptr);
  }
  HttpResponse Deliver(const std::string& body, const std::string& signature) {
    Headers h{{"Content-Type", "application/json"}};
    if (!signature.empty()) h.emplace_back("X-PagerDuty-Signature", signature);
    return HttpClient(server_->port()).Post("/webhooks/pagerduty", body, h);
  }
  HttpResponse Deliver(const std::string& body) {
    return Deliver(body, "v1=" + HexHmacSha256(kSecret, body));
  }
  SeriesTotals Series(const std::string& metric) {
    return ReadSeries(dir_.File("em.db"), metric, "api");
  }

  TempDir dir_;
  std::string triggered_, resolved_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(PagerDutyWebhookTest, TriggeredThenResolvedIsOneIncidentWithBothTimes) {
  auto r = Deliver(triggered_);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Header("location"), kIncident);
  auto incident = HttpClient(server_->port()).Get(kIncident).Json();
  EXPECT_EQ(incident.at("project_id"), "api");
  EXPECT_EQ(incident.at("team_id"), "platform");
  EXPECT_EQ(incident.at("environment"), "production");
  EXPECT_EQ(incident.at("started_at"), "2020-10-02T18:45:20.000Z");  // the incident's created_at
  EXPECT_TRUE(incident.at("restored_at").is_null());
  EXPECT_TRUE(incident.at("deployment_id").is_null());

  r = Deliver(resolved_);
  ASSERT_EQ(r.status, 200) << r.body;
  incident = HttpClient(server_->port()).Get(kIncident).Json();
  EXPECT_EQ(incident.at("restored_at"), "2020-10-02T19:15:20.000Z");  // occurred_at
  EXPECT_EQ(incident.at("finished_at"), "2020-10-02T19:15:20.000Z");
  EXPECT_EQ(Series("time_to_restore").sum, 1800);
  EXPECT_EQ(Series("incident_finished").count, 1);
}

TEST_F(PagerDutyWebhookTest, ARedeliveryCountsOnce) {
  ASSERT_EQ(Deliver(triggered_).status, 201);
  // PagerDuty's retries carry the same event.id.
  auto replay = Deliver(triggered_);
  EXPECT_EQ(replay.status, 200) << replay.body;
  EXPECT_NE(replay.body.find("delivery 01DEN4HPBQAZ6BA5EV5GW5NNMS was handled before"),
            std::string::npos)
      << replay.body;
  ASSERT_EQ(Deliver(resolved_).status, 200);
  EXPECT_EQ(Deliver(resolved_).status, 200);
  EXPECT_EQ(Series("incident_count").count, 1);
  EXPECT_EQ(Series("incident_restored").count, 1);
  EXPECT_EQ(Series("time_to_restore").count, 1);
  // The same incident triggered under another event id (a second subscription) is not new either.
  std::string again = triggered_;
  again.replace(again.find("01DEN4HPBQAZ6BA5EV5GW5NNMS"), 26, "01DEN4HPBQAZ6BA5EV5GW5NNMT");
  auto other = Deliver(again);
  EXPECT_EQ(other.status, 200) << other.body;
  EXPECT_NE(other.body.find("exists already"), std::string::npos) << other.body;
  EXPECT_EQ(Series("incident_count").count, 1);
}

TEST_F(PagerDutyWebhookTest, ABadSignatureIs401AndStoresNothing) {
  auto wrong = Deliver(triggered_, "v1=" + HexHmacSha256("another-secret", triggered_));
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(wrong.body.find("X-PagerDuty-Signature"), std::string::npos) << wrong.body;
  EXPECT_EQ(Deliver(triggered_, "").status, 401);
  EXPECT_EQ(Deliver(triggered_, "v1=nothex").status, 401);
  EXPECT_EQ(Deliver(triggered_, "sha256=" + HexHmacSha256(kSecret, triggered_)).status, 401);
  std::string tampered = triggered_;
  tampered[tampered.find("PGR0VU2")] = 'Q';
  EXPECT_EQ(Deliver(tampered, "v1=" + HexHmacSha256(kSecret, triggered_)).status, 401);
  EXPECT_EQ(HttpClient(server_->port()).Get(kIncident).status, 404);
  EXPECT_TRUE(StoredIds(dir_.File("em.db"), "incidents").empty());
  // During a secret rotation PagerDuty sends both signatures: one matching is enough.
  auto rotated = Deliver(triggered_, "v1=" + HexHmacSha256("old-secret", triggered_) + ",v1=" +
                                         HexHmacSha256(kSecret, triggered_));
  EXPECT_EQ(rotated.status, 201) << rotated.body;
}

TEST_F(PagerDutyWebhookTest, OtherEventsAndUnmappedServicesAreAcknowledged) {
  auto acknowledged = Deliver(TestData("pagerduty/incident-acknowledged.json"));
  EXPECT_EQ(acknowledged.status, 200) << acknowledged.body;
  EXPECT_NE(acknowledged.body.find("ignored"), std::string::npos);
  // An event em-metrics does not use needs no more than its type (PagerDuty's test ping).
  auto ping = Deliver(R"({"event":{"event_type":"pagey.ping","data":{"message":"Hello"}}})");
  EXPECT_EQ(ping.status, 200) << ping.body;
  // A service the teams file gives no project (and no default_project): not taken.
  json::value other = json::parse(triggered_);
  other.at("event").at("data").at("service").as_object()["id"] = "PXXXXXX";
  other.at("event").at("data").at("service").as_object()["summary"] = "Office Wi-Fi";
  auto unmapped = Deliver(json::serialize(other));
  EXPECT_EQ(unmapped.status, 200) << unmapped.body;
  EXPECT_NE(unmapped.body.find("Office Wi-Fi (PXXXXXX)"), std::string::npos) << unmapped.body;
  EXPECT_TRUE(StoredIds(dir_.File("em.db"), "incidents").empty());
  // Not JSON, or a required field missing: 400 naming it.
  EXPECT_EQ(Deliver("not json").status, 400);
  json::value no_id = json::parse(triggered_);
  no_id.at("event").at("data").as_object().erase("id");
  auto r = Deliver(json::serialize(no_id));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("event.data.id"), std::string::npos) << r.body;
}

// The incident was never seen triggered (before the subscription, or while the service was
// unmapped): 404 and nothing recorded, so the same delivery runs once the incident exists.
TEST_F(PagerDutyWebhookTest, ResolvingAnUnknownIncidentIs404) {
  auto r = Deliver(resolved_);
  EXPECT_EQ(r.status, 404) << r.body;
  ASSERT_EQ(Deliver(triggered_).status, 201);
  EXPECT_EQ(Deliver(resolved_).status, 200);
  EXPECT_EQ(HttpClient(server_->port()).Get(kIncident).Json().at("restored_at"),
            "2020-10-02T19:15:20.000Z");
}

// Bodies up to the 1 MiB limit are taken like small ones.
TEST_F(PagerDutyWebhookTest, AOneMebibyteDeliveryIsHandled) {
  const std::string event = json::serialize(json::parse(triggered_).at("event"));
  const std::string body = R"({"event":)" + PadTo(event, "padding", 1024 * 1024 - 10) + "}";
  ASSERT_EQ(body.size(), 1024u * 1024u);
  auto r = Deliver(body);
  EXPECT_EQ(r.status, 201) << r.body.substr(0, 200);
  EXPECT_EQ(Series("incident_count").count, 1);
}

}  // namespace
}  // namespace emm::e2e
