// GET /api/v1/metrics/dora against the real binary: a small back-filled history posted over HTTP,
// the figures worked out by hand.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "e2e/http_client.h"
#include "e2e/server_process.h"

namespace emm::e2e {
namespace {

namespace json = boost::json;

constexpr const char* kTeams =
    R"({"teams": {"backend": {"projects": ["api"]}, "web": {"projects": ["site"]}}})";

class DoraTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("teams.json", kTeams);
    server_ = ServerProcess::Start(
        dir_.path(), {{"CONFIG", "teams.json"}, {"DEPLOYMENT_ENVIRONMENT", "production"}});
    ASSERT_NE(server_, nullptr);
    c_ = std::make_unique<HttpClient>(server_->port());
    // March 2024 (back-filled), all in production unless said:
    //   api  d1 deployed 03-04 12:00, lead 2 h, duration 10 min            (planned)
    //   api  d2 deployed 03-05 12:00, lead 6 h, duration 20 min, hotfix    -> failed (i1, i2)
    //   site d3 deployed 03-11 00:00, lead 4 h, duration 30 min            (planned)
    //   api  d4 deployed 03-12 00:00, lead 1 h, staging, rollback
    //   api  d5 deployed 04-01 00:00 exactly: on the edge, outside [03-01, 04-01)
    Deploy("d1", "api", "2024-03-04T10:00:00Z", "2024-03-04T11:50:00Z", "2024-03-04T12:00:00Z");
    Deploy("d2", "api", "2024-03-05T06:00:00Z", "2024-03-05T11:40:00Z", "2024-03-05T12:00:00Z",
           R"(,"kind":"hotfix","commit_sha":"abc123")");
    Deploy("d3", "site", "2024-03-10T20:00:00Z", "2024-03-10T23:30:00Z", "2024-03-11T00:00:00Z");
    Deploy("d4", "api", "2024-03-11T23:00:00Z", "2024-03-11T23:50:00Z", "2024-03-12T00:00:00Z",
           R"(,"kind":"rollback","environment":"staging")");
    Deploy("d5", "api", "2024-03-31T22:00:00Z", "2024-03-31T23:00:00Z", "2024-04-01T00:00:00Z");
    // i1: d2, started 30 min after it, restored 1 h later. i2: d2 again, restored after 20 min.
    // i3: no deployment, site, restored after 2 h.
    Incident(R"({"id":"i1","project_id":"api","deployment_id":"d2",)"
             R"("started_at":"2024-03-05T12:30:00Z","restored_at":"2024-03-05T13:30:00Z"})");
    Incident(R"({"id":"i2","project_id":"api","deployment_id":"d2",)"
             R"("started_at":"2024-03-05T12:40:00Z","restored_at":"2024-03-05T13:00:00Z"})");
    Incident(R"({"id":"i3","project_id":"site",)"
             R"("started_at":"2024-03-20T08:00:00Z","restored_at":"2024-03-20T10:00:00Z"})");
  }

