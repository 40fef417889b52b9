// POST /webhooks/gitlab against the real binary, with payloads written from GitLab's documented
// examples (tests/testdata/gitlab): the token checked, merge requests and deployments stored and
// counted once, read back through the GET routes and the metric state.
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

constexpr const char* kToken = "gitlab-test-token";
// root is a GitLab user of team "em"; on GitHub, the same person is someone else.
constexpr const char* kTeams =
    R"({"teams":{"em":{"projects":[],"users":[{"github_username":"rooty","gitlab_username":"root"}]}}})";
constexpr const char* kProject = "root/test-deployment-webhooks";

json::object Fixture(const std::string& name) {
  return json::parse(TestData("gitlab/" + name)).as_object();
}

class GitLabWebhookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("teams.json", kTeams);
    server_ = ServerProcess::Start(dir_.path(), {{"GITLAB_WEBHOOK_TOKEN", kToken},
                                                 {"CONFIG", dir_.File("teams.json")}});
    ASSERT_NE(server_, nullptr);
  }
  // Each delivery its own Idempotency-Key unless a test replays one.
  HttpResponse Deliver(const std::string& event, const std::string& body,
                       std::string key = "", const char* token = kToken) {
    if (key.empty()) key = "key-" + std::to_string(++deliveries_);
    Headers h{{"Content-Type", "application/json"},
              {"X-Gitlab-Event", event},
              {"X-Gitlab-Event-UUID", "uuid-" + std::to_string(++deliveries_)},
              {"Idempotency-Key", key}};
    if (token != nullptr) h.emplace_back("X-Gitlab-Token", token);
    return HttpClient(server_->port()).Post("/webhooks/gitlab", body, h);
  }
  HttpResponse MergeRequest(const std::string& action, const std::string& updated_at = "",
                            const std::string& username = "root", std::string key = "") {
    json::object mr = Fixture("merge_request_open.json");
    mr["object_attributes"].as_object()["action"] = action;
    if (!updated_at.empty()) mr["object_attributes"].as_object()["updated_at"] = updated_at;
    mr["user"].as_object()["username"] = username;
    return Deliver("Merge Request Hook", json::serialize(mr), std::move(key));
  }
  HttpResponse Deployment(int id, const std::string& status, const std::string& at,
                          std::string key = "") {
    json::object d = Fixture("deployment_success.json");
    d["deployment_id"] = id;
    d["status"] = status;
    d["status_changed_at"] = at;
    return Deliver("Deployment Hook", json::serialize(d), std::move(key));
  }
  json::value Get(const std::string& target) { return GetJson(server_->port(), target); }
  SeriesTotals Series(const std::string& metric, const std::string& project = "") {
    return ReadSeries(dir_.File("em.db"), metric, project);
  }

  TempDir dir_;
  int deliveries_ = 0;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(GitLabWebhookTest, AMergeRequestIsOpenedOnceApprovedAndMerged) {
  auto opened = MergeRequest("open", "", "root", "open-1");
  ASSERT_EQ(opened.status, 201) << opened.body;
  json::value pr = Get("/api/v1/pull-requests/gitlab:14!1");
  EXPECT_EQ(pr.at("team_id"), "em");
  EXPECT_EQ(pr.at("author"), "root");
  EXPECT_EQ(pr.at("opened_at"), "2013-12-03T17:23:34.000Z");
  EXPECT_TRUE(pr.at("additions").is_null());
  // GitLab's "Resend request" keeps the Idempotency-Key: nothing runs again. The same opening
  // under another key (a project and a group webhook) is counted once as well.
  auto replay = MergeRequest("open", "", "root", "open-1");
  EXPECT_EQ(replay.status, 200) << replay.body;
  EXPECT_NE(replay.body.find("delivery open-1 was handled before"), std::string::npos);
  auto again = MergeRequest("reopen");
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_NE(again.body.find("exists already"), std::string::npos) << again.body;
  EXPECT_EQ(Series("pull_request_opened_count").count, 1);

  // Approvals: `approval` short of the rule's count, `approved` for the last one; one review each.
  auto approval = MergeRequest("approval", "", "user1");
  ASSERT_EQ(approval.status, 200) << approval.body;
  ASSERT_EQ(MergeRequest("approved", "", "user2").status, 200);
  pr = Get("/api/v1/pull-requests/gitlab:14!1");
  EXPECT_EQ(pr.at("nb_reviews").as_int64(), 2);
  EXPECT_FALSE(pr.at("first_approved_at").is_null());
  EXPECT_EQ(QueryInt(dir_.File("em.db"),
                     "SELECT count(*) FROM pull_request_reviews WHERE approved = 1 AND reviewer IN "
                     "('user1', 'user2')"),
            2);
  EXPECT_EQ(Series("pull_request_time_to_approve").count, 1);

  // Merged two hours after it was opened (updated_at, in GitLab's Ruby form).
  auto merged = MergeRequest("merge", "2013-12-03 19:23:34 UTC");
  ASSERT_EQ(merged.status, 200) << merged.body;
  pr = Get("/api/v1/pull-requests/gitlab:14!1");
  EXPECT_EQ(pr.at("merged_at"), "2013-12-03T19:23:34.000Z");
  EXPECT_EQ(Series("pull_request_merged_count").count, 1);
  EXPECT_EQ(Series("pull_request_time_to_merge").sum, 7200);
  EXPECT_EQ(MergeRequest("merge", "2013-12-03 20:00:00 UTC").status, 200);  // counted once
  EXPECT_EQ(Series("pull_request_merged_count").count, 1);
}

