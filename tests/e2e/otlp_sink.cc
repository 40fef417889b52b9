#include "e2e/otlp_sink.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "e2e/http_client.h"

extern char** environ;

namespace emm::e2e {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool IsExecutable(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

// The path posix_spawnp would run for `name`, or "" when there is none.
std::string FindExecutable(const std::string& name) {
  if (name.find('/') != std::string::npos) return IsExecutable(name) ? name : "";
  const char* path = getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (IsExecutable(candidate)) return candidate;
  }
  return "";
}

// Waits up to `timeout` for `pid` to exit; its exit code (-1 for a signal), or nullopt if it is
// still running.
std::optional<int> WaitExit(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (r < 0 && errno != EINTR) return -1;  // not our child any more
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void CloseFd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

struct LineRead {
  std::optional<std::string> line;  // without the '\n'
  bool eof = false;                 // the writer closed its end (the sink exited)
  std::string partial;              // what was read when there is no line
};

// Reads one '\n'-terminated line from `fd` within `timeout`.
LineRead ReadLine(int fd, std::chrono::milliseconds timeout) {
  LineRead r;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    size_t eol = r.partial.find('\n');
    if (eol != std::string::npos) {
      r.line = r.partial.substr(0, eol);
      return r;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return r;
    pollfd p{fd, POLLIN, 0};
    int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return r;
    if (ready == 0) continue;  // the deadline check above ends the loop
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      r.eof = true;
      return r;
    }
    r.partial.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace

std::unique_ptr<OtlpSink> OtlpSink::Start(std::string* error, const OtlpSinkOptions& options) {
  std::string ignored;
  std::string& err = error ? *error : ignored;
  err.clear();
  const std::string script = options.script.empty()
                                 ? std::string(EMM_SOURCE_DIR) + "/tests/interop/otlp/sink.js"
                                 : options.script;
  const fs::path dir = fs::path(script).parent_path();
  std::error_code ec;
  if (!fs::is_regular_file(script, ec)) {
    err = "OTLP sink script not found: " + script;
    return nullptr;
  }
  if (!fs::is_regular_file(
          dir / "node_modules/@opentelemetry/otlp-transformer/build/src/generated/root.js", ec) ||
      !fs::is_directory(dir / "node_modules/protobufjs", ec)) {
    err = "the OTLP sink's npm packages are not installed in " + dir.string() +
          "/node_modules: run `make test-deps` (or `cd " + dir.string() +
          " && npm ci --no-audit --no-fund`)";
    return nullptr;
  }
  const std::string node = FindExecutable(options.node);
  if (node.empty()) {
    err = "`" + options.node +
          "` not found (the OTLP sink needs Node.js >= 18.19): run `make test-deps`, which "
          "installs Debian's nodejs and npm when they are missing";
    return nullptr;
  }

  auto sink = std::unique_ptr<OtlpSink>(new OtlpSink());
  char log_template[] = "/tmp/emm-otlp-sink-XXXXXX.log";
  int stderr_fd = mkostemps(log_template, 4, O_CLOEXEC);
  if (stderr_fd < 0) {
    err = std::string("cannot create the sink's log file: ") + std::strerror(errno);
    return nullptr;
  }
  sink->stderr_path_ = log_template;
  int in_pipe[2];
  int out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) {
    err = std::string("pipe: ") + std::strerror(errno);
    close(stderr_fd);
    return nullptr;
  }
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    err = std::string("pipe: ") + std::strerror(errno);
    close(stderr_fd);
    close(in_pipe[0]);
    close(in_pipe[1]);
    return nullptr;
  }
  // The originals are close-on-exec, so the child keeps only 0, 1 and 2 (dup2 clears the flag).
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2);
  std::vector<std::string> args = {node, script, "--port", "0", "--exit-on-stdin-close"};
  if (!options.tls_cert.empty()) {
    args.insert(args.end(), {"--tls-cert", options.tls_cert, "--tls-key", options.tls_key});
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, node.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(stderr_fd);
  sink->stdin_fd_ = in_pipe[1];
  sink->stdout_fd_ = out_pipe[0];
  if (rc != 0) {
    err = "cannot run " + node + ": " + std::strerror(rc);
    return nullptr;
  }
  sink->pid_ = pid;

  LineRead read = ReadLine(sink->stdout_fd_, options.start_timeout);
  int port = 0, tls_port = 0;
  if (read.line && read.line->rfind("listening ", 0) == 0) {
    try {
      size_t used = 0;
      port = std::stoi(read.line->substr(10), &used);
      if (10 + used < read.line->size()) tls_port = std::stoi(read.line->substr(10 + used));
    } catch (const std::exception&) {
      port = 0;
    }
  }
  if (port <= 0 || port > 65535) {
    std::string what;
    if (read.line) {
      what = "printed \"" + *read.line + "\" instead of \"listening <port>\"";
    } else if (read.eof) {
      // It is exiting on its own: give it a moment, so the exit code is its own.
      std::optional<int> code = WaitExit(sink->pid_, std::chrono::milliseconds(2000));
      if (code) {
        sink->pid_ = -1;
        sink->exit_code_ = *code;
      }
      what = "exited (code " + std::to_string(code.value_or(-1)) +
             ") before printing \"listening <port>\"";
    } else {
      what = "did not print \"listening <port>\" within " +
             std::to_string(options.start_timeout.count()) + " ms";
    }
    if (!read.line && !read.partial.empty()) what += " (stdout: \"" + read.partial + "\")";
    sink->Stop(std::chrono::milliseconds(1000));
    err =
        "the OTLP sink (" + node + " " + script + ") " + what + "; its stderr:\n" + sink->Stderr();
    return nullptr;
  }
  sink->port_ = port;
  sink->tls_port_ = tls_port;
  return sink;
}

OtlpSink::~OtlpSink() {
  Stop();
  if (!stderr_path_.empty()) unlink(stderr_path_.c_str());
}

std::string OtlpSink::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1/metrics";
}

