// The CI client (em-metrics deployment|incident ...) against the real server, and its retries
// against a small stand-in that answers 503 first (docs/ci-client.md).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "e2e/http_client.h"
#include "e2e/server_process.h"

namespace emm::e2e {
namespace {

// Answers the first `busy` requests 503, the rest `then` (201 Created, or 409 Conflict); counts
// them. One connection at a time.
class BusyServer {
 public:
  explicit BusyServer(int busy, int then = 201) : busy_(busy), then_(then) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd_, 8);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~BusyServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }

 private:
  void Serve() {
    for (int c; (c = accept(fd_, nullptr, nullptr)) >= 0; close(c)) {
      std::string in;
      char buf[4096];
      // The whole request: headers, then Content-Length bytes of body.
      while (true) {
        size_t end = in.find("\r\n\r\n");
        if (end != std::string::npos) {
          size_t cl = in.find("Content-Length: ");
          size_t want = cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16));
          if (in.size() >= end + 4 + want) break;
        }
        ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) break;
        in.append(buf, static_cast<size_t>(n));
      }
      bool busy = requests_++ < busy_;
      std::string out = busy ? "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                      : then_ == 409 ? "HTTP/1.1 409 Conflict\r\nContent-Length: 0\r\n"
                                     : "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n";
      out += "Connection: close\r\n\r\n";
      (void)!write(c, out.data(), out.size());
    }
  }
  int fd_ = -1;
  uint16_t port_ = 0;
  int busy_;
  int then_;
  std::atomic<int> requests_{0};
  std::thread thread_;
};

class CiClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start(dir_.path(), {{"EM_METRICS_TOKEN_AUTH", "s3cret"},
                                                 {"EM_METRICS_NO_AUTH", ""}});
    ASSERT_NE(server_, nullptr);
    url_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  // em-metrics with `args`, EM_METRICS_URL and EM_METRICS_TOKEN set unless `env` says otherwise.
  ExitResult Run(std::vector<std::string> args, Env env = {}) {
    env.try_emplace("EM_METRICS_URL", url_);
    env.try_emplace("EM_METRICS_TOKEN", "s3cret");
    return RunToExit(dir_.path(), env, std::move(args));
  }
  boost::json::object Get(const std::string& target) {
    auto r = HttpClient(server_->port()).Get(target, {{"Authorization", "Token s3cret"}});
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    auto v = r.Json();
    return v.is_object() ? v.as_object() : boost::json::object{};
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::string url_;
};

TEST_F(CiClientTest, DeploymentStartThenFinish) {
  auto start = Run({"deployment", "start", "--id", "d1", "--project-id", "backend",
                    "--first-commit-at", "2026-01-01T10:00:00Z", "--environment", "production",
                    "--kind", "hotfix", "--commit-sha", "abc123"});
  ASSERT_EQ(start.exit_code, 0) << start.output;
  auto d = Get("/api/v1/deployments/d1");
  EXPECT_EQ(d.at("project_id"), "backend");
  EXPECT_EQ(d.at("kind"), "hotfix");
  EXPECT_EQ(d.at("commit_sha"), "abc123");
  EXPECT_TRUE(d.at("deployed_at").is_null());

  auto finish = Run({"deployment", "finish", "--id", "d1", "--deployed-at",
                     "2026-01-01T12:00:00Z"});
  ASSERT_EQ(finish.exit_code, 0) << finish.output;
  EXPECT_EQ(Get("/api/v1/deployments/d1").at("deployed_at"), "2026-01-01T12:00:00.000Z");
}

TEST_F(CiClientTest, RecordAndFinishCreatingIt) {
  auto record = Run({"deployment", "record", "--id", "d2", "--project-id", "backend",
                     "--first-commit-at", "2026-01-01T10:00:00Z"});
  ASSERT_EQ(record.exit_code, 0) << record.output;
  EXPECT_EQ(Get("/api/v1/deployments/d2").at("status"), "deployed");

  auto create = Run({"deployment", "finish", "--id", "d3", "--create-if-not-exists",
                     "--project-id", "backend", "--first-commit-at", "2026-01-01T10:00:00Z"});
  ASSERT_EQ(create.exit_code, 0) << create.output;
  EXPECT_EQ(Get("/api/v1/deployments/d3").at("status"), "deployed");
}

TEST_F(CiClientTest, GitHubActionsVariablesAreDefaults) {
  Env github{{"GITHUB_ACTIONS", "true"},
             {"GITHUB_RUN_ID", "777"},
             {"GITHUB_REPOSITORY", "acme/app"},
             {"GITHUB_SHA", "0123abcd"}};
  // No git history in the test's directory: the first commit time must be given.
  auto missing = Run({"deployment", "start"}, github);
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("--first-commit-at"), std::string::npos) << missing.output;

  auto r = Run({"deployment", "record", "--first-commit-at", "2026-01-01T10:00:00Z"}, github);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto d = Get("/api/v1/deployments/777");
  EXPECT_EQ(d.at("project_id"), "acme/app");
  EXPECT_EQ(d.at("commit_sha"), "0123abcd");
}

