// GET /api/v1/metrics/team-health and its explanation against the real binary: a small
// back-filled history of pull requests and reviews posted over HTTP, the figures worked out by hand.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "e2e/http_client.h"
#include "e2e/server_process.h"

namespace emm::e2e {
namespace {

namespace json = boost::json;

// ops is not in the teams file: its engineers cannot be known.
constexpr const char* kTeams = R"({"teams": {
  "web": {"projects": ["site"],
          "users": [{"github_username": "alice"}, {"github_username": "bob"},
                    {"github_username": "carol"}]},
  "api": {"projects": ["api"], "users": [{"github_username": "dave"}]}}})";

// Two weeks from Monday 2024-03-04.
constexpr const char* kRange = "from=2024-03-04&to=2024-03-18";

class TeamHealthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("teams.json", kTeams);
    server_ = ServerProcess::Start(dir_.path(), {{"CONFIG", "teams.json"},
                                                 {"EM_METRICS_BOT_LOGINS", "jenkins"}});
    ASSERT_NE(server_, nullptr);
    c_ = std::make_unique<HttpClient>(server_->port());
    // web, March 2024:
    //   w1 alice, opened 03-04 10:00 (+10 -5); bob reviews 10:30, carol approves 12:00; merged
    //      14:00: first review 1800 s, approval 7200 s, merge 14400 s, 2 reviews, 15 lines.
    //   w2 alice, opened 03-01 09:00, before the range (+100 -20); bob approves 03-05 09:00;
    //      merged 03-05 10:00: first review and approval 345600 s, merge 349200 s, 1 review,
    //      120 lines.
    //   w3 bob, opened 03-12 08:00; jenkins (a configured bot) approves at 08:05; still open.
    //   w4 dependabot[bot], opened 03-06 08:00 and merged an hour later: counted nowhere.
    //   w5 carol, opened 03-07 09:00, closed without a merge 03-08 09:00.
    // api: a1 dave, opened 03-05 09:00, merged 03-06 09:00 (86400 s).
    // ops: o1 erin, opened 03-05 09:00.
    Open("w1", "web", "alice", "2024-03-04T10:00:00Z", R"(,"additions":10,"deletions":5)");
    Review("w1", "bob", "2024-03-04T10:30:00Z", false);
    Review("w1", "carol", "2024-03-04T12:00:00Z", true);
    Transition("w1", "merged", "2024-03-04T14:00:00Z");
    Open("w2", "web", "alice", "2024-03-01T09:00:00Z", R"(,"additions":100,"deletions":20)");
    Review("w2", "bob", "2024-03-05T09:00:00Z", true);
    Transition("w2", "merged", "2024-03-05T10:00:00Z");
    Open("w3", "web", "bob", "2024-03-12T08:00:00Z");
    Review("w3", "jenkins", "2024-03-12T08:05:00Z", true);
    Open("w4", "web", "dependabot[bot]", "2024-03-06T08:00:00Z", R"(,"additions":1,"deletions":1)");
    Transition("w4", "merged", "2024-03-06T09:00:00Z");
    Open("w5", "web", "carol", "2024-03-07T09:00:00Z");
    Transition("w5", "closed", "2024-03-08T09:00:00Z");
    Open("a1", "api", "dave", "2024-03-05T09:00:00Z");
    Transition("a1", "merged", "2024-03-06T09:00:00Z");
    Open("o1", "ops", "erin", "2024-03-05T09:00:00Z");
  }

  void Open(const std::string& id, const std::string& team, const std::string& author,
            const std::string& at, const std::string& extra = "") {
    auto r = c_->Post("/api/v1/pull-requests", R"({"id":")" + id + R"(","team_id":")" + team +
                                                   R"(","author":")" + author +
                                                   R"(","opened_at":")" + at + "\"" + extra + "}");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  void Review(const std::string& id, const std::string& reviewer, const std::string& at,
              bool approved) {
    auto r = c_->Post("/api/v1/pull-requests/" + id + "/reviewed",
                      R"({"reviewer":")" + reviewer + R"(","reviewed_at":")" + at +
                          R"(","approved":)" + (approved ? "true" : "false") + "}");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  void Transition(const std::string& id, const std::string& what, const std::string& at) {
    auto r = c_->Post("/api/v1/pull-requests/" + id + "/" + what,
                      "{\"" + what + "_at\":\"" + at + "\"}");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  // A non-object body throws: the test fails there.
  json::object Get(const std::string& path) { return GetJson(server_->port(), path).as_object(); }
  // The field a 400 names.
  std::string Refused(const std::string& path) {
    auto r = c_->Get(path);
    EXPECT_EQ(r.status, 400) << path << ": " << r.body;
    auto v = r.Json();
    if (!v.is_object() || !v.as_object().contains("errors")) return "";
    return std::string(v.at("errors").at(0).at("field").as_string());
  }
  static double Num(const json::value& v) { return v.to_number<double>(); }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> c_;
};

