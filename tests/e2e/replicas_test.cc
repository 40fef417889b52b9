// Several `serve` processes on one PostgreSQL database (issue 14, docs/postgresql.md): the same
// deployment marked deployed through every replica at once is counted once, replicas starting
// together on an empty database migrate it once, exactly one replica pushes OTLP and another takes
// over when it dies, and a database outage answers 503 + Retry-After and is recovered from. Run
// by e2e_test.postgres.1 only (EMM_E2E_BACKEND=postgres, e2e/backend.h).
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "e2e/backend.h"
#include "e2e/http_client.h"
#include "e2e/metric_state.h"
#include "e2e/otlp_sink.h"
#include "e2e/server_process.h"
#include "storage/postgres/pg_fixture.h"
#include "testing/pg_server.h"

namespace emm::e2e {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kTeams = R"({"teams": {"alpha": {"projects": ["rep"]}}})";
constexpr const char* kDeployedAt = "2024-05-01T12:00:00Z";

std::string NewDeployment(const std::string& id) {
  return R"({"id":")" + id +
         R"(","project_id":"rep","first_commit_at":"2024-05-01T10:00:00Z",)"
         R"("deploy_start_at":"2024-05-01T11:50:00Z"})";
}

std::string Deployed() {
  return std::string(R"({"create_if_not_exists":false,"deployed_at":")") + kDeployedAt + "\"}";
}

// The value of the first sample in Prometheus text `body` whose line starts with `series` (a name,
// or a name and the start of its labels); "" when there is none.
std::string Sample(const std::string& body, const std::string& series) {
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series, 0) == 0) return line.substr(line.rfind(' ') + 1);
  }
  return "";
}

// service.instance.id of an OTLP record's resource ("" if it has none).
std::string InstanceId(const json::value& record) {
  const auto& request = record.at("request");
  if (!request.is_object()) return "";
  for (const auto& rm : request.at("resourceMetrics").as_array()) {
    for (const auto& kv : rm.at("resource").at("attributes").as_array()) {
      if (kv.at("key").as_string() == "service.instance.id") {
        return std::string(kv.at("value").at("stringValue").as_string());
      }
    }
  }
  return "";
}

class ReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!OnPostgres()) GTEST_SKIP() << "replicas share a PostgreSQL database: e2e_test.postgres.1";
    dir_.Write("teams.json", kTeams);
  }

  // A replica serving `dir_`'s database (ServerProcess gives every server started in one
  // directory the same database).
  std::unique_ptr<ServerProcess> StartReplica(Env extra = {}) {
    Env env = {{"CONFIG", "teams.json"}, {"DEPLOYMENT_ENVIRONMENT", "production"}};
    for (auto& [k, v] : extra) env[k] = v;
    return ServerProcess::Start(dir_.path(), env);
  }

  TempDir dir_;
};

// The harness itself (e2e/backend.h): a server gets its directory's database, not SQLite's file,
// and a server started again in the same directory finds what the first wrote.
TEST_F(ReplicasTest, AServerRestartedInItsDirectoryGetsTheSameDatabase) {
  {
    auto server = StartReplica();
    ASSERT_NE(server, nullptr);
    HttpClient c(server->port());
    ASSERT_EQ(c.Post("/api/v1/deployments", NewDeployment("kept")).status, 201);
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.File("em.db")));
  auto again = StartReplica();
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(HttpClient(again->port()).Get("/api/v1/deployments/kept").status, 200);
  EXPECT_EQ(StoredIds(dir_.File("em.db"), "deployments"), std::set<std::string>{"kept"});
}

