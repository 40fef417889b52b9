// Every route of the compatibility contract, against the real binary over HTTP.
#include <gtest/gtest.h>

#include <string>

#include "e2e/http_client.h"
#include "e2e/metric_state.h"
#include "e2e/server_process.h"

namespace emm::e2e {
namespace {

namespace json = boost::json;

constexpr const char* kTeams = R"({
  "teams": {
    "backend": {"projects": ["api"], "users": [{"github_username": "bob"}]},
    "web": {"projects": ["shared", "site"], "users": [{"github_username": "lucy"}]},
    "mobile": {"projects": ["shared"], "users": [{"github_username": "mia"}]}
  },
  "custom": {"kept": [1, 2]}
})";

class RoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("teams.json", kTeams);
    server_ = ServerProcess::Start(dir_.path(), {{"CONFIG", "teams.json"},
                                                 {"EM_METRICS_VERSION", "1.2.3"},
                                                 {"DEPLOYMENT_ENVIRONMENT", "production"}});
    ASSERT_NE(server_, nullptr);
    client_ = std::make_unique<HttpClient>(server_->port());
  }

  HttpResponse Post(const std::string& target, const std::string& body) {
    return client_->Post(target, body);
  }
  HttpResponse Get(const std::string& target) { return client_->Get(target); }
  SeriesTotals Series(const std::string& metric, const std::string& project) {
    return ReadSeries(dir_.File("em.db"), metric, project);
  }
  // The first field error of a 400 body.
  static std::pair<std::string, std::string> FirstError(const HttpResponse& r) {
    auto v = r.Json();
    if (!v.is_object() || !v.as_object().contains("errors")) return {};
    const auto& e = v.at("errors").at(0);
    return {std::string(e.at("field").as_string()), std::string(e.at("message").as_string())};
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(RoutesTest, HealthVersionAndConfig) {
  auto h = Get("/health");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, R"({"ok":true})");
  auto api_health = Get("/api/v1/health");
  EXPECT_EQ(api_health.status, 200);
  EXPECT_EQ(api_health.Json().at("ok"), true);
  EXPECT_FALSE(api_health.Json().at("host").as_string().empty());
  EXPECT_EQ(Get("/api/v1/version").Json().at("version"), "1.2.3");
  auto config = Get("/api/v1/config").Json();
  EXPECT_EQ(config.at("teams").at("backend").at("projects").at(0), "api");
  EXPECT_EQ(config.at("custom").at("kept").at(1), 2);  // unknown keys come back verbatim
}

TEST_F(RoutesTest, UnknownRouteIs404Json) {
  auto r = Get("/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Json().at("message"), "Route GET:/nope not found");
  EXPECT_EQ(Post("/api/v1/health", "").status, 404);
}

TEST_F(RoutesTest, HeadAnswersLikeGetWithoutBody) {
  auto r = client_->Request("HEAD", "/api/v1/version");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-length"), "19");  // {"version":"1.2.3"}
  EXPECT_TRUE(r.body.empty());
}

TEST_F(RoutesTest, CreateAndReadDeployment) {
  auto r = Post("/api/v1/deployments",
                R"({"id":"d1","project_id":"api","first_commit_at":"2024-05-01T10:00:00+02:00",
                    "deploy_start_at":"2024-05-01T09:00:00Z","username":"bob","extra":{"x":1}})");
  EXPECT_EQ(r.status, 201);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.Header("location"), "/api/v1/deployments/d1");
  auto d = Get("/api/v1/deployments/d1");
  ASSERT_EQ(d.status, 200);
  auto o = d.Json();
  EXPECT_EQ(o.at("id"), "d1");
  EXPECT_EQ(o.at("project_id"), "api");
  EXPECT_EQ(o.at("first_commit_at"), "2024-05-01T08:00:00.000Z");
  EXPECT_EQ(o.at("deploy_start_at"), "2024-05-01T09:00:00.000Z");
  EXPECT_TRUE(o.at("deployed_at").is_null());
  EXPECT_EQ(o.at("status"), "started");
  EXPECT_EQ(o.at("environment"), "production");
  EXPECT_EQ(o.at("team_id"), "backend");
  EXPECT_EQ(Series("deployment_started", "api").count, 1);
  EXPECT_EQ(Series("deployment_started", "api").team_id, "backend");
  EXPECT_EQ(Series("deployment_frequency", "api").count, 0);
}

