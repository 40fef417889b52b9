#include "e2e/backend.h"

#include <unistd.h>

#include <cstdlib>
#include <map>
#include <mutex>

#include "storage/postgres/pg_connection.h"
#include "storage/postgres/pg_fixture.h"
#include "testing/pg_server.h"

namespace emm::e2e {
namespace {

std::mutex mu;
// dir -> (database name, URL); tests start servers from several threads.
std::map<std::string, std::pair<std::string, std::string>> databases;

const std::string kDbFile = "/em.db";

}  // namespace

bool OnPostgres() {
  static const bool on = [] {
    const char* v = std::getenv("EMM_E2E_BACKEND");
    return v != nullptr && std::string(v) == "postgres";
  }();
  return on;
}

std::string DatabaseUrlFor(const std::string& dir) {
  std::lock_guard lock(mu);
  if (auto it = databases.find(dir); it != databases.end()) return it->second.second;
  auto server = emm::testing::SharedPgServer();
  if (!server.ok()) {
    ADD_FAILURE() << "the shared PostgreSQL server: " << server.status().ToString();
    return "";
  }
  // A test that stopped the shared server must not leave it down for the next.
  if (!(*server)->running()) {
    if (Status s = (*server)->Restart(); !s.ok()) {
      ADD_FAILURE() << "restarting the shared PostgreSQL server: " << s.ToString();
      return "";
    }
  }
  // Named by a counter, not by the directory: mkdtemp may hand a removed directory's name out
  // again, and the name must not carry its old data.
  static int next = 0;
  std::string name = "e2e_" + std::to_string(getpid()) + "_" + std::to_string(next++);
  auto url = storage::postgres::testing::CreateDatabase(**server, name);
  if (!url.ok()) {
    ADD_FAILURE() << "CREATE DATABASE " << name << ": " << url.status().ToString();
    return "";
  }
  databases[dir] = {name, *url};
  return *url;
}

void DropDatabaseFor(const std::string& dir) {
  std::string name;
  {
    std::lock_guard lock(mu);
    auto it = databases.find(dir);
    if (it == databases.end()) return;
    name = it->second.first;
    databases.erase(it);
  }
  auto server = emm::testing::SharedPgServer();
  if (!server.ok() || !(*server)->running()) return;
  if (auto admin = storage::postgres::PgConnection::Open((*server)->ConnectionUrl()); admin.ok()) {
    (void)(*admin)->Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }
}

std::string DatabaseUrlForFile(const std::string& db_path) {
  if (!OnPostgres() || db_path.size() <= kDbFile.size() ||
      db_path.compare(db_path.size() - kDbFile.size(), kDbFile.size(), kDbFile) != 0) {
    return "";
  }
  std::lock_guard lock(mu);
  auto it = databases.find(db_path.substr(0, db_path.size() - kDbFile.size()));
  return it == databases.end() ? "" : it->second.second;
}

}  // namespace emm::e2e
