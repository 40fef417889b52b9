// POST /webhooks/linear against the real binary with Linear-shaped Issue deliveries
// (tests/testdata/linear), signed here with OpenSSL: stored with the original's mapping, counted
// once, read back with their history; refused without storing when the signature or the
// timestamp is off; other types acknowledged.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>

#include "e2e/http_client.h"
#include "e2e/linear_delivery.h"
#include "e2e/metric_state.h"
#include "e2e/server_process.h"

namespace emm::e2e {
namespace {

namespace json = boost::json;

constexpr const char* kSecret = "lin_wh_test_secret";
// Ticket types are the labels of the "Type" group (issue-create.json's "Bug").
constexpr const char* kTeams =
    R"({"ticketing":{"linear":{"ticket_type_selector":)"
    R"({"parent_label_id":"f6e5d4c3-b2a1-4f0e-9d8c-7b6a5f4e3d2c"}}}})";

class LinearWebhookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("teams.json", kTeams);
    server_ = ServerProcess::Start(dir_.path(), {{"LINEAR_SECRET", kSecret},
                                                 {"CONFIG", dir_.File("teams.json")}});
    ASSERT_NE(server_, nullptr);
    linear_ = std::make_unique<LinearSender>(server_->port(), kSecret);
  }
  json::value Ticket(const std::string& id) {
    return HttpClient(server_->port()).Get("/api/v1/tickets/" + id).Json();
  }
  int64_t Series(const std::string& metric, const std::string& type, const char* column) {
    return QueryInt(dir_.File("em.db"), std::string("SELECT ") + column +
                                            " FROM metric_series WHERE metric = '" + metric +
                                            "' AND ticket_type = '" + type + "'");
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<LinearSender> linear_;
};

TEST_F(LinearWebhookTest, AnIssueIsStoredThenCountedOnceWhenCompleted) {
  auto created = linear_->Send(LinearFixture("issue-create.json"), "d-create");
  ASSERT_EQ(created.status, 200) << created.body;  // Linear wants a 200, even for a creation
  json::value t = Ticket("ENG-42");
  EXPECT_EQ(t.at("team_id"), "ENG");
  EXPECT_EQ(t.at("project_id"), "Checkout");
  EXPECT_EQ(t.at("status"), "BACKLOG");
  EXPECT_EQ(t.at("ticket_type"), "Bug");
  EXPECT_EQ(t.at("actor_hash"), "tfyF5VdV+eDQMKEKtEKbaylEhV+aDWAHf+gyvsvEHXI=");
  EXPECT_EQ(t.at("created_at"), "2025-03-03T09:15:27.318Z");
  EXPECT_EQ(t.at("initial_estimation").as_int64(), 3);
  EXPECT_EQ(t.at("status_history").as_array().size(), 1u);
  EXPECT_EQ(Series("ticket_count", "Bug", "count"), -1);  // no row: not done yet

  auto completed = linear_->Send(LinearFixture("issue-update-completed.json"), "d-done");
  ASSERT_EQ(completed.status, 200) << completed.body;
  t = Ticket("ENG-42");
  EXPECT_EQ(t.at("status"), "DONE");
  EXPECT_EQ(t.at("started_at"), "2025-03-04T08:00:00.000Z");
  EXPECT_EQ(t.at("finished_at"), "2025-03-05T16:40:02.911Z");
  EXPECT_EQ(t.at("initial_estimation").as_int64(), 3);  // kept (the original overwrote it)
  EXPECT_EQ(t.at("current_estimation").as_int64(), 5);
  EXPECT_EQ(t.at("final_estimation").as_int64(), 5);
  const json::array& history = t.at("status_history").as_array();
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[1].at("from"), "BACKLOG");
  EXPECT_EQ(history[1].at("to"), "DONE");
  EXPECT_EQ(history[1].at("at"), "2025-03-05T16:40:02.911Z");
  EXPECT_EQ(t.at("estimation_history").as_array().size(), 1u);

  EXPECT_EQ(Series("ticket_count", "Bug", "count"), 1);
  // Started 2025-03-04T08:00:00.000Z, completed 2025-03-05T16:40:02.911Z: 117602.911 s.
  EXPECT_EQ(Series("time_per_ticket", "Bug", "CAST(sum * 1000 AS INTEGER)"), 117602911);
  EXPECT_EQ(Series("ticket_estimation_changed", "Bug", "sum"), 2);  // 3 -> 5

  // Linear's retry of the same delivery, and the same state under another delivery id: 200,
  // nothing counted again.
  auto replay = linear_->Send(LinearFixture("issue-update-completed.json"), "d-done");
  EXPECT_EQ(replay.status, 200) << replay.body;
  EXPECT_NE(replay.body.find("handled before"), std::string::npos) << replay.body;
  auto again = linear_->Send(LinearFixture("issue-update-completed.json"), "d-other");
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Series("ticket_count", "Bug", "count"), 1);
  EXPECT_EQ(Ticket("ENG-42").at("status_history").as_array().size(), 2u);
}

TEST_F(LinearWebhookTest, AnIssueWithoutProjectIsStoredWithAnEmptyOne) {
  auto r = linear_->Send(LinearIssue("ENG-7", {{"project", nullptr}, {"projectId", nullptr}}));
  ASSERT_EQ(r.status, 200) << r.body;  // the original answered 500
  EXPECT_EQ(Ticket("ENG-7").at("project_id"), "");
}