// Ids are the client's (deployments) or carry the project's (incidents): a Location must still
// name the one record, so it is percent-encoded and reads back.
TEST_F(RoutesTest, LocationEncodesIdsThatHoldReservedCharacters) {
  auto d = Post("/api/v1/deployments",
                R"({"id":"release/v1.2 #3","project_id":"group/shop",
                    "first_commit_at":"2024-05-01T09:00:00Z"})");
  ASSERT_EQ(d.status, 201) << d.body;
  EXPECT_EQ(d.Header("location"), "/api/v1/deployments/release%2Fv1.2%20%233");
  auto read = Get(d.Header("location"));
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.Json().at("id"), "release/v1.2 #3");

  auto i = Post("/api/v1/incidents",
                R"({"project_id":"group/shop","started_at":"2024-05-01T10:15:00Z"})");
  ASSERT_EQ(i.status, 201) << i.body;
  EXPECT_EQ(i.Header("location"), "/api/v1/incidents/incident_group%2Fshop_1");
  auto incident = Get(i.Header("location"));
  ASSERT_EQ(incident.status, 200) << incident.body;
  EXPECT_EQ(incident.Json().at("id"), "incident_group/shop_1");
}

TEST_F(RoutesTest, NumbersAsIdsAreTakenAsStrings) {
  EXPECT_EQ(Post("/api/v1/deployments",
                 R"({"id":5,"project_id":7,"first_commit_at":"2024-05-01T10:00:00Z"})")
                .status,
            201);
  auto d = Get("/api/v1/deployments/5").Json();
  EXPECT_EQ(d.at("project_id"), "7");
}

TEST_F(RoutesTest, DuplicateDeploymentIs409AndChangesNothing) {
  ASSERT_EQ(Post("/api/v1/deployments",
                 R"({"id":"dup","project_id":"api","first_commit_at":"2024-05-01T10:00:00Z"})")
                .status,
            201);
  auto r = Post("/api/v1/deployments",
                R"({"id":"dup","project_id":"site","first_commit_at":"2024-06-01T10:00:00Z"})");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(FirstError(r).first, "id");
  EXPECT_EQ(Get("/api/v1/deployments/dup").Json().at("project_id"), "api");
  EXPECT_EQ(Series("deployment_started", "api").count, 1);
  EXPECT_EQ(Series("deployment_started", "site").count, 0);
}

