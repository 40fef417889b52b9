// A database that is down (PostgreSQL restarting, the pool's wait timed out, a connection lost:
// the store answers kUnavailable) is a 503 with Retry-After and the usual JSON error on every
// route that reaches it, reads and writes alike; never a 500 and never a hang.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <map>

#include "api/api.h"
#include "api/routes.h"
#include "api/stored_metric_state.h"
#include "storage/write_queue.h"

namespace emm::api {
namespace {

namespace json = boost::json;

const char* kDown = "PostgreSQL is unreachable: connection refused";

// Every read and every batch item answers kUnavailable, as the PostgreSQL store does while its
// server is down.
class DownStore final : public storage::EventStore {
 public:
  std::vector<Status> RunBatch(std::span<const Work> work) override {
    return std::vector<Status>(work.size(), Down());
  }
  Result<std::optional<domain::Deployment>> GetDeployment(std::string_view) override {
    return Down();
  }
  Result<std::vector<domain::Deployment>> ListDeployments(
      const storage::DeploymentQuery&) override {
    return Down();
  }
  Result<std::optional<domain::Incident>> GetIncident(std::string_view) override { return Down(); }
  Result<std::vector<domain::Incident>> ListIncidents(const storage::IncidentQuery&) override {
    return Down();
  }
  Result<std::optional<domain::PullRequest>> GetPullRequest(std::string_view) override {
    return Down();
  }
  Result<std::vector<domain::PullRequest>> ListPullRequests(
      const storage::PullRequestQuery&) override {
    return Down();
  }
  Result<std::optional<domain::Ticket>> GetTicket(std::string_view) override { return Down(); }
  Result<std::vector<domain::Ticket>> ListTickets(const storage::TicketQuery&) override {
    return Down();
  }
  Result<storage::TicketHistory> GetTicketHistory(std::string_view) override { return Down(); }
  Result<std::vector<domain::Ticket>> LoadTicketsForStats(
      const storage::TicketStatsQuery&) override {
    return Down();
  }
  Result<std::vector<domain::SeriesState>> ListSeries() override { return Down(); }
  Result<std::vector<domain::ExportMark>> ListExportMarks() override { return Down(); }
  Result<domain::DoraEvents> LoadDoraEvents(const storage::DoraQuery&) override { return Down(); }
  Result<domain::DoraFacts> LoadDoraFacts(const storage::DoraQuery&) override { return Down(); }
  Result<std::pair<std::vector<domain::Deployment>, std::vector<domain::Incident>>> LoadTimeline(
      const storage::DoraQuery&) override {
    return Down();
  }
  Result<domain::TeamHealthFacts> LoadTeamHealthFacts(const storage::TeamHealthQuery&) override {
    return Down();
  }
  Result<std::vector<domain::Deployment>> ListUndeployed(const storage::DoraQuery&, int64_t,
                                                         int64_t) override {
    return Down();
  }

 private:
  static Status Down() { return Status::Unavailable(kDown); }
};

class FixedClock final : public Clock {
 public:
  TimeMs NowMs() const override { return 1714557600000; }  // 2024-05-01T10:00:00Z
};

class UnavailableTest : public ::testing::Test {
 protected:
  UnavailableTest()
      : writes_(&store_),
        metric_state_(&store_, &writes_),
        api_(ApiOptions{"production", "1.2.3", "host-1", false, false, "", "", "", ""},
             ApiDeps{&store_, &writes_, &auth_, &teams_, &clock_, nullptr, nullptr, nullptr,
                     nullptr, &metric_state_}) {}
  ~UnavailableTest() override { writes_.Stop(); }

  http::Response Call(const std::string& method, const std::string& target,
                      const std::string& body = "") {
    http::Request req;
    req.method = method;
    req.target = target;
    size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    req.headers.emplace_back("Authorization", "Token secret");
    req.body = body;
    std::promise<http::Response> answer;
    api_.Handle(std::move(req), [&](http::Response r) { answer.set_value(std::move(r)); });
    auto future = answer.get_future();
    if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << method << " " << target << ": no answer";
      return http::Response::Empty(0);
    }
    return future.get();
  }