  void Deploy(const std::string& id, const std::string& project, const std::string& first_commit,
              const std::string& start, const std::string& deployed,
              const std::string& extra = "") {
    auto r =
        c_->Post("/api/v1/deployments",
                 R"({"id":")" + id + R"(","project_id":")" + project + R"(","first_commit_at":")" +
                     first_commit + R"(","deploy_start_at":")" + start + "\"" + extra + "}");
    ASSERT_EQ(r.status, 201) << r.body;
    r = c_->Post("/api/v1/deployments/" + id + "/deployed",
                 R"({"create_if_not_exists":false,"deployed_at":")" + deployed + "\"}");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  void Incident(const std::string& body) {
    auto r = c_->Post("/api/v1/incidents", body);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  json::object Dora(const std::string& query) {
    auto r = c_->Get("/api/v1/metrics/dora?" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    auto v = r.Json();
    return v.is_object() ? v.as_object() : json::object();
  }
  static double Num(const json::value& v) { return v.to_number<double>(); }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> c_;
};

constexpr const char* kMarch = "from=2024-03-01T00:00:00Z&to=2024-04-01T00:00:00Z";

TEST_F(DoraTest, TheFiguresOfABackFilledMonth) {
  json::object r = Dora(kMarch);
  EXPECT_EQ(r.at("from").as_string(), "2024-03-01T00:00:00.000Z");
  EXPECT_EQ(r.at("preset").as_string(), "dora-2023");
  // d1..d4 (d5 sits on `to`): 4 in 31 days.
  const auto& df = r.at("deployment_frequency");
  EXPECT_EQ(df.at("count").to_number<int>(), 4);
  EXPECT_NEAR(Num(df.at("per_day")), 4.0 / 31, 1e-12);
  EXPECT_EQ(df.at("level").as_string(), "medium");  // >= 1/30 a day, < 1/7
  // Lead times 1 h, 2 h, 4 h, 6 h: median 3 h, p90 at 2.7: 4 h + 0.7 * 2 h = 5.4 h.
  const auto& lt = r.at("lead_time_for_changes");
  EXPECT_DOUBLE_EQ(Num(lt.at("median")), 3 * 3600);
  EXPECT_DOUBLE_EQ(Num(lt.at("p90")), 5.4 * 3600);
  EXPECT_DOUBLE_EQ(Num(lt.at("mean")), 3.25 * 3600);
  EXPECT_EQ(lt.at("level").as_string(), "elite");
  // d2 failed (two incidents, once): 1 / 4.
  const auto& cfr = r.at("change_failure_rate");
  EXPECT_EQ(cfr.at("failed").to_number<int>(), 1);
  EXPECT_EQ(cfr.at("total").to_number<int>(), 4);
  EXPECT_DOUBLE_EQ(Num(cfr.at("ratio")), 0.25);
  EXPECT_EQ(cfr.at("level").as_string(), "low");
  // Restores 20 min, 1 h, 2 h: median 1 h (not under an hour: high).
  const auto& ttr = r.at("time_to_restore");
  EXPECT_EQ(ttr.at("count").to_number<int>(), 3);
  EXPECT_DOUBLE_EQ(Num(ttr.at("median")), 3600);
  EXPECT_EQ(ttr.at("level").as_string(), "high");
  // d2 recovered at i2's restore, 1 h after it deployed.
  EXPECT_DOUBLE_EQ(Num(r.at("failed_deployment_recovery_time").at("median")), 3600);
  // A hotfix and a rollback out of 4.
  EXPECT_DOUBLE_EQ(Num(r.at("rework_rate").at("ratio")), 0.5);
  // Detection 30 and 40 min.
  EXPECT_DOUBLE_EQ(Num(r.at("time_to_detect").at("median")), 35 * 60);
  // Durations 10, 20, 30, 10 min: median 15 min.
  EXPECT_DOUBLE_EQ(Num(r.at("deployment_duration").at("median")), 15 * 60);
  EXPECT_EQ(r.at("overall_level").as_string(), "low");
  EXPECT_FALSE(r.contains("series"));
  EXPECT_FALSE(r.contains("groups"));
}

TEST_F(DoraTest, FiltersAreRepeatableAndNarrowEveryFigure) {
  json::object prod = Dora(std::string(kMarch) + "&environment=production&project_id=api");
  EXPECT_EQ(prod.at("deployment_frequency").at("count").to_number<int>(), 2);  // d1, d2
  EXPECT_EQ(prod.at("time_to_restore").at("count").to_number<int>(), 2);       // i1, i2
  json::object both = Dora(std::string(kMarch) + "&project_id=api&project_id=site");
  EXPECT_EQ(both.at("deployment_frequency").at("count").to_number<int>(), 4);
  json::object web = Dora(std::string(kMarch) + "&team=web");
  EXPECT_EQ(web.at("deployment_frequency").at("count").to_number<int>(), 1);  // d3
  EXPECT_DOUBLE_EQ(Num(web.at("time_to_restore").at("median")), 7200);        // i3
  // An empty range: nulls, no levels.
  json::object empty = Dora("from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z");
  EXPECT_EQ(empty.at("deployment_frequency").at("count").to_number<int>(), 0);
  EXPECT_TRUE(empty.at("lead_time_for_changes").at("median").is_null());
  EXPECT_TRUE(empty.at("change_failure_rate").at("ratio").is_null());
  EXPECT_TRUE(empty.at("overall_level").is_null());
}

TEST_F(DoraTest, WeeklySeriesAndGroups) {
  json::object r = Dora(std::string(kMarch) + "&interval=week&group_by=team");
  const auto& series = r.at("series").as_array();
  // 2024-03-01 is a Friday: Mar 1-4, then weeks from Mar 4, 11, 18, 25.
  ASSERT_EQ(series.size(), 5u);
  EXPECT_EQ(series[0].at("start").as_string(), "2024-03-01T00:00:00.000Z");
  EXPECT_EQ(series[0].at("end").as_string(), "2024-03-04T00:00:00.000Z");
  EXPECT_EQ(series[1].at("deployment_frequency").at("count").to_number<int>(), 2);  // d1, d2
  EXPECT_EQ(series[2].at("deployment_frequency").at("count").to_number<int>(), 2);  // d3, d4
  EXPECT_EQ(series[3].at("time_to_restore").at("count").to_number<int>(), 1);       // i3
  EXPECT_EQ(series[4].at("end").as_string(), "2024-04-01T00:00:00.000Z");
  const auto& groups = r.at("groups").as_array();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].at("key").at("team").as_string(), "backend");
  EXPECT_EQ(groups[0].at("deployment_frequency").at("count").to_number<int>(), 3);
  EXPECT_DOUBLE_EQ(Num(groups[0].at("change_failure_rate").at("ratio")), 1.0 / 3);
  EXPECT_EQ(groups[1].at("key").at("team").as_string(), "web");
}

