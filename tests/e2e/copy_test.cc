// `em-metrics copy` on real files: what a server stored over HTTP arrives in a new database that
// another server then answers the same from, and a copy killed with SIGKILL mid-way ends equal
// when run again.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <regex>
#include <string>
#include <thread>

#include "e2e/backend.h"
#include "e2e/http_client.h"
#include "e2e/metric_state.h"
#include "e2e/server_process.h"
#include "e2e/subprocess.h"

namespace emm::e2e {
namespace {

using std::chrono::milliseconds;

constexpr const char* kMarch = "from=2024-03-01T00:00:00Z&to=2024-04-01T00:00:00Z";

// A few deployments (one failed by its incident, one never deployed) and a pull request, through
// the API of a server on dir/em.db, stopped afterwards.
void WriteOverHttp(const TempDir& dir) {
  auto server = ServerProcess::Start(dir.path());
  ASSERT_NE(server, nullptr);
  HttpClient c(server->port());
  for (int i = 1; i <= 4; ++i) {
    const std::string id = "d" + std::to_string(i);
    auto r = c.Post("/api/v1/deployments",
                    R"({"id":")" + id + R"(","project_id":"api","first_commit_at":"2024-03-0)" +
                        std::to_string(i) + R"(T08:00:00Z","deploy_start_at":"2024-03-0)" +
                        std::to_string(i) + R"(T09:00:00Z"})");
    ASSERT_EQ(r.status, 201) << r.body;
    if (i == 4) break;  // started, never deployed
    r = c.Post("/api/v1/deployments/" + id + "/deployed",
               R"({"create_if_not_exists":false,"deployed_at":"2024-03-0)" + std::to_string(i) +
                   R"(T10:00:00Z"})");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  auto r = c.Post("/api/v1/incidents",
                  R"({"id":"i1","project_id":"api","deployment_id":"d2",)"
                  R"("started_at":"2024-03-02T11:00:00Z","restored_at":"2024-03-02T12:30:00Z"})");
  ASSERT_EQ(r.status, 201) << r.body;
  r = c.Post("/api/v1/pull-requests",
             R"({"id":"pr1","team_id":"t","opened_at":"2024-03-01T08:00:00Z"})");
  EXPECT_LT(r.status, 300) << r.body;
  server->Signal(SIGTERM);
  ASSERT_EQ(server->WaitExit(milliseconds(10000)), 0);
}

// The DORA figures of March and the DORA lines of /metrics from a server on `db`.
std::pair<std::string, std::string> Answers(const TempDir& dir, const std::string& db) {
  auto server = ServerProcess::Start(dir.path(), {{"SQLITE_DB", db}});
  if (server == nullptr) return {};
  HttpClient c(server->port());
  std::string dora = c.Get(std::string("/api/v1/metrics/dora?") + kMarch).body;
  std::string metrics;
  std::string text = c.Get("/metrics").body;
  static const std::regex kDoraLine("^(deployment|lead_time|change_failure|time_to|incident).*$",
                                    std::regex::multiline);
  for (std::sregex_iterator it(text.begin(), text.end(), kDoraLine), end; it != end; ++it) {
    metrics += it->str() + "\n";
  }
  return {dora, metrics};
}

ExitResult Copy(const TempDir& dir, const std::string& from, const std::string& to,
                std::vector<std::string> more = {}) {
  std::vector<std::string> args = {"copy", "--from", "sqlite:" + from, "--to", "sqlite:" + to};
  args.insert(args.end(), more.begin(), more.end());
  return RunToExit(dir.path(), {}, args, milliseconds(120000));
}

TEST(CopyTest, WhatWasWrittenOverHttpIsAnsweredTheSameFromTheCopy) {
  SkipOnPostgres("copies one SQLite file into another, written by a server on the first");
  TempDir dir;
  WriteOverHttp(dir);
  auto r = Copy(dir, dir.File("em.db"), dir.File("copy/em.db"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("the target equals the source"), std::string::npos) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex("\ndeployments +4 +4 +0 +0\n"))) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex("\ndora.change_failure_rate.ratio .* ok\n")))
      << r.output;

  auto source = Answers(dir, dir.File("em.db"));
  auto copy = Answers(dir, dir.File("copy/em.db"));
  EXPECT_NE(source.first.find("\"deployment_frequency\""), std::string::npos) << source.first;
  EXPECT_EQ(copy.first, source.first);
  EXPECT_NE(source.second.find("lead_time"), std::string::npos) << source.second;
  EXPECT_EQ(copy.second, source.second);
}