// GitLab disables a webhook after four 4xx in a row: what em-metrics does not know is a 200.
TEST_F(GitLabWebhookTest, WhatIsNotCountedIsAcknowledged) {
  // An author the teams file lists only as a GitHub login.
  auto stranger = MergeRequest("open", "", "rooty");
  EXPECT_EQ(stranger.status, 200) << stranger.body;
  EXPECT_NE(stranger.body.find("gitlab_username"), std::string::npos) << stranger.body;
  // Someone reopening another's merge request is not its author.
  json::object reopened = Fixture("merge_request_open.json");
  reopened["object_attributes"].as_object()["action"] = "reopen";
  reopened["user"].as_object()["id"] = 7;
  EXPECT_EQ(Deliver("Merge Request Hook", json::serialize(reopened)).status, 200);
  // Transitions of a merge request it never stored.
  for (const char* action : {"approval", "merge", "close"}) {
    auto r = MergeRequest(action, "2013-12-04 10:00:00 UTC");
    EXPECT_EQ(r.status, 200) << action << " " << r.body;
    EXPECT_NE(r.body.find("not known"), std::string::npos) << r.body;
  }
  for (const char* action : {"update", "unapproval", "unapproved"}) {
    EXPECT_EQ(MergeRequest(action).status, 200) << action;
  }
  EXPECT_EQ(Deliver("Push Hook", R"({"object_kind":"push"})").status, 200);
  EXPECT_EQ(Deployment(40, "canceled", "2021-04-28 21:50:00 +0200").status, 200);
  EXPECT_EQ(Deployment(41, "created", "2021-04-28 21:50:00 +0200").status, 200);
  EXPECT_EQ(QueryInt(dir_.File("em.db"), "SELECT count(*) FROM pull_requests"), 0);
  EXPECT_EQ(QueryInt(dir_.File("em.db"), "SELECT count(*) FROM pull_request_reviews"), 0);
  EXPECT_TRUE(StoredIds(dir_.File("em.db"), "deployments").empty());
  // What cannot be read at all is still a 400 naming the field.
  auto unreadable = Deliver("Deployment Hook", R"({"status":"success","deployment_id":3})");
  EXPECT_EQ(unreadable.status, 400);
  EXPECT_NE(unreadable.body.find("project"), std::string::npos) << unreadable.body;
  EXPECT_EQ(Deliver("Merge Request Hook", "not json").status, 400);
}

TEST_F(GitLabWebhookTest, AWrongOrMissingTokenIs401AndStoresNothing) {
  const std::string body = json::serialize(Fixture("merge_request_open.json"));
  auto wrong = Deliver("Merge Request Hook", body, "", "another-token");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(wrong.body.find("X-Gitlab-Token"), std::string::npos) << wrong.body;
  EXPECT_EQ(Deliver("Merge Request Hook", body, "", nullptr).status, 401);
  EXPECT_EQ(Deliver("Merge Request Hook", body, "", "gitlab-test-toke").status, 401);
  EXPECT_EQ(HttpClient(server_->port()).Get("/api/v1/pull-requests/gitlab:14!1").status, 404);
  EXPECT_EQ(QueryInt(dir_.File("em.db"), "SELECT count(*) FROM webhook_deliveries"), 0);
}

