// The original's pull request routes (its GitHub Action's calls), each body as its contract
// documents it, against the real binary: what is stored, what is counted, and the original's bugs
// fixed (every review counts, a repeated close or merge counts once, unknown ids are 404).
#include <gtest/gtest.h>

#include <string>

#include "e2e/http_client.h"
#include "e2e/metric_state.h"
#include "e2e/server_process.h"

namespace emm::e2e {
namespace {

class PullRequestsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start(dir_.path());
    ASSERT_NE(server_, nullptr);
  }
  HttpResponse Post(const std::string& path, const std::string& body) {
    return HttpClient(server_->port()).Post(path, body, {{"Content-Type", "application/json"}});
  }
  HttpResponse Get(const std::string& path) { return HttpClient(server_->port()).Get(path); }
  // Pull request series carry the team only.
  SeriesTotals Series(const std::string& metric) { return ReadSeries(dir_.File("em.db"), metric, ""); }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(PullRequestsTest, TheOriginalsLifecycleIsStoredAndCounted) {
  auto opened = Post("/api/v1/pull-requests",
                     R"({"id":"42","team_id":"web","opened_at":"2024-05-01T10:00:00Z",)"
                     R"("additions":120,"deletions":0})");
  ASSERT_EQ(opened.status, 201) << opened.body;
  EXPECT_EQ(opened.Header("location"), "/api/v1/pull-requests/42");
  EXPECT_EQ(Post("/api/v1/pull-requests/42/reviewed",
                 R"({"nb_comments":3,"reviewed_at":"2024-05-01T10:30:00Z"})")
                .status,
            200);
  EXPECT_EQ(Post("/api/v1/pull-requests/42/reviewed",
                 R"({"approved":true,"reviewed_at":"2024-05-01T11:00:00Z"})")
                .status,
            200);
  EXPECT_EQ(Post("/api/v1/pull-requests/42/merged", R"({"merged_at":"2024-05-01T12:00:00Z"})")
                .status,
            200);
  EXPECT_EQ(Post("/api/v1/pull-requests/42/merged", R"({"merged_at":"2024-05-02T12:00:00Z"})")
                .status,
            200);  // a repeat answers 200 and counts nothing
  EXPECT_EQ(Post("/api/v1/pull-requests/42/closed", "").status, 200);

  auto pr = Get("/api/v1/pull-requests/42").Json();
  EXPECT_EQ(pr.at("team_id"), "web");
  EXPECT_EQ(pr.at("opened_at"), "2024-05-01T10:00:00.000Z");
  EXPECT_EQ(pr.at("first_review_at"), "2024-05-01T10:30:00.000Z");
  EXPECT_EQ(pr.at("first_approved_at"), "2024-05-01T11:00:00.000Z");
  EXPECT_EQ(pr.at("merged_at"), "2024-05-01T12:00:00.000Z");
  EXPECT_TRUE(pr.at("closed_at").is_null());
  EXPECT_EQ(pr.at("nb_reviews").as_int64(), 2);  // the original stopped at 1
  EXPECT_EQ(pr.at("nb_comments").as_int64(), 3);

  EXPECT_EQ(Series("pull_request_opened_count").count, 1);
  EXPECT_EQ(Series("pull_request_loc_added").sum, 120);
  EXPECT_EQ(Series("pull_request_loc_removed").count, 0);  // 0 lines: not observed
  EXPECT_EQ(Series("pull_request_nb_comments_per_review").count, 2);
  EXPECT_EQ(Series("pull_request_time_to_first_review").sum, 1800);
  EXPECT_EQ(Series("pull_request_time_to_approve").sum, 3600);
  EXPECT_EQ(Series("pull_request_merged_count").count, 1);
  EXPECT_EQ(Series("pull_request_time_to_merge").sum, 7200);
  EXPECT_EQ(Series("pull_request_nb_reviews_per_pr").sum, 2);
  EXPECT_EQ(Series("pull_request_closed_count").count, 0);
  EXPECT_EQ(Series("pull_request_opened_count").team_id, "web");

  // On /metrics, with the team as the only label.
  auto metrics = Get("/metrics").body;
  EXPECT_NE(metrics.find(R"(pull_request_time_to_merge_seconds_sum{team_id="web"} 7200)"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(R"(pull_request_loc_added_bucket{team_id="web",le="300.0"} 1)"),
            std::string::npos);
}

TEST_F(PullRequestsTest, DefaultsListsAndErrors) {
  ASSERT_EQ(Post("/api/v1/pull-requests", R"({"id":7,"team_id":"web"})").status, 201);
  ASSERT_EQ(Post("/api/v1/pull-requests", R"({"id":"8","team_id":"api","author":"ana"})").status,
            201);
  EXPECT_EQ(Get("/api/v1/pull-requests/8").Json().at("author"), "ana");
  EXPECT_TRUE(Get("/api/v1/pull-requests/7").Json().at("author").is_null());
  EXPECT_EQ(Post("/api/v1/pull-requests/8/reviewed", R"({"reviewer":true})").status, 400);
  EXPECT_EQ(Post("/api/v1/pull-requests/8/closed", "{}").status, 200);
  EXPECT_EQ(Post("/api/v1/pull-requests/8/closed", "{}").status, 200);
  EXPECT_EQ(Series("pull_request_closed_count").count, 1);

  auto all = Get("/api/v1/pull-requests").Json().as_array();
  ASSERT_EQ(all.size(), 2u);
  auto web = Get("/api/v1/pull-requests?team_id=web").Json().as_array();
  ASSERT_EQ(web.size(), 1u);
  EXPECT_EQ(web[0].at("id"), "7");  // an integer id is its decimal string, as the original
  EXPECT_EQ(Get("/api/v1/pull-requests?team=web").status, 400);  // unknown parameter

  auto dup = Post("/api/v1/pull-requests", R"({"id":"7","team_id":"web"})");
  EXPECT_EQ(dup.status, 409);
  auto missing = Post("/api/v1/pull-requests", R"({"id":"9"})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("team_id"), std::string::npos);
  auto negative = Post("/api/v1/pull-requests", R"({"id":"9","team_id":"web","additions":-3})");
  EXPECT_EQ(negative.status, 400);
  EXPECT_NE(negative.body.find("additions"), std::string::npos);
  auto bad_date = Post("/api/v1/pull-requests/7/reviewed", R"({"reviewed_at":"soon"})");
  EXPECT_EQ(bad_date.status, 400);
  EXPECT_NE(bad_date.body.find("reviewed_at"), std::string::npos);
  for (const char* action : {"reviewed", "closed", "merged"}) {
    auto r = Post(std::string("/api/v1/pull-requests/ghost/") + action, "{}");
    EXPECT_EQ(r.status, 404) << action;
    EXPECT_EQ(r.Json().at("error"), "PullRequest does not exist") << action;
  }
  EXPECT_EQ(Get("/api/v1/pull-requests/ghost").status, 404);
  EXPECT_EQ(Series("pull_request_opened_count").count, 2);
}

}  // namespace
}  // namespace emm::e2e