TEST_F(RoutesTest, BadDeploymentBodiesAre400NamingTheField) {
  struct Case {
    std::string body;
    std::string field;
    std::string message_part;
  };
  const Case cases[] = {
      {"", "id", "is required"},
      {"   ", "id", "is required"},
      {"{not json", "body", "not valid JSON"},
      {"[1,2]", "body", "must be a JSON object"},
      {R"("text")", "body", "must be a JSON object"},
      {R"({"project_id":"api","first_commit_at":"2024-05-01T10:00:00Z"})", "id", "is required"},
      {R"({"id":"x","first_commit_at":"2024-05-01T10:00:00Z"})", "project_id", "is required"},
      {R"({"id":"x","project_id":"api"})", "first_commit_at", "is required"},
      {R"({"id":{"a":1},"project_id":"api","first_commit_at":"2024-05-01T10:00:00Z"})", "id",
       "must be a string"},
      {R"({"id":"x","project_id":"api","first_commit_at":"yesterday"})", "first_commit_at",
       "RFC 3339"},
      {R"({"id":"x","project_id":"api","first_commit_at":"2024-02-30T10:00:00Z"})",
       "first_commit_at", "RFC 3339"},
      {R"({"id":"x","project_id":"api","first_commit_at":"2024-05-01T10:00:00"})",
       "first_commit_at", "RFC 3339"},
      {R"({"id":"x","project_id":"api","first_commit_at":1714557600})", "first_commit_at",
       "must be an RFC 3339 date-time string"},
      {R"({"id":"","project_id":"api","first_commit_at":"2024-05-01T10:00:00Z"})", "id",
       "must not be empty"},
  };
  for (const Case& c : cases) {
    auto r = Post("/api/v1/deployments", c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    auto [field, message] = FirstError(r);
    EXPECT_EQ(field, c.field) << c.body;
    EXPECT_NE(message.find(c.message_part), std::string::npos) << c.body << " -> " << message;
  }
  EXPECT_EQ(Get("/api/v1/deployments/x").status, 404);  // nothing half-written
  EXPECT_EQ(Series("deployment_started", "api").count, 0);
}

TEST_F(RoutesTest, AllMissingFieldsAreNamedAtOnce) {
  auto r = Post("/api/v1/deployments", "{}");
  ASSERT_EQ(r.status, 400);
  auto errors = r.Json().at("errors").as_array();
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].at("field"), "id");
  EXPECT_EQ(errors[1].at("field"), "project_id");
  EXPECT_EQ(errors[2].at("field"), "first_commit_at");
}

TEST_F(RoutesTest, MarkDeployedCountsOnce) {
  ASSERT_EQ(Post("/api/v1/deployments",
                 R"({"id":"m1","project_id":"api","first_commit_at":"2024-05-01T10:00:00Z",
                     "deploy_start_at":"2024-05-01T11:00:00Z"})")
                .status,
            201);
  auto r = Post("/api/v1/deployments/m1/deployed",
                R"({"create_if_not_exists":false,"deployed_at":"2024-05-01T11:30:00Z"})");
  EXPECT_EQ(r.status, 200);
  auto again = Post("/api/v1/deployments/m1/deployed",
                    R"({"create_if_not_exists":"true","deployed_at":"2024-05-09T11:30:00Z"})");
  EXPECT_EQ(again.status, 200);
  auto d = Get("/api/v1/deployments/m1").Json();
  EXPECT_EQ(d.at("status"), "deployed");
  EXPECT_EQ(d.at("deployed_at"), "2024-05-01T11:30:00.000Z");
  EXPECT_EQ(Series("deployment_frequency", "api").count, 1);
  auto lead = Series("lead_time_for_changes", "api");
  EXPECT_EQ(lead.count, 1);
  EXPECT_DOUBLE_EQ(lead.sum, 5400);  // seconds
  EXPECT_DOUBLE_EQ(Series("deployment_duration", "api").sum, 1800);
}