// ENG-2 names ENG-1 as its parent: ENG-1 is then skipped (ignore_parent_issues by default).
TEST_F(LinearWebhookTest, AParentIssueIsNotCounted) {
  ASSERT_EQ(linear_->Send(LinearIssue("ENG-1", {})).status, 200);
  json::object done_state{{"id", "s-done"}, {"name", "Done"}, {"type", "completed"},
                          {"color", "#5e6ad2"}};
  auto child = linear_->Send(LinearIssue(
      "ENG-2", {{"parentId", "uuid-ENG-1"}, {"state", done_state},
                {"completedAt", "2025-03-04T10:00:00.000Z"}}));
  ASSERT_EQ(child.status, 200) << child.body;
  auto parent = linear_->Send(LinearIssue(
      "ENG-1", {{"state", done_state}, {"completedAt", "2025-03-05T10:00:00.000Z"},
                {"updatedAt", "2025-03-05T10:00:00.000Z"}}));
  EXPECT_EQ(parent.status, 200) << parent.body;
  EXPECT_EQ(Ticket("ENG-2").at("parent_ticket_id"), "uuid-ENG-1");
  EXPECT_EQ(Ticket("ENG-1").at("status"), "BACKLOG");
  EXPECT_EQ(Series("ticket_count", "Bug", "count"), 1);
}

TEST_F(LinearWebhookTest, ABadSignatureIs401AndStoresNothing) {
  const std::string body = json::serialize(LinearFixture("issue-create.json"));
  auto wrong = linear_->SendRaw(body, {{"Linear-Signature", LinearSender(0, "other").Sign(body)}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(wrong.body.find("Linear-Signature"), std::string::npos) << wrong.body;
  EXPECT_EQ(linear_->SendRaw(body, {}).status, 401);
  EXPECT_EQ(linear_->SendRaw(body, {{"Linear-Signature", "sha256=" + linear_->Sign(body)}}).status,
            401);
  std::string tampered = body;
  tampered.replace(tampered.find("ENG-42"), 6, "ENG-43");
  EXPECT_EQ(linear_->SendRaw(tampered, {{"Linear-Signature", linear_->Sign(body)}}).status, 401);
  EXPECT_EQ(HttpClient(server_->port()).Get("/api/v1/tickets/ENG-42").status, 404);
  EXPECT_EQ(HttpClient(server_->port()).Get("/api/v1/tickets/ENG-43").status, 404);
}

// Linear's replay guard: webhookTimestamp within a minute of our clock, either way.
TEST_F(LinearWebhookTest, AnOldOrFutureTimestampIs401) {
  auto old = linear_->Send(LinearFixture("issue-create.json"), "", -120 * 1000);
  EXPECT_EQ(old.status, 401);
  EXPECT_NE(old.body.find("webhookTimestamp is 120 s old"), std::string::npos) << old.body;
  auto future = linear_->Send(LinearFixture("issue-create.json"), "", 90 * 1000);
  EXPECT_EQ(future.status, 401);
  EXPECT_NE(future.body.find("in the future"), std::string::npos) << future.body;
  json::object untimed = LinearFixture("issue-create.json");
  untimed.erase("webhookTimestamp");
  const std::string body = json::serialize(untimed);
  auto missing = linear_->SendRaw(body, {{"Linear-Signature", linear_->Sign(body)}});
  EXPECT_EQ(missing.status, 401);
  EXPECT_NE(missing.body.find("webhookTimestamp is missing"), std::string::npos) << missing.body;
  EXPECT_EQ(HttpClient(server_->port()).Get("/api/v1/tickets/ENG-42").status, 404);
  // Within the minute: taken.
  EXPECT_EQ(linear_->Send(LinearFixture("issue-create.json"), "", -30 * 1000).status, 200);
}

TEST_F(LinearWebhookTest, OtherTypesAreAcknowledgedAndBadIssuesNamed) {
  auto comment = linear_->Send(LinearFixture("comment-create.json"));
  EXPECT_EQ(comment.status, 200);
  EXPECT_NE(comment.body.find("ignored"), std::string::npos) << comment.body;
  EXPECT_TRUE(server_->WaitForLog("webhook delivery ignored", std::chrono::seconds(5)));

  auto bad = linear_->Send(LinearIssue("ENG-9", {{"createdAt", "yesterday"},
                                                 {"state", json::object{{"name", "Todo"}}}}));
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("data.createdAt"), std::string::npos) << bad.body;
  EXPECT_NE(bad.body.find("data.state.type"), std::string::npos) << bad.body;
  auto no_data = linear_->Send(json::object{{"type", "Issue"}, {"action", "create"}});
  EXPECT_EQ(no_data.status, 400);
  EXPECT_NE(no_data.body.find(R"("field":"data")"), std::string::npos) << no_data.body;
  EXPECT_EQ(HttpClient(server_->port()).Get("/api/v1/tickets").Json().as_array().size(), 0u);
}

// A delivery near the 1 MiB body limit is handled like a small one.
TEST_F(LinearWebhookTest, ALargeDeliveryIsHandled) {
  json::object big = LinearFixture("issue-create.json");
  big.at("data").as_object()["description"] = std::string(900 * 1024, 'x');
  auto r = linear_->Send(big);
  EXPECT_EQ(r.status, 200) << r.body.substr(0, 200);
  EXPECT_EQ(Ticket("ENG-42").at("status"), "BACKLOG");
}

TEST(LinearWebhookSecretTest, WithoutASecretDeliveriesAre503NamingIt) {
  TempDir dir;
  auto server = ServerProcess::Start(dir.path());
  ASSERT_NE(server, nullptr);
  auto r = LinearSender(server->port(), "whatever").Send(LinearFixture("issue-create.json"));
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("LINEAR_SECRET"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace emm::e2e
