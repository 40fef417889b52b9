// Starts the real em-metrics binary in a temporary directory on a free port, for end-to-end
// tests. Stops only the process it started (by PID).
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace emm::e2e {

using Env = std::map<std::string, std::string>;

// A temporary directory, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  void Write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

struct ExitResult {
  int exit_code = -1;  // -1: killed by a signal or did not exit in time
  std::string output;  // stdout and stderr
};

class ServerProcess {
 public:
  // Starts `em-metrics serve` in `dir` (cwd) with HOST=127.0.0.1, PORT=0,
  // SQLITE_DB=<dir>/em.db and EM_METRICS_NO_AUTH=true unless `env` says otherwise, and waits for
  // its "listening" log line. With EMM_E2E_BACKEND=postgres (e2e/backend.h), DATABASE_URL of
  // `dir`'s database instead of the default SQLITE_DB. Returns null (with the log on stderr) if
  // it does not come up.
  // `open_files`: the RLIMIT_NOFILE (soft and hard) it starts with; nullopt: ours.
  static std::unique_ptr<ServerProcess> Start(const std::string& dir, Env env = {},
                                              std::vector<std::string> args = {},
                                              std::optional<rlim_t> open_files = std::nullopt);
  ~ServerProcess();  // SIGKILL if still running

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string Log() const;
  // Waits until the log contains `text`.
  bool WaitForLog(const std::string& text, std::chrono::milliseconds timeout);

  void Signal(int sig) const;
  // Waits for exit; the exit code, or -1 for a signal or a timeout.
  int WaitExit(std::chrono::milliseconds timeout);
  void Kill9();

 private:
  ServerProcess() = default;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::string log_path_;
  bool exited_ = false;
};

// Runs em-metrics with `args` to completion (for migrate, --help, bad configs). On PostgreSQL,
// SQLITE_DB=<dir>/em.db (the server's default) becomes `dir`'s database as in Start().
ExitResult RunToExit(const std::string& dir, Env env, std::vector<std::string> args,
                     std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

}  // namespace emm::e2e
