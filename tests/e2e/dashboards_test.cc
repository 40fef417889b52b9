// The Grafana dashboards of deploy/compose/grafana/dashboards against live data: a real server
// seeded through its API (deployments, incidents, pull requests and reviews, Linear tickets) and
// Debian's Prometheus scraping it. No panel, variable or annotation may query a series, label or
// field that does not exist (dashboard_check.h); and a dashboard broken on purpose is caught.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "e2e/dashboard_check.h"
#include "e2e/http_client.h"
#include "e2e/linear_delivery.h"
#include "e2e/prometheus_harness.h"
#include "e2e/server_process.h"
#include "e2e/subprocess.h"

namespace emm::e2e {
namespace {

namespace json = boost::json;

const std::string kDashboardsDir =
    std::string(EMM_SOURCE_DIR) + "/deploy/compose/grafana/dashboards";
constexpr const char* kToken = "dashboards-secret";
constexpr const char* kLinearSecret = "lin_wh_dashboards";
// web's tickets are Linear's ENG team's; ticket types are the labels under "type-group".
constexpr const char* kTeams = R"({"teams": {
  "web": {"projects": ["site"], "linear_team_id": "ENG",
          "users": [{"github_username": "alice"}, {"github_username": "bob"}]},
  "api": {"projects": ["api"], "users": [{"github_username": "dave"}]}},
 "ticketing": {"new_value_types": ["feature"],
               "linear": {"ticket_type_selector": {"parent_label_id": "type-group"}}}})";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class DashboardsTest : public ::testing::Test {
 protected:
  // One server and one Prometheus for the suite.
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    dir_->Write("teams.json", kTeams);
    server_ = ServerProcess::Start(dir_->path(), {{"CONFIG", "teams.json"},
                                                  {"EM_METRICS_NO_AUTH", ""},
                                                  {"EM_METRICS_TOKEN_AUTH", kToken},
                                                  {"EM_METRICS_SCRAPE_NO_AUTH", "true"},
                                                  {"LINEAR_SECRET", kLinearSecret}})
                  .release();
    ASSERT_NE(server_, nullptr);
    now_ms_ = NowMs();
    Seed();
    if (::testing::Test::HasFatalFailure()) return;
    prometheus_ = new PrometheusHarness();
    prometheus_->Start(*dir_, {PrometheusHarness::Job("em-metrics", server_->port())});
    if (::testing::Test::HasFatalFailure()) return;
    // rate() and increase() need two samples of a series in their window.
    ASSERT_TRUE(prometheus_->WaitUntil([] {
      return prometheus_->Query("count_over_time(up[1m])").value_or(0) >= 2;
    })) << prometheus_->Log();
  }
  static void TearDownTestSuite() {
    delete prometheus_;
    delete server_;
    delete dir_;
    prometheus_ = nullptr;
    server_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(prometheus_, nullptr);
  }

  // RFC 3339 for `hours` hours before the suite started.
  static std::string Ago(double hours) {
    std::time_t t = static_cast<std::time_t>(now_ms_ / 1000 - static_cast<int64_t>(hours * 3600));
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
  }

  static void Post(const std::string& path, const json::object& body) {
    auto r = HttpClient(server_->port())
                 .Post(path, json::serialize(body),
                       {{"Authorization", std::string("Token ") + kToken},
                        {"Content-Type", "application/json"}});
    ASSERT_LT(r.status, 300) << path << " " << r.body;
  }

  // A month of web's events, in the last week: what every panel needs to show something.
  static void Seed() {
    // site (team web) in production: lead times 2 h, 5 h, 1 day, 30 min; api: one.
    struct Deployment {
      const char* id;
      const char* project;
      double hours_ago;
      double lead_hours;
    };
    for (const Deployment& d : {Deployment{"s1", "site", 144, 2}, Deployment{"s2", "site", 96, 5},
                                Deployment{"s3", "site", 48, 24}, Deployment{"s4", "site", 24, 0.5},
                                Deployment{"a1", "api", 72, 3}}) {
      Post("/api/v1/deployments", {{"id", d.id},
                                   {"project_id", d.project},
                                   {"environment", "production"},
                                   {"first_commit_at", Ago(d.hours_ago + d.lead_hours)},
                                   {"deploy_start_at", Ago(d.hours_ago + 0.1)},
                                   {"deployed_at", Ago(d.hours_ago)}});
    }
    // s2 failed: detected an hour after it, restored two hours later; s4's incident is open.
    Post("/api/v1/incidents", {{"id", "i1"},
                               {"project_id", "site"},
                               {"deployment_id", "s2"},
                               {"started_at", Ago(95)},
                               {"restored_at", Ago(93)}});
    Post("/api/v1/incidents",
         {{"id", "i2"}, {"project_id", "site"}, {"deployment_id", "s4"}, {"started_at", Ago(23)}});
    // web's pull requests: p1 and p2 reviewed, approved and merged, p3 closed; api's q1 merged.
    auto open = [](const char* id, const char* team, const char* author, double hours_ago) {
      Post("/api/v1/pull-requests", {{"id", id},
                                     {"team_id", team},
                                     {"author", author},
                                     {"opened_at", Ago(hours_ago)},
                                     {"additions", 40},
                                     {"deletions", 8}});
    };
    auto review = [](const char* id, const char* reviewer, double hours_ago, bool approved) {
      Post(std::string("/api/v1/pull-requests/") + id + "/reviewed",
           {{"reviewer", reviewer},
            {"reviewed_at", Ago(hours_ago)},
            {"approved", approved},
            {"nb_comments", 2}});
    };
    auto merged = [](const char* id, double hours_ago) {
      Post(std::string("/api/v1/pull-requests/") + id + "/merged", {{"merged_at", Ago(hours_ago)}});
    };
    open("p1", "web", "alice", 120);
    review("p1", "bob", 119, true);
    merged("p1", 117);
    open("p2", "web", "bob", 72);
    review("p2", "alice", 71.5, false);
    review("p2", "alice", 70, true);
    merged("p2", 68);
    open("p3", "web", "alice", 48);
    Post("/api/v1/pull-requests/p3/closed", {{"closed_at", Ago(24)}});
    open("q1", "api", "dave", 50);
    merged("q1", 30);
    // ENG's tickets: a feature (new value) and a bug, each started and done.
    Ticket("ENG-1", "Feature", "started", 150, 144, nullptr);
    Ticket("ENG-1", "Feature", "completed", 150, 120, "done");
    Ticket("ENG-2", "Bug", "completed", 100, 90, "done");
  }

  // One Linear delivery of `id` (team ENG, project Checkout) in `state`, started `started` hours
  // ago and updated (done, when `done`) `updated` hours ago.
  static void Ticket(const std::string& id, const char* type, const char* state, double started,
                     double updated, const char* done) {
    json::object issue = LinearIssue(
        id, {{"team", json::object{{"id", "t-ENG"}, {"key", "ENG"}, {"name", "ENG"}}},
             {"project", json::object{{"id", "p-checkout"},
                                      {"name", "Checkout"},
                                      {"url", "https://linear.app/acme/project/checkout"}}},
             {"labels", json::array{json::object{{"id", std::string("l-") + type},
                                                 {"name", type},
                                                 {"color", "#000000"},
                                                 {"parentId", "type-group"}}}},
             {"createdAt", Ago(started + 1)},
             {"updatedAt", Ago(updated)},
             {"startedAt", Ago(started)},
             {"completedAt", done ? json::value(Ago(updated)) : json::value(nullptr)},
             {"estimate", 3},
             {"state", json::object{{"id", std::string("s-") + state},
                                    {"name", state},
                                    {"type", state},
                                    {"color", "#000000"}}}});
    auto r = LinearSender(server_->port(), kLinearSecret).Send(issue);
    ASSERT_EQ(r.status, 200) << r.body;
  }

  // The dashboards' variables set to the seeded team web / project site, over the last 30 days.
  static DashboardContext Context() {
    DashboardContext ctx;
    ctx.prometheus_port = prometheus_->port();
    ctx.api_port = server_->port();
    ctx.api_headers = {{"Authorization", std::string("Token ") + kToken}};
    ctx.variables = {{"team", "web"},
                     {"project", "site"},
                     {"environment", "production"},
                     {"linear_team", "ENG"}};
    ctx.to_ms = now_ms_ + 60'000;
    ctx.from_ms = now_ms_ - 30LL * 86'400'000;
    return ctx;
  }

  static std::vector<std::string> DashboardFiles() {
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(kDashboardsDir)) {
      if (entry.path().extension() == ".json") files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    return files;
  }

  // Every dashboard file: no problem, and both data sources and variables checked.
  void CheckTheDashboards() {
    const std::vector<std::string> files = DashboardFiles();
    ASSERT_EQ(files.size(), 3u) << "the DORA, incidents and team health dashboards";
    std::set<std::string> uids;
    for (const std::string& file : files) {
      const std::string name = std::filesystem::path(file).filename().string();
      const std::string text = ReadFile(file);
      DashboardReport report = CheckDashboard(text, Context());
      for (const std::string& problem : report.problems) ADD_FAILURE() << name << ": " << problem;
      // Each dashboard reads both data sources and has variables.
      EXPECT_GT(report.prometheus_queries, 0) << name;
      EXPECT_GT(report.infinity_queries, 0) << name;
      EXPECT_GT(report.variable_queries, 0) << name;
      std::printf("%s: %d Prometheus queries, %d Infinity queries, %d variable queries checked\n",
                  name.c_str(), report.prometheus_queries, report.infinity_queries,
                  report.variable_queries);
      boost::system::error_code ec;
      json::value d = json::parse(text, ec);
      if (ec) continue;
      EXPECT_TRUE(uids.insert(std::string(d.at("uid").as_string())).second) << file;
      // The check above took each custom variable's current value (preset, link): every other
      // option must work too.
      for (const json::value& v : d.at("templating").at("list").as_array()) {
        if (v.at("type") != "custom") continue;
        const std::string var(v.at("name").as_string());
        for (const json::value& option : v.at("options").as_array()) {
          DashboardContext ctx = Context();
          ctx.variables[var] = std::string(option.at("value").as_string());
          for (const std::string& problem : CheckDashboard(text, ctx).problems) {
            ADD_FAILURE() << name << " with $" << var << "=" << ctx.variables[var] << ": "
                          << problem;
          }
        }
      }
    }
  }

  // The check fails on what it exists to catch: each spot broken below is reported.
  void CheckABrokenDashboardIsCaught() {
    const std::string good = ReadFile(kDashboardsDir + "/dora-overview.json");
    ASSERT_TRUE(CheckDashboard(good, Context()).problems.empty());
    struct Break {
      std::string from, to, expect;
    };
    const Break breaks[] = {
        {"sum(increase(deployment_frequency_total{", "sum(increase(deployment_frequency_totl{",
         "returns no series"},
        {"lead_time_for_changes_seconds_bucket{team_id",
         "lead_time_for_changes_seconds_bucket{teamid", "returns no series"},
        {"\"selector\": \"lead_time_median\"", "\"selector\": \"lead_time_medain\"",
         "column 'lead_time_medain' is not a field"},
        {"&preset=${preset}", "&preset=${preset}&bogus=1", "answered 400"},
        {"\"uid\": \"em-metrics-api\"", "\"uid\": \"em-metrics\"",
         "is not its panel's 'em-metrics'"},
        {"label_values(deployment_frequency_total, team_id)",
         "label_values(deployment_frequency_total, team)", "has no values"},
        {"{{project_id}}", "{{project}}", "the legend names label project"},
        {"$environment", "$env", "names $env"},
        {"\"options\": \"lead time (median)\"", "\"options\": \"lead time median\"",
         "an override names field 'lead time median'"},
        {"\"root_selector\": \"\"", "\"root_selector\": \"rows\"",
         "root_selector 'rows' is not in the answer"},
        {"\"selector\": \"title\"", "\"selector\": \"tags\"",
         "column 'tags' is typed string but holds [\"deployment\""},
    };
    for (const Break& b : breaks) {
      std::string broken = good;
      size_t at = broken.find(b.from);
      ASSERT_NE(at, std::string::npos) << b.from;
      broken.replace(at, b.from.size(), b.to);
      std::vector<std::string> problems = CheckDashboard(broken, Context()).problems;
      bool found = false;
      for (const std::string& p : problems) found |= p.find(b.expect) != std::string::npos;
      EXPECT_TRUE(found) << "breaking `" << b.from << "` was not reported as \"" << b.expect
                         << "\"; the problems: " << ::testing::PrintToString(problems);
    }
    EXPECT_FALSE(CheckDashboard("{\"uid\": ", Context()).problems.empty());
  }

  static inline TempDir* dir_ = nullptr;
  static inline ServerProcess* server_ = nullptr;
  static inline PrometheusHarness* prometheus_ = nullptr;
  static inline int64_t now_ms_ = 0;
};

// ctest runs each test in a process of its own and Prometheus takes ~5 s to scrape a new target:
// both checks share one test.
TEST_F(DashboardsTest, EveryQueryFindsItsDataAndABrokenDashboardIsCaught) {
  CheckTheDashboards();
  CheckABrokenDashboardIsCaught();
}

}  // namespace
}  // namespace emm::e2e
