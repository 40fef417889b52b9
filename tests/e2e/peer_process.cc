#include "e2e/peer_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "e2e/subprocess.h"

namespace emm::e2e {

std::string FindProgram(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

ProgramResult RunProgram(const std::string& dir, const std::vector<std::string>& argv,
                         const std::string& input, std::chrono::milliseconds timeout) {
  // The program's stdin and output go to files in the system's temp directory, not in `dir`
  // (which may be part of the source tree, like deploy/prometheus).
  static int counter = 0;
  std::string base = (std::filesystem::temp_directory_path() /
                      ("emm-program-" + std::to_string(getpid()) + "-" + std::to_string(++counter)))
                         .string();
  { std::ofstream(base + ".in", std::ios::binary) << input; }
  pid_t pid = Spawn({dir, argv, std::nullopt, base + ".in", base + ".log", std::nullopt});
  bool exited = false;
  ProgramResult r;
  r.exit_code = WaitPid(pid, timeout, &exited);
  if (!exited) {
    kill(pid, SIGKILL);
    WaitPid(pid, std::chrono::seconds(5), &exited);
  }
  r.output = ReadFile(base + ".log");
  std::error_code ec;
  std::filesystem::remove(base + ".in", ec);
  std::filesystem::remove(base + ".log", ec);
  return r;
}

std::unique_ptr<PeerProcess> PeerProcess::Start(const std::string& dir,
                                                const std::vector<std::string>& argv,
                                                const std::string& log_path) {
  auto p = std::unique_ptr<PeerProcess>(new PeerProcess());
  p->log_path_ = log_path;
  p->pid_ = Spawn({dir, argv, std::nullopt, "/dev/null", log_path, std::nullopt});
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