// A failure and its recovery recorded after the deployment, through the incident routes.
TEST_F(DoraTest, IncidentsRecordFailureAndRecoveryOnTheirDeployment) {
  Incident(R"({"id":"i4","project_id":"site","deployment_id":"d3",)"
           R"("started_at":"2024-03-11T01:00:00Z"})");
  json::object r = Dora(kMarch);
  EXPECT_EQ(r.at("change_failure_rate").at("failed").to_number<int>(), 2);  // d2, d3
  EXPECT_EQ(r.at("failed_deployment_recovery_time").at("count").to_number<int>(), 1);
  auto restored = c_->Post("/api/v1/incidents/i4/restored", R"({"date":"2024-03-11T03:00:00Z"})");
  ASSERT_EQ(restored.status, 200) << restored.body;
  r = Dora(kMarch);
  // d2 recovered after 1 h, d3 after 3 h: median 2 h.
  EXPECT_EQ(r.at("failed_deployment_recovery_time").at("count").to_number<int>(), 2);
  EXPECT_DOUBLE_EQ(Num(r.at("failed_deployment_recovery_time").at("median")), 2 * 3600);
  // A later, longer incident on d3 does not move its earliest recovery.
  Incident(R"({"id":"i5","project_id":"site","deployment_id":"d3",)"
           R"("started_at":"2024-03-12T01:00:00Z","finished_at":"2024-03-13T01:00:00Z"})");
  r = Dora(kMarch);
  EXPECT_EQ(r.at("change_failure_rate").at("failed").to_number<int>(), 2);
  EXPECT_DOUBLE_EQ(Num(r.at("failed_deployment_recovery_time").at("median")), 2 * 3600);
}

