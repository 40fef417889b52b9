// GET /api/v1/dora/metrics (GitLab's DORA API shape) against the real binary: a small back-filled
// history across a month boundary posted over HTTP, every metric daily, monthly and at once, the
// values worked out by hand.
#include <gtest/gtest.h>

#include <string>

#include "e2e/http_client.h"
#include "e2e/server_process.h"

namespace emm::e2e {
namespace {

namespace json = boost::json;

class GitLabDoraTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("teams.json", R"({"teams": {"backend": {"projects": ["api"]},)"
                             R"( "web": {"projects": ["site"]}}})");
    server_ = ServerProcess::Start(
        dir_.path(), {{"CONFIG", "teams.json"}, {"DEPLOYMENT_ENVIRONMENT", "production"}});
    ASSERT_NE(server_, nullptr);
    c_ = std::make_unique<HttpClient>(server_->port());
    // Production unless said, back-filled:
    //   api  a deployed 03-30 12:00, lead 2 h
    //   api  b deployed 03-31 12:00, lead 6 h, hotfix; failed by i1 (open 12:30 to 13:30)
    //   api  c deployed 04-02 00:00, lead 4 h, staging, rollback
    //   site d deployed 04-02 10:00, lead 1 h
    //   api  e deployed 04-04 00:00: the day after end_date, outside
    //   site i2, no deployment, open 04-01 08:00 to 10:00
    Post("/api/v1/deployments", R"({"id":"a","project_id":"api",)"
                                R"("first_commit_at":"2024-03-30T10:00:00Z",)"
                                R"("deployed_at":"2024-03-30T12:00:00Z"})");
    Post("/api/v1/deployments", R"({"id":"b","project_id":"api","kind":"hotfix",)"
                                R"("first_commit_at":"2024-03-31T06:00:00Z",)"
                                R"("deployed_at":"2024-03-31T12:00:00Z"})");
    Post("/api/v1/deployments",
         R"({"id":"c","project_id":"api","kind":"rollback","environment":"staging",)"
         R"("first_commit_at":"2024-04-01T20:00:00Z","deployed_at":"2024-04-02T00:00:00Z"})");
    Post("/api/v1/deployments", R"({"id":"d","project_id":"site",)"
                                R"("first_commit_at":"2024-04-02T09:00:00Z",)"
                                R"("deployed_at":"2024-04-02T10:00:00Z"})");
    Post("/api/v1/deployments", R"({"id":"e","project_id":"api",)"
                                R"("first_commit_at":"2024-04-03T23:00:00Z",)"
                                R"("deployed_at":"2024-04-04T00:00:00Z"})");
    Post("/api/v1/incidents", R"({"id":"i1","project_id":"api","deployment_id":"b",)"
                              R"("started_at":"2024-03-31T12:30:00Z",)"
                              R"("restored_at":"2024-03-31T13:30:00Z"})");
    Post("/api/v1/incidents", R"({"id":"i2","project_id":"site",)"
                              R"("started_at":"2024-04-01T08:00:00Z",)"
                              R"("restored_at":"2024-04-01T10:00:00Z"})");
  }

