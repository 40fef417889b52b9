// Other programs the end-to-end tests talk to (Debian's prometheus and promtool): found on PATH,
// run to completion with input on stdin, or kept running and stopped by PID.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "e2e/subprocess.h"  // FreePort

namespace emm::e2e {

// The path of `name` on PATH, or "" when it is not installed.
std::string FindProgram(const std::string& name);

struct ProgramResult {
  int exit_code = -1;  // -1: killed by a signal or did not exit in time
  std::string output;  // stdout and stderr
};

// Runs `argv` (argv[0] a path) in `dir` with `input` on stdin, to completion.
ProgramResult RunProgram(const std::string& dir, const std::vector<std::string>& argv,
                         const std::string& input,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A program running in the background, stdout and stderr appended to a log file.
class PeerProcess {
 public:
  // Starts `argv` (argv[0] a path) in `dir`; the log goes to `log_path`.
  static std::unique_ptr<PeerProcess> Start(const std::string& dir,
                                            const std::vector<std::string>& argv,
                                            const std::string& log_path);
  ~PeerProcess();  // SIGTERM, SIGKILL after 5 s; only this process

  // False once it has exited (e.g. its port was taken).
  bool Running();
  pid_t pid() const { return pid_; }
  std::string Log() const;

 private:
  PeerProcess() = default;
  pid_t pid_ = -1;
  bool exited_ = false;
  std::string log_path_;
};

}  // namespace emm::e2e
