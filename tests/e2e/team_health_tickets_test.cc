// The ticket figures of GET /api/v1/metrics/team-health and their explanation against the real
// binary: tickets delivered as Linear would (POST /webhooks/linear, signed), teams mapped to their
// Linear team by the teams file, the new-value types configured there; every figure worked out by
// hand.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "e2e/http_client.h"
#include "e2e/linear_delivery.h"
#include "e2e/server_process.h"

namespace emm::e2e {
namespace {

namespace json = boost::json;

constexpr const char* kSecret = "lin_wh_test_secret";

// web's tickets are Linear's ENG team's, api's API's; ticket types are the labels of the
// "type-group" label group; features are new value.
constexpr const char* kTeams = R"({"teams": {
  "web": {"linear_team_id": "ENG", "users": [{"github_username": "alice"}]},
  "api": {"linear_team_id": "API"}},
 "ticketing": {"new_value_types": ["feature"],
               "linear": {"ticket_type_selector": {"parent_label_id": "type-group"}}}})";

// Two weeks from Monday 2024-03-04.
constexpr const char* kRange = "from=2024-03-04&to=2024-03-18";

json::object State(const char* type) {
  return json::object{{"id", std::string("s-") + type}, {"name", type}, {"type", type},
                      {"color", "#000000"}};
}

class TeamHealthTicketsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("teams.json", kTeams);
    server_ = ServerProcess::Start(dir_.path(),
                                   {{"CONFIG", "teams.json"}, {"LINEAR_SECRET", kSecret}});
    ASSERT_NE(server_, nullptr);
    c_ = std::make_unique<HttpClient>(server_->port());
    // ENG (web), March 2024:
    //   ENG-1 Feature, Checkout: doing from 03-04 09:00 (estimate 3), done 03-05 09:00 with 5:
    //         86400 s, drift +2.
    //   ENG-2 Bug, Checkout: created 03-06 00:00, never started, done 12:00: 43200 s, drift 0.
    //   ENG-3 Feature, Search: started 03-11 09:00, done 03-13 09:00: 172800 s, no estimate.
    //   ENG-4 Bug, Checkout: created 03-07, canceled 03-12 10:00.
    //   ENG-5 Feature, Checkout: done 03-06 10:00, re-opened 03-08 10:00, doing now.
    // API (api): API-1 Feature, Checkout: started 03-06 09:00, done 03-07 09:00: 86400 s.
    Send("ENG-1", "ENG", "Checkout", "Feature", "started", "2024-03-01T09:00:00Z",
         "2024-03-04T09:00:00Z", "2024-03-04T09:00:00Z", nullptr, 3);
    Send("ENG-1", "ENG", "Checkout", "Feature", "completed", "2024-03-01T09:00:00Z",
         "2024-03-05T09:00:00Z", "2024-03-04T09:00:00Z", "2024-03-05T09:00:00Z", 5);
    Send("ENG-2", "ENG", "Checkout", "Bug", "completed", "2024-03-06T00:00:00Z",
         "2024-03-06T12:00:00Z", nullptr, "2024-03-06T12:00:00Z", 2);
    Send("ENG-3", "ENG", "Search", "Feature", "completed", "2024-03-08T00:00:00Z",
         "2024-03-13T09:00:00Z", "2024-03-11T09:00:00Z", "2024-03-13T09:00:00Z", nullptr);
    Send("ENG-4", "ENG", "Checkout", "Bug", "unstarted", "2024-03-07T00:00:00Z",
         "2024-03-07T00:00:00Z", nullptr, nullptr, nullptr);
    Send("ENG-4", "ENG", "Checkout", "Bug", "canceled", "2024-03-07T00:00:00Z",
         "2024-03-12T10:00:00Z", nullptr, nullptr, nullptr);
    Send("ENG-5", "ENG", "Checkout", "Feature", "completed", "2024-03-05T00:00:00Z",
         "2024-03-06T10:00:00Z", "2024-03-05T10:00:00Z", "2024-03-06T10:00:00Z", nullptr);
    Send("ENG-5", "ENG", "Checkout", "Feature", "started", "2024-03-05T00:00:00Z",
         "2024-03-08T10:00:00Z", "2024-03-05T10:00:00Z", nullptr, nullptr);
    Send("API-1", "API", "Checkout", "Feature", "completed", "2024-03-06T00:00:00Z",
         "2024-03-07T09:00:00Z", "2024-03-06T09:00:00Z", "2024-03-07T09:00:00Z", nullptr);
  }

  // One Issue delivery: the issue's state as Linear reports it at `updated`.
  void Send(const std::string& id, const char* team, const char* project, const char* type,
            const char* state, const char* created, const char* updated, const char* started,
            const char* completed, json::value estimate) {
    json::object issue = LinearIssue(
        id, {{"team", json::object{{"id", std::string("t-") + team}, {"key", team},
                                   {"name", team}}},
             {"project", json::object{{"id", std::string("p-") + project}, {"name", project},
                                      {"url", "https://linear.app/acme/project/x"}}},
             {"labels", json::array{json::object{{"id", std::string("l-") + type},
                                                 {"name", type},
                                                 {"color", "#000000"},
                                                 {"parentId", "type-group"}}}},
             {"createdAt", created},
             {"updatedAt", updated},
             {"startedAt", started ? json::value(started) : json::value(nullptr)},
             {"completedAt", completed ? json::value(completed) : json::value(nullptr)},
             {"estimate", estimate},
             {"state", State(state)}});
    auto r = LinearSender(server_->port(), kSecret).Send(issue);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  // A non-object body throws: the test fails there.
  json::object Get(const std::string& path) { return GetJson(server_->port(), path).as_object(); }
  static double Num(const json::value& v) { return v.to_number<double>(); }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> c_;
};

