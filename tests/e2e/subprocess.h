// Starting and reaping child processes for the end-to-end tests (the server under test, and the
// peers it talks to). Only ever the processes a test started, by PID.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace emm::e2e {

struct SpawnOptions {
  std::string dir;                              // working directory
  std::vector<std::string> argv;                // argv[0] is a path
  std::optional<std::vector<std::string>> env;  // "K=V" entries; nullopt: inherit ours
  std::string stdin_path = "/dev/null";
  std::string log_path;              // stdout and stderr are appended here
  std::optional<rlim_t> open_files;  // RLIMIT_NOFILE (soft and hard) for the child
  // Run as this user (set after the log is opened, so it may be a file only we can write): a
  // PostgreSQL server refuses to run as root.
  std::optional<uid_t> uid = std::nullopt;
  std::optional<gid_t> gid = std::nullopt;
  // Sent to the child when the thread that spawned it dies (a test binary killed by ctest's
  // timeout), so a server it started does not outlive it. 0: none.
  int parent_death_signal = 0;
};

// fork + exec; the child exits 127 if it cannot set itself up or exec.
pid_t Spawn(const SpawnOptions& options);

// The exit code (-1 for a signal) once `pid` exits within `timeout`; sets `*exited`. -1 with
// `*exited` untouched when it is still running at the deadline.
int WaitPid(pid_t pid, std::chrono::milliseconds timeout, bool* exited);

std::string ReadFile(const std::string& path);

// A TCP port on 127.0.0.1 that was free a moment ago, for programs that cannot bind port 0 and
// report the port they got (0 when none could be had).
uint16_t FreePort();

}  // namespace emm::e2e
