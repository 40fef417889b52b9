// The API in-process, through its handler entry point (Api::Handle) with a recording responder: a
// real SQLite store in a temp dir and the group commit, no sockets. Faster than the end-to-end
// suite (tests/e2e), which keeps testing the same routes against the real binary.
#include "api/api.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <set>

#include "api/routes.h"
#include "storage/sqlite/sqlite_event_store.h"
#include "storage/temp_dir.h"

namespace emm::api {
namespace {

namespace json = boost::json;

class FixedClock final : public Clock {
 public:
  TimeMs NowMs() const override { return 1714557600000; }  // 2024-05-01T10:00:00Z
};

// Records the one answer a request gets, from whichever thread gives it.
class Recorder {
 public:
  http::Responder Responder() {
    return [this](http::Response r) { promise_.set_value(std::move(r)); };
  }
  http::Response Wait() {
    auto future = promise_.get_future();
    if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << "no answer";
      return http::Response::Empty(0);
    }
    return future.get();
  }

 private:
  std::promise<http::Response> promise_;
};

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::SqliteOptions o;
    o.path = dir_.File("em.db");
    o.full_sync = false;
    auto store = storage::SqliteEventStore::Open(o);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    writes_ = std::make_unique<storage::WriteQueue>(store_.get());
    api_ = std::make_unique<Api>(
        ApiOptions{"production", "1.2.3", "host-1", false, false, "", "", "", ""},
        ApiDeps{store_.get(), writes_.get(), &auth_, &teams_, &clock_, nullptr, nullptr});
  }

  http::Response Call(std::string method, std::string target, std::string body = "",
                      std::string authorization = "Token secret") {
    http::Request req;
    req.method = std::move(method);
    req.target = target;
    size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    if (!authorization.empty()) req.headers.emplace_back("Authorization", authorization);
    req.body = std::move(body);
    Recorder recorder;
    api_->Handle(std::move(req), recorder.Responder());
    return recorder.Wait();
  }
  static json::value Json(const http::Response& r) { return json::parse(r.body); }
  static std::vector<std::string> ErrorFields(const http::Response& r) {
    std::vector<std::string> out;
    const json::value body = Json(r);
    if (!body.is_object() || !body.as_object().contains("errors")) return out;
    for (const auto& e : body.at("errors").as_array()) out.emplace_back(e.at("field").as_string());
    return out;
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<storage::SqliteEventStore> store_;
  std::unique_ptr<storage::WriteQueue> writes_;
  auth::Authenticator auth_{auth::AuthSettings{false, "secret", "", ""}};
  config::TeamsHolder teams_{config::TeamsConfig{}};
  FixedClock clock_;
  std::unique_ptr<Api> api_;
};

TEST(RouteTableTest, EachMethodAndPathOnceAndEveryRouteUnderApiAuthenticated) {
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const RouteSpec& r : RouteTable()) {
    EXPECT_TRUE(seen.insert({r.method, r.pattern}).second) << r.method << " " << r.pattern;
    EXPECT_NE(r.handler, nullptr) << r.pattern;
    if (r.pattern.starts_with("/api/v1/")) {
      EXPECT_EQ(r.access, Access::kApi) << r.pattern;
    }
  }
}

TEST_F(ApiTest, WriteThenReadThroughTheGroupCommit) {
  auto created = Call("POST", "/api/v1/deployments",
                      R"({"id":"d1","project_id":"api","first_commit_at":"2024-05-01T08:00:00Z"})");
  ASSERT_EQ(created.status, 201) << created.body;
  ASSERT_EQ(created.headers.size(), 1u);
  EXPECT_EQ(created.headers[0], (std::pair<std::string, std::string>{"Location",
                                                                      "/api/v1/deployments/d1"}));
  EXPECT_EQ(created.log_route, "/api/v1/deployments");
  auto deployed = Call("POST", "/api/v1/deployments/d1/deployed", R"({"create_if_not_exists":false})");
  EXPECT_EQ(deployed.status, 200) << deployed.body;
  auto read = Call("GET", "/api/v1/deployments/d1");
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(Json(read).at("deployed_at").as_string(), "2024-05-01T10:00:00.000Z");  // the clock
  EXPECT_EQ(read.log_route, "/api/v1/deployments/:deployment_id");
  EXPECT_EQ(Call("POST", "/api/v1/deployments",
                 R"({"id":"d1","project_id":"api","first_commit_at":"2024-05-01T08:00:00Z"})")
                .status,
            409);
  auto incident = Call("POST", "/api/v1/incidents", R"({"project_id":"api","deployment_id":"d1"})");
  ASSERT_EQ(incident.status, 201) << incident.body;
  EXPECT_EQ(incident.headers.at(0).second, "/api/v1/incidents/incident_api_1");
  EXPECT_EQ(Call("POST", "/api/v1/incidents/incident_api_1/restored", "").status, 200);
  EXPECT_EQ(Call("POST", "/api/v1/incidents/nope/finished", "").status, 404);
}