TEST_F(TeamHealthTicketsTest, OneTeamsTicketFiguresWorkedOutByHand) {
  auto r = Get("/api/v1/metrics/team-health?team=web&" + std::string(kRange));
  const json::value& tickets = r.at("tickets");
  ASSERT_TRUE(tickets.is_object()) << json::serialize(r);
  const json::value& throughput = tickets.at("throughput");
  EXPECT_EQ(throughput.at("finished").as_int64(), 3);  // ENG-1, ENG-2, ENG-3 (not API-1)
  EXPECT_DOUBLE_EQ(Num(throughput.at("per_week")), 1.5);
  EXPECT_EQ(throughput.at("weeks").as_int64(), 2);
  EXPECT_EQ(throughput.at("canceled").as_int64(), 1);  // ENG-4
  EXPECT_EQ(throughput.at("reopened").as_int64(), 1);  // ENG-5

  // 86400 + 43200 + 172800 = 302400 s, of which features 86400 + 172800 = 259200 s.
  const json::value& ratio = tickets.at("innovation_ratio");
  EXPECT_DOUBLE_EQ(Num(ratio.at("value")), 259200.0 / 302400.0);
  EXPECT_EQ(ratio.at("seconds").as_int64(), 302400);
  EXPECT_EQ(ratio.at("new_value_seconds").as_int64(), 259200);
  EXPECT_EQ(ratio.at("tickets").as_int64(), 3);
  EXPECT_EQ(ratio.at("new_value_tickets").as_int64(), 2);
  EXPECT_EQ(ratio.at("unknown_type_tickets").as_int64(), 0);
  EXPECT_TRUE(ratio.at("reason").is_null());

  // ENG-1 +2, ENG-2 0: median 1, p90 0 + 0.9 * 2; one of the two changed; ENG-3 unestimated.
  const json::value& drift = tickets.at("estimate_drift");
  EXPECT_EQ(drift.at("count").as_int64(), 2);
  EXPECT_DOUBLE_EQ(Num(drift.at("median")), 1);
  EXPECT_DOUBLE_EQ(Num(drift.at("p90")), 1.8);
  EXPECT_EQ(drift.at("unit").as_string(), "points");
  EXPECT_EQ(drift.at("changed").as_int64(), 1);
  EXPECT_DOUBLE_EQ(Num(drift.at("changed_share")), 0.5);
  EXPECT_EQ(drift.at("without_estimates").as_int64(), 1);

  // project_id narrows the tickets (Checkout: ENG-1, ENG-2; ENG-4; ENG-5), not the pull requests.
  auto checkout = Get("/api/v1/metrics/team-health?team=web&project_id=Checkout&" +
                      std::string(kRange));
  EXPECT_EQ(checkout.at("tickets").at("throughput").at("finished").as_int64(), 2);
  EXPECT_EQ(checkout.at("tickets").at("throughput").at("canceled").as_int64(), 1);
  EXPECT_DOUBLE_EQ(Num(checkout.at("tickets").at("innovation_ratio").at("value")),
                   86400.0 / 129600.0);
  EXPECT_EQ(checkout.at("ignored_filters").at("project_id").as_string(),
            "pull requests carry a team, not a project: project_id narrows the ticket figures "
            "only");
  // A team the file does not list is its own Linear team: ENG's tickets by their key.
  auto eng = Get("/api/v1/metrics/team-health?team=ENG&" + std::string(kRange));
  EXPECT_EQ(eng.at("tickets").at("throughput").at("finished").as_int64(), 3);
  auto ops = Get("/api/v1/metrics/team-health?team=ops&" + std::string(kRange));
  EXPECT_EQ(ops.at("tickets").at("throughput").at("finished").as_int64(), 0);
}