// Flat rows for Grafana's Infinity data source, and CSV for spreadsheets.
TEST_F(DoraTest, RowsAndCsv) {
  auto r = c_->Get("/api/v1/metrics/dora?" + std::string(kMarch) +
                   "&interval=month&group_by=project&format=rows");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto rows = r.Json().as_array();
  ASSERT_EQ(rows.size(), 2u);  // one month x (api, site)
  EXPECT_EQ(rows[0].at("group").as_string(), "api");
  EXPECT_EQ(rows[0].at("start").as_string(), "2024-03-01T00:00:00.000Z");
  EXPECT_EQ(rows[0].at("deployments").to_number<int>(), 3);  // d1, d2, d4
  EXPECT_EQ(rows[1].at("group").as_string(), "site");
  EXPECT_DOUBLE_EQ(Num(rows[1].at("time_to_restore_median")), 7200);

  auto csv = c_->Get("/api/v1/metrics/dora?" + std::string(kMarch) + "&interval=week&format=csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.headers.at("content-type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body.rfind("start,end,group,deployments,", 0), 0u) << csv.body;
  EXPECT_NE(csv.body.find("\r\n2024-03-04T00:00:00.000Z,2024-03-11T00:00:00.000Z,,2,"),
            std::string::npos)
      << csv.body;
  size_t lines = 0;
  for (char ch : csv.body) lines += ch == '\n';
  EXPECT_EQ(lines, 6u);  // header + 5 weeks

  auto listed = c_->Get("/api/v1/deployments?format=csv");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.rfind("id,project_id,first_commit_at,", 0), 0u) << listed.body;
  EXPECT_NE(listed.body.find("\r\nd2,api,2024-03-05T06:00:00.000Z,"), std::string::npos)
      << listed.body;
  auto accepted = c_->Get("/api/v1/incidents", {{"Accept", "text/csv"}});
  EXPECT_EQ(accepted.body.rfind("id,", 0), 0u) << accepted.body;
}

// Grafana annotations: deployments as points, incidents from start to restore, in time order.
TEST_F(DoraTest, Annotations) {
  // Unix milliseconds, as Grafana's ${__from} / ${__to} give: 2024-03-01 .. 2024-04-01.
  auto r = c_->Get("/api/v1/annotations?from=1709251200000&to=1711929600000");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto rows = r.Json().as_array();
  ASSERT_EQ(rows.size(), 7u);  // d1..d4 and i1..i3 (d5 is on `to`)
  EXPECT_EQ(rows[0].at("title").as_string(), "Deployment d1");
  EXPECT_EQ(rows[0].at("time").to_number<int64_t>(), 1709553600000);  // 2024-03-04T12:00:00Z
  EXPECT_TRUE(rows[0].at("timeEnd").is_null());
  EXPECT_NE(std::string(rows[0].at("text").as_string()).find("lead time 2h 0m"), std::string::npos)
      << rows[0];
  EXPECT_EQ(rows[0].at("tags").as_array().at(0).as_string(), "deployment");
  // i1 started 30 min after d2 and was restored an hour later.
  EXPECT_EQ(rows[2].at("title").as_string(), "Incident i1");
  EXPECT_EQ(rows[2].at("timeEnd").to_number<int64_t>() - rows[2].at("time").to_number<int64_t>(),
            3600000);
  EXPECT_NE(std::string(rows[2].at("text").as_string()).find("caused by deployment d2"),
            std::string::npos);
  auto only = c_->Get(
      "/api/v1/annotations?from=2024-03-01T00:00:00Z&to=2024-04-01T00:00:00Z"
      "&type=incident&project_id=site");
  ASSERT_EQ(only.status, 200);
  ASSERT_EQ(only.Json().as_array().size(), 1u);  // i3
  EXPECT_EQ(c_->Get("/api/v1/annotations?type=release").status, 400);
  EXPECT_EQ(c_->Get("/api/v1/annotations?from=soon").status, 400);
}