TEST_F(RoutesTest, MarkDeployedErrors) {
  auto missing_flag = Post("/api/v1/deployments/none/deployed", "{}");
  EXPECT_EQ(missing_flag.status, 400);
  EXPECT_EQ(FirstError(missing_flag).first, "create_if_not_exists");
  auto bad_flag = Post("/api/v1/deployments/none/deployed", R"({"create_if_not_exists":"maybe"})");
  EXPECT_EQ(bad_flag.status, 400);
  auto unknown = Post("/api/v1/deployments/none/deployed", R"({"create_if_not_exists":false})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.Json().at("error"), "Deployment does not exist");
  auto incomplete = Post("/api/v1/deployments/none/deployed",
                         R"({"create_if_not_exists":true,"project_id":"api"})");
  EXPECT_EQ(incomplete.status, 400);
  auto errors = incomplete.Json().at("errors").as_array();
  ASSERT_EQ(errors.size(), 1u);  // deploy_start_at defaults (issue 11)
  EXPECT_EQ(errors[0].at("field"), "first_commit_at");
  auto bad_date = Post("/api/v1/deployments/none/deployed",
                       R"({"create_if_not_exists":false,"deployed_at":"not a date"})");
  EXPECT_EQ(bad_date.status, 400);
  EXPECT_EQ(FirstError(bad_date).first, "deployed_at");
  EXPECT_EQ(Get("/api/v1/deployments/none").status, 404);

  ASSERT_EQ(Post("/api/v1/deployments",
                 R"({"id":"early","project_id":"api","first_commit_at":"2024-05-01T10:00:00Z",
                     "deploy_start_at":"2024-05-01T10:00:00Z"})")
                .status,
            201);
  // A deployed_at before the deployment's own times (a skewed clock) is stored as sent, counted,
  // and observes no negative lead time or duration.
  auto before = Post("/api/v1/deployments/early/deployed",
                     R"({"create_if_not_exists":false,"deployed_at":"2024-04-01T10:00:00Z"})");
  EXPECT_EQ(before.status, 200);
  EXPECT_EQ(Get("/api/v1/deployments/early").Json().at("status"), "deployed");
  EXPECT_EQ(Series("deployment_frequency", "api").count, 1);
  EXPECT_EQ(Series("lead_time_for_changes", "api").count, 0);
  EXPECT_EQ(Series("deployment_duration", "api").count, 0);
}

TEST_F(RoutesTest, MarkDeployedCreatesInOneStep) {
  auto r = Post("/api/v1/deployments/one/deployed",
                R"({"create_if_not_exists":true,"project_id":"site",
                    "first_commit_at":"2024-05-01T10:00:00Z",
                    "deploy_start_at":"2024-05-01T12:00:00Z",
                    "deployed_at":"2024-05-01T12:10:00Z","environment":"staging"})");
  EXPECT_EQ(r.status, 201);
  auto d = Get("/api/v1/deployments/one").Json();
  EXPECT_EQ(d.at("status"), "deployed");
  EXPECT_EQ(d.at("environment"), "staging");
  EXPECT_EQ(d.at("team_id"), "web");
  EXPECT_EQ(Series("deployment_started", "site").count, 1);
  EXPECT_EQ(Series("deployment_frequency", "site").count, 1);
  EXPECT_DOUBLE_EQ(Series("deployment_duration", "site").sum, 600);
}

TEST_F(RoutesTest, TeamOfSharedProjectComesFromTheUser) {
  ASSERT_EQ(Post("/api/v1/deployments",
                 R"({"id":"s1","project_id":"shared","username":"mia",
                     "first_commit_at":"2024-05-01T10:00:00Z"})")
                .status,
            201);
  EXPECT_EQ(Get("/api/v1/deployments/s1").Json().at("team_id"), "mobile");
  ASSERT_EQ(Post("/api/v1/deployments",
                 R"({"id":"s2","project_id":"shared","first_commit_at":"2024-05-01T10:00:00Z"})")
                .status,
            201);
  EXPECT_TRUE(Get("/api/v1/deployments/s2").Json().at("team_id").is_null());
}