TEST_F(TeamHealthTest, OneTeamsFiguresWorkedOutByHand) {
  auto r = Get("/api/v1/metrics/team-health?team=web&" + std::string(kRange));
  EXPECT_EQ(r.at("from").as_string(), "2024-03-04T00:00:00.000Z");
  EXPECT_EQ(r.at("to").as_string(), "2024-03-18T00:00:00.000Z");
  // No tickets stored: the ticket figures are there, counting none (team_health_tickets_test.cc).
  EXPECT_EQ(r.at("tickets").at("throughput").at("finished").as_int64(), 0);
  const json::value& prs = r.at("pull_requests");
  EXPECT_EQ(prs.at("opened").as_int64(), 3);  // w1, w3, w5 (w2 before the range, w4 a bot's)
  EXPECT_EQ(prs.at("merged").as_int64(), 2);  // w1, w2
  EXPECT_EQ(prs.at("closed").as_int64(), 1);  // w5
  // alice, bob, carol; not jenkins (a bot), not dependabot[bot].
  EXPECT_EQ(prs.at("engineers").at("count").as_int64(), 3);
  EXPECT_TRUE(prs.at("engineers").at("unknown_reason").is_null());
  const json::value& per = prs.at("merged_per_engineer_per_week");
  EXPECT_DOUBLE_EQ(Num(per.at("value")), 2.0 / 3 / 2);  // 2 merged / 3 engineers / 2 weeks
  EXPECT_EQ(per.at("weeks").as_int64(), 2);
  // First reviews 1800 and 345600: the median is their mean; p90 = 1800 + 0.9 * 343800.
  EXPECT_EQ(prs.at("time_to_first_review").at("count").as_int64(), 2);
  EXPECT_DOUBLE_EQ(Num(prs.at("time_to_first_review").at("median")), 173700);
  EXPECT_DOUBLE_EQ(Num(prs.at("time_to_first_review").at("p90")), 311220);
  EXPECT_EQ(prs.at("time_to_first_review").at("unit").as_string(), "seconds");
  EXPECT_DOUBLE_EQ(Num(prs.at("time_to_approve").at("median")), 176400);  // 7200, 345600
  EXPECT_DOUBLE_EQ(Num(prs.at("time_to_approve").at("p90")), 311760);
  EXPECT_DOUBLE_EQ(Num(prs.at("time_to_merge").at("median")), 181800);  // 14400, 349200
  EXPECT_DOUBLE_EQ(Num(prs.at("time_to_merge").at("p90")), 315720);
  EXPECT_EQ(prs.at("reviews_per_pr").at("reviews").as_int64(), 3);  // 2 + 1
  EXPECT_DOUBLE_EQ(Num(prs.at("reviews_per_pr").at("median")), 1.5);
  EXPECT_DOUBLE_EQ(Num(prs.at("size").at("median")), 67.5);  // 15, 120
  EXPECT_DOUBLE_EQ(Num(prs.at("size").at("p90")), 109.5);
  EXPECT_EQ(prs.at("size").at("unit").as_string(), "lines");
}