// The events behind one figure, each with its value, paged; and what was left out, and why.
TEST_F(DoraTest, ExplainShowsTheEventsBehindAFigure) {
  // A deployment started in March and never marked deployed.
  auto started =
      c_->Post("/api/v1/deployments",
               R"({"id":"stuck","project_id":"api","first_commit_at":"2024-03-20T08:00:00Z",)"
               R"("deploy_start_at":"2024-03-20T09:00:00Z"})");
  ASSERT_EQ(started.status, 201);
  auto r = c_->Get("/api/v1/metrics/dora/explain?metric=lead_time_for_changes&limit=3&" +
                   std::string(kMarch));
  ASSERT_EQ(r.status, 200) << r.body;
  auto o = r.Json().as_object();
  EXPECT_EQ(o.at("total").to_number<int>(), 4);
  const auto& page = o.at("counted").as_array();
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page[0].at("id").as_string(), "d1");
  EXPECT_EQ(page[0].at("value").to_number<int>(), 7200);  // 2 h lead time
  ASSERT_TRUE(o.at("next_cursor").is_string());
  EXPECT_EQ(o.at("left_out").at(0).at("id").as_string(), "stuck");
  auto next = c_->Get("/api/v1/metrics/dora/explain?metric=lead_time_for_changes&limit=3&cursor=" +
                      std::string(o.at("next_cursor").as_string()) + "&" + kMarch)
                  .Json()
                  .as_object();
  ASSERT_EQ(next.at("counted").as_array().size(), 1u);
  EXPECT_EQ(next.at("counted").at(0).at("id").as_string(), "d4");
  EXPECT_TRUE(next.at("next_cursor").is_null());

  auto cfr =
      c_->Get("/api/v1/metrics/dora/explain?metric=change_failure_rate&" + std::string(kMarch))
          .Json()
          .as_object();
  int failed = 0;
  for (const auto& d : cfr.at("counted").as_array()) failed += d.at("failed").as_bool() ? 1 : 0;
  EXPECT_EQ(failed, 1);  // d2, however many incidents

  auto ttd = c_->Get("/api/v1/metrics/dora/explain?metric=time_to_detect&" + std::string(kMarch))
                 .Json()
                 .as_object();
  EXPECT_EQ(ttd.at("counted").as_array().size(), 2u);  // i1, i2
  // i3 has no deployment: left out with the reason.
  ASSERT_EQ(ttd.at("left_out").as_array().size(), 1u);
  EXPECT_EQ(ttd.at("left_out").at(0).at("id").as_string(), "i3");
  EXPECT_EQ(c_->Get("/api/v1/metrics/dora/explain?" + std::string(kMarch)).status, 400);
  EXPECT_EQ(c_->Get("/api/v1/metrics/dora/explain?metric=vibes").status, 400);
  EXPECT_EQ(c_->Get("/api/v1/metrics/dora/explain?metric=rework_rate&limit=0").status, 400);
}

// What was left out is paged too, with its own cursor: five deployments started in March and
// never deployed come back two at a time, oldest first, whatever page `counted` is on.
TEST_F(DoraTest, ExplainPagesWhatWasLeftOut) {
  for (int n = 1; n <= 5; ++n) {
    auto r = c_->Post("/api/v1/deployments",
                      R"({"id":"stuck-)" + std::to_string(n) +
                          R"(","project_id":"api","first_commit_at":"2024-03-20T08:00:00Z",)"
                          R"("deploy_start_at":"2024-03-2)" +
                          std::to_string(n) + R"(T09:00:00Z"})");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  const std::string base =
      "/api/v1/metrics/dora/explain?metric=lead_time_for_changes&limit=2&" + std::string(kMarch);
  std::vector<std::string> seen;
  std::string cursor;
  for (int pages = 0; pages < 10; ++pages) {
    auto r = c_->Get(base + "&cursor=2" + (cursor.empty() ? "" : "&left_out_cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    auto o = r.Json().as_object();
    EXPECT_EQ(o.at("counted").as_array().size(), 2u);  // d3, d4: counted paging is separate
    const auto& left = o.at("left_out").as_array();
    EXPECT_LE(left.size(), 2u);
    for (const auto& d : left) seen.emplace_back(d.at("id").as_string());
    if (o.at("left_out_next_cursor").is_null()) break;
    cursor = o.at("left_out_next_cursor").as_string();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"stuck-1", "stuck-2", "stuck-3", "stuck-4", "stuck-5"}));
  // Every figure, at every page size: walking the pages gives the one-page list, and the pages
  // are full until the last (the stuck ones follow what the figure itself left out, such as a
  // failed deployment not recovered yet).
  for (const char* metric : {"lead_time_for_changes", "failed_deployment_recovery_time",
                             "time_to_detect", "time_to_restore"}) {
    const std::string url = std::string("/api/v1/metrics/dora/explain?metric=") + metric + "&" +
                            kMarch + "&link=previous_deployment";
    auto whole = c_->Get(url + "&limit=1000").Json().as_object();
    ASSERT_TRUE(whole.at("left_out_next_cursor").is_null()) << metric;
    std::vector<std::string> all;
    for (const auto& d : whole.at("left_out").as_array()) all.emplace_back(d.at("id").as_string());
    for (size_t size = 1; size <= all.size() + 1; ++size) {
      std::vector<std::string> walked;
      std::string at = "0";
      for (int pages = 0; pages < 20; ++pages) {
        auto o = c_->Get(url + "&limit=" + std::to_string(size) + "&left_out_cursor=" + at)
                     .Json()
                     .as_object();
        const auto& left = o.at("left_out").as_array();
        for (const auto& d : left) walked.emplace_back(d.at("id").as_string());
        if (o.at("left_out_next_cursor").is_null()) break;
        EXPECT_EQ(left.size(), size) << metric;  // only the last page may be short
        at = o.at("left_out_next_cursor").as_string();
      }
      EXPECT_EQ(walked, all) << metric << " limit " << size;
    }
  }
  EXPECT_EQ(c_->Get(base + "&left_out_cursor=-1").status, 400);
  // Past the end: an empty page, no next position.
  auto past = c_->Get(base + "&left_out_cursor=50").Json().as_object();
  EXPECT_TRUE(past.at("left_out").as_array().empty());
  EXPECT_TRUE(past.at("left_out_next_cursor").is_null());
}

