// The shipped recording rules are valid and compute over the series em-metrics produces (the
// original's named series that never existed). promtool is Debian's, installed by `make test`.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "e2e/http_client.h"
#include "e2e/linear_delivery.h"
#include "e2e/server_process.h"
#include "e2e/subprocess.h"
#include "peer_process.h"

namespace emm::e2e {
namespace {

const std::string kRulesDir = std::string(EMM_SOURCE_DIR) + "/deploy/prometheus";

TEST(RecordingRulesTest, RulesAreValidAndTheirUnitTestsPass) {
  std::string promtool = FindProgram("promtool");
  ASSERT_FALSE(promtool.empty()) << "promtool is missing: make test installs Debian's prometheus";
  auto check = RunProgram(kRulesDir, {promtool, "check", "rules", "em-metrics.rules.yml"}, "");
  EXPECT_EQ(check.exit_code, 0) << check.output;
  auto test = RunProgram(kRulesDir, {promtool, "test", "rules", "em-metrics.rules.test.yml"}, "");
  EXPECT_EQ(test.exit_code, 0) << test.output;
}

// Every series a rule reads (the names in its expressions that are not records of ours) is one a
// real server exposes once each kind of event has happened: the original's rules named series
// that never existed.
TEST(RecordingRulesTest, EverySeriesTheRulesReadIsExposed) {
  const std::string rules = ReadFile(kRulesDir + "/em-metrics.rules.yml");
  std::set<std::string> read;
  const std::regex name(R"(\b([a-z][a-z0-9_]*_(total|bucket|sum))\b)");
  std::istringstream lines(rules);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("expr:") == std::string::npos) continue;
    for (std::sregex_iterator it(line.begin(), line.end(), name), end; it != end; ++it) {
      if ((*it)[1].str().rfind("em_", 0) != 0) read.insert((*it)[1].str());
    }
  }
  ASSERT_GE(read.size(), 15u) << "the rules file was not read as expected";

  TempDir dir;
  const char* kSecret = "rules-test-secret";
  auto server = ServerProcess::Start(dir.path(), {{"LINEAR_SECRET", kSecret}});
  ASSERT_NE(server, nullptr);
  HttpClient c(server->port());
  auto post = [&](const std::string& path, const std::string& body) {
    auto r = c.Post(path, body, {{"Content-Type", "application/json"}});
    ASSERT_LT(r.status, 300) << path << " " << r.body;
  };
  // A deployment with a lead time and a duration, failed by an incident that is restored.
  post("/api/v1/deployments", R"({"id":"d1","project_id":"api","first_commit_at":"2024-05-01T09:00:00Z",)"
                              R"("deploy_start_at":"2024-05-01T10:00:00Z"})");
  post("/api/v1/deployments/d1/deployed",
       R"({"create_if_not_exists":false,"deployed_at":"2024-05-01T10:05:00Z"})");
  post("/api/v1/incidents", R"({"id":"i1","project_id":"api","deployment_id":"d1",)"
                            R"("started_at":"2024-05-01T11:00:00Z"})");
  post("/api/v1/incidents/i1/restored", R"({"date":"2024-05-01T12:00:00Z"})");
  // Pull requests: opened with a size, reviewed with approval, merged; another closed.
  post("/api/v1/pull-requests", R"({"id":"1","team_id":"web","additions":5,"deletions":2,)"
                                R"("opened_at":"2024-05-01T09:00:00Z"})");
  post("/api/v1/pull-requests/1/reviewed", R"({"approved":true,"nb_comments":1,)"
                                           R"("reviewed_at":"2024-05-01T10:00:00Z"})");
  post("/api/v1/pull-requests/1/merged", R"({"merged_at":"2024-05-01T11:00:00Z"})");
  post("/api/v1/pull-requests", R"({"id":"2","team_id":"web"})");
  post("/api/v1/pull-requests/2/closed", "{}");
  // A ticket re-estimated up then down, then done.
  LinearSender linear(server->port(), kSecret);
  int n = 0;
  for (double estimate : {3.0, 5.0, 2.0}) {
    boost::json::object changes{{"estimate", estimate},
                                {"createdAt", "2025-03-03T09:00:00Z"},
                                {"updatedAt", "2025-03-03T09:1" + std::to_string(++n) + ":00Z"}};
    if (n == 3) {
      changes["state"] = boost::json::object{{"id", "s"}, {"name", "Done"}, {"type", "completed"}};
      changes["completedAt"] = "2025-03-03T09:13:00Z";
    }
    auto r = linear.Send(LinearIssue("ENG-1", changes));
    ASSERT_EQ(r.status, 200) << r.body;
  }

  const std::string exposed = c.Get("/metrics").body;
  for (const std::string& series : read) {
    EXPECT_NE(exposed.find("\n" + series + "{"), std::string::npos)
        << series << " is read by a recording rule but not exposed";
  }
}

}  // namespace
}  // namespace emm::e2e
