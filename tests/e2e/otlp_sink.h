// A real OTLP/HTTP metrics receiver for tests: runs tests/interop/otlp/sink.js (Node), which
// decodes every request with the reference OpenTelemetry schema and records it. Protocol and
// record fields: tests/interop/otlp/README.md.
//
// Needs `node` on PATH and the sink's npm packages (`make test-deps`, or `npm ci` in
// tests/interop/otlp). Not thread-safe: use one OtlpSink from one thread.
#pragma once

#include <sys/types.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace emm::e2e {

struct OtlpSinkOptions {
  // Node binary: a path, or a name looked up on PATH.
  std::string node = "node";
  // The receiver script, whose directory must hold node_modules/; empty: the one in this source
  // tree (tests/interop/otlp/sink.js).
  std::string script;
  // How long to wait for the "listening <port>" line.
  std::chrono::milliseconds start_timeout{10000};
  // PEM files: also serve the metrics routes over HTTPS on a second port (tls_url()).
  std::string tls_cert;
  std::string tls_key;
};

class OtlpSink {
 public:
  // Starts the sink on 127.0.0.1 and an OS-assigned port and waits until it listens. On failure
  // returns null and, when `error` is not null, sets it to a message saying what is missing
  // (node, node_modules) or what the sink wrote to stderr. Typical use:
  //   std::string error;
  //   auto sink = OtlpSink::Start(&error);
  //   ASSERT_NE(sink, nullptr) << error;
  static std::unique_ptr<OtlpSink> Start(std::string* error = nullptr,
                                         const OtlpSinkOptions& options = {});
  // Stop()s the sink if still running.
  ~OtlpSink();
  OtlpSink(const OtlpSink&) = delete;
  OtlpSink& operator=(const OtlpSink&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // http://127.0.0.1:<port>/v1/metrics
  std::string url() const;
  // https://localhost:<tls port>/v1/metrics, when started with a certificate; "" otherwise.
  std::string tls_url() const;

  // Replaces the programmed behaviour with one step (sink README: status, retryAfter, body, drop,
  // partialSuccess, delayMs, times), e.g. {{"status", 503}, {"retryAfter", "2"}, {"times", 3}}.
  // False (with a gtest failure) if the sink refuses it.
  bool Program(const boost::json::object& step);
  // The same with a sequence of steps, applied in order.
  bool ProgramSequence(const boost::json::array& steps);
  // Records of the requests to any path ending in /v1/metrics, oldest first: refused and dropped
  // ones too. An empty array (with a gtest failure) if the sink does not answer.
  boost::json::array Received();
  // Forgets the records and the program.
  void Reset();
  // Polls Received() until it holds at least `n` records; false after `timeout`.
  bool WaitForRequests(size_t n, std::chrono::milliseconds timeout);
  // The sink's stderr so far (diagnostics only).
  std::string Stderr() const;

  // SIGTERM, then SIGKILL if it has not exited after `grace`; reaps it. Returns the exit code
  // (0: clean exit on SIGTERM), or -1 if it had to be killed. Idempotent.
  int Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));

 private:
  OtlpSink() = default;
  // GET /received; nullopt if the sink does not answer with a JSON array.
  std::optional<boost::json::array> FetchReceived() const;

  pid_t pid_ = -1;
  int port_ = 0;
  int tls_port_ = 0;
  int stdin_fd_ = -1;   // write end of the sink's stdin: it exits when this process goes away
  int stdout_fd_ = -1;  // read end of the sink's stdout
  std::string stderr_path_;
  int exit_code_ = -1;
};

}  // namespace emm::e2e