// link=previous_deployment: i3 (site, no deployment_id) belongs to the last site deployment in its
// environment before it started: d3, deployed 9 days 8 hours earlier.
TEST_F(DoraTest, PreviousDeploymentLinking) {
  json::object r = Dora(std::string(kMarch) + "&link=previous_deployment");
  EXPECT_EQ(r.at("change_failure_rate").at("failed").to_number<int>(), 2);  // d2, d3
  EXPECT_DOUBLE_EQ(Num(r.at("change_failure_rate").at("ratio")), 0.5);
  // d2 recovered after 1 h, d3 when i3 was restored (9 d 10 h after d3): median of the two.
  EXPECT_EQ(r.at("failed_deployment_recovery_time").at("count").to_number<int>(), 2);
  EXPECT_DOUBLE_EQ(Num(r.at("failed_deployment_recovery_time").at("median")),
                   (3600.0 + 813600.0) / 2);
  // Detection: 30 min, 40 min, and i3's 9 d 8 h.
  EXPECT_EQ(r.at("time_to_detect").at("count").to_number<int>(), 3);
  EXPECT_DOUBLE_EQ(Num(r.at("time_to_detect").at("median")), 2400);
  // Explicit (the default) is unchanged.
  EXPECT_EQ(Dora(kMarch).at("change_failure_rate").at("failed").to_number<int>(), 1);
  // Explained: d3's failure and i3's detection came from the inferred link, d2's from i1/i2.
  auto cfr = c_->Get("/api/v1/metrics/dora/explain?metric=change_failure_rate&"
                     "link=previous_deployment&" + std::string(kMarch))
                 .Json();
  EXPECT_EQ(cfr.at("link").as_string(), "previous_deployment");
  std::map<std::string, std::string> rule;
  for (const auto& d : cfr.at("counted").as_array()) {
    if (d.at("failed").as_bool()) rule[std::string(d.at("id").as_string())] = d.at("link").as_string();
  }
  EXPECT_EQ(rule, (std::map<std::string, std::string>{{"d2", "explicit"},
                                                      {"d3", "previous_deployment"}}));
  auto ttd = c_->Get("/api/v1/metrics/dora/explain?metric=time_to_detect&"
                     "link=previous_deployment&" + std::string(kMarch))
                 .Json();
  ASSERT_EQ(ttd.at("counted").as_array().size(), 3u);
  for (const auto& i : ttd.at("counted").as_array()) {
    EXPECT_EQ(i.at("link").as_string(), i.at("id") == "i3" ? "previous_deployment" : "explicit");
  }
  EXPECT_TRUE(ttd.at("left_out").as_array().empty()) << ttd;
  // An incident in an environment without deployments links to nothing.
  Incident(R"({"id":"i9","project_id":"api","environment":"qa",)"
           R"("started_at":"2024-03-06T00:00:00Z"})");
  r = Dora(std::string(kMarch) + "&link=previous_deployment");
  EXPECT_EQ(r.at("change_failure_rate").at("failed").to_number<int>(), 2);
  ttd = c_->Get("/api/v1/metrics/dora/explain?metric=time_to_detect&"
                "link=previous_deployment&" + std::string(kMarch))
            .Json();
  ASSERT_EQ(ttd.at("left_out").as_array().size(), 1u);
  EXPECT_EQ(ttd.at("left_out").at(0).at("id").as_string(), "i9");
}

