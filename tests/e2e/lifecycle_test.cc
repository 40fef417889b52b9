// Process-level behaviour: durability across kill -9, graceful SIGTERM, SIGHUP reload, start-up
// errors, the migrate / rebuild-metrics commands, slow clients.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "e2e/backend.h"
#include "e2e/http_client.h"
#include "e2e/metric_state.h"
#include "e2e/server_process.h"

namespace emm::e2e {
namespace {

using std::chrono::milliseconds;

std::string DeploymentBody(const std::string& id, const std::string& project) {
  return R"({"id":")" + id + R"(","project_id":")" + project +
         R"(","first_commit_at":"2024-05-01T10:00:00Z","deploy_start_at":"2024-05-01T10:00:00Z"})";
}

TEST(LifecycleTest, AcknowledgedWritesSurviveKill9) {
  TempDir dir;
  auto server = ServerProcess::Start(dir.path());
  ASSERT_NE(server, nullptr);
  constexpr int kThreads = 4, kPerThread = 50;
  std::atomic<int> acked{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient c(server->port());
      for (int i = 0; i < kPerThread; ++i) {
        std::string id = "k" + std::to_string(t) + "-" + std::to_string(i);
        if (c.Post("/api/v1/deployments", DeploymentBody(id, "dur")).status == 201) {
          if (c.Post("/api/v1/deployments/" + id + "/deployed", R"({"create_if_not_exists":false})")
                  .status == 200) {
            ++acked;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(acked.load(), kThreads * kPerThread);
  server->Kill9();

  auto again = ServerProcess::Start(dir.path());
  ASSERT_NE(again, nullptr);
  HttpClient c(again->port());
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      std::string id = "k" + std::to_string(t) + "-" + std::to_string(i);
      auto d = c.Get("/api/v1/deployments/" + id);
      ASSERT_EQ(d.status, 200) << id;
      EXPECT_EQ(d.Json().at("status"), "deployed") << id;
    }
  }
  EXPECT_EQ(ReadSeries(dir.File("em.db"), "deployment_started", "dur").count,
            kThreads * kPerThread);
  EXPECT_EQ(ReadSeries(dir.File("em.db"), "deployment_frequency", "dur").count,
            kThreads * kPerThread);
}

TEST(LifecycleTest, SigtermFinishesInFlightRequestsAndExitsZero) {
  TempDir dir;
  auto server = ServerProcess::Start(dir.path());
  ASSERT_NE(server, nullptr);
  std::atomic<bool> stop{false};
  std::atomic<int> acked{0};
  std::vector<std::string> acked_ids[2];
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      HttpClient c(server->port());
      for (int i = 0; !stop; ++i) {
        std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto r = c.Post("/api/v1/deployments", DeploymentBody(id, "term"));
        if (r.status == 201) {
          acked_ids[t].push_back(id);
          ++acked;
        } else if (r.status == 0) {
          break;  // the server has closed its door
        }
      }
    });
  }
  while (acked < 20) std::this_thread::sleep_for(milliseconds(1));
  server->Signal(SIGTERM);
  EXPECT_EQ(server->WaitExit(milliseconds(10000)), 0) << server->Log().substr(0, 3000);
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_NE(server->Log().find("\"msg\":\"stopped\""), std::string::npos);

  auto again = ServerProcess::Start(dir.path());
  ASSERT_NE(again, nullptr);
  HttpClient c(again->port());
  for (const auto& ids : acked_ids) {
    for (const auto& id : ids) EXPECT_EQ(c.Get("/api/v1/deployments/" + id).status, 200) << id;
  }
}

TEST(LifecycleTest, SighupReloadsTeamsAndKeepsTheOldOnError) {
  TempDir dir;
  dir.Write("teams.json", R"({"teams":{"alpha":{"projects":["p"]}}})");
  auto server = ServerProcess::Start(dir.path(), {{"CONFIG", "teams.json"}});
  ASSERT_NE(server, nullptr);
  HttpClient c(server->port());
  ASSERT_EQ(c.Post("/api/v1/deployments", DeploymentBody("a", "p")).status, 201);
  EXPECT_EQ(c.Get("/api/v1/deployments/a").Json().at("team_id"), "alpha");

  dir.Write("teams.json", R"({"teams":{"beta":{"projects":["p"]}}})");
  server->Signal(SIGHUP);
  ASSERT_TRUE(server->WaitForLog("teams config reloaded", milliseconds(5000)));
  ASSERT_EQ(c.Post("/api/v1/deployments", DeploymentBody("b", "p")).status, 201);
  EXPECT_EQ(c.Get("/api/v1/deployments/b").Json().at("team_id"), "beta");
  EXPECT_EQ(c.Get("/api/v1/config").Json().at("teams").as_object().count("beta"), 1u);

  dir.Write("teams.json", R"({"teams":[]})");
  server->Signal(SIGHUP);
  ASSERT_TRUE(server->WaitForLog("reload failed", milliseconds(5000)));
  ASSERT_EQ(c.Post("/api/v1/deployments", DeploymentBody("c", "p")).status, 201);
  EXPECT_EQ(c.Get("/api/v1/deployments/c").Json().at("team_id"), "beta");
  EXPECT_EQ(c.Get("/health").status, 200);
}