TEST_F(TeamHealthTicketsTest, SeriesGroupsRowsAndCsv) {
  auto r = Get("/api/v1/metrics/team-health?team=web&interval=week&" + std::string(kRange));
  const json::array& series = r.at("series").as_array();
  ASSERT_EQ(series.size(), 2u);
  const json::value& w1 = series[0].at("tickets");
  EXPECT_EQ(w1.at("throughput").at("finished").as_int64(), 2);  // ENG-1, ENG-2
  EXPECT_EQ(w1.at("throughput").at("reopened").as_int64(), 1);
  EXPECT_EQ(w1.at("throughput").at("canceled").as_int64(), 0);
  EXPECT_DOUBLE_EQ(Num(w1.at("innovation_ratio").at("value")), 86400.0 / 129600.0);
  const json::value& w2 = series[1].at("tickets");
  EXPECT_EQ(w2.at("throughput").at("finished").as_int64(), 1);  // ENG-3
  EXPECT_EQ(w2.at("throughput").at("canceled").as_int64(), 1);
  EXPECT_DOUBLE_EQ(Num(w2.at("innovation_ratio").at("value")), 1);
  EXPECT_EQ(w2.at("estimate_drift").at("count").as_int64(), 0);
  EXPECT_TRUE(w2.at("estimate_drift").at("median").is_null());

  // Every team, split: api has API-1, web ENG's.
  auto all = Get("/api/v1/metrics/team-health?group_by=team&" + std::string(kRange));
  EXPECT_EQ(all.at("tickets").at("throughput").at("finished").as_int64(), 4);
  const json::array& groups = all.at("groups").as_array();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].at("key").at("team").as_string(), "api");
  EXPECT_EQ(groups[0].at("tickets").at("throughput").at("finished").as_int64(), 1);
  EXPECT_EQ(groups[1].at("key").at("team").as_string(), "web");
  EXPECT_EQ(groups[1].at("tickets").at("throughput").at("finished").as_int64(), 3);

  auto rows = c_->Get("/api/v1/metrics/team-health?team=web&interval=week&format=rows&" +
                      std::string(kRange))
                  .Json();
  ASSERT_TRUE(rows.is_array()) << json::serialize(rows);
  EXPECT_EQ(rows.at(0).at("tickets_finished").as_int64(), 2);
  EXPECT_EQ(rows.at(0).at("tickets_reopened").as_int64(), 1);
  EXPECT_EQ(rows.at(1).at("tickets_canceled").as_int64(), 1);
  EXPECT_DOUBLE_EQ(Num(rows.at(1).at("innovation_ratio")), 1);
  EXPECT_EQ(rows.at(1).at("ticket_seconds").as_int64(), 172800);

  auto csv = c_->Get("/api/v1/metrics/team-health?team=web&format=csv&" + std::string(kRange));
  ASSERT_EQ(csv.status, 200);
  EXPECT_NE(csv.body.find(",size_p90,tickets_finished,tickets_finished_per_week,tickets_canceled,"
                          "tickets_reopened,innovation_ratio,innovation_ratio_reason,"
                          "new_value_seconds,ticket_seconds,estimate_drift_median,"
                          "estimate_drift_p90,estimate_changed_share\r\n"),
            std::string::npos)
      << csv.body;
  EXPECT_NE(csv.body.find(",3,1.5,1,1,"), std::string::npos) << csv.body;
}

