// POST /webhooks/github as a GitHub App, against the real binary and a local fake GitHub
// (fake_github.h) that checks the App's JWT and tokens: reviews counted from their comments,
// installation tokens cached and renewed, GitHub's outages answered 502 with nothing stored, and
// deployments from deployment statuses and workflow runs. The deliveries are the self-contained
// ones in tests/testdata/github, signed here.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

#include "e2e/fake_github.h"
#include "e2e/http_client.h"
#include "e2e/server_process.h"
#include "e2e/webhook_signing.h"
#include "testing/rsa_key.h"

namespace emm::e2e {
namespace {

namespace json = boost::json;

constexpr const char* kSecret = "app-test-secret";
constexpr const char* kClientId = "Iv1.e2e-client";
constexpr const char* kTeams =
    R"({"teams":{"api":{"projects":["api"],"users":[{"github_username":"octo-author"}]}},)"
    R"("github":{"projects":{"acme/api":"api"},"deployment_workflows":[)"
    R"({"workflow":".github/workflows/deploy.yml","repository":"acme/api","environment":"prod"}]}})";

const testing::TestRsaKey& AppKey() {
  static const testing::TestRsaKey key = testing::MakeTestRsaKey();
  return key;
}

json::object Payload(const std::string& name) {
  return json::parse(TestData("github/" + name)).as_object();
}

class GitHubAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    github_ = FakeGitHub::Start(AppKey().public_pem, kClientId);
    ASSERT_NE(github_, nullptr);
    dir_.Write("teams.json", kTeams);
    server_ = ServerProcess::Start(dir_.path(),
                                   {{"GITHUB_WEBHOOK_SECRET", kSecret},
                                    {"CONFIG", dir_.File("teams.json")},
                                    {"GITHUB_CLIENT_ID", kClientId},
                                    {"GITHUB_RSA_PEM_KEY_B64", AppKey().private_pem_base64},
                                    // A trailing '/' is not doubled.
                                    {"GITHUB_ENDPOINT", github_->url() + "/"}});
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override {
    if (github_ && !github_->refusals().empty()) {
      ADD_FAILURE() << "the fake GitHub refused: " << github_->refusals().front();
    }
  }