TEST(LifecycleTest, ReloadsUnderLoadDropNoRequest) {
  TempDir dir;
  dir.Write("teams.json", R"({"teams":{"alpha":{"projects":["p"]}}})");
  auto server = ServerProcess::Start(dir.path(), {{"CONFIG", "teams.json"}});
  ASSERT_NE(server, nullptr);
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      HttpClient c(server->port());
      for (int i = 0; !stop; ++i) {
        std::string id = "h" + std::to_string(t) + "-" + std::to_string(i);
        int status = c.Post("/api/v1/deployments", DeploymentBody(id, "p")).status;
        (status == 201 ? ok : bad)++;
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    dir.Write("teams.json", i % 2 ? R"({"teams":{"alpha":{"projects":["p"]}}})"
                                  : R"({"teams":{"beta":{"projects":["p"]}}})");
    server->Signal(SIGHUP);
    std::this_thread::sleep_for(milliseconds(10));
  }
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_GT(ok.load(), 0);
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(HttpClient(server->port()).Get("/health").status, 200);
}

TEST(LifecycleTest, DevRoutesEnablePing) {
  TempDir dir;
  auto plain = ServerProcess::Start(dir.path());
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(HttpClient(plain->port()).Post("/ping", "").status, 404);
  TempDir dir2;
  auto dev = ServerProcess::Start(dir2.path(), {{"DEV_ROUTES", "true"}});
  ASSERT_NE(dev, nullptr);
  auto r = HttpClient(dev->port()).Post("/ping", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{}");
}

TEST(LifecycleTest, InvalidConfigStopsStartWithExitTwoNamingFileAndKey) {
  TempDir dir;
  dir.Write("bad.json", R"({"teams":{"team-1":{"projects":"project-1"}}})");
  auto r = RunToExit(dir.path(),
                     {{"CONFIG", "bad.json"}, {"PORT", "0"}, {"SQLITE_DB", dir.File("em.db")}}, {});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find(dir.File("bad.json")), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("teams.team-1.projects"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("must be an array"), std::string::npos) << r.output;

  auto missing = RunToExit(
      dir.path(), {{"CONFIG", "nope.json"}, {"PORT", "0"}, {"SQLITE_DB", dir.File("em.db")}}, {});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("nope.json"), std::string::npos);
}

TEST(LifecycleTest, RelativeConfigResolvesAgainstWorkingDirectory) {
  TempDir dir;
  dir.Write("teams.json", R"({"teams":{"alpha":{"projects":["p"]}}})");
  auto server = ServerProcess::Start(dir.path(), {{"CONFIG", "./teams.json"}});
  ASSERT_NE(server, nullptr);
  HttpClient c(server->port());
  EXPECT_EQ(c.Get("/api/v1/config").Json().at("teams").as_object().count("alpha"), 1u);
}

TEST(LifecycleTest, BadSettingsExitTwo) {
  TempDir dir;
  auto port = RunToExit(dir.path(), {{"PORT", "eighty"}}, {});
  EXPECT_EQ(port.exit_code, 2);
  EXPECT_NE(port.output.find("PORT"), std::string::npos);
  auto flag = RunToExit(dir.path(), {}, {"serve", "--no-such-flag"});
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_NE(flag.output.find("--no-such-flag"), std::string::npos);
}