TEST_F(CiClientTest, GitLabCiVariablesAreDefaults) {
  Env gitlab{{"GITLAB_CI", "true"},
             {"CI_PIPELINE_ID", "4242"},
             {"CI_PROJECT_PATH", "group/app"},
             {"CI_ENVIRONMENT_NAME", "staging"}};
  auto r = Run({"deployment", "record", "--first-commit-at", "2026-01-01T10:00:00Z",
                "--project-id", "explicit"}, gitlab);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto d = Get("/api/v1/deployments/4242");
  EXPECT_EQ(d.at("project_id"), "explicit");  // a flag wins over the variable
  EXPECT_EQ(d.at("environment"), "staging");
}

TEST_F(CiClientTest, IncidentOpenRestoreFinish) {
  ASSERT_EQ(Run({"deployment", "record", "--id", "d1", "--project-id", "backend",
                 "--first-commit-at", "2026-01-01T10:00:00Z"}).exit_code, 0);
  auto open = Run({"incident", "open", "--id", "inc1", "--project-id", "backend",
                   "--deployment-id", "d1", "--started-at", "2026-01-02T10:00:00Z"});
  ASSERT_EQ(open.exit_code, 0) << open.output;
  EXPECT_TRUE(Get("/api/v1/incidents/inc1").at("restored_at").is_null());
  auto restore = Run({"incident", "restore", "--id", "inc1", "--restored-at",
                      "2026-01-02T11:00:00Z"});
  ASSERT_EQ(restore.exit_code, 0) << restore.output;
  auto finish = Run({"incident", "finish", "--id", "inc1", "--finished-at",
                     "2026-01-02T12:00:00Z"});
  ASSERT_EQ(finish.exit_code, 0) << finish.output;
  auto i = Get("/api/v1/incidents/inc1");
  EXPECT_EQ(i.at("restored_at"), "2026-01-02T11:00:00.000Z");
  EXPECT_EQ(i.at("finished_at"), "2026-01-02T12:00:00.000Z");
  EXPECT_EQ(i.at("deployment_id"), "d1");
}

TEST_F(CiClientTest, RefusalsExitOneWithTheServersErrorAndIdsPrinted) {
  auto bad = Run({"deployment", "start", "--id", "d9", "--project-id", "backend",
                  "--first-commit-at", "yesterday-ish"});
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("400"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("first_commit_at"), std::string::npos) << bad.output;

  auto named = Run({"incident", "open", "--project-id", "backend"});
  EXPECT_EQ(named.exit_code, 0) << named.output;
  EXPECT_NE(named.output.find("incident_backend_1\n"), std::string::npos) << named.output;

  auto wrong_token = Run({"incident", "open", "--project-id", "backend"},
                         {{"EM_METRICS_TOKEN", "nope"}});
  EXPECT_EQ(wrong_token.exit_code, 1) << wrong_token.output;

  auto usage = Run({"deployment", "start", "--no-such-flag"});
  EXPECT_EQ(usage.exit_code, 2) << usage.output;
}

TEST(CiClientRetryTest, BusyTwiceThenCreated) {
  TempDir dir;
  BusyServer busy(2);
  auto r = RunToExit(dir.path(), {}, {"incident", "open", "--project-id", "p", "--url",
                                      busy.url(), "--retry-backoff-ms", "20"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(busy.requests(), 3);
}

// The first attempt was stored but its answer lost (here: a 503 in its place): the retry's 409 is
// the step done. Without a retry, a 409 is a refusal.
TEST(CiClientRetryTest, AConflictAfterARetryIsTheEarlierAttemptStored) {
  TempDir dir;
  BusyServer lost(1, 409);
  auto r = RunToExit(dir.path(), {}, {"deployment", "start", "--id", "d1", "--project-id", "p",
                                      "--first-commit-at", "2024-05-01T10:00:00Z", "--url",
                                      lost.url(), "--retry-backoff-ms", "20"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(lost.requests(), 2);
  EXPECT_NE(r.output.find("already stored"), std::string::npos) << r.output;
  BusyServer taken(0, 409);
  auto first = RunToExit(dir.path(), {}, {"deployment", "start", "--id", "d1", "--project-id", "p",
                                          "--first-commit-at", "2024-05-01T10:00:00Z", "--url",
                                          taken.url()});
  EXPECT_EQ(first.exit_code, 1) << first.output;
}

TEST(CiClientRetryTest, AlwaysBusyExhaustsTheRetries) {
  TempDir dir;
  BusyServer busy(100);
  auto r = RunToExit(dir.path(), {}, {"incident", "open", "--project-id", "p", "--url",
                                      busy.url(), "--retries", "3", "--retry-backoff-ms", "20"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_EQ(busy.requests(), 3);
  EXPECT_NE(r.output.find("503"), std::string::npos) << r.output;
}

TEST(CiClientRetryTest, UnreachableExitsThreeWithinTheBound) {
  TempDir dir;
  std::string url;
  {
    BusyServer closed(0);  // a port that was just free: nothing listens once it is gone
    url = closed.url();
  }
  auto begin = std::chrono::steady_clock::now();
  auto r = RunToExit(dir.path(), {{"EM_METRICS_ENDPOINT", url}},
                     {"deployment", "finish", "--id", "x", "--retries", "50",
                      "--retry-backoff-ms", "200", "--retry-max-time-ms", "1500"});
  auto took = std::chrono::steady_clock::now() - begin;
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("unreachable"), std::string::npos) << r.output;
  EXPECT_LT(took, std::chrono::seconds(4));
}

}  // namespace
}  // namespace emm::e2e