  HttpResponse Deliver(const std::string& event, const json::object& body,
                       const std::string& delivery) {
    const std::string text = json::serialize(body);
    return PostGitHubDelivery(server_->port(), event, text, delivery, GitHubSignature(kSecret, text));
  }
  void OpenPullRequest() {
    auto r = Deliver("pull_request", Payload("pull_request.opened.json"), "open-1");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  // The review delivery with another review id and state.
  json::object Review(int64_t id, const std::string& state = "approved") {
    json::object review = Payload("pull_request_review.submitted.json");
    review["review"].as_object()["id"] = id;
    review["review"].as_object()["state"] = state;
    return review;
  }
  json::object PullRequest() { return Read("/api/v1/pull-requests/1001"); }
  json::object Deployment(const std::string& id) { return Read("/api/v1/deployments/" + id); }
  json::object Read(const std::string& target) {
    json::value v = GetJson(server_->port(), target);
    return v.is_object() ? v.get_object() : json::object();
  }

  TempDir dir_;
  std::unique_ptr<FakeGitHub> github_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(GitHubAppTest, APlainApprovalCountsWithATokenFromAVerifiedJwt) {
  OpenPullRequest();
  auto r = Deliver("pull_request_review", Review(2001), "review-1");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object pr = PullRequest();
  EXPECT_EQ(pr.at("nb_reviews").as_int64(), 1);
  EXPECT_EQ(pr.at("nb_comments").as_int64(), 0);
  EXPECT_EQ(pr.at("first_approved_at"), "2025-06-02T10:30:00.000Z");
  EXPECT_EQ(github_->token_requests(), 1);
  EXPECT_EQ(github_->api_requests(), 1);
}

TEST_F(GitHubAppTest, AReviewOfOnlyRepliesIsNotCountedOneWithCommentsCountsThemAll) {
  OpenPullRequest();
  github_->SetReviewComments(2002, json::parse(R"([{"id":1,"in_reply_to_id":9},
                                                   {"id":2,"in_reply_to_id":9}])").as_array());
  auto replies = Deliver("pull_request_review", Review(2002, "commented"), "review-2");
  ASSERT_EQ(replies.status, 200) << replies.body;
  EXPECT_NE(replies.body.find("only of replies"), std::string::npos) << replies.body;
  EXPECT_EQ(PullRequest().at("nb_reviews").as_int64(), 0);

  // Five comments, one a reply, over three pages of the fake's two: all five counted.
  github_->SetReviewComments(
      2003, json::parse(R"([{"id":3},{"id":4},{"id":5,"in_reply_to_id":3},{"id":6},{"id":7}])")
                .as_array());
  auto commented = Deliver("pull_request_review", Review(2003, "changes_requested"), "review-3");
  ASSERT_EQ(commented.status, 200) << commented.body;
  json::object pr = PullRequest();
  EXPECT_EQ(pr.at("nb_reviews").as_int64(), 1);
  EXPECT_EQ(pr.at("nb_comments").as_int64(), 5);
  EXPECT_TRUE(pr.at("first_approved_at").is_null());
  EXPECT_EQ(github_->api_requests(), 1 + 3);
  EXPECT_EQ(github_->token_requests(), 1);  // one token for both reviews
}

TEST_F(GitHubAppTest, ARedeliveredReviewIsCountedOnce) {
  OpenPullRequest();
  ASSERT_EQ(Deliver("pull_request_review", Review(2004), "review-4").status, 200);
  auto again = Deliver("pull_request_review", Review(2004), "review-4");
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_NE(again.body.find("ignored"), std::string::npos) << again.body;
  EXPECT_EQ(PullRequest().at("nb_reviews").as_int64(), 1);
}

TEST_F(GitHubAppTest, TheTokenIsCachedThenRenewedShortlyBeforeItExpires) {
  OpenPullRequest();
  // em-metrics renews a token a minute before its expires_at: one of 62 s serves for ~2 s.
  github_->SetTokenLifetime(std::chrono::seconds(62));
  ASSERT_EQ(Deliver("pull_request_review", Review(2010), "r-10").status, 200);
  ASSERT_EQ(Deliver("pull_request_review", Review(2011), "r-11").status, 200);
  EXPECT_EQ(github_->token_requests(), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  ASSERT_EQ(Deliver("pull_request_review", Review(2012), "r-12").status, 200);
  EXPECT_EQ(github_->token_requests(), 2);
  EXPECT_EQ(PullRequest().at("nb_reviews").as_int64(), 3);
}

TEST_F(GitHubAppTest, GitHubDownIs502AndStoresNothingUntilRedelivered) {
  OpenPullRequest();
  github_->SetDown(true);
  auto down = Deliver("pull_request_review", Review(2020), "review-20");
  EXPECT_EQ(down.status, 502) << down.body;
  EXPECT_NE(down.body.find("503"), std::string::npos) << down.body;
  EXPECT_EQ(PullRequest().at("nb_reviews").as_int64(), 0);
  // The failed delivery recorded nothing: its redelivery counts once GitHub is back.
  github_->SetDown(false);
  EXPECT_EQ(Deliver("pull_request_review", Review(2020), "review-20").status, 200);
  EXPECT_EQ(PullRequest().at("nb_reviews").as_int64(), 1);
  // Unreachable (nothing listens any more): 502 too, quickly, never a hang.
  github_->Stop();
  auto start = std::chrono::steady_clock::now();
  auto gone = Deliver("pull_request_review", Review(2021), "review-21");
  EXPECT_EQ(gone.status, 502) << gone.body;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(9));
  EXPECT_EQ(PullRequest().at("nb_reviews").as_int64(), 1);
}

TEST_F(GitHubAppTest, ReviewsThatDoNotCountNeverCallGitHub) {
  OpenPullRequest();
  json::object own = Review(2030);
  own["review"].as_object()["user"].as_object()["login"] = "octo-author";
  EXPECT_EQ(Deliver("pull_request_review", own, "r-30").status, 200);
  EXPECT_EQ(Deliver("pull_request_review", Review(2031, "dismissed"), "r-31").status, 200);
  EXPECT_EQ(Deliver("pull_request_review", Review(2032, "APPROVED"), "r-32").status, 200);
  json::object edited = Review(2033);
  edited["action"] = "edited";
  EXPECT_EQ(Deliver("pull_request_review", edited, "r-33").status, 200);
  json::object stranger = Review(2034);
  stranger["pull_request"].as_object()["user"].as_object()["login"] = "someone-else";
  EXPECT_EQ(Deliver("pull_request_review", stranger, "r-34").status, 200);
  EXPECT_EQ(github_->token_requests() + github_->api_requests(), 0);
  EXPECT_EQ(PullRequest().at("nb_reviews").as_int64(), 0);
}

TEST_F(GitHubAppTest, AReviewOfAnUnknownPullRequestIs404AndMissingFieldsAreNamed) {
  auto unknown = Deliver("pull_request_review", Review(2040), "r-40");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  json::object bare = Review(2041);
  bare.erase("installation");
  bare["repository"].as_object()["full_name"] = "acme/../x";
  auto r = Deliver("pull_request_review", bare, "r-41");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("installation.id"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("repository.full_name"), std::string::npos) << r.body;
}

// Every event's field errors are named by their path in the delivery, nested objects included.
TEST_F(GitHubAppTest, EachEventsBadFieldsAreNamedByTheirPath) {
  auto named = [](const HttpResponse& r, std::initializer_list<const char*> fields) {
    EXPECT_EQ(r.status, 400) << r.body;
    for (const char* f : fields) {
      EXPECT_NE(r.body.find(std::string("\"") + f + "\""), std::string::npos) << f << ": " << r.body;
    }
  };
  json::object opened = Payload("pull_request.opened.json");
  opened["pull_request"].as_object()["additions"] = "many";
  named(Deliver("pull_request", opened, "bad-1"), {"pull_request.additions"});
  opened["pull_request"].as_object()["user"] = "octo-author";
  named(Deliver("pull_request", opened, "bad-2"), {"pull_request.user"});

  json::object status = Payload("deployment_status.success.json");
  status["deployment"].as_object().erase("sha");
  status["deployment_status"].as_object()["created_at"] = "yesterday";
  named(Deliver("deployment_status", status, "bad-3"),
        {"deployment.sha", "deployment_status.created_at"});

  json::object run = Payload("workflow_run.completed.json");
  run["workflow_run"].as_object().erase("head_commit");
  run["workflow_run"].as_object()["run_started_at"] = 7;
  named(Deliver("workflow_run", run, "bad-4"),
        {"workflow_run.head_commit", "workflow_run.run_started_at"});
  run = Payload("workflow_run.completed.json");
  run["workflow_run"].as_object()["head_commit"].as_object().erase("timestamp");
  named(Deliver("workflow_run", run, "bad-5"), {"workflow_run.head_commit.timestamp"});
  EXPECT_EQ(github_->token_requests() + github_->api_requests(), 0);
}

TEST_F(GitHubAppTest, ASuccessfulDeploymentStatusIsADeploymentFromTheCommitsAuthorDate) {
  github_->SetCommitDate("ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12", "2025-06-01T16:00:00Z");
  auto r = Deliver("deployment_status", Payload("deployment_status.success.json"), "dep-1");
  ASSERT_EQ(r.status, 201) << r.body;
  json::object d = Deployment("3001");
  EXPECT_EQ(d.at("status"), "deployed");
  EXPECT_EQ(d.at("project_id"), "api");  // github.projects maps acme/api
  EXPECT_EQ(d.at("team_id"), "api");
  EXPECT_EQ(d.at("environment"), "production");
  EXPECT_EQ(d.at("first_commit_at"), "2025-06-01T16:00:00.000Z");
  EXPECT_EQ(d.at("deploy_start_at"), "2025-06-02T12:00:00.000Z");
  EXPECT_EQ(d.at("deployed_at"), "2025-06-02T12:10:00.000Z");
  EXPECT_EQ(d.at("commit_sha"), "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12");
  // Another delivery of the same success changes nothing.
  EXPECT_EQ(Deliver("deployment_status", Payload("deployment_status.success.json"), "dep-2").status,
            200);

  // failure: a deployment that never deployed; in_progress: nothing.
  json::object failed = Payload("deployment_status.success.json");
  failed["deployment"].as_object()["id"] = 3002;
  failed["deployment_status"].as_object()["state"] = "failure";
  ASSERT_EQ(Deliver("deployment_status", failed, "dep-3").status, 201);
  EXPECT_EQ(Deployment("3002").at("status"), "started");
  json::object pending = failed;
  pending["deployment"].as_object()["id"] = 3003;
  pending["deployment_status"].as_object()["state"] = "in_progress";
  EXPECT_EQ(Deliver("deployment_status", pending, "dep-4").status, 200);
  EXPECT_EQ(HttpClient(server_->port()).Get("/api/v1/deployments/3003").status, 404);
}

TEST_F(GitHubAppTest, ADeploymentStatusWhoseCommitGitHubCannotFindIs502) {
  auto r = Deliver("deployment_status", Payload("deployment_status.success.json"), "dep-9");
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_NE(r.body.find("No commit found"), std::string::npos) << r.body;
  EXPECT_EQ(HttpClient(server_->port()).Get("/api/v1/deployments/3001").status, 404);
}

TEST_F(GitHubAppTest, ARunOfADeploymentWorkflowIsADeployment) {
  auto r = Deliver("workflow_run", Payload("workflow_run.completed.json"), "run-1");
  ASSERT_EQ(r.status, 201) << r.body;
  json::object d = Deployment("run-4001");
  EXPECT_EQ(d.at("status"), "deployed");
  EXPECT_EQ(d.at("project_id"), "api");
  EXPECT_EQ(d.at("environment"), "prod");  // from github.deployment_workflows
  EXPECT_EQ(d.at("first_commit_at"), "2025-06-03T07:00:00.000Z");
  EXPECT_EQ(d.at("deploy_start_at"), "2025-06-03T08:01:00.000Z");
  EXPECT_EQ(d.at("deployed_at"), "2025-06-03T08:20:00.000Z");
  EXPECT_EQ(github_->token_requests(), 0);  // the payload has all it needs

  json::object other = Payload("workflow_run.completed.json");
  other["workflow_run"].as_object()["id"] = 4002;
  other["workflow_run"].as_object()["path"] = ".github/workflows/ci.yml";
  other["workflow_run"].as_object()["name"] = "CI";
  auto ci = Deliver("workflow_run", other, "run-2");
  EXPECT_EQ(ci.status, 200);
  EXPECT_NE(ci.body.find("deployment_workflows"), std::string::npos) << ci.body;
  EXPECT_EQ(HttpClient(server_->port()).Get("/api/v1/deployments/run-4002").status, 404);
}

TEST(GitHubAppSettingsTest, ABadKeyOrAHalfConfiguredAppStopsTheStart) {
  TempDir dir;
  auto bad = RunToExit(dir.path(), {{"GITHUB_CLIENT_ID", kClientId},
                                    {"GITHUB_RSA_PEM_KEY_B64", "bm90IGEga2V5"}},
                       {});
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("GITHUB_RSA_PEM_KEY_B64"), std::string::npos) << bad.output;
  auto half = RunToExit(dir.path(), {{"GITHUB_CLIENT_ID", kClientId}}, {});
  EXPECT_EQ(half.exit_code, 2) << half.output;
  EXPECT_NE(half.output.find("GITHUB_RSA_PEM_KEY_B64"), std::string::npos) << half.output;
}

}  // namespace
}  // namespace emm::e2e