TEST_F(ApiTest, AuthUnknownRoutesAndUnknownParameters) {
  auto none = Call("GET", "/api/v1/version", "", "");
  EXPECT_EQ(none.status, 401);
  auto wrong = Call("GET", "/api/v1/version", "", "Token guess");
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(Call("GET", "/health", "", "").status, 200);
  auto missing = Call("GET", "/api/v1/nothing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Json(missing).at("message").as_string(), "Route GET:/api/v1/nothing not found");
  EXPECT_EQ(missing.log_route, "(unmatched)");
  auto unknown = Call("GET", "/api/v1/incidents?colour=red&filter=in-progress&size=1");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(ErrorFields(unknown), (std::vector<std::string>{"colour", "size"}));
  // Credentials are checked before parameters.
  EXPECT_EQ(Call("GET", "/api/v1/incidents?colour=red", "", "").status, 401);
  EXPECT_EQ(Call("GET", "/health?probe=1", "", "").status, 200);
}

TEST_F(ApiTest, EveryTimeParameterTakesTheSameForms) {
  for (const char* route : {"/api/v1/deployments?", "/api/v1/metrics/dora?",
                            "/api/v1/metrics/dora/explain?metric=rework_rate&",
                            "/api/v1/annotations?"}) {
    for (const char* from : {"2024-04-01", "2024-04-01T00:00:00Z", "1711929600000"}) {
      auto r = Call("GET", std::string(route) + "from=" + from + "&to=2024-05-01&tz=Europe/Paris");
      EXPECT_EQ(r.status, 200) << route << from << " " << r.body;
    }
    auto bad = Call("GET", std::string(route) + "from=2026-02-30");
    EXPECT_EQ(bad.status, 400) << route;
    EXPECT_EQ(ErrorFields(bad), std::vector<std::string>{"from"}) << route;
  }
}

TEST_F(ApiTest, ExplainComesFromTheDomain) {
  ASSERT_EQ(Call("POST", "/api/v1/deployments",
                 R"({"id":"d1","project_id":"api","first_commit_at":"2024-04-30T10:00:00Z",)"
                 R"("deploy_start_at":"2024-04-30T11:00:00Z","deployed_at":"2024-04-30T12:00:00Z"})")
                .status,
            201);
  ASSERT_EQ(Call("POST", "/api/v1/deployments",
                 R"({"id":"stuck","project_id":"api","first_commit_at":"2024-04-30T10:00:00Z",)"
                 R"("deploy_start_at":"2024-04-30T11:00:00Z"})")
                .status,
            201);
  auto r = Call("GET", "/api/v1/metrics/dora/explain?metric=lead_time_for_changes&from=2024-04-30");
  ASSERT_EQ(r.status, 200) << r.body;
  json::value o = Json(r);
  EXPECT_EQ(o.at("counted").at(0).at("id").as_string(), "d1");
  EXPECT_EQ(o.at("counted").at(0).at("value").to_number<int>(), 7200);
  EXPECT_EQ(o.at("left_out").at(0).at("id").as_string(), "stuck");
  EXPECT_EQ(o.at("left_out").at(0).at("reason").as_string(),
            "started in the range but never marked deployed");
}

TEST_F(ApiTest, GitLabShapedDoraDefaultsToDailyOverTheLastThreeMonths) {
  auto r = Call("GET", "/api/v1/dora/metrics?metric=deployment_frequency");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.log_route, "/api/v1/dora/metrics");
  // The clock reads 2024-05-01: 2024-02-01 to 2024-05-01 included, 29 + 31 + 30 + 1 days.
  const json::array days = Json(r).as_array();
  ASSERT_EQ(days.size(), 91u);
  EXPECT_EQ(days.front(), json::parse(R"({"date":"2024-02-01","value":0})"));
  EXPECT_EQ(days.back(), json::parse(R"({"date":"2024-05-01","value":0})"));
  // Only end_date: the start counts back from it.
  auto only_end = Call("GET", "/api/v1/dora/metrics?metric=rework_rate&end_date=2023-05-31");
  ASSERT_EQ(only_end.status, 200) << only_end.body;
  EXPECT_EQ(Json(only_end).as_array().front().at("date").as_string(), "2023-02-28");
  EXPECT_TRUE(Json(only_end).as_array().front().at("value").is_null());
}

