// The PostgreSQL tests' fixture: the binary's shared throwaway server (tests/testing/pg_server.h)
// and connections to it. Test suites are named Pg* so ctest runs them together, in one process
// with one server (CMakeLists.txt).
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <memory>
#include <string>

#include "storage/postgres/pg_connection.h"
#include "testing/pg_server.h"

namespace emm::storage::postgres::testing {

// A new database `name` on `server` (one a previous run left is dropped first), empty or a copy of
// the database `copy_of`; its URL.
inline Result<std::string> CreateDatabase(emm::testing::PgServer& server, const std::string& name,
                                          const std::string& copy_of = "") {
  auto admin = PgConnection::Open(server.ConnectionUrl());
  if (!admin.ok()) return admin.status();
  EMM_RETURN_IF_ERROR((*admin)->Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"));
  EMM_RETURN_IF_ERROR(
      (*admin)->Exec("CREATE DATABASE " + name + (copy_of.empty() ? "" : " TEMPLATE " + copy_of)));
  std::string url = server.ConnectionUrl();
  url.replace(url.find("/postgres?"), 10, "/" + name + "?");
  return url;
}

class PgFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = emm::testing::SharedPgServer();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = *server;
    // A test that stopped the server (the restart tests) must not leave it down for the next.
    ASSERT_TRUE(server_->running() || server_->Restart().ok());
  }

  std::unique_ptr<PgConnection> Connect() {
    auto conn = PgConnection::Open(server_->ConnectionUrl());
    EXPECT_TRUE(conn.ok()) << conn.status().ToString();
    return conn.ok() ? std::move(conn).value() : nullptr;
  }

  // A table of this test's own (the server is shared by the binary's tests), created empty.
  std::string FreshTable(PgConnection& conn, const std::string& columns) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string("t_") + info->test_suite_name() + "_" + info->name();
    EXPECT_TRUE(
        conn.Exec("DROP TABLE IF EXISTS " + name + "; CREATE TABLE " + name + " (" + columns + ")")
            .ok());
    return name;
  }

  // A new empty database named after the test (dropped first if a previous run left it); its URL.
  std::string FreshDatabase() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = "m_" + std::string(info->name());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto url = CreateDatabase(*server_, name);
    EXPECT_TRUE(url.ok()) << url.status().ToString();
    return url.ok() ? *url : "";
  }

  emm::testing::PgServer* server_ = nullptr;
};

}  // namespace emm::storage::postgres::testing
