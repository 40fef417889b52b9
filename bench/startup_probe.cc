// Start-up time: forks `em-metrics serve` on a free port N times and measures the time from fork
// to the first `GET /health` answered 200, polling as fast as the loopback allows.
//   build/emm_startup_probe build/em-metrics [runs] [work dir]
//   build/emm_startup_probe --free-port      (prints a free loopback port, for scripts)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace {

// A port that was free a moment ago (bind to 0, read it, close).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

bool HealthOk(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return false;
  }
  const char req[] = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  send(fd, req, sizeof req - 1, MSG_NOSIGNAL);
  char buf[256];
  ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
  close(fd);
  return n > 12 && std::string(buf, static_cast<size_t>(n)).rfind("HTTP/1.1 200", 0) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--free-port") {
    std::printf("%d\n", FreePort());
    return 0;
  }
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s EM_METRICS_BINARY [runs] [work dir]\n", argv[0]);
    return 2;
  }
  int runs = argc > 2 ? std::atoi(argv[2]) : 20;
  std::string dir = argc > 3 ? argv[3] : "/tmp/emm-startup-probe";
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    int port = FreePort();
    std::string port_env = "PORT=" + std::to_string(port);
    std::string db_env = "SQLITE_DB=" + dir + "/startup.db";
    auto start = std::chrono::steady_clock::now();
    pid_t pid = fork();
    if (pid == 0) {
      int null = open("/dev/null", O_WRONLY);
      dup2(null, 1);
      dup2(null, 2);
      char* env[] = {port_env.data(), db_env.data(), const_cast<char*>("HOST=127.0.0.1"),
                     const_cast<char*>("EM_METRICS_NO_AUTH=true"), nullptr};
      char* args[] = {argv[1], const_cast<char*>("serve"), nullptr};
      execve(argv[1], args, env);
      _exit(127);
    }
    bool ok = false;
    while (std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
      if (HealthOk(port)) {
        ok = true;
        break;
      }
    }
    double t =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    if (!ok) {
      std::fprintf(stderr, "server did not answer /health within 10 s\n");
      return 1;
    }
    ms.push_back(t);
  }
  std::filesystem::remove_all(dir);
  std::sort(ms.begin(), ms.end());
  std::printf(
      "RESULT startup_to_health_ms median=%.1f max=%.1f runs=%d (fresh database each run)\n",
      ms[ms.size() / 2], ms.back(), runs);
  return 0;
}