TEST(CopyTest, UsageMistakesExitTwo) {
  TempDir dir;
  auto missing = Copy(dir, dir.File("nope.db"), dir.File("copy.db"));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("nope.db"), std::string::npos) << missing.output;
  auto no_to = RunToExit(dir.path(), {}, {"copy", "--from", "sqlite:" + dir.File("em.db")});
  EXPECT_EQ(no_to.exit_code, 2);
  EXPECT_NE(no_to.output.find("--to"), std::string::npos) << no_to.output;
  auto scheme = RunToExit(dir.path(), {}, {"copy", "--from", "mysql://x", "--to", "sqlite:y"});
  EXPECT_EQ(scheme.exit_code, 2);
  EXPECT_NE(scheme.output.find("sqlite:PATH"), std::string::npos) << scheme.output;
  auto help = RunToExit(dir.path(), {}, {"copy", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--batch"), std::string::npos) << help.output;
}

// The source grown to kRows deployments (copies of d1, as the server stored it) so that the copy
// lasts long enough to be killed in the middle.
constexpr int kRows = 100000;

TEST(CopyTest, KilledMidCopyThenRunAgainEndsEqual) {
  SkipOnPostgres("copies one SQLite file into another, written by a server on the first");
  TempDir dir;
  WriteOverHttp(dir);
  const std::string source = dir.File("em.db"), target = dir.File("pg-to-be.db");
  ASSERT_TRUE(ExecSql(source,
                      "CREATE TEMP TABLE n(i INTEGER PRIMARY KEY);"
                      "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
                      "  WHERE i < " +
                          std::to_string(kRows) +
                          ") "
                          "INSERT INTO n SELECT i FROM c;"
                          "CREATE TEMP TABLE t AS SELECT d.*, n.i AS copy_no "
                          "  FROM deployments d, n WHERE d.id = 'd1';"
                          "UPDATE t SET id = 'bulk-' || copy_no;"
                          "ALTER TABLE t DROP COLUMN copy_no;"
                          "INSERT INTO deployments SELECT * FROM t;"));
  const int64_t rows = QueryInt(source, "SELECT count(*) FROM deployments");
  ASSERT_EQ(rows, kRows + 4);

  const std::string log = dir.File("killed-copy.log");
  SpawnOptions spawn;
  spawn.dir = dir.path();
  spawn.argv = {EMM_BINARY,         "copy",    "--from", "sqlite:" + source, "--to",
                "sqlite:" + target, "--batch", "500"};
  spawn.log_path = log;
  pid_t pid = Spawn(spawn);
  ASSERT_GT(pid, 0);
  // The first progress line comes after the first committed batch.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (ReadFile(log).find("deployments: ") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(2));
  }
  kill(pid, SIGKILL);
  bool exited = false;
  EXPECT_EQ(WaitPid(pid, milliseconds(10000), &exited), -1) << ReadFile(log);
  ASSERT_TRUE(exited);
  const int64_t copied = QueryInt(target, "SELECT count(*) FROM deployments");
  EXPECT_GT(copied, 0);
  ASSERT_LT(copied, rows) << "the copy ended before it was killed: nothing to resume";
  EXPECT_EQ(IntegrityCheck(target), "ok");
  std::printf("killed after %lld of %lld deployments\n", static_cast<long long>(copied),
              static_cast<long long>(rows));

  auto again = Copy(dir, source, target);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("the target equals the source"), std::string::npos) << again.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(again.output, m,
                                std::regex("\ndeployments +([0-9]+) +([0-9]+) +0 +([0-9]+)\n")))
      << again.output;
  EXPECT_EQ(std::stoll(m[1]), rows);
  EXPECT_EQ(std::stoll(m[3]), copied);  // what the killed run committed is not written twice
  EXPECT_EQ(std::stoll(m[2]) + std::stoll(m[3]), rows);
  EXPECT_EQ(StoredIds(target, "deployments"), StoredIds(source, "deployments"));
}

}  // namespace
}  // namespace emm::e2e