// Every replica is sent each deployment's `deployed` call at the same moment (a barrier per
// deployment), twice: each deployment is counted once, everywhere.
TEST_F(ReplicasTest, TheSameDeployedCallOnEveryReplicaAtOnceIsCountedOnce) {
  constexpr int kReplicas = 3;
  constexpr int kDeployments = 40;
  std::vector<std::unique_ptr<ServerProcess>> replicas;
  for (int r = 0; r < kReplicas; ++r) {
    replicas.push_back(StartReplica());
    ASSERT_NE(replicas.back(), nullptr);
  }
  for (int i = 0; i < kDeployments; ++i) {
    // Created through each replica in turn: what one wrote, the next reads.
    HttpClient c(replicas[i % kReplicas]->port());
    auto r = c.Post("/api/v1/deployments", NewDeployment("d" + std::to_string(i)));
    ASSERT_EQ(r.status, 201) << r.body;
  }

  std::barrier sync(kReplicas);
  std::mutex mu;
  std::map<int, int> statuses;  // HTTP status -> how many
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int r = 0; r < kReplicas; ++r) {
    threads.emplace_back([&, r] {
      HttpClient c(replicas[r]->port());
      for (int i = 0; i < kDeployments; ++i) {
        sync.arrive_and_wait();
        for (int repeat = 0; repeat < 2; ++repeat) {
          auto resp = c.Post("/api/v1/deployments/d" + std::to_string(i) + "/deployed", Deployed());
          std::lock_guard lock(mu);
          ++statuses[resp.status];
          if (resp.status != 200) failures.push_back(std::to_string(resp.status) + " " + resp.body);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(statuses[200], kReplicas * kDeployments * 2);
  EXPECT_TRUE(failures.empty()) << failures.size() << " failed, the first: " << failures.front();

  // The stored state: one series, counted once per deployment.
  SeriesTotals stored = ReadSeries(dir_.File("em.db"), "deployment_frequency", "rep");
  EXPECT_EQ(stored.count, kDeployments);
  EXPECT_EQ(stored.series, 1);
  EXPECT_EQ(QueryInt(dir_.File("em.db"),
                     "SELECT count(*) FROM deployments WHERE deployed_at IS NOT NULL"),
            kDeployments);
  // Every replica answers the same figures.
  for (int r = 0; r < kReplicas; ++r) {
    SCOPED_TRACE("replica " + std::to_string(r));
    HttpClient c(replicas[r]->port());
    auto metrics = c.Get("/metrics");
    ASSERT_EQ(metrics.status, 200);
    EXPECT_EQ(Sample(metrics.body, "deployment_frequency_total{project_id=\"rep\""),
              std::to_string(kDeployments));
    json::value dora =
        GetJson(replicas[r]->port(),
                "/api/v1/metrics/dora?from=2024-05-01T00:00:00Z&to=2024-05-02T00:00:00Z");
    ASSERT_TRUE(dora.is_object() && dora.as_object().contains("deployment_frequency"));
    EXPECT_EQ(dora.at("deployment_frequency").at("count").to_number<int>(), kDeployments);
    EXPECT_DOUBLE_EQ(dora.at("lead_time_for_changes").at("median").to_number<double>(), 7200);
    json::value one = GetJson(replicas[r]->port(), "/api/v1/deployments/d7");
    ASSERT_TRUE(one.is_object());
    EXPECT_EQ(one.at("deployed_at").as_string(), "2024-05-01T12:00:00.000Z");
  }
}

// Three replicas started at the same moment on a database nobody has migrated: all come up, each
// migration step is applied once, and all three serve one state.
TEST_F(ReplicasTest, ReplicasStartingTogetherOnAnEmptyDatabaseMigrateItOnce) {
  constexpr int kReplicas = 3;
  std::vector<std::unique_ptr<ServerProcess>> replicas(kReplicas);
  // Created first, empty: starting the replicas must not be what creates it.
  ASSERT_NE(DatabaseUrlFor(dir_.path()), "");
  std::vector<std::thread> threads;
  for (int r = 0; r < kReplicas; ++r) {
    threads.emplace_back([&, r] { replicas[r] = StartReplica(); });
  }
  for (auto& t : threads) t.join();
  for (int r = 0; r < kReplicas; ++r) ASSERT_NE(replicas[r], nullptr) << "replica " << r;

  const std::string db = dir_.File("em.db");
  int64_t steps = QueryInt(db, "SELECT count(*) FROM schema_migrations");
  EXPECT_GT(steps, 0);
  EXPECT_EQ(QueryInt(db, "SELECT count(DISTINCT version) FROM schema_migrations"), steps);
  EXPECT_EQ(QueryInt(db, "SELECT max(version) FROM schema_migrations"), steps);
  for (int r = 0; r < kReplicas; ++r) {
    HttpClient c(replicas[r]->port());
    std::string id = "m" + std::to_string(r);
    ASSERT_EQ(c.Post("/api/v1/deployments", NewDeployment(id)).status, 201);
    ASSERT_EQ(c.Post("/api/v1/deployments/" + id + "/deployed", Deployed()).status, 200);
  }
  for (int r = 0; r < kReplicas; ++r) {
    HttpClient c(replicas[r]->port());
    EXPECT_EQ(Sample(c.Get("/metrics").body, "deployment_frequency_total{project_id=\"rep\""),
              std::to_string(kReplicas));
  }
}

// Two replicas pushing to one collector every 200 ms: one pushes; killed (-9), the other takes
// over, and the collector never sees the two alternate.
TEST_F(ReplicasTest, ExactlyOneReplicaExportsAndAnotherTakesOverWhenItDies) {
  std::string error;
  auto sink = OtlpSink::Start(&error);
  ASSERT_NE(sink, nullptr) << error;
  Env otlp = {{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", sink->url()},
              {"OTEL_METRIC_EXPORT_INTERVAL", "200"},
              {"OTEL_METRIC_EXPORT_TIMEOUT", "1000"}};
  std::vector<std::unique_ptr<ServerProcess>> replicas;
  for (int r = 0; r < 2; ++r) {
    replicas.push_back(StartReplica(otlp));
    ASSERT_NE(replicas.back(), nullptr);
  }
  HttpClient first(replicas[0]->port());
  ASSERT_EQ(first.Post("/api/v1/deployments", NewDeployment("x1")).status, 201);
  ASSERT_EQ(first.Post("/api/v1/deployments/x1/deployed", Deployed()).status, 200);
  // Several rounds, so that a second pusher would have had its turns too.
  ASSERT_TRUE(sink->WaitForRequests(8, 30s)) << sink->Stderr();

  // The leader, by its own gauge; the other says 0.
  int leader = -1;
  for (int r = 0; r < 2; ++r) {
    std::string gauge =
        Sample(HttpClient(replicas[r]->port()).Get("/metrics").body, "em_metrics_export_leader");
    if (gauge == "1") {
      EXPECT_EQ(leader, -1) << "two leaders";
      leader = r;
    } else {
      EXPECT_EQ(gauge, "0") << "replica " << r;
    }
  }
  ASSERT_NE(leader, -1);
  std::set<std::string> before;
  for (const auto& rec : sink->Received()) before.insert(InstanceId(rec));
  ASSERT_EQ(before.size(), 1u) << "more than one replica pushed";

  replicas[leader]->Kill9();
  const auto killed = std::chrono::steady_clock::now();
  const int other = 1 - leader;
  HttpClient survivor(replicas[other]->port());
  // Written after the leader died: the new leader's pushes carry it.
  ASSERT_EQ(survivor.Post("/api/v1/deployments", NewDeployment("x2")).status, 201);
  ASSERT_EQ(survivor.Post("/api/v1/deployments/x2/deployed", Deployed()).status, 200);
  std::string new_id;
  for (auto until = std::chrono::steady_clock::now() + 30s;
       new_id.empty() && std::chrono::steady_clock::now() < until;) {
    for (const auto& rec : sink->Received()) {
      std::string id = InstanceId(rec);
      if (!before.count(id)) new_id = id;
    }
    if (new_id.empty()) std::this_thread::sleep_for(50ms);
  }
  ASSERT_FALSE(new_id.empty()) << "no replica took over; survivor's log:\n"
                               << replicas[other]->Log();
  // Said, not asserted (no timed assertion): the first push of the new leader seen this long
  // after the kill, the sink's polling included.
  std::printf("the other replica took over and pushed %lld ms after the kill -9\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - killed)
                                         .count()));
  EXPECT_TRUE(replicas[other]->WaitForLog("export leadership taken", 5s));
  EXPECT_EQ(Sample(survivor.Get("/metrics").body, "em_metrics_export_leader"), "1");

  // In the order received: the old leader's pushes, then only the new one's.
  ASSERT_TRUE(sink->WaitForRequests(sink->Received().size() + 3, 30s));
  std::vector<std::string> order;
  for (const auto& rec : sink->Received()) {
    std::string id = InstanceId(rec);
    if (order.empty() || order.back() != id) order.push_back(id);
  }
  EXPECT_EQ(order.size(), 2u) << "the pushes alternated between replicas";
  // The new leader continues the shared state: both deployments.
  bool saw_two = false;
  for (const auto& rec : sink->Received()) {
    if (InstanceId(rec) == new_id &&
        json::serialize(rec.at("request")).find("\"deployment_frequency\"") != std::string::npos &&
        json::serialize(rec.at("request")).find("\"asInt\":\"2\"") != std::string::npos) {
      saw_two = true;
    }
  }
  EXPECT_TRUE(saw_two) << "the new leader never pushed deployment_frequency 2";
}

// The database stops under a replica of its own (a PostgreSQL server of this test's): requests
// answer 503 with Retry-After, quickly; the database back, the replica recovers by itself, and
// every write acknowledged before the outage is there.
TEST_F(ReplicasTest, AnOutageAnswers503WithRetryAfterAndIsRecoveredFrom) {
  emm::testing::PgServer pg;
  ASSERT_TRUE(pg.Start().ok());
  auto url = storage::postgres::testing::CreateDatabase(pg, "outage");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  auto server = StartReplica({{"DATABASE_URL", *url}});
  ASSERT_NE(server, nullptr);
  HttpClient c(server->port());
  std::vector<std::string> acked;
  for (int i = 0; i < 20; ++i) {
    std::string id = "o" + std::to_string(i);
    ASSERT_EQ(c.Post("/api/v1/deployments", NewDeployment(id)).status, 201);
    ASSERT_EQ(c.Post("/api/v1/deployments/" + id + "/deployed", Deployed()).status, 200);
    acked.push_back(id);
  }

  ASSERT_TRUE(pg.Stop().ok());
  for (const auto& [method, target, body] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"POST", "/api/v1/deployments", NewDeployment("during")},
           {"POST", "/api/v1/deployments/o1/deployed", Deployed()},
           {"GET", "/api/v1/deployments/o1", ""},
           {"GET", "/api/v1/metrics/dora?from=2024-05-01T00:00:00Z&to=2024-05-02T00:00:00Z", ""},
           {"GET", "/metrics", ""}}) {
    SCOPED_TRACE(method + " " + target);
    auto r = c.Request(method, target, body);
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_FALSE(r.Header("retry-after").empty());
    EXPECT_TRUE(r.Json().is_object()) << r.body;
  }
  EXPECT_EQ(c.Get("/health").status, 200);

  ASSERT_TRUE(pg.Restart().ok());
  int status = 0;
  for (auto until = std::chrono::steady_clock::now() + 30s;
       status != 201 && std::chrono::steady_clock::now() < until;) {
    status = c.Post("/api/v1/deployments", NewDeployment("after")).status;
    if (status != 201) {
      EXPECT_EQ(status, 503);
      std::this_thread::sleep_for(100ms);
    }
  }
  ASSERT_EQ(status, 201) << server->Log();
  for (const auto& id : acked) {
    auto r = c.Get("/api/v1/deployments/" + id);
    EXPECT_EQ(r.status, 200) << id << ": " << r.body;
  }
  EXPECT_EQ(Sample(c.Get("/metrics").body, "deployment_frequency_total{project_id=\"rep\""),
            std::to_string(acked.size()));
}

}  // namespace
}  // namespace emm::e2e
