#include "e2e/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

#include "e2e/backend.h"
#include "e2e/subprocess.h"

namespace emm::e2e {
namespace {

// The server under test, with a clean environment: only PATH, HOME, LANG and `env`.
pid_t SpawnServer(const std::string& dir, const Env& env, const std::vector<std::string>& args,
                  const std::string& log_path, std::optional<rlim_t> open_files = std::nullopt) {
  std::vector<std::string> env_strings;
  for (const char* keep : {"PATH", "HOME", "LANG"}) {
    if (const char* v = getenv(keep)) env_strings.push_back(std::string(keep) + "=" + v);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<std::string> argv = {EMM_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return Spawn({dir, argv, env_strings, "/dev/null", log_path, open_files});
}

// On PostgreSQL, a server or command that would use `dir`'s default file (no store of the test's
// own: no DATABASE_URL, no other SQLITE_DB, no EM_METRICS_NO_STORE) gets `dir`'s database.
void ChooseStore(const std::string& dir, Env& env) {
  if (!OnPostgres() || env.count("DATABASE_URL") || env.count("EM_METRICS_NO_STORE")) return;
  auto sqlite = env.find("SQLITE_DB");
  if (sqlite != env.end() && sqlite->second != dir + "/em.db") return;
  if (sqlite != env.end()) env.erase(sqlite);
  env["DATABASE_URL"] = DatabaseUrlFor(dir);
}

}  // namespace

TempDir::TempDir() {
  char tmpl[] = "/tmp/emm-e2e-XXXXXX";
  path_ = mkdtemp(tmpl);
}

TempDir::~TempDir() {
  DropDatabaseFor(path_);
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void TempDir::Write(const std::string& name, const std::string& content) const {
  std::ofstream out(File(name), std::ios::binary | std::ios::trunc);
  out << content;
}

std::unique_ptr<ServerProcess> ServerProcess::Start(const std::string& dir, Env env,
                                                    std::vector<std::string> args,
                                                    std::optional<rlim_t> open_files) {
  env.try_emplace("HOST", "127.0.0.1");
  env.try_emplace("PORT", "0");
  ChooseStore(dir, env);
  if (!env.count("DATABASE_URL")) env.try_emplace("SQLITE_DB", dir + "/em.db");
  env.try_emplace("EM_METRICS_NO_AUTH", "true");
  env.try_emplace("EM_METRICS_LOG_LEVEL", "info");
  auto p = std::unique_ptr<ServerProcess>(new ServerProcess());
  // Tests start servers from several threads at once (replicas_test): each its own log.
  static std::atomic<int> counter{0};
  p->log_path_ = dir + "/server-" + std::to_string(++counter) + ".log";
  p->pid_ = SpawnServer(dir, env, args, p->log_path_, open_files);
  static const std::regex kListening("\"msg\":\"listening\".*\"port\":([0-9]+)");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    std::string log = p->Log();
    if (std::regex_search(log, m, kListening)) {
      p->port_ = static_cast<uint16_t>(std::stoi(m[1]));
      return p;
    }
    int status = 0;
    if (waitpid(p->pid_, &status, WNOHANG) == p->pid_) {
      p->exited_ = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::cerr << "em-metrics did not start; its log:\n" << p->Log() << "\n";
  return nullptr;
}

ServerProcess::~ServerProcess() {
  if (!exited_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    bool exited = false;
    WaitPid(pid_, std::chrono::seconds(5), &exited);
  }
}

std::string ServerProcess::Log() const { return ReadFile(log_path_); }

bool ServerProcess::WaitForLog(const std::string& text, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (Log().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

void ServerProcess::Signal(int sig) const { kill(pid_, sig); }

int ServerProcess::WaitExit(std::chrono::milliseconds timeout) {
  return WaitPid(pid_, timeout, &exited_);
}

void ServerProcess::Kill9() {
  kill(pid_, SIGKILL);
  WaitPid(pid_, std::chrono::seconds(5), &exited_);
}

ExitResult RunToExit(const std::string& dir, Env env, std::vector<std::string> args,
                     std::chrono::milliseconds timeout) {
  static int counter = 0;
  std::string log_path = dir + "/run-" + std::to_string(++counter) + ".log";
  ChooseStore(dir, env);
  pid_t pid = SpawnServer(dir, env, args, log_path);
  bool exited = false;
  ExitResult r;
  r.exit_code = WaitPid(pid, timeout, &exited);
  if (!exited) {
    kill(pid, SIGKILL);
    WaitPid(pid, std::chrono::seconds(5), &exited);
  }
  r.output = ReadFile(log_path);
  return r;
}

}  // namespace emm::e2e