TEST_F(TeamHealthTest, SeriesGroupsAndEngineersThatCannotBeKnown) {
  auto r = Get("/api/v1/metrics/team-health?team=web&interval=week&" + std::string(kRange));
  const json::array& series = r.at("series").as_array();
  ASSERT_EQ(series.size(), 2u);
  const json::value& w1 = series[0].at("pull_requests");
  EXPECT_EQ(series[0].at("start").as_string(), "2024-03-04T00:00:00.000Z");
  EXPECT_EQ(w1.at("opened").as_int64(), 2);  // w1, w5
  EXPECT_EQ(w1.at("merged").as_int64(), 2);
  EXPECT_EQ(w1.at("engineers").at("count").as_int64(), 3);
  EXPECT_DOUBLE_EQ(Num(w1.at("merged_per_engineer_per_week").at("value")), 2.0 / 3);
  const json::value& w2 = series[1].at("pull_requests");
  EXPECT_EQ(w2.at("opened").as_int64(), 1);                   // w3
  EXPECT_EQ(w2.at("engineers").at("count").as_int64(), 1);    // bob; jenkins is a bot
  EXPECT_EQ(w2.at("time_to_first_review").at("count").as_int64(), 0);  // bots' reviews only
  EXPECT_TRUE(w2.at("time_to_first_review").at("median").is_null());

  // Every team: ops is in no teams file, so the engineers of the whole cannot be known either.
  auto all = Get("/api/v1/metrics/team-health?group_by=team&" + std::string(kRange));
  const json::value& whole = all.at("pull_requests");
  EXPECT_EQ(whole.at("merged").as_int64(), 3);
  EXPECT_TRUE(whole.at("engineers").at("count").is_null());
  EXPECT_TRUE(whole.at("merged_per_engineer_per_week").at("value").is_null());
  const std::string why = "team \"ops\" lists no GitHub or GitLab users in the teams file";
  EXPECT_EQ(whole.at("engineers").at("unknown_reason").as_string(), why);
  EXPECT_EQ(whole.at("merged_per_engineer_per_week").at("reason").as_string(), why);
  const json::array& groups = all.at("groups").as_array();
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].at("key").at("team").as_string(), "api");
  EXPECT_EQ(groups[0].at("pull_requests").at("engineers").at("count").as_int64(), 1);  // dave
  EXPECT_DOUBLE_EQ(Num(groups[0].at("pull_requests").at("merged_per_engineer_per_week").at("value")),
                   0.5);  // 1 merged / 1 engineer / 2 weeks
  EXPECT_DOUBLE_EQ(Num(groups[0].at("pull_requests").at("time_to_merge").at("median")), 86400);
  EXPECT_EQ(groups[1].at("key").at("team").as_string(), "ops");
  EXPECT_TRUE(groups[1].at("pull_requests").at("engineers").at("count").is_null());
  EXPECT_EQ(groups[2].at("key").at("team").as_string(), "web");
  EXPECT_EQ(groups[2].at("pull_requests").at("engineers").at("count").as_int64(), 3);

  // project_id is taken, and the answer says it narrows no pull request figure.
  auto p = Get("/api/v1/metrics/team-health?team=web&project_id=site&" + std::string(kRange));
  EXPECT_EQ(p.at("pull_requests").at("opened").as_int64(), 3);
  EXPECT_TRUE(p.at("ignored_filters").as_object().contains("project_id"));
}

