// Running out of resources (issue 10): out of file descriptors, the accept loop backs off instead
// of spinning and logs a count instead of a flood; the connection cap answers 503 while /health
// still answers; the server recovers once the connections close.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "e2e/http_client.h"
#include "e2e/server_process.h"
#include "e2e/subprocess.h"

namespace emm::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// User plus system CPU time the process has used.
double CpuSeconds(pid_t pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  // Fields after the command name (which may hold spaces) start at state, field 3.
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

int OpenFds(pid_t pid) {
  int n = 0;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    ++n;
  }
  return n;
}

// Waits until the process has at most `n` descriptors open (its connections have closed).
bool WaitForFdsAtMost(pid_t pid, int n, milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (OpenFds(pid) > n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

std::vector<std::string> LinesWith(const std::string& log, const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find(text) != std::string::npos) out.push_back(line);
  }
  return out;
}

// How many of `lines` say how often their event happened.
size_t WithCount(const std::vector<std::string>& lines) {
  size_t n = 0;
  for (const auto& line : lines) n += line.find(R"("count":)") != std::string::npos ? 1 : 0;
  return n;
}

size_t LineCount(const std::string& log) { return LinesWith(log, "").size(); }

// Connections that send nothing; the kernel completes them into the listen backlog even when the
// server cannot accept them.
std::vector<int> OpenIdle(uint16_t port, int n) {
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    int fd = Connect(port);
    if (fd >= 0) fds.push_back(fd);
  }
  return fds;
}

void CloseAll(std::vector<int>* fds) {
  for (int fd : *fds) close(fd);
  fds->clear();
}

// Asks again (a new connection each time) until the answer has `status` or `timeout` passes.
HttpResponse GetUntil(uint16_t port, const std::string& target, int status, milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  HttpResponse r;
  for (;;) {
    r = HttpClient(port).Get(target);
    if (r.status == status || std::chrono::steady_clock::now() > deadline) return r;
    std::this_thread::sleep_for(milliseconds(50));
  }
}

// One request on a connection that stays open (keep-alive); the raw answer.
std::string Exchange(int fd, const std::string& request) {
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return "";
  }
  std::string out;
  char buf[4096];
  for (;;) {
    size_t head = out.find("\r\n\r\n");
    if (head != std::string::npos) {
      size_t cl = out.find("Content-Length: ");
      if (cl != std::string::npos && cl < head &&
          out.size() >= head + 4 + std::stoul(out.substr(cl + 16))) {
        return out;
      }
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0) return out;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

TEST(LimitsTest, OutOfFileDescriptorsTheAcceptLoopBacksOffAndRecovers) {
  TempDir dir;
  auto server = ServerProcess::Start(dir.path());
  ASSERT_NE(server, nullptr);
  // Leave the running server four descriptors to spare, as if something else had taken the rest.
  const rlim_t fds = static_cast<rlim_t>(OpenFds(server->pid())) + 4;
  rlimit low{fds, fds};
  ASSERT_EQ(prlimit(server->pid(), RLIMIT_NOFILE, &low, nullptr), 0) << strerror(errno);

  const double cpu_before = CpuSeconds(server->pid());
  std::vector<int> idle = OpenIdle(server->port(), 100);
  ASSERT_EQ(idle.size(), 100u);
  ASSERT_TRUE(server->WaitForLog("accept failed", seconds(5))) << server->Log();
  std::this_thread::sleep_for(seconds(3));
  const double cpu = CpuSeconds(server->pid()) - cpu_before;
  const std::string log = server->Log();

  // Not hundreds of thousands of lines: the first failure at once, then one per interval.
  auto failed = LinesWith(log, R"("msg":"accept failed")");
  ASSERT_GE(failed.size(), 1u);
  EXPECT_LE(failed.size(), 3u) << failed.size() << " lines, the first: " << failed.front();
  EXPECT_EQ(WithCount(failed), failed.size()) << failed.front();
  EXPECT_NE(failed.front().find("Too many open files"), std::string::npos) << failed.front();
  EXPECT_LT(LineCount(log), 100u);
  // A spinning accept loop burns both cores (about 6 s of CPU in 3 s); waiting burns nothing.
  EXPECT_LT(cpu, 1.0);

  CloseAll(&idle);
  EXPECT_EQ(GetUntil(server->port(), "/api/v1/version", 200, seconds(10)).status, 200);
  // The recovery line waits for the interval since the last line (5 s), then the next accept.
  auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (LinesWith(server->Log(), "accepting connections again").empty() &&
         std::chrono::steady_clock::now() < deadline) {
    HttpClient(server->port()).Get("/health");
    std::this_thread::sleep_for(milliseconds(200));
  }
  auto recovered = LinesWith(server->Log(), R"("msg":"accepting connections again")");
  ASSERT_EQ(recovered.size(), 1u) << server->Log();
  EXPECT_NE(recovered[0].find(R"("count":)"), std::string::npos) << recovered[0];
}

TEST(LimitsTest, ALowOpenFileLimitCapsConnectionsAndAFloodIsShedNotSpun) {
  TempDir dir;
  auto server = ServerProcess::Start(dir.path(), {}, {}, /*open_files=*/128);
  ASSERT_NE(server, nullptr);
  const std::string start_log = server->Log();
  EXPECT_EQ(LinesWith(start_log, R"("msg":"open file limit","soft":128,"hard":128)").size(), 1u)
      << start_log;
  // 128 less 64 kept for the database and logs, less 16 overflow slots.
  EXPECT_EQ(LinesWith(start_log, R"("msg":"connection limit","max_connections":48,)").size(), 1u)
      << start_log;

  const double cpu_before = CpuSeconds(server->pid());
  std::vector<int> idle = OpenIdle(server->port(), 400);
  ASSERT_EQ(idle.size(), 400u);
  std::this_thread::sleep_for(seconds(3));
  const double cpu = CpuSeconds(server->pid()) - cpu_before;

  // Full: health checks still get in, everything else is told to come back.
  EXPECT_EQ(GetUntil(server->port(), "/health", 200, seconds(5)).status, 200);
  auto refused = GetUntil(server->port(), "/api/v1/version", 503, seconds(5));
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.Header("retry-after"), "1");

  const std::string log = server->Log();
  EXPECT_LE(LinesWith(log, R"("msg":"accept failed")").size(), 3u);
  auto over = LinesWith(log, R"("msg":"too many connections")");
  EXPECT_GE(over.size(), 1u);
  EXPECT_LE(over.size(), 3u);
  EXPECT_EQ(WithCount(over), over.size());
  EXPECT_LT(LineCount(log), 100u);
  EXPECT_LT(cpu, 1.0);

  CloseAll(&idle);
  EXPECT_EQ(GetUntil(server->port(), "/api/v1/version", 200, seconds(10)).status, 200);
}

