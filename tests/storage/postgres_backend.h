// The PostgreSQL store as a contract backend: a new database per test on the binary's shared
// throwaway server (tests/testing/pg_server.h), dropped when the test ends. Its tests are named
// */Postgres, so ctest runs them in storage_test.postgres with the Pg* tests (CMakeLists.txt).
#pragma once

#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>

#include "storage/contract/store_contract.h"
#include "storage/postgres/pg_event_store.h"
#include "storage/postgres/pg_fixture.h"
#include "testing/pg_server.h"

namespace emm::storage {

class PostgresBackend final : public StoreBackend {
 public:
  ~PostgresBackend() override {
    if (server_ == nullptr || !server_->running()) return;
    if (auto admin = postgres::PgConnection::Open(server_->ConnectionUrl()); admin.ok()) {
      (void)(*admin)->Exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    }
  }

  Result<std::unique_ptr<EventStore>> OpenFresh() override {
    auto server = emm::testing::SharedPgServer();
    if (!server.ok()) return server.status();
    server_ = *server;
    // A test that stopped the shared server must not leave it down for the next.
    if (!server_->running()) EMM_RETURN_IF_ERROR(server_->Restart());
    auto migrated = MigratedTemplate(*server_);
    if (!migrated.ok()) return migrated.status();
    static std::atomic<int> next{0};
    name_ = "contract_" + std::to_string(getpid()) + "_" + std::to_string(next++);
    auto url = postgres::testing::CreateDatabase(*server_, name_, *migrated);
    if (!url.ok()) return url.status();
    url_ = *url;
    return Open();
  }
  Result<std::unique_ptr<EventStore>> Reopen() override { return Open(); }

  const std::string& url() const { return url_; }

  static StoreBackendParam Param() {
    return {"Postgres", [] { return std::make_unique<PostgresBackend>(); }};
  }

 private:
  // A database the store migrated, made once per test binary: each test's is a copy of it, which
  // is faster than migrating every one (the migrations have tests of their own). No connection to
  // it stays open, as CREATE DATABASE ... TEMPLATE requires.
  static Result<std::string> MigratedTemplate(emm::testing::PgServer& server) {
    static std::string name;
    if (!name.empty()) return name;
    std::string candidate = "contract_template_" + std::to_string(getpid());
    auto url = postgres::testing::CreateDatabase(server, candidate);
    if (!url.ok()) return url.status();
    auto store = postgres::PgEventStore::Open(postgres::PgStoreOptions{*url, 1});
    if (!store.ok()) return store.status();
    name = candidate;
    return name;
  }

  Result<std::unique_ptr<EventStore>> Open() {
    auto r = postgres::PgEventStore::Open(postgres::PgStoreOptions{url_, 4});
    if (!r.ok()) return r.status();
    return std::unique_ptr<EventStore>(std::move(r).value());
  }

  emm::testing::PgServer* server_ = nullptr;
  std::string name_;
  std::string url_;
};

}  // namespace emm::storage
