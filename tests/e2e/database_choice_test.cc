// Choosing the database from the command line's side: DATABASE_URL over SQLITE_DB, said in the
// start-up log with the password masked; what is refused on PostgreSQL (check, backup, a URL of
// another kind). No PostgreSQL server is needed: the one named is unreachable on purpose.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "e2e/server_process.h"
#include "e2e/subprocess.h"

namespace emm::e2e {
namespace {

const char* kPassword = "hunter2-not-in-logs";

// A PostgreSQL URL on a loopback port nothing listens on, with the password in both places
// libpq takes one.
std::string UnreachableUrl() {
  return "postgres://app:" + std::string(kPassword) + "@127.0.0.1:" + std::to_string(FreePort()) +
         "/emm?connect_timeout=2&password=" + kPassword;
}

TEST(DatabaseChoiceTest, DatabaseUrlWinsOverSqliteAndItsPasswordIsNeverLogged) {
  TempDir dir;
  const std::string sqlite = dir.File("ignored.db");
  for (const char* command : {"serve", "migrate", "rebuild-metrics"}) {
    auto r = RunToExit(dir.path(), {{"DATABASE_URL", UnreachableUrl()}, {"SQLITE_DB", sqlite}},
                       {command});
    EXPECT_EQ(r.exit_code, 1) << command << ": " << r.output;  // the server cannot be reached
    EXPECT_NE(r.output.find("DATABASE_URL wins"), std::string::npos) << command << ": " << r.output;
    EXPECT_NE(r.output.find(sqlite), std::string::npos) << r.output;  // the warning names both
    EXPECT_NE(r.output.find("postgres://app:***@127.0.0.1:"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("password=***"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find(kPassword), std::string::npos) << command << ": " << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(sqlite));
}

TEST(DatabaseChoiceTest, ANonPostgresUrlExitsTwoNamingDatabaseUrl) {
  TempDir dir;
  auto r = RunToExit(dir.path(),
                     {{"DATABASE_URL", "mysql://app:" + std::string(kPassword) + "@db/x"}}, {});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("DATABASE_URL"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(kPassword), std::string::npos) << r.output;
  auto flag = RunToExit(dir.path(), {}, {"migrate", "--database-url", "/var/lib/em.db"});
  EXPECT_EQ(flag.exit_code, 2) << flag.output;
  EXPECT_NE(flag.output.find("--database-url"), std::string::npos) << flag.output;
}

TEST(DatabaseChoiceTest, CheckAndBackupPointToPostgresTools) {
  TempDir dir;
  auto check = RunToExit(dir.path(), {{"DATABASE_URL", UnreachableUrl()}}, {"check"});
  EXPECT_EQ(check.exit_code, 2) << check.output;
  EXPECT_NE(check.output.find("pg_amcheck"), std::string::npos) << check.output;
  auto backup =
      RunToExit(dir.path(), {{"DATABASE_URL", UnreachableUrl()}}, {"backup", dir.File("b.db")});
  EXPECT_EQ(backup.exit_code, 2) << backup.output;
  EXPECT_NE(backup.output.find("pg_dump"), std::string::npos) << backup.output;
  EXPECT_FALSE(std::filesystem::exists(dir.File("b.db")));
}

}  // namespace
}  // namespace emm::e2e