  // 503, Retry-After in whole seconds, and the JSON error naming the cause.
  static void ExpectUnavailable(const http::Response& r, const std::string& what) {
    EXPECT_EQ(r.status, 503) << what << ": " << r.body;
    std::optional<std::string> retry_after;
    for (const auto& [name, value] : r.headers) {
      if (name == "Retry-After") retry_after = value;
    }
    ASSERT_TRUE(retry_after.has_value()) << what;
    EXPECT_FALSE(retry_after->empty()) << what;
    EXPECT_EQ(retry_after->find_first_not_of("0123456789"), std::string::npos) << *retry_after;
    json::value body = json::parse(r.body);
    EXPECT_EQ(body.at("error").as_string(), kDown) << what;
  }

  DownStore store_;
  storage::WriteQueue writes_;
  StoredMetricState metric_state_;
  auth::Authenticator auth_{auth::AuthSettings{false, "secret", "", ""}};
  config::TeamsHolder teams_{config::TeamsConfig{}};
  FixedClock clock_;
  Api api_;
};

// The query a read needs to get as far as the store.
const std::map<std::string_view, std::string> kRequiredQuery = {
    {"/api/v1/metrics/dora/explain", "?metric=deployment_frequency"},
    {"/api/v1/metrics/team-health/explain", "?metric=opened"},
    {"/api/v1/dora/metrics", "?metric=deployment_frequency"},
};

// Every read route of the table that needs the store, path parameters filled in.
TEST_F(UnavailableTest, EveryStoredReadIs503WithRetryAfter) {
  int reads = 0;
  for (const RouteSpec& route : RouteTable()) {
    if (route.method != "GET" || route.needs != Needs::kStore) continue;
    std::string target;
    for (size_t i = 0; i < route.pattern.size();) {
      if (route.pattern[i] == ':') {
        target += "x";
        i = std::min(route.pattern.find('/', i), route.pattern.size());
      } else {
        target += route.pattern[i++];
      }
    }
    auto query = kRequiredQuery.find(route.pattern);
    if (query != kRequiredQuery.end()) target += query->second;
    ExpectUnavailable(Call("GET", target), target);
    ++reads;
  }
  EXPECT_GE(reads, 14);
  ExpectUnavailable(Call("GET", "/metrics"), "/metrics");  // the metric state is in the database
  ExpectUnavailable(Call("POST", "/api/v1/ticketing/stats",
                         R"({"from":"2024-04-01T00:00:00Z","to":"2024-05-01T00:00:00Z"})"),
                    "ticketing stats");
}

// Writes: the batch's items answer kUnavailable, each request a 503 the client may retry.
TEST_F(UnavailableTest, EveryWriteIs503WithRetryAfter) {
  const std::pair<std::string, std::string> writes[] = {
      {"/api/v1/deployments",
       R"({"id":"d1","project_id":"api","first_commit_at":"2024-05-01T08:00:00Z"})"},
      {"/api/v1/deployments/d1/deployed", R"({"create_if_not_exists":true})"},
      {"/api/v1/incidents", R"({"project_id":"api"})"},
      {"/api/v1/incidents/i1/restored", ""},
      {"/api/v1/incidents/i1/finished", ""},
      {"/api/v1/pull-requests", R"({"id":"7","team_id":"web"})"},
      {"/api/v1/pull-requests/7/reviewed", R"({"reviewer":"ana"})"},
      {"/api/v1/pull-requests/7/merged", "{}"},
      {"/api/v1/pull-requests/7/closed", "{}"},
  };
  for (const auto& [path, body] : writes) ExpectUnavailable(Call("POST", path, body), path);
  // What needs no database still answers.
  EXPECT_EQ(Call("GET", "/health").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/version").status, 200);
}

}  // namespace
}  // namespace emm::api