TEST_F(ApiTest, GitLabShapedDoraValuesAndEnvironmentTiers) {
  for (const char* body :
       {R"({"id":"p1","project_id":"api","environment":"production",)"
        R"("first_commit_at":"2024-04-29T08:00:00Z","deployed_at":"2024-04-29T10:00:00Z"})",
        R"({"id":"p2","project_id":"api","environment":"production",)"
        R"("first_commit_at":"2024-04-30T09:00:00Z","deployed_at":"2024-04-30T10:00:00Z"})",
        R"({"id":"s1","project_id":"api","environment":"staging",)"
        R"("first_commit_at":"2024-04-30T09:30:00Z","deployed_at":"2024-04-30T10:00:00Z"})"}) {
    ASSERT_EQ(Call("POST", "/api/v1/deployments", body).status, 201);
  }
  const std::string range = "/api/v1/dora/metrics?start_date=2024-04-29&end_date=2024-04-30&";
  auto daily = Call("GET", range + "metric=deployment_frequency");
  ASSERT_EQ(daily.status, 200) << daily.body;
  EXPECT_EQ(Json(daily), json::parse(R"([{"date":"2024-04-29","value":1},)"
                                     R"({"date":"2024-04-30","value":2}])"));
  // Lead times 2 h, 1 h and 30 min: the true median of the events, 1 h.
  auto all = Call("GET", range + "metric=lead_time_for_changes&interval=all");
  EXPECT_EQ(Json(all), json::parse(R"([{"date":"2024-04-29","value":3600}])"));
  // Tiers are environment names, repeated, comma-separated or in Rails' array form.
  for (const char* tiers : {"environment_tiers=production", "environment_tiers%5B%5D=production",
                            "environment_tiers=production,other", "environment=production"}) {
    auto r = Call("GET", range + "metric=deployment_frequency&interval=monthly&" + tiers);
    ASSERT_EQ(r.status, 200) << tiers << " " << r.body;
    EXPECT_EQ(Json(r), json::parse(R"([{"date":"2024-04-01","value":2}])")) << tiers;
  }
  auto both =
      Call("GET", range +
                      "metric=deployment_frequency&interval=all&environment_tiers[]=staging&"
                      "environment_tiers[]=production");
  EXPECT_EQ(Json(both).at(0).at("value").to_number<int>(), 3);
}

TEST_F(ApiTest, GitLabShapedDoraRefusalsNameTheParameter) {
  const std::pair<const char*, std::vector<std::string>> cases[] = {
      {"", {"metric"}},
      {"metric=deployments", {"metric"}},
      {"metric=rework_rate&interval=weekly", {"interval"}},
      {"metric=rework_rate&start_date=2024-05-02&end_date=2024-05-01", {"start_date"}},
      {"metric=rework_rate&start_date=2024-02-30", {"start_date"}},
      {"metric=rework_rate&end_date=2024-05-01T00:00:00Z", {"end_date"}},
      {"metric=rework_rate&start_date=2000-01-01", {"interval"}},  // 8,888 days
      {"metric=rework_rate&tz=Mars/Olympus_Mons", {"tz"}},
      {"metric=rework_rate&from=2024-04-01&group=x", {"from", "group"}},
  };
  for (const auto& [query, fields] : cases) {
    auto r = Call("GET", std::string("/api/v1/dora/metrics?") + query);
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_EQ(ErrorFields(r), fields) << query << " " << r.body;
  }
  EXPECT_EQ(Json(Call("GET", "/api/v1/dora/metrics")).at("errors").at(0).at("message"),
            "is required (deployment_frequency, lead_time_for_changes, time_to_restore_service, "
            "change_failure_rate, failed_deployment_recovery_time, rework_rate)");
  // A long range is fine monthly or at once.
  EXPECT_EQ(
      Call("GET", "/api/v1/dora/metrics?metric=rework_rate&start_date=2000-01-01&interval=all")
          .status,
      200);
}

}  // namespace
}  // namespace emm::api
