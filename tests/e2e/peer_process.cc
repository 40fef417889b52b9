#include "e2e/peer_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace emm::e2e {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Forks and execs `argv` in `dir` with stdin from `stdin_path` and output appended to `log_path`.
pid_t Spawn(const std::string& dir, const std::vector<std::string>& argv,
            const std::string& stdin_path, const std::string& log_path) {
  std::vector<std::string> args = argv;
  std::vector<char*> c_args;
  for (auto& a : args) c_args.push_back(a.data());
  c_args.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    int out = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int in = open(stdin_path.c_str(), O_RDONLY);
    if (out < 0 || in < 0 || chdir(dir.c_str()) != 0) _exit(127);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    close(in);
    close(out);
    execv(c_args[0], c_args.data());
    _exit(127);
  }
  return pid;
}

// The exit code, or -1 for a signal; `exited` false when it is still running at the deadline.
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

}  // namespace

std::string FindProgram(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
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

ProgramResult RunProgram(const std::string& dir, const std::vector<std::string>& argv,
                         const std::string& input, std::chrono::milliseconds timeout) {
  static int counter = 0;
  std::string base = dir + "/program-" + std::to_string(++counter);
  { std::ofstream(base + ".in", std::ios::binary) << input; }
  pid_t pid = Spawn(dir, argv, base + ".in", base + ".log");
  bool exited = false;
  ProgramResult r;
  r.exit_code = WaitPid(pid, timeout, &exited);
  if (!exited) {
    kill(pid, SIGKILL);
    WaitPid(pid, std::chrono::seconds(5), &exited);
  }
  r.output = ReadFile(base + ".log");
  return r;
}

std::unique_ptr<PeerProcess> PeerProcess::Start(const std::string& dir,
                                                const std::vector<std::string>& argv,
                                                const std::string& log_path) {
  auto p = std::unique_ptr<PeerProcess>(new PeerProcess());
  p->log_path_ = log_path;
  p->pid_ = Spawn(dir, argv, "/dev/null", log_path);
  if (p->pid_ < 0) return nullptr;
  return p;
}

PeerProcess::~PeerProcess() {
  if (exited_ || pid_ <= 0) return;
  kill(pid_, SIGTERM);
  bool exited = false;
  WaitPid(pid_, std::chrono::seconds(5), &exited);
  if (!exited) {
    kill(pid_, SIGKILL);
    WaitPid(pid_, std::chrono::seconds(5), &exited);
  }
}

bool PeerProcess::Running() {
  if (exited_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) exited_ = true;
  return !exited_;
}

std::string PeerProcess::Log() const { return ReadFile(log_path_); }

}  // namespace emm::e2e