TEST_F(TeamHealthTest, RowsAndCsv) {
  auto rows = c_->Get("/api/v1/metrics/team-health?team=web&interval=week&format=rows&" +
                      std::string(kRange))
                  .Json();
  ASSERT_TRUE(rows.is_array()) << json::serialize(rows);
  ASSERT_EQ(rows.as_array().size(), 2u);
  const json::value& first = rows.at(0);
  EXPECT_EQ(first.at("start").as_string(), "2024-03-04T00:00:00.000Z");
  EXPECT_TRUE(first.at("group").is_null());
  EXPECT_EQ(first.at("merged").as_int64(), 2);
  EXPECT_EQ(first.at("engineers").as_int64(), 3);
  EXPECT_DOUBLE_EQ(Num(first.at("time_to_merge_median")), 181800);
  EXPECT_DOUBLE_EQ(Num(first.at("size_p90")), 109.5);

  // Bucket first, then team.
  auto grouped = c_->Get("/api/v1/metrics/team-health?group_by=team&interval=week&format=rows&" +
                         std::string(kRange))
                     .Json()
                     .as_array();
  ASSERT_EQ(grouped.size(), 6u);
  EXPECT_EQ(grouped[0].at("group").as_string(), "api");
  EXPECT_EQ(grouped[2].at("group").as_string(), "web");
  EXPECT_EQ(grouped[3].at("start").as_string(), "2024-03-11T00:00:00.000Z");
  EXPECT_FALSE(grouped[1].at("engineers_unknown_reason").is_null());  // ops

  auto csv = c_->Get("/api/v1/metrics/team-health?team=web&interval=week&format=csv&" +
                     std::string(kRange));
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.Header("content-type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body.rfind("start,end,group,opened,merged,closed,engineers,"
                           "merged_per_engineer_per_week,engineers_unknown_reason,"
                           "time_to_first_review_median,",
                           0),
            0u)
      << csv.body;
  EXPECT_NE(csv.body.find("\r\n2024-03-04T00:00:00.000Z,2024-03-11T00:00:00.000Z,,2,2,1,3,"),
            std::string::npos)
      << csv.body;
  EXPECT_NE(csv.body.find("\r\n2024-03-11T00:00:00.000Z,2024-03-18T00:00:00.000Z,,1,0,0,1,0,,"),
            std::string::npos)
      << csv.body;
  auto accepted = c_->Get("/api/v1/metrics/team-health?" + std::string(kRange),
                          {{"Accept", "text/csv"}});
  EXPECT_EQ(accepted.Header("content-type"), "text/csv; charset=utf-8");
}