TEST_F(RoutesTest, ListDeploymentsFiltersAndOrders) {
  auto create = [&](const std::string& id, const std::string& project, const std::string& env,
                    const std::string& deployed) {
    std::string body =
        R"({"id":")" + id + R"(","project_id":")" + project + R"(","environment":")" + env +
        R"(","first_commit_at":"2024-01-01T00:00:00Z","deploy_start_at":"2024-01-01T00:00:00Z")";
    if (!deployed.empty()) body += R"(,"deployed_at":")" + deployed + "\"";
    body += "}";
    ASSERT_EQ(Post("/api/v1/deployments", body).status, 201) << body;
  };
  create("b", "api", "production", "2024-03-01T00:00:00Z");
  create("a", "api", "production", "2024-03-01T00:00:00Z");
  create("c", "site", "staging", "2024-02-01T00:00:00Z");
  create("d", "api", "production", "");
  auto ids = [](const HttpResponse& r) {
    std::string out;
    auto rows = r.Json();
    for (const auto& d : rows.as_array()) out += std::string(d.at("id").as_string());
    return out;
  };
  EXPECT_EQ(ids(Get("/api/v1/deployments")), "cabd");
  EXPECT_EQ(ids(Get("/api/v1/deployments?project_id=api")), "abd");
  EXPECT_EQ(ids(Get("/api/v1/deployments?environment=staging")), "c");
  EXPECT_EQ(ids(Get("/api/v1/deployments?from=2024-02-15T00:00:00Z")), "ab");
  EXPECT_EQ(ids(Get("/api/v1/deployments?to=2024-03-01T00:00:00Z")), "c");
  EXPECT_EQ(ids(Get("/api/v1/deployments?limit=2&offset=1")), "ab");
  auto bad = Get("/api/v1/deployments?limit=ten");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(FirstError(bad).first, "limit");
  EXPECT_EQ(FirstError(Get("/api/v1/deployments?from=yesterday")).first, "from");
  EXPECT_EQ(Get("/api/v1/deployments?from=2024-03-01T00:00:00Z&to=2024-01-01T00:00:00Z").status,
            400);
}