std::string OtlpSink::tls_url() const {
  if (tls_port_ == 0) return "";
  return "https://localhost:" + std::to_string(tls_port_) + "/v1/metrics";
}

bool OtlpSink::Program(const boost::json::object& step) {
  HttpResponse r =
      HttpClient(static_cast<uint16_t>(port_)).Post("/program", boost::json::serialize(step));
  if (r.status == 200) return true;
  ADD_FAILURE() << "OTLP sink refused the program " << boost::json::serialize(step) << ": "
                << r.status << " " << r.body;
  return false;
}

bool OtlpSink::ProgramSequence(const boost::json::array& steps) {
  HttpResponse r =
      HttpClient(static_cast<uint16_t>(port_)).Post("/program", boost::json::serialize(steps));
  if (r.status == 200) return true;
  ADD_FAILURE() << "OTLP sink refused the program " << boost::json::serialize(steps) << ": "
                << r.status << " " << r.body;
  return false;
}

std::optional<boost::json::array> OtlpSink::FetchReceived() const {
  HttpResponse r = HttpClient(static_cast<uint16_t>(port_)).Get("/received");
  if (r.status != 200) return std::nullopt;
  boost::json::value v = r.Json();
  if (!v.is_array()) return std::nullopt;
  return std::move(v.as_array());
}

boost::json::array OtlpSink::Received() {
  std::optional<boost::json::array> records = FetchReceived();
  if (records) return std::move(*records);
  ADD_FAILURE() << "OTLP sink on port " << port_ << " did not answer GET /received; its stderr:\n"
                << Stderr();
  return {};
}

void OtlpSink::Reset() {
  HttpResponse r = HttpClient(static_cast<uint16_t>(port_)).Post("/reset", "");
  if (r.status != 200) ADD_FAILURE() << "OTLP sink: POST /reset answered " << r.status;
}

bool OtlpSink::WaitForRequests(size_t n, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::optional<boost::json::array> records = FetchReceived();
    if (records && records->size() >= n) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string OtlpSink::Stderr() const { return ReadFile(stderr_path_); }

int OtlpSink::Stop(std::chrono::milliseconds grace) {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    std::optional<int> code = WaitExit(pid_, grace);
    if (!code) {
      kill(pid_, SIGKILL);
      WaitExit(pid_, std::chrono::hours(1));
      code = -1;
    }
    exit_code_ = *code;
    pid_ = -1;
  }
  CloseFd(stdin_fd_);
  CloseFd(stdout_fd_);
  return exit_code_;
}

}  // namespace emm::e2e