TEST(LifecycleTest, HelpListsEveryVariable) {
  TempDir dir;
  auto r = RunToExit(dir.path(), {}, {"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* v :
       {"HOST", "PORT", "SQLITE_DB", "CONFIG", "OTEL_SERVICE_NAME", "OTEL_COLLECTOR_URL",
        "DEPLOYMENT_ENVIRONMENT", "EM_METRICS_NO_AUTH", "EM_METRICS_TOKEN_AUTH",
        "EM_METRICS_BASIC_AUTH_USERNAME", "EM_METRICS_BASIC_AUTH_PASSWORD", "EM_METRICS_LOG_LEVEL",
        "EM_METRICS_MAX_CONNECTIONS", "SQLITE_CHECKPOINT_PAGES", "GITHUB_WEBHOOK_SECRET",
        "PAGERDUTY_WEBHOOK_SECRET", "INCIDENT_IO_WEBHOOK_SECRET", "LINEAR_SECRET",
        "EM_METRICS_BOT_LOGINS", "GITLAB_WEBHOOK_TOKEN",
        "migrate",
        "rebuild-metrics",
        "check [--quick]", "backup DEST"}) {
    EXPECT_NE(r.output.find(v), std::string::npos) << v;
  }
}

TEST(LifecycleTest, FlagsOverrideEnvironment) {
  TempDir dir;
  auto server = ServerProcess::Start(dir.path(), {{"EM_METRICS_VERSION", "from-env"}},
                                     {"serve", "--version-string", "from-flag"});
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(HttpClient(server->port()).Get("/api/v1/version").Json().at("version"), "from-flag");
}

TEST(LifecycleTest, MigrateCreatesTheSchema) {
  SkipOnPostgres("SQLite's file and its directories, created by migrate");
  TempDir dir;
  auto r = RunToExit(dir.path(), {{"SQLITE_DB", dir.File("sub/dir/m.db")}}, {"migrate"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("migration applied"), std::string::npos);
  auto again = RunToExit(dir.path(), {{"SQLITE_DB", dir.File("sub/dir/m.db")}}, {"migrate"});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(again.output.find("migration applied"), std::string::npos);
}

TEST(LifecycleTest, RebuildMetricsReproducesTheLiveState) {
  TempDir dir;
  {
    auto server = ServerProcess::Start(dir.path());
    ASSERT_NE(server, nullptr);
    HttpClient c(server->port());
    for (int i = 0; i < 5; ++i) {
      std::string id = "r" + std::to_string(i);
      ASSERT_EQ(c.Post("/api/v1/deployments", DeploymentBody(id, "reb")).status, 201);
      ASSERT_EQ(c.Post("/api/v1/deployments/" + id + "/deployed",
                       R"({"create_if_not_exists":false,"deployed_at":"2024-05-02T10:00:00Z"})")
                    .status,
                200);
    }
    ASSERT_EQ(c.Post("/api/v1/incidents", R"({"project_id":"reb","deployment_id":"r1",
        "started_at":"2024-05-02T11:00:00Z","restored_at":"2024-05-02T12:00:00Z"})")
                  .status,
              201);
    server->Signal(SIGTERM);
    ASSERT_EQ(server->WaitExit(milliseconds(10000)), 0);
  }
  auto before_lead = ReadSeries(dir.File("em.db"), "lead_time_for_changes", "reb");
  auto r = RunToExit(dir.path(), {{"SQLITE_DB", dir.File("em.db")}}, {"rebuild-metrics"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* m :
       {"deployment_started", "deployment_frequency", "change_failure_count", "incident_count",
        "incident_restored", "time_to_restore", "time_to_detect"}) {
    EXPECT_EQ(ReadSeries(dir.File("em.db"), m, "reb").count,
              std::string(m).rfind("deployment", 0) == 0 ? 5 : 1)
        << m;
  }
  auto lead = ReadSeries(dir.File("em.db"), "lead_time_for_changes", "reb");
  EXPECT_EQ(lead.count, before_lead.count);
  EXPECT_DOUBLE_EQ(lead.sum, before_lead.sum);
}

TEST(LifecycleTest, SlowClientIsDisconnectedWhileOthersAreServed) {
  TempDir dir;
  auto server = ServerProcess::Start(dir.path(), {{"EM_METRICS_READ_TIMEOUT_MS", "300"}});
  ASSERT_NE(server, nullptr);
  int slow = Connect(server->port());
  ASSERT_GE(slow, 0);
  std::string partial =
      "POST /api/v1/deployments HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{";
  ASSERT_GT(send(slow, partial.data(), partial.size(), MSG_NOSIGNAL), 0);
  EXPECT_EQ(HttpClient(server->port()).Get("/health").status, 200);
  // The server closes the stalled connection: recv sees EOF instead of blocking forever.
  timeval tv{10, 0};
  setsockopt(slow, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[64];
  ssize_t n = recv(slow, buf, sizeof buf, 0);
  EXPECT_EQ(n, 0);
  close(slow);
}

TEST(LifecycleTest, RefusesANodeOriginalDatabase) {
  SkipOnPostgres("the Node.js original's SQLite file");
  TempDir dir;
  auto r0 = RunToExit(dir.path(), {{"SQLITE_DB", dir.File("node.db")}}, {"migrate"});
  ASSERT_EQ(r0.exit_code, 0);
  // Make it look like the original's: it has db_migrations and none of our bookkeeping.
  ASSERT_TRUE(ExecSql(dir.File("node.db"),
                      "DROP TABLE schema_migrations; CREATE TABLE db_migrations(name TEXT);"));
  auto r = RunToExit(dir.path(), {{"SQLITE_DB", dir.File("node.db")}, {"PORT", "0"}}, {});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("Node.js"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace emm::e2e