// Every route names each query parameter it does not take (400); GET /health, which probes call
// with parameters of their own, ignores them.
TEST_F(RoutesTest, UnknownQueryParametersAreRefusedNamingEach) {
  ASSERT_EQ(Post("/api/v1/deployments",
                 R"({"id":"q1","project_id":"api","first_commit_at":"2024-01-01T00:00:00Z"})")
                .status,
            201);
  auto fields = [&](const HttpResponse& r) {
    std::vector<std::string> out;
    auto v = r.Json();
    if (!v.is_object() || !v.as_object().contains("errors")) return out;
    for (const auto& e : v.at("errors").as_array()) out.emplace_back(e.at("field").as_string());
    return out;
  };
  using Names = std::vector<std::string>;
  for (const char* target :
       {"/api/v1/deployments?projet_id=api", "/api/v1/deployments/q1?projet_id=api",
        "/api/v1/incidents?projet_id=api", "/api/v1/incidents/i?projet_id=api",
        "/api/v1/version?projet_id=api", "/api/v1/health?projet_id=api",
        "/api/v1/config?projet_id=api", "/metrics?projet_id=api",
        "/api/v1/metrics/dora?projet_id=api", "/api/v1/annotations?projet_id=api",
        "/api/v1/metrics/dora/explain?metric=rework_rate&projet_id=api"}) {
    auto r = Get(target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(fields(r), Names{"projet_id"}) << target << " " << r.body;
  }
  // Each unknown name once, however often it was given.
  auto two = Get("/api/v1/deployments?colour=red&limit=1&size=9&colour=blue");
  EXPECT_EQ(fields(two), (Names{"colour", "size"})) << two.body;
  EXPECT_EQ(two.Json().at("errors").at(0).at("message").as_string(),
            "is not a parameter of this route (project_id, environment, from, to, tz, limit, "
            "offset, format)");
  // Writes too, before anything is written.
  auto write = Post("/api/v1/deployments?dry_run=1",
                    R"({"id":"q2","project_id":"api","first_commit_at":"2024-01-01T00:00:00Z"})");
  EXPECT_EQ(write.status, 400);
  EXPECT_EQ(fields(write), Names{"dry_run"});
  EXPECT_EQ(Get("/api/v1/deployments/q2").status, 404);
  EXPECT_EQ(Post("/api/v1/incidents/i/restored?x=1", "{}").status, 400);
  // The documented ones are taken.
  EXPECT_EQ(Get("/api/v1/incidents?type=in-progress&project_id=api&format=csv").status, 200);
  EXPECT_EQ(Get("/health?probe=1").status, 200);
}

// A control character in a query value or a path segment is refused naming it (400), on every
// backend: no stored id holds one, and PostgreSQL would cut a value at its NUL and match what came
// before it (project "api" for "api%00x").
TEST_F(RoutesTest, ControlCharactersInQueryValuesAndPathsAreRefusedNamingThem) {
  ASSERT_EQ(Post("/api/v1/deployments",
                 R"({"id":"api","project_id":"api","first_commit_at":"2024-01-01T00:00:00Z"})")
                .status,
            201);
  for (const auto& [target, field] : std::vector<std::pair<std::string, std::string>>{
           {"/api/v1/deployments?project_id=api%00x", "project_id"},
           {"/api/v1/deployments?environment=a%0Ab", "environment"},
           {"/api/v1/deployments/api%00x", "deployment_id"},
           {"/api/v1/incidents/i%01", "incident_id"},
           {"/api/v1/metrics/dora?team=api%00x", "team"},
           {"/api/v1/metrics/team-health?team=api%00x", "team"},
           {"/api/v1/pull-requests?team_id=api%00x", "team_id"},
           {"/api/v1/tickets?project_id=api%7Fx", "project_id"}}) {
    auto r = Get(target);
    EXPECT_EQ(r.status, 400) << target << " " << r.body;
    EXPECT_EQ(FirstError(r), std::make_pair(field, std::string("must not contain control characters")))
        << target << " " << r.body;
  }
  // Writes too, before anything is written.
  auto write = Post("/api/v1/deployments/api%00x/deployed", "{}");
  EXPECT_EQ(write.status, 400) << write.body;
  EXPECT_EQ(Get("/api/v1/deployments/api").Json().at("status").as_string(), "started");
}

// from and to of the lists take dates (midnight in tz, UTC by default) and Unix milliseconds as
// well as RFC 3339.
TEST_F(RoutesTest, ListDeploymentsTakesDatesAndMilliseconds) {
  for (const auto& [id, deployed] : {std::pair{"e1", "2024-03-01T00:30:00Z"},
                                     std::pair{"e2", "2024-03-01T23:30:00Z"}}) {
    ASSERT_EQ(Post("/api/v1/deployments",
                   std::string(R"({"id":")") + id +
                       R"(","project_id":"api","first_commit_at":"2024-02-01T00:00:00Z",)"
                       R"("deploy_start_at":"2024-02-01T00:00:00Z","deployed_at":")" +
                       deployed + "\"}")
                  .status,
              201);
  }
  auto ids = [&](const std::string& query) {
    std::string out;
    auto r = Get("/api/v1/deployments?" + query);
    EXPECT_EQ(r.status, 200) << query << " " << r.body;
    if (r.status != 200) return out;
    const json::value rows = r.Json();
    for (const auto& d : rows.as_array()) out += std::string(d.at("id").as_string());
    return out;
  };
  EXPECT_EQ(ids("from=2024-03-01&to=2024-03-02"), "e1e2");
  EXPECT_EQ(ids("from=2024-03-01T12:00:00Z"), "e2");
  EXPECT_EQ(ids("to=1709296200000"), "e1");  // 2024-03-01T12:30:00Z
  // Midnight in Tokyo (UTC+9) is 15:00 UTC the day before: 2024-03-02 there starts at
  // 2024-03-01T15:00:00Z.
  EXPECT_EQ(ids("from=2024-03-02&tz=Asia/Tokyo"), "e2");
  auto bad = Get("/api/v1/deployments?to=2026-02-30");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(FirstError(bad).first, "to");
  EXPECT_EQ(FirstError(Get("/api/v1/deployments?tz=Nowhere/Else")).first, "tz");
}