TEST_F(TeamHealthTicketsTest, ExplainListsTheTicketsBehindEachFigure) {
  const std::string base = "/api/v1/metrics/team-health/explain?team=web&" + std::string(kRange);
  auto ratio = Get(base + "&metric=innovation_ratio");
  EXPECT_EQ(ratio.at("metric").as_string(), "innovation_ratio");
  EXPECT_EQ(ratio.at("unit").as_string(), "seconds");
  EXPECT_EQ(ratio.at("total").as_int64(), 3);
  EXPECT_FALSE(ratio.contains("ignored_filters"));
  const json::array& counted = ratio.at("counted").as_array();
  ASSERT_EQ(counted.size(), 3u);
  EXPECT_EQ(counted[0].at("id").as_string(), "ENG-1");
  EXPECT_EQ(counted[0].at("team_id").as_string(), "ENG");
  EXPECT_EQ(counted[0].at("ticket_type").as_string(), "Feature");
  EXPECT_EQ(counted[0].at("started_at").as_string(), "2024-03-04T09:00:00.000Z");
  EXPECT_EQ(counted[0].at("first_done_at").as_string(), "2024-03-05T09:00:00.000Z");
  EXPECT_EQ(counted[0].at("value").as_int64(), 86400);
  EXPECT_TRUE(counted[0].at("new_value").as_bool());
  EXPECT_EQ(counted[1].at("id").as_string(), "ENG-2");
  EXPECT_FALSE(counted[1].at("new_value").as_bool());
  EXPECT_EQ(counted[2].at("id").as_string(), "ENG-3");
  const json::array& left_out = ratio.at("left_out").as_array();
  ASSERT_EQ(left_out.size(), 2u);
  EXPECT_EQ(left_out[0].at("id").as_string(), "ENG-5");
  EXPECT_EQ(left_out[0].at("reason").as_string(),
            "first done at 2024-03-06T10:00:00.000Z, then re-opened: DOING now");
  EXPECT_EQ(left_out[1].at("id").as_string(), "ENG-4");
  EXPECT_EQ(left_out[1].at("reason").as_string(), "canceled without being done");

  // Paged as the pull request figures.
  auto page = Get(base + "&metric=ticket_throughput&limit=1&cursor=1");
  EXPECT_EQ(page.at("total").as_int64(), 3);
  EXPECT_EQ(page.at("counted").at(0).at("id").as_string(), "ENG-2");
  EXPECT_TRUE(page.at("unit").is_null());
  EXPECT_EQ(page.at("next_cursor").as_string(), "2");

  auto drift = Get(base + "&metric=estimate_drift");
  EXPECT_EQ(drift.at("unit").as_string(), "points");
  EXPECT_EQ(drift.at("counted").at(0).at("value").as_int64(), 2);
  EXPECT_EQ(drift.at("counted").at(0).at("initial_estimation").as_int64(), 3);
  EXPECT_EQ(drift.at("counted").at(0).at("final_estimation").as_int64(), 5);
  EXPECT_EQ(drift.at("counted").at(0).at("estimate_changes").as_int64(), 1);
  EXPECT_EQ(drift.at("counted").at(1).at("value").as_int64(), 0);
  EXPECT_EQ(drift.at("left_out").at(1).at("id").as_string(), "ENG-3");  // after ENG-5, done 03-06
  EXPECT_EQ(drift.at("left_out").at(1).at("reason").as_string(), "never estimated");

  auto reopened = Get(base + "&metric=tickets_reopened");
  ASSERT_EQ(reopened.at("counted").as_array().size(), 1u);
  EXPECT_EQ(reopened.at("counted").at(0).at("id").as_string(), "ENG-5");
  EXPECT_EQ(reopened.at("counted").at(0).at("reopened_at").as_string(),
            "2024-03-08T10:00:00.000Z");
  auto canceled = Get(base + "&metric=tickets_canceled");
  EXPECT_EQ(canceled.at("counted").at(0).at("canceled_at").as_string(),
            "2024-03-12T10:00:00.000Z");

  // A figure no route has is named with every figure there is.
  auto bad = c_->Get("/api/v1/metrics/team-health/explain?metric=throughput");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("ticket_throughput, tickets_canceled"), std::string::npos) << bad.body;
}

// Without ticketing.new_value_types the ratio is not guessed.
TEST(TeamHealthTicketsConfigTest, NoNewValueTypesNoRatio) {
  TempDir dir;
  dir.Write("teams.json", R"({"teams": {"web": {"linear_team_id": "ENG"}}})");
  auto server = ServerProcess::Start(dir.path(), {{"CONFIG", "teams.json"}});
  ASSERT_NE(server, nullptr);
  auto r = HttpClient(server->port()).Get("/api/v1/metrics/team-health?team=web");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value ratio = r.Json().at("tickets").at("innovation_ratio");
  EXPECT_TRUE(ratio.at("value").is_null());
  EXPECT_EQ(ratio.at("reason").as_string(),
            "no ticket type is configured as new value (ticketing.new_value_types in the teams "
            "file)");
}

}  // namespace
}  // namespace emm::e2e