  void Post(const std::string& target, const std::string& body) {
    auto r = c_->Post(target, body);
    ASSERT_EQ(r.status, 201) << target << " " << body << " " << r.body;
  }
  json::value Get(const std::string& query) {
    auto r = c_->Get("/api/v1/dora/metrics?" + query);
    EXPECT_EQ(r.status, 200) << query << " " << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/json; charset=utf-8") << query;
    return r.Json();
  }
  // The field each error names, for a query that must be refused.
  std::vector<std::string> Refused(const std::string& query) {
    auto r = c_->Get("/api/v1/dora/metrics?" + query);
    EXPECT_EQ(r.status, 400) << query << " " << r.body;
    std::vector<std::string> fields;
    auto v = r.Json();
    if (!v.is_object() || !v.as_object().contains("errors")) return fields;
    for (const auto& e : v.at("errors").as_array()) fields.emplace_back(e.at("field").as_string());
    return fields;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> c_;
};

constexpr const char* kRange = "start_date=2024-03-30&end_date=2024-04-03";

// Each metric's answer for kRange daily (03-30 .. 04-03), monthly (March from the 30th, April to
// the 3rd) and all: the values of /api/v1/metrics/dora over the same days.
struct Expected {
  const char* metric;
  const char* daily;  // the five values, in date order
  const char* monthly;
  const char* all;
};
constexpr Expected kExpected[] = {
    // 1, 1, 0, 2 (c and d), 0; e is on 04-04.
    {"deployment_frequency", "[1,1,0,2,0]", "[2,2]", "[4]"},
    // 2 h, 6 h, none, median(4 h, 1 h) = 2.5 h; March median(2 h, 6 h) = 4 h; all: 1, 2, 4, 6 h
    // -> 3 h (the median of the events, where GitLab takes the median of the daily medians).
    {"lead_time_for_changes", "[7200,21600,null,9000,null]", "[14400,9000]", "[10800]"},
    // i1 1 h (restored 03-31), i2 2 h (restored 04-01); all: 1.5 h.
    {"time_to_restore_service", "[null,3600,7200,null,null]", "[3600,7200]", "[5400]"},
    // b failed: 0/1, 1/1, none, 0/2; March 1/2, April 0/2; all 1/4.
    {"change_failure_rate", "[0,1,null,0,null]", "[0.5,0]", "[0.25]"},
    // b recovered 1 h 30 min after its deployment (i1 restored 13:30).
    {"failed_deployment_recovery_time", "[null,5400,null,null,null]", "[5400,null]", "[5400]"},
    // b a hotfix, c a rollback: 0/1, 1/1, none, 1/2; March 1/2, April 1/2; all 2/4.
    {"rework_rate", "[0,1,null,0.5,null]", "[0.5,0.5]", "[0.5]"},
};

json::array Entries(const char* dates[], size_t n, const char* values) {
  json::array vs = json::parse(values).as_array();
  EXPECT_EQ(vs.size(), n) << values;
  json::array out;
  for (size_t k = 0; k < n && k < vs.size(); ++k) {
    out.push_back(json::object{{"date", dates[k]}, {"value", vs[k]}});
  }
  return out;
}

TEST_F(GitLabDoraTest, EveryMetricDailyMonthlyAndAll) {
  const char* days[] = {"2024-03-30", "2024-03-31", "2024-04-01", "2024-04-02", "2024-04-03"};
  const char* months[] = {"2024-03-01", "2024-04-01"};
  const char* start[] = {"2024-03-30"};
  for (const Expected& e : kExpected) {
    const std::string q = std::string(kRange) + "&metric=" + e.metric;
    EXPECT_EQ(Get(q), Entries(days, 5, e.daily)) << e.metric;  // daily is the default
    EXPECT_EQ(Get(q + "&interval=daily"), Entries(days, 5, e.daily)) << e.metric;
    EXPECT_EQ(Get(q + "&interval=monthly"), Entries(months, 2, e.monthly)) << e.metric;
    EXPECT_EQ(Get(q + "&interval=all"), Entries(start, 1, e.all)) << e.metric;
  }
  // Each value is the figure /api/v1/metrics/dora gives for the same range.
  auto dora = c_->Get("/api/v1/metrics/dora?from=2024-03-30&to=2024-04-04").Json();
  EXPECT_EQ(dora.at("lead_time_for_changes").at("median").to_number<int>(), 10800);
  EXPECT_EQ(dora.at("time_to_restore").at("median").to_number<int>(), 5400);
}

TEST_F(GitLabDoraTest, EnvironmentTiersTeamsAndZones) {
  const std::string all = std::string(kRange) + "&metric=deployment_frequency&interval=all&";
  auto count = [&](const std::string& filters) {
    json::value v = Get(all + filters);
    return v.is_array() && !v.as_array().empty() ? v.at(0).at("value").to_number<int>() : -1;
  };
  EXPECT_EQ(count("environment_tiers=production"), 3);
  EXPECT_EQ(count("environment_tiers%5B%5D=staging"), 1);
  EXPECT_EQ(count("environment_tiers[]=staging&environment_tiers[]=production"), 4);
  EXPECT_EQ(count("environment_tiers=staging,production"), 4);
  EXPECT_EQ(count("environment_tiers=development"), 0);
  EXPECT_EQ(count("environment=staging"), 1);
  EXPECT_EQ(count("team=web"), 1);
  EXPECT_EQ(count("project_id=api&environment_tiers=production"), 2);
  // 2024-04-02 in New York (UTC-4) runs from 04:00Z: c (00:00Z) is still April 1st there.
  EXPECT_EQ(Get("metric=deployment_frequency&start_date=2024-04-01&end_date=2024-04-02&"
                "tz=America/New_York"),
            json::parse(R"([{"date":"2024-04-01","value":1},{"date":"2024-04-02","value":1}])"));
  // No dates: the three months up to today, one entry a day.
  json::value recent = Get("metric=deployment_frequency");
  ASSERT_TRUE(recent.is_array());
  EXPECT_GE(recent.as_array().size(), 90u);
  EXPECT_LE(recent.as_array().size(), 93u);
}

TEST_F(GitLabDoraTest, RefusalsNameTheParameter) {
  using F = std::vector<std::string>;
  EXPECT_EQ(Refused(kRange), F{"metric"});
  EXPECT_EQ(Refused("metric=mean_time_to_merge"), F{"metric"});
  EXPECT_EQ(Refused("metric=rework_rate&interval=weekly"), F{"interval"});
  EXPECT_EQ(Refused("metric=rework_rate&start_date=2024-04-03&end_date=2024-03-30"),
            F{"start_date"});
  EXPECT_EQ(Refused("metric=rework_rate&start_date=2024-02-30"), F{"start_date"});
  EXPECT_EQ(Refused("metric=rework_rate&end_date=yesterday"), F{"end_date"});
  EXPECT_EQ(Refused("metric=rework_rate&tz=Mars/Olympus_Mons"), F{"tz"});
  // Parameters the route does not take, each named (from/to are the other DORA route's).
  EXPECT_EQ(Refused("metric=rework_rate&from=2024-03-01&group_id=7&group_id=8"),
            (F{"from", "group_id"}));
  // One day is a range.
  EXPECT_EQ(Get("metric=rework_rate&start_date=2024-03-31&end_date=2024-03-31"),
            json::parse(R"([{"date":"2024-03-31","value":1}])"));
}

}  // namespace
}  // namespace emm::e2e