TEST_F(TeamHealthTest, ExplainListsWhatCountsAndWhyTheRestIsLeftOut) {
  const std::string base = "/api/v1/metrics/team-health/explain?team=web&" + std::string(kRange);
  auto merge = Get(base + "&metric=time_to_merge");
  EXPECT_EQ(merge.at("metric").as_string(), "time_to_merge");
  EXPECT_EQ(merge.at("unit").as_string(), "seconds");
  EXPECT_EQ(merge.at("total").as_int64(), 2);
  const json::array& counted = merge.at("counted").as_array();
  ASSERT_EQ(counted.size(), 2u);
  EXPECT_EQ(counted[0].at("id").as_string(), "w1");
  EXPECT_EQ(counted[0].at("author").as_string(), "alice");
  EXPECT_EQ(counted[0].at("value").as_int64(), 14400);
  EXPECT_EQ(counted[1].at("id").as_string(), "w2");
  EXPECT_EQ(counted[1].at("value").as_int64(), 349200);
  const json::array& left_out = merge.at("left_out").as_array();
  ASSERT_EQ(left_out.size(), 3u);
  EXPECT_EQ(left_out[0].at("id").as_string(), "w4");
  EXPECT_EQ(left_out[0].at("reason").as_string(), "authored by a bot (dependabot[bot])");
  EXPECT_EQ(left_out[1].at("id").as_string(), "w5");
  EXPECT_EQ(left_out[1].at("reason").as_string(), "closed without a merge");
  EXPECT_EQ(left_out[2].at("id").as_string(), "w3");
  EXPECT_EQ(left_out[2].at("reason").as_string(), "not merged yet");

  // Paged, each list with its own cursor.
  auto page = Get(base + "&metric=time_to_merge&limit=1");
  EXPECT_EQ(page.at("counted").at(0).at("id").as_string(), "w1");
  EXPECT_EQ(page.at("next_cursor").as_string(), "1");
  EXPECT_EQ(page.at("left_out_next_cursor").as_string(), "1");
  auto next = Get(base + "&metric=time_to_merge&limit=1&cursor=1&left_out_cursor=2");
  EXPECT_EQ(next.at("counted").at(0).at("id").as_string(), "w2");
  EXPECT_TRUE(next.at("next_cursor").is_null());
  EXPECT_EQ(next.at("left_out").at(0).at("id").as_string(), "w3");
  EXPECT_TRUE(next.at("left_out_next_cursor").is_null());

  auto first = Get(base + "&metric=time_to_first_review");
  EXPECT_EQ(first.at("counted").at(0).at("review").at("reviewer").as_string(), "bob");
  bool bots_only = false;
  for (const auto& l : first.at("left_out").as_array()) {
    bots_only |= l.at("id") == "w3" && l.at("reason") == "reviewed by bots only";
  }
  EXPECT_TRUE(bots_only) << json::serialize(first.at("left_out"));

  auto reviews = Get(base + "&metric=reviews_per_pr");
  EXPECT_EQ(reviews.at("unit").as_string(), "reviews");
  EXPECT_EQ(reviews.at("counted").at(0).at("reviews").as_array().size(), 2u);  // bob, carol

  auto engineers = Get(base + "&metric=merged_per_engineer_per_week");
  EXPECT_EQ(engineers.at("engineers").at("count").as_int64(), 3);
  std::vector<std::string> who;
  for (const auto& c : engineers.at("contributors").as_array()) {
    who.push_back(std::string(c.at("login").as_string()) +
                  (c.at("engineer").as_bool() ? "" : ": " + std::string(c.at("reason").as_string())));
  }
  EXPECT_EQ(who, (std::vector<std::string>{"alice", "bob", "carol", "dependabot[bot]: a bot",
                                           "jenkins: a bot"}));
}

TEST_F(TeamHealthTest, BadParametersAreNamed) {
  const std::string figures = "/api/v1/metrics/team-health?";
  EXPECT_EQ(Refused(figures + "from=soon"), "from");
  EXPECT_EQ(Refused(figures + "from=2024-03-18&to=2024-03-04"), "from");
  EXPECT_EQ(Refused(figures + "to=2026-02-30"), "to");
  EXPECT_EQ(Refused(figures + "tz=Mars/Olympus"), "tz");
  EXPECT_EQ(Refused(figures + "interval=year"), "interval");
  EXPECT_EQ(Refused(figures + "group_by=project"), "group_by");
  EXPECT_EQ(Refused(figures + "format=xml"), "format");
  EXPECT_EQ(Refused(figures + "environment=production"), "environment");
  EXPECT_EQ(Refused(figures + "interval=day&from=2020-01-01&to=2024-01-01"), "interval");
  const std::string explain = "/api/v1/metrics/team-health/explain?";
  EXPECT_EQ(Refused(explain + kRange), "metric");
  EXPECT_EQ(Refused(explain + "metric=lead_time_for_changes"), "metric");
  EXPECT_EQ(Refused(explain + "metric=size&limit=0"), "limit");
  EXPECT_EQ(Refused(explain + "metric=size&cursor=-1"), "cursor");
  EXPECT_EQ(Refused(explain + "metric=size&format=csv"), "format");
  // The default range is the 30 days up to now: nothing of 2024's in it.
  auto recent = Get(figures + "team=web");
  EXPECT_EQ(recent.at("pull_requests").at("opened").as_int64(), 0);
  // A zone's midnights.
  auto paris = Get(figures + "team=web&tz=Europe/Paris&" + kRange);
  EXPECT_EQ(paris.at("from").as_string(), "2024-03-03T23:00:00.000Z");
  EXPECT_EQ(paris.at("tz").as_string(), "Europe/Paris");
}

}  // namespace
}  // namespace emm::e2e