TEST_F(RoutesTest, IncidentLifecycle) {
  ASSERT_EQ(Post("/api/v1/deployments",
                 R"({"id":"rel","project_id":"api","first_commit_at":"2024-05-01T09:00:00Z",
                     "deploy_start_at":"2024-05-01T09:30:00Z","deployed_at":"2024-05-01T10:00:00Z"})")
                .status,
            201);
  auto created = Post("/api/v1/incidents", R"({"project_id":"api","deployment_id":"rel",
                                               "started_at":"2024-05-01T10:15:00Z"})");
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(created.Header("location"), "/api/v1/incidents/incident_api_1");
  auto second = Post("/api/v1/incidents", R"({"project_id":"api","deployment_id":"rel",
                                              "started_at":"2024-05-01T10:20:00Z"})");
  EXPECT_EQ(second.Header("location"), "/api/v1/incidents/incident_api_2");
  // Two incidents on one deployment are one failed deployment.
  EXPECT_EQ(Series("change_failure_count", "api").count, 1);
  EXPECT_EQ(Series("incident_count", "api").count, 2);
  EXPECT_DOUBLE_EQ(Series("time_to_detect", "api").sum, 900 + 1200);

  auto inc = Get("/api/v1/incidents/incident_api_1").Json();
  EXPECT_EQ(inc.at("deployment_id"), "rel");
  EXPECT_EQ(inc.at("started_at"), "2024-05-01T10:15:00.000Z");
  EXPECT_TRUE(inc.at("restored_at").is_null());
  EXPECT_EQ(inc.at("team_id"), "backend");

  EXPECT_EQ(Get("/api/v1/incidents?filter=in-progress").Json().as_array().size(), 2u);
  EXPECT_EQ(Post("/api/v1/incidents/incident_api_1/restored", R"({"date":"2024-05-01T10:45:00Z"})")
                .status,
            200);
  EXPECT_EQ(Post("/api/v1/incidents/incident_api_1/restored", R"({"date":"2024-05-01T11:45:00Z"})")
                .status,
            200);
  EXPECT_EQ(Series("incident_restored", "api").count, 1);
  EXPECT_DOUBLE_EQ(Series("time_to_restore", "api").sum, 1800);
  EXPECT_EQ(Get("/api/v1/incidents/incident_api_1").Json().at("restored_at"),
            "2024-05-01T10:45:00.000Z");
  EXPECT_EQ(Get("/api/v1/incidents?filter=in-progress").Json().as_array().size(), 1u);
  EXPECT_EQ(Get("/api/v1/incidents?type=unfinished").Json().as_array().size(), 2u);

  // Finishing an unrestored incident restores it too, counted once.
  EXPECT_EQ(Post("/api/v1/incidents/incident_api_2/finished", R"({"date":"2024-05-01T12:20:00Z"})")
                .status,
            200);
  EXPECT_EQ(Post("/api/v1/incidents/incident_api_2/finished", "").status, 200);
  auto two = Get("/api/v1/incidents/incident_api_2").Json();
  EXPECT_EQ(two.at("restored_at"), "2024-05-01T12:20:00.000Z");
  EXPECT_EQ(two.at("finished_at"), "2024-05-01T12:20:00.000Z");
  EXPECT_EQ(Series("incident_restored", "api").count, 2);
  EXPECT_EQ(Series("incident_finished", "api").count, 1);
  EXPECT_DOUBLE_EQ(Series("time_to_restore", "api").sum, 1800 + 7200);
  EXPECT_EQ(Get("/api/v1/incidents?filter=unfinished").Json().as_array().size(), 1u);
  EXPECT_EQ(Get("/api/v1/incidents").Json().as_array().size(), 2u);
}

TEST_F(RoutesTest, FinishedWithoutDateMeansNow) {
  ASSERT_EQ(Post("/api/v1/incidents", R"({"id":"now","project_id":"site"})").status, 201);
  EXPECT_EQ(Post("/api/v1/incidents/now/finished", "").status, 200);
  auto i = Get("/api/v1/incidents/now").Json();
  EXPECT_TRUE(i.at("finished_at").is_string());
  EXPECT_TRUE(i.at("restored_at").is_string());
}