TEST_F(GitLabWebhookTest, ADeploymentRunsThenSucceedsWithoutLeadTime) {
  auto running = Deployment(15, "running", "2021-04-28 21:40:00 +0200");
  ASSERT_EQ(running.status, 201) << running.body;
  EXPECT_EQ(Get("/api/v1/deployments/gitlab:15").at("status"), "started");
  auto success = Deployment(15, "success", "2021-04-28 21:50:00 +0200", "success-15");
  ASSERT_EQ(success.status, 200) << success.body;
  json::value d = Get("/api/v1/deployments/gitlab:15");
  EXPECT_EQ(d.at("status"), "deployed");
  EXPECT_EQ(d.at("project_id"), kProject);
  EXPECT_EQ(d.at("environment"), "staging");
  EXPECT_EQ(d.at("team_id"), "em");  // from the deployer's GitLab username
  EXPECT_EQ(d.at("deploy_start_at"), "2021-04-28T19:40:00.000Z");
  EXPECT_EQ(d.at("deployed_at"), "2021-04-28T19:50:00.000Z");
  EXPECT_EQ(d.at("commit_sha"), "279484c09fbe69ededfced8c1bb6e6d24616b468");
  EXPECT_TRUE(d.at("first_commit_at").is_null());
  EXPECT_EQ(Deployment(15, "success", "2021-04-28 21:50:00 +0200", "success-15").status, 200);
  EXPECT_EQ(Series("deployment_frequency", kProject).count, 1);
  EXPECT_EQ(Series("deployment_duration", kProject).sum, 600);
  EXPECT_EQ(Series("lead_time_for_changes", kProject).count, 0);
  // The DORA figures count it, without a lead time.
  json::value dora = Get("/api/v1/metrics/dora?from=2021-04-28T00:00:00Z&to=2021-04-29T00:00:00Z");
  EXPECT_EQ(dora.at("deployment_frequency").at("count").as_int64(), 1);
  EXPECT_EQ(dora.at("lead_time_for_changes").at("count").as_int64(), 0);
}

TEST_F(GitLabWebhookTest, AFailedDeploymentNeverDeploysAndASuccessAloneIsCreated) {
  auto failed = Deployment(16, "failed", "2021-04-28 22:00:00 +0200");
  ASSERT_EQ(failed.status, 201) << failed.body;
  EXPECT_EQ(Get("/api/v1/deployments/gitlab:16").at("status"), "started");
  // Its start, delivered late, changes nothing.
  EXPECT_EQ(Deployment(16, "running", "2021-04-28 21:55:00 +0200").status, 200);
  EXPECT_EQ(Series("deployment_started", kProject).count, 1);
  EXPECT_EQ(Series("deployment_frequency", kProject).count, 0);
  EXPECT_EQ(Series("change_failure_count", kProject).count, 0);
  // A success em-metrics saw no start of (the webhook added mid-deployment).
  auto alone = Deployment(17, "success", "2021-04-28 23:00:00 UTC");
  ASSERT_EQ(alone.status, 201) << alone.body;
  EXPECT_EQ(Get("/api/v1/deployments/gitlab:17").at("deployed_at"), "2021-04-28T23:00:00.000Z");
  EXPECT_EQ(Series("deployment_frequency", kProject).count, 1);
}

// A body of nearly the whole 1 MiB limit is handled like a small one; above it, 413.
TEST_F(GitLabWebhookTest, ALargeDeliveryIsHandled) {
  const std::string mr = json::serialize(Fixture("merge_request_open.json"));
  auto r = Deliver("Merge Request Hook", PadTo(mr, "padding", 1024 * 1024));
  EXPECT_EQ(r.status, 201) << r.body.substr(0, 200);
  EXPECT_EQ(Series("pull_request_opened_count").count, 1);
  EXPECT_EQ(Deliver("Merge Request Hook", PadTo(mr, "padding", 1024 * 1024 + 1)).status, 413);
}

}  // namespace
}  // namespace emm::e2e