TEST_F(DoraTest, DaysInAZoneFollowItsDaylightSavingChange) {
  // Paris moves to summer time on 31 March 2024 at 02:00 local, so that day lasts 23 hours.
  //   p1 deployed 03-30 23:30 UTC = 31 March 00:30 in Paris
  //   p2 deployed 03-31 22:30 UTC =  1 April 00:30 in Paris
  //   d5 (fixture) deployed 04-01 00:00 UTC = 1 April 02:00 in Paris
  Deploy("p1", "site", "2024-03-30T20:00:00Z", "2024-03-30T23:20:00Z", "2024-03-30T23:30:00Z");
  Deploy("p2", "site", "2024-03-31T20:00:00Z", "2024-03-31T22:20:00Z", "2024-03-31T22:30:00Z");
  const std::string range = "from=2024-03-29T23:00:00Z&to=2024-04-01T22:00:00Z&interval=day";
  json::object r = Dora(range + "&tz=Europe/Paris");
  EXPECT_EQ(r.at("tz").as_string(), "Europe/Paris");
  const json::array& days = r.at("series").as_array();
  ASSERT_EQ(days.size(), 3u);
  EXPECT_EQ(days[0].at("start").as_string(), "2024-03-29T23:00:00.000Z");  // 30 March
  EXPECT_EQ(days[1].at("start").as_string(), "2024-03-30T23:00:00.000Z");  // 31 March
  EXPECT_EQ(days[1].at("end").as_string(), "2024-03-31T22:00:00.000Z");    // 23 hours later
  EXPECT_EQ(days[2].at("end").as_string(), "2024-04-01T22:00:00.000Z");
  EXPECT_EQ(days[0].at("deployment_frequency").at("count").to_number<int>(), 0);
  EXPECT_EQ(days[1].at("deployment_frequency").at("count").to_number<int>(), 1);  // p1
  EXPECT_DOUBLE_EQ(Num(days[1].at("deployment_frequency").at("per_day")), 24.0 / 23.0);
  EXPECT_EQ(days[2].at("deployment_frequency").at("count").to_number<int>(), 2);  // p2, d5
  // The same range in UTC days counts p1 on 30 March and p2 on 31 March.
  json::object utc = Dora(range);
  EXPECT_FALSE(utc.contains("tz"));
  const json::array& utc_days = utc.at("series").as_array();
  ASSERT_EQ(utc_days.size(), 4u);  // 29 (one hour of it), 30, 31 March, 1 April
  EXPECT_EQ(utc_days[1].at("deployment_frequency").at("count").to_number<int>(), 1);  // p1
  EXPECT_EQ(utc_days[2].at("deployment_frequency").at("count").to_number<int>(), 1);  // p2
  // Rows carry the zone's buckets too.
  auto rows = c_->Get("/api/v1/metrics/dora?" + range + "&tz=Europe/Paris&format=rows").Json();
  ASSERT_TRUE(rows.is_array());
  EXPECT_EQ(rows.as_array().size(), 3u);
}