TEST(LimitsTest, AtMaxConnectionsAnExtraConnectionGets503AndHealthStillAnswers) {
  TempDir dir;
  auto server = ServerProcess::Start(dir.path(), {{"EM_METRICS_MAX_CONNECTIONS", "4"}});
  ASSERT_NE(server, nullptr);
  const int idle_fds = OpenFds(server->pid());
  // Four kept-alive connections, each answered once so the server holds them all.
  std::vector<int> held = OpenIdle(server->port(), 4);
  ASSERT_EQ(held.size(), 4u);
  for (int fd : held) {
    ASSERT_EQ(ParseResponse(Exchange(fd, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")).status, 200);
  }

  HttpClient c(server->port());
  auto r = c.Get("/api/v1/version");
  ASSERT_EQ(r.status, 503);
  EXPECT_EQ(r.Json().at("error"), "Service Unavailable");
  EXPECT_EQ(r.Json().at("message"), "too many connections (limit 4); retry later");
  EXPECT_EQ(r.Header("retry-after"), "1");
  EXPECT_EQ(r.Header("connection"), "close");
  // A write with a body is refused as well, and the answer is not lost to a reset.
  std::string body(64 * 1024, ' ');
  body.replace(0, 2, "{}");
  EXPECT_EQ(c.Post("/api/v1/deployments", body).status, 503);
  EXPECT_EQ(c.Get("/health").status, 200);
  EXPECT_EQ(c.Get("/health?probe=1").status, 200);

  // The held connections keep working; a refused one held no slot.
  EXPECT_EQ(
      ParseResponse(Exchange(held[0], "GET /api/v1/version HTTP/1.1\r\nHost: x\r\n\r\n")).status,
      200);
  auto over = LinesWith(server->Log(), R"("msg":"too many connections")");
  ASSERT_GE(over.size(), 1u);
  EXPECT_NE(over[0].find(R"("limit":4,"count":1)"), std::string::npos) << over[0];

  CloseAll(&held);
  EXPECT_EQ(GetUntil(server->port(), "/api/v1/version", 200, seconds(5)).status, 200);
  ASSERT_TRUE(WaitForFdsAtMost(server->pid(), idle_fds, seconds(5)));
  // Four at once again, and the fifth is refused again: the count came back down.
  held = OpenIdle(server->port(), 4);
  for (int fd : held) {
    ASSERT_EQ(ParseResponse(Exchange(fd, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")).status, 200);
  }
  EXPECT_EQ(c.Get("/api/v1/version").status, 503);
  CloseAll(&held);
}

}  // namespace
}  // namespace emm::e2e