TEST_F(RoutesTest, IncidentErrors) {
  EXPECT_EQ(Post("/api/v1/incidents/ghost/restored", "").status, 404);
  auto finished = Post("/api/v1/incidents/ghost/finished", "");
  EXPECT_EQ(finished.status, 404);
  EXPECT_EQ(finished.Json().at("error"), "Incident does not exist");
  EXPECT_EQ(Get("/api/v1/incidents/ghost").status, 404);

  auto no_project = Post("/api/v1/incidents", "{}");
  EXPECT_EQ(no_project.status, 400);
  EXPECT_EQ(FirstError(no_project).first, "project_id");
  auto unknown_dep = Post("/api/v1/incidents", R"({"project_id":"api","deployment_id":"nope"})");
  EXPECT_EQ(unknown_dep.status, 400);
  EXPECT_EQ(FirstError(unknown_dep).first, "deployment_id");
  EXPECT_EQ(Get("/api/v1/incidents").Json().as_array().size(), 0u);
  EXPECT_EQ(Series("incident_count", "api").count, 0);

  ASSERT_EQ(Post("/api/v1/incidents", R"({"id":"i1","project_id":"api",
                                          "started_at":"2024-05-01T10:00:00Z"})")
                .status,
            201);
  auto dup = Post("/api/v1/incidents", R"({"id":"i1","project_id":"api"})");
  EXPECT_EQ(dup.status, 409);
  auto restore_garbage = Post("/api/v1/incidents/i1/restored", R"({"date":"soon"})");
  EXPECT_EQ(restore_garbage.status, 400);
  EXPECT_TRUE(Get("/api/v1/incidents/i1").Json().at("restored_at").is_null());
  EXPECT_EQ(Get("/api/v1/incidents?filter=done").status, 400);
  EXPECT_EQ(FirstError(Get("/api/v1/incidents?type=done")).first, "type");
}

TEST_F(RoutesTest, GeneratedIncidentIdsSkipTakenOnes) {
  ASSERT_EQ(Post("/api/v1/incidents", R"({"id":"incident_api_2","project_id":"api"})").status, 201);
  auto r = Post("/api/v1/incidents", R"({"project_id":"api"})");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.Header("location"), "/api/v1/incidents/incident_api_3");
}

TEST_F(RoutesTest, PercentEncodedIds) {
  ASSERT_EQ(
      Post("/api/v1/deployments",
           R"({"id":"build #7/main","project_id":"api","first_commit_at":"2024-05-01T10:00:00Z"})")
          .status,
      201);
  auto d = Get("/api/v1/deployments/build%20%237%2Fmain");
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.Json().at("id"), "build #7/main");
}

TEST_F(RoutesTest, BodyOverOneMebibyteIs413) {
  std::string big =
      R"({"id":"big","project_id":"api","first_commit_at":"2024-05-01T10:00:00Z","pad":")" +
      std::string(1024 * 1024 + 10, 'x') + "\"}";
  auto r = Post("/api/v1/deployments", big);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(Get("/api/v1/deployments/big").status, 404);
  // Just under the limit is fine.
  std::string ok =
      R"({"id":"ok","project_id":"api","first_commit_at":"2024-05-01T10:00:00Z","pad":")" +
      std::string(1000 * 1000, 'x') + "\"}";
  EXPECT_EQ(Post("/api/v1/deployments", ok).status, 201);
}

TEST_F(RoutesTest, MalformedHttpIs400) {
  auto r = ParseResponse(RawExchange(server_->port(), "GET / HTTP/9.9\r\n\r\n"));
  EXPECT_EQ(r.status, 400);
  auto garbage = ParseResponse(RawExchange(server_->port(), "\x01\x02\x03 nonsense\r\n\r\n"));
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(Get("/health").status, 200);  // still serving
}

TEST_F(RoutesTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  std::string two =
      "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /api/v1/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::string raw = RawExchange(server_->port(), two);
  EXPECT_NE(raw.find(R"({"ok":true})"), std::string::npos);
  EXPECT_NE(raw.find(R"({"version":"1.2.3"})"), std::string::npos);
}

}  // namespace
}  // namespace emm::e2e
