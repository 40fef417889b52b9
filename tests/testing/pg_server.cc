#include "testing/pg_server.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>

#include "e2e/subprocess.h"

namespace emm::testing {
namespace {

using namespace std::chrono_literals;

// Debian 12's server; EMM_PG_BIN points elsewhere (another major version, a source build).
std::string PgBin(const std::string& tool) {
  const char* dir = std::getenv("EMM_PG_BIN");
  return std::string(dir && *dir ? dir : "/usr/lib/postgresql/15/bin") + "/" + tool;
}

// Who initdb and postgres run as: ourselves, or `postgres` when we are root.
struct RunAs {
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
};

Result<RunAs> ServerUser() {
  if (geteuid() != 0) return RunAs{};
  passwd* pw = getpwnam("postgres");
  if (pw == nullptr) {
    return Status::FailedPrecondition(
        "running as root and there is no `postgres` account to run the server as "
        "(apt-get install postgresql-15 creates it)");
  }
  return RunAs{pw->pw_uid, pw->pw_gid};
}

Status Chown(const std::filesystem::path& path, const RunAs& as) {
  if (!as.uid) return Status::Ok();
  if (chown(path.c_str(), *as.uid, *as.gid) != 0) {
    return Status::Internal("chown " + path.string() + " failed");
  }
  return Status::Ok();
}

}  // namespace

PgServer::~PgServer() {
  if (running()) (void)Stop();
  if (!dir_.empty() && !keep_files_) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string PgServer::ConnectionUrl() const {
  return "postgres://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres?sslmode=disable";
}

std::string PgServer::ServerLog() const { return e2e::ReadFile((dir_ / "server.log").string()); }

Status PgServer::Start() {
  if (running()) return Status::Ok();
  // Short and under /tmp: the Unix socket's path must fit in 107 bytes, and the server's user
  // must be able to enter it (a 0700 home would not do).
  std::string tmpl = "/tmp/emm-pg-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) return Status::Internal("mkdtemp failed");
  dir_ = tmpl;
  auto as = ServerUser();
  if (!as.ok()) return as.status();
  std::filesystem::create_directory(dir_ / "sock");
  EMM_RETURN_IF_ERROR(Chown(dir_, *as));
  EMM_RETURN_IF_ERROR(Chown(dir_ / "sock", *as));
  EMM_RETURN_IF_ERROR(RunInitdb());
  Status launched;
  // Another process may take the free port before the server binds it: then launching fails and
  // the next attempt takes a new port.
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = e2e::FreePort();
    launched = Launch();
    if (launched.ok()) return Status::Ok();
  }
  return launched;
}

Status PgServer::RunInitdb() {
  auto as = ServerUser();
  if (!as.ok()) return as.status();
  e2e::SpawnOptions o;
  o.dir = dir_.string();
  // Trust authentication, superuser `postgres`, UTF-8; no fsync for a cluster thrown away.
  o.argv = {PgBin("initdb"),
            "-D",
            (dir_ / "data").string(),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync"};
  o.log_path = (dir_ / "initdb.log").string();
  o.uid = as->uid;
  o.gid = as->gid;
  o.parent_death_signal = SIGKILL;
  pid_t pid = e2e::Spawn(o);
  bool exited = false;
  int rc = e2e::WaitPid(pid, 120s, &exited);
  if (!exited) {
    kill(pid, SIGKILL);
    e2e::WaitPid(pid, 10s, &exited);
    return Status::Internal("initdb did not finish within 120 s; see " + o.log_path);
  }
  if (rc != 0) {
    return Status::Internal("initdb exited " + std::to_string(rc) + ": " +
                            e2e::ReadFile(o.log_path));
  }
  return Status::Ok();
}

Status PgServer::Launch() {
  auto as = ServerUser();
  if (!as.ok()) return as.status();
  e2e::SpawnOptions o;
  o.dir = dir_.string();
  // The postmaster itself (not pg_ctl, which would detach it): its PID is ours to stop. No
  // durability settings: nothing here must survive a power cut.
  o.argv = {PgBin("postgres"),
            "-D",
            (dir_ / "data").string(),
            "-p",
            std::to_string(port_),
            "-k",
            (dir_ / "sock").string(),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=50"};
  o.log_path = (dir_ / "server.log").string();
  o.uid = as->uid;
  o.gid = as->gid;
  // SIGQUIT is PostgreSQL's immediate shutdown: the server and its sessions end with the binary.
  o.parent_death_signal = SIGQUIT;
  pid_ = e2e::Spawn(o);
  Status ready = WaitUntilReady();
  if (!ready.ok() && pid_ > 0) {
    kill(pid_, SIGQUIT);
    bool exited = false;
    e2e::WaitPid(pid_, 30s, &exited);
    pid_ = 0;
  }
  return ready;
}

Status PgServer::WaitUntilReady() {
  std::string conninfo = ConnectionUrl() + "&connect_timeout=2";
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (PQping(conninfo.c_str()) == PQPING_OK) return Status::Ok();
    bool exited = false;
    int rc = e2e::WaitPid(pid_, 0ms, &exited);
    if (exited) {
      pid_ = 0;
      return Status::Internal("postgres exited " + std::to_string(rc) +
                              " at start-up: " + ServerLog());
    }
    std::this_thread::sleep_for(20ms);
  }
  return Status::Internal("postgres did not accept connections within 60 s: " + ServerLog());
}

Status PgServer::Stop() {
  if (!running()) return Status::Ok();
  kill(pid_, SIGINT);
  bool exited = false;
  e2e::WaitPid(pid_, 60s, &exited);
  if (!exited) {
    kill(pid_, SIGKILL);
    e2e::WaitPid(pid_, 10s, &exited);
  }
  pid_ = 0;
  return exited ? Status::Ok() : Status::Internal("postgres did not stop");
}

Status PgServer::Restart() {
  EMM_RETURN_IF_ERROR(Stop());
  return Launch();
}

namespace {

std::unique_ptr<PgServer> shared_server;
std::optional<Status> shared_start;

// Stops the shared server once every test has run; keeps its files if one failed.
class SharedPgServerEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    if (shared_server == nullptr) return;
    if (!::testing::UnitTest::GetInstance()->Passed()) {
      shared_server->KeepFiles();
      std::fprintf(stderr, "PostgreSQL test server's files (server.log) kept in %s\n",
                   shared_server->dir().c_str());
    }
    shared_server.reset();
  }
};

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new SharedPgServerEnvironment);

}  // namespace

Result<PgServer*> SharedPgServer() {
  if (!shared_start) {
    shared_server = std::make_unique<PgServer>();
    shared_start = shared_server->Start();
  }
  if (!shared_start->ok()) return *shared_start;
  return shared_server.get();
}

}  // namespace emm::testing
