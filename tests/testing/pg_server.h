// A throwaway PostgreSQL 15 server for tests: a fresh cluster in a temporary directory, listening
// on 127.0.0.1 at a free port with trust authentication, stopped by its PID. The tests that need
// one share it through SharedPgServer(): it starts on first use (a test binary whose selected
// tests never ask pays nothing) and stops when the binary's tests end.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "common/status.h"

namespace emm::testing {

class PgServer {
 public:
  PgServer() = default;
  ~PgServer();  // Stop(), and the directory removed (kept, with its logs, if KeepFiles())
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  // initdb into a new temporary directory, then the server on a free port; waits until it accepts
  // connections. As root, initdb and postgres run as the `postgres` account (they refuse root).
  Status Start();
  // Fast shutdown (SIGINT to the postmaster: sessions are ended, nothing waits for clients), then
  // the PID reaped. The data directory stays: Restart() starts the same cluster on the same port.
  Status Stop();
  Status Restart();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  // postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
  std::string ConnectionUrl() const;
  const std::filesystem::path& dir() const { return dir_; }
  std::string ServerLog() const;
  // Keep the directory (data and logs) after the destructor, for a failed run's post-mortem.
  void KeepFiles() { keep_files_ = true; }

 private:
  Status RunInitdb();
  Status Launch();
  Status WaitUntilReady();

  std::filesystem::path dir_;
  pid_t pid_ = 0;
  int port_ = 0;
  bool keep_files_ = false;
};

// The binary's shared server, started on the first call (a failed start is remembered and
// returned again); stopped by a gtest Environment when the tests end, with its files kept and
// their path printed if a test failed.
Result<PgServer*> SharedPgServer();

}  // namespace emm::testing