// A plain date is local midnight in tz (UTC by default), on every route with from and to.
TEST_F(DoraTest, PlainDatesAreMidnights) {
  json::object dates = Dora("from=2024-03-01&to=2024-04-01");
  json::object times = Dora(kMarch);
  EXPECT_EQ(dates.at("from"), times.at("from"));
  EXPECT_EQ(dates.at("to"), times.at("to"));
  EXPECT_EQ(dates.at("deployment_frequency"), times.at("deployment_frequency"));
  // In Paris (UTC+1 in early March), 2024-03-05 starts at 2024-03-04T23:00:00Z: d2 (03-05 12:00)
  // is the only one deployed on that local day.
  json::object paris = Dora("from=2024-03-05&to=2024-03-06&tz=Europe/Paris");
  EXPECT_EQ(paris.at("from").as_string(), "2024-03-04T23:00:00.000Z");
  EXPECT_EQ(paris.at("deployment_frequency").at("count").to_number<int>(), 1);
  auto explain =
      c_->Get("/api/v1/metrics/dora/explain?metric=lead_time_for_changes&from=2024-03-05&to="
              "2024-03-06&tz=Europe/Paris");
  ASSERT_EQ(explain.status, 200) << explain.body;
  EXPECT_EQ(explain.Json().at("counted").at(0).at("id").as_string(), "d2");
  auto annotations = c_->Get("/api/v1/annotations?from=2024-03-20&to=2024-03-21&type=incident");
  ASSERT_EQ(annotations.status, 200) << annotations.body;
  EXPECT_EQ(annotations.Json().as_array().size(), 1u);  // i3
  // A date that does not exist is a 400 naming the parameter, on each route.
  for (const char* target : {"/api/v1/metrics/dora?from=2026-02-30",
                             "/api/v1/metrics/dora/explain?metric=rework_rate&from=2026-02-30",
                             "/api/v1/annotations?from=2026-02-30"}) {
    auto r = c_->Get(target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(r.Json().at("errors").at(0).at("field").as_string(), "from") << target;
    EXPECT_NE(r.body.find("2026-02-30"), std::string::npos) << r.body;
  }
}

TEST_F(DoraTest, BadParametersAreNamed) {
  auto field = [&](const std::string& query) {
    auto r = c_->Get("/api/v1/metrics/dora?" + query);
    EXPECT_EQ(r.status, 400) << query;
    auto v = r.Json();
    return v.is_object() ? std::string(v.at("errors").at(0).at("field").as_string()) : "";
  };
  EXPECT_EQ(field("colour=red"), "colour");
  EXPECT_EQ(field("from=yesterday"), "from");
  EXPECT_EQ(field("from=2024-03-02T00:00:00Z&to=2024-03-01T00:00:00Z"), "from");
  EXPECT_EQ(field("interval=hour"), "interval");
  EXPECT_EQ(field("group_by=colour"), "group_by");
  EXPECT_EQ(field("preset=dora-1999"), "preset");
  EXPECT_EQ(field("link=closest"), "link");
  EXPECT_EQ(field("format=xml"), "format");
  EXPECT_EQ(field("interval=day&tz=Mars/Olympus_Mons"), "tz");
  EXPECT_EQ(field("interval=day&tz=../../etc/passwd"), "tz");
  EXPECT_EQ(field("from=2000-01-01T00:00:00Z&to=2024-01-01T00:00:00Z&interval=day"), "interval");
  // The default range is the last 30 days.
  json::object r = Dora("");
  EXPECT_EQ(r.at("deployment_frequency").at("count").to_number<int>(), 0);
  // A kind that is not one is refused at creation.
  auto bad = c_->Post("/api/v1/deployments",
                      R"({"id":"x","project_id":"api","first_commit_at":"2024-03-01T00:00:00Z",)"
                      R"("kind":"experiment"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("\"kind\""), std::string::npos) << bad.body;
  // The deployment keeps what was sent.
  auto d2 = c_->Get("/api/v1/deployments/d2").Json();
  EXPECT_EQ(d2.at("kind").as_string(), "hotfix");
  EXPECT_EQ(d2.at("commit_sha").as_string(), "abc123");
}

}  // namespace
}  // namespace emm::e2e
