// Debian's Prometheus for end-to-end tests: started on a free port with scrape jobs, asked PromQL
// over its HTTP API, stopped by PID with the harness. `make test` installs the prometheus package;
// without it the tests that start one fail, saying so.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "e2e/peer_process.h"
#include "e2e/server_process.h"

namespace emm::e2e {

// Debian's tool `name`, or "" and a test failure that says how to get it.
std::string RequireTool(const std::string& name);

class PrometheusHarness {
 public:
  // A scrape job for 127.0.0.1:port; `extra` is more YAML for it (indented by 4).
  static std::string Job(const std::string& name, uint16_t port, const std::string& extra = "");

  // Starts Prometheus in `dir` with `jobs`, scraping every second; waits until every job was
  // scraped once. Fails the test (fatally) otherwise: callers check HasFatalFailure().
  void Start(const TempDir& dir, const std::vector<std::string>& jobs);

  // The value of an instant query that returns exactly one sample.
  std::optional<double> Query(const std::string& promql) const;
  // GET `target` (`/api/v1/...`) from Prometheus' HTTP API: the whole answer, null if not JSON.
  boost::json::value Api(const std::string& target) const;

  // Polls every 20 ms for at most 10 s; false early when Prometheus has exited.
  template <typename Pred>
  bool WaitUntil(Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      if (process_ && !process_->Running()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  uint16_t port() const { return port_; }
  std::string Log() const { return process_ ? process_->Log() : ""; }

 private:
  uint16_t port_ = 0;
  std::unique_ptr<PeerProcess> process_;
};

}  // namespace emm::e2e
