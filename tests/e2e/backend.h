// Which store the end-to-end servers use: SQLite's file (the default) or, when the test binary
// runs with EMM_E2E_BACKEND=postgres (ctest's e2e_test.postgres.1 and .2), a database of each test
// directory's own on the binary's shared throwaway PostgreSQL server (tests/testing/pg_server.h).
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace emm::e2e {

// EMM_E2E_BACKEND=postgres; anything else (or unset) is SQLite.
bool OnPostgres();

// The DATABASE_URL of `dir`'s database, created (empty; the server migrates it) on the first call
// for `dir`: a test restarting a server over the same directory gets the same data back. A failure
// to create it is a test failure, and "" is returned.
std::string DatabaseUrlFor(const std::string& dir);

// Drops `dir`'s database if it has one (TempDir's destructor): a later directory that reuses the
// name starts empty, and the shared server's disk does not fill up over a run.
void DropDatabaseFor(const std::string& dir);

// For the readers of a server's stored state (metric_state.h), given the SQLite path the server
// would use (<dir>/em.db): the URL of the database standing in for it on PostgreSQL, or "" (read
// the file).
std::string DatabaseUrlForFile(const std::string& db_path);

}  // namespace emm::e2e

// The one way a test that is SQLite's by nature (it reads or damages the file, checkpoints, backs
// up, forwards SQLITE_DB=none) leaves the PostgreSQL run, saying why.
#define SkipOnPostgres(why)                                 \
  if (::emm::e2e::OnPostgres()) {                           \
    GTEST_SKIP() << "SQLite only: " << (why);               \
  }                                                         \
  static_assert(true, "SkipOnPostgres needs a semicolon")
