// FromPq against a real PostgreSQL: each SQLSTATE class provoked and its Status checked.
#include "storage/postgres/pg_status.h"

#include <gtest/gtest.h>

#include "storage/postgres/pg_fixture.h"

namespace emm::storage::postgres {
namespace {

using testing::PgFixture;

class PgStatusTest : public PgFixture {};

TEST_F(PgStatusTest, UniqueViolationIsAlreadyExists) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  std::string t = FreshTable(*conn, "id text PRIMARY KEY");
  const std::string insert = "INSERT INTO " + t + " VALUES ($1)";
  ASSERT_TRUE(conn->Run("ins", insert, PgParams().Add("dep-1")).ok());
  auto again = conn->Run("ins", insert, PgParams().Add("dep-1"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists) << again.status().ToString();
  ASSERT_EQ(again.status().fields().size(), 1u);
  EXPECT_EQ(again.status().fields()[0].field, "id");
  EXPECT_NE(again.status().message().find("23505"), std::string::npos);
}

// A value too long for an index entry (2,704 bytes; text that does not compress) is the
// client's: kInvalidArgument (400), not a server error. The API's length limits keep stored values
// below it; this is what a value that got past them would answer.
TEST_F(PgStatusTest, AValueTooLongToIndexIsInvalidArgument) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  std::string t = FreshTable(*conn, "id text PRIMARY KEY");
  std::string value;
  uint32_t x = 14;
  for (int i = 0; i < 4000; ++i) {
    x = x * 1103515245u + 12345u;
    value += static_cast<char>('a' + (x >> 16) % 26);
  }
  auto r = conn->Run("ins_long", "INSERT INTO " + t + " VALUES ($1)", PgParams().Add(value));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  EXPECT_NE(r.status().message().find("54000"), std::string::npos) << r.status().message();
}

TEST_F(PgStatusTest, SyntaxErrorIsInternalAndNamesWhatWasDone) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  auto r = conn->Run("broken_sql", "SELEC 1", PgParams());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_NE(r.status().message().find("preparing broken_sql"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("42601"), std::string::npos) << r.status().message();
  // One line: libpq's trailing newline and LINE/caret lines are folded.
  EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
  // The connection is still usable after a statement error.
  EXPECT_TRUE(conn->Exec("SELECT 1").ok());
  EXPECT_FALSE(conn->Broken());
}

TEST_F(PgStatusTest, SerializationFailureIsRetryableUnavailable) {
  auto a = Connect();
  auto b = Connect();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  std::string t = FreshTable(*a, "k int PRIMARY KEY, v int");
  ASSERT_TRUE(a->Exec("INSERT INTO " + t + " VALUES (1, 0)").ok());
  // a's snapshot is taken by its first read; b then changes the row a goes on to update.
  ASSERT_TRUE(a->Begin("REPEATABLE READ").ok());
  ASSERT_TRUE(a->Exec("SELECT v FROM " + t + " WHERE k = 1").ok());
  ASSERT_TRUE(b->Exec("UPDATE " + t + " SET v = v + 1 WHERE k = 1").ok());
  auto r = a->Run("bump", "UPDATE " + t + " SET v = v + 1 WHERE k = 1", PgParams());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_NE(r.status().message().find("40001"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("retry"), std::string::npos) << r.status().message();
  EXPECT_TRUE(a->Rollback().ok());
}

TEST_F(PgStatusTest, RetryableStates) {
  EXPECT_TRUE(IsRetryable("40001"));
  EXPECT_TRUE(IsRetryable("40P01"));
  EXPECT_FALSE(IsRetryable("23505"));
  EXPECT_FALSE(IsRetryable(""));
}

TEST_F(PgStatusTest, TerminatedSessionIsUnavailableAndBroken) {
  auto victim = Connect();
  auto admin = Connect();
  ASSERT_NE(victim, nullptr);
  ASSERT_NE(admin, nullptr);
  auto pid = victim->Run("my_pid", "SELECT pg_backend_pid()", PgParams());
  ASSERT_TRUE(pid.ok());
  ASSERT_TRUE(admin
                  ->Run("terminate", "SELECT pg_terminate_backend($1::int)",
                        PgParams().Add(pid->Int64(0, 0).value()))
                  .ok());
  Status s = victim->Exec("SELECT 1");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_TRUE(victim->Broken());
}

TEST_F(PgStatusTest, OtherConstraintsAreInternal) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  std::string t = FreshTable(*conn, "k int NOT NULL");
  Status s = conn->Exec("INSERT INTO " + t + " VALUES (NULL)");
  EXPECT_EQ(s.code(), StatusCode::kInternal) << s.ToString();
  EXPECT_NE(s.message().find("23502"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace emm::storage::postgres
