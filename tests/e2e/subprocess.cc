#include "e2e/subprocess.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace emm::e2e {

pid_t Spawn(const SpawnOptions& o) {
  // Everything the child needs is prepared before fork: only async-signal-safe calls after it.
  std::vector<std::string> args = o.argv;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = o.env.value_or(std::vector<std::string>());
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  rlimit files{};
  if (o.open_files) files = {*o.open_files, *o.open_files};
  pid_t pid = fork();
  if (pid == 0) {
    if (o.open_files && setrlimit(RLIMIT_NOFILE, &files) != 0) _exit(127);
    int out = open(o.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int in = open(o.stdin_path.c_str(), O_RDONLY);
    if (out < 0 || in < 0 || chdir(o.dir.c_str()) != 0) _exit(127);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    close(in);
    close(out);
    if (o.gid && setgid(*o.gid) != 0) _exit(127);
    if (o.uid && setuid(*o.uid) != 0) _exit(127);
    // After setuid: a change of credentials clears the parent-death signal.
    if (o.parent_death_signal != 0 && prctl(PR_SET_PDEATHSIG, o.parent_death_signal) != 0) {
      _exit(127);
    }
    if (o.env) {
      execve(argv[0], argv.data(), envp.data());
    } else {
      execv(argv[0], argv.data());
    }
    _exit(127);
  }
  return pid;
}

int WaitPid(pid_t pid, std::chrono::milliseconds timeout, bool* exited) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      *exited = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

uint16_t FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

}  // namespace emm::e2e
