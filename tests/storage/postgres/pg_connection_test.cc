// PgConnection against a real PostgreSQL: URLs, prepared statements, parameters, transactions.
#include "storage/postgres/pg_connection.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/postgres/pg_fixture.h"

namespace emm::storage::postgres {
namespace {

using testing::PgFixture;

class PgConnectionTest : public PgFixture {};

void ExpectInvalidUrl(const std::string& url, const std::string& says) {
  auto conn = PgConnection::Open(url, "DATABASE_URL");
  ASSERT_FALSE(conn.ok()) << url;
  EXPECT_EQ(conn.status().code(), StatusCode::kInvalidArgument) << conn.status().ToString();
  ASSERT_EQ(conn.status().fields().size(), 1u);
  EXPECT_EQ(conn.status().fields()[0].field, "DATABASE_URL");
  EXPECT_NE(conn.status().message().find(says), std::string::npos) << conn.status().message();
}

TEST_F(PgConnectionTest, MalformedUrlsAreNamedInvalidArguments) {
  ExpectInvalidUrl("mysql://root@127.0.0.1/db", "postgres://");
  ExpectInvalidUrl("127.0.0.1:5432", "postgres://");
  ExpectInvalidUrl("postgres://u@127.0.0.1/db?no_such_option=1", "no_such_option");
  ExpectInvalidUrl("postgres://u@127.0.0.1/db%zz", "percent");
  ExpectInvalidUrl("postgres://u@127.0.0.1/db?sslmode=sometimes", "sometimes");
}

TEST_F(PgConnectionTest, ConnectsAndPassesSslmodeThrough) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  auto r = conn->Run("one", "SELECT 1", PgParams());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->Int64(0, 0).value(), 1);
  // The test server has no TLS: sslmode=require reaches libpq and it refuses to go on.
  std::string url = server_->ConnectionUrl();
  url.replace(url.find("sslmode=disable"), 15, "sslmode=require");
  auto tls = PgConnection::Open(url);
  ASSERT_FALSE(tls.ok());
  EXPECT_EQ(tls.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(tls.status().message().find("SSL"), std::string::npos) << tls.status().message();
}

// How often PostgreSQL ran `name` on `conn`'s session with a generic plan and with one made for
// the run's parameters.
std::pair<int64_t, int64_t> GenericAndCustomPlans(PgConnection& conn, const std::string& name) {
  auto r = conn.Run("emm_test_plans",
                    "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                    "WHERE name = $1",
                    PgParams().Add(name));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok() || r->rows() != 1) return {-1, -1};
  return {r->Int64(0, 0).value(), r->Int64(0, 1).value()};
}

// Left to itself PostgreSQL keeps one generic plan for a prepared statement after five runs,
// costed without the parameters: a range read then scans what its range would have skipped
// (a team's year went from 15 to 28 ms). Every run is planned for its own range instead.
TEST_F(PgConnectionTest, EveryRunOfAPreparedReadIsPlannedForItsParameters) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  EXPECT_TRUE(conn->custom_plans());
  const std::string sql = "SELECT count(*) FROM generate_series(1, 1000) g WHERE g >= $1 AND g < $2";
  for (int64_t i = 0; i < 8; ++i) {
    ASSERT_TRUE(conn->Run("emm_test_range", sql, PgParams().Add(i).Add(i + 10)).ok());
  }
  EXPECT_EQ(GenericAndCustomPlans(*conn, "emm_test_range"), std::make_pair(int64_t{0}, int64_t{8}));

  // What the setting prevents, on the same statement: PostgreSQL's default picks a generic plan.
  ASSERT_TRUE(conn->Exec("SET plan_cache_mode = auto").ok());
  for (int64_t i = 0; i < 8; ++i) {
    ASSERT_TRUE(conn->Run("emm_test_range_auto", sql, PgParams().Add(i).Add(i + 10)).ok());
  }
  EXPECT_GT(GenericAndCustomPlans(*conn, "emm_test_range_auto").first, 0);
}

// libpq sends text parameters as C strings: "a\0b" would reach the server as "a" and store or
// match another value. Such a statement is refused before anything is sent, in and out of
// pipeline mode, and the connection stays usable.
TEST_F(PgConnectionTest, ATextParameterWithANulIsRefusedNotCutShort) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  const std::string nul("a\0b", 3);
  auto r = conn->Run("emm_test_echo", "SELECT $1::text", PgParams().Add(nul));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  auto arr = conn->Run("emm_test_any", "SELECT 'a' = ANY($1::text[])",
                       PgParams().AddTextArray({"x", nul}));
  ASSERT_FALSE(arr.ok());
  EXPECT_EQ(arr.status().code(), StatusCode::kInvalidArgument) << arr.status().ToString();
  ASSERT_TRUE(conn->EnterPipeline().ok());
  EXPECT_EQ(conn->Send("emm_test_echo", "SELECT $1::text", PgParams().Add(nul)).code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE(conn->ExitPipeline().ok());
  auto ok = conn->Run("emm_test_echo", "SELECT $1::text", PgParams().Add("a b"));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->Text(0, 0), "a b");
}

TEST_F(PgConnectionTest, NoServerIsUnavailable) {
  // A port of the loopback nobody listens on: the refused connection is transient, not a bug.
  std::string url = server_->ConnectionUrl();
  std::string port = std::to_string(server_->port());
  url.replace(url.find(":" + port), port.size() + 1, ":1");
  auto conn = PgConnection::Open(url);
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().code(), StatusCode::kUnavailable) << conn.status().ToString();
}

TEST_F(PgConnectionTest, EachNamedStatementIsPreparedOncePerConnection) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  for (int64_t i = 0; i < 5; ++i) {
    auto r = conn->Run("add_one", "SELECT $1::bigint + 1", PgParams().Add(i));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->Int64(0, 0).value(), i + 1);
  }
  ASSERT_TRUE(conn->Run("add_two", "SELECT $1::bigint + 2", PgParams().Add(int64_t{1})).ok());
  EXPECT_EQ(conn->prepares(), 2);
  // The server agrees: one prepared statement of each name on this session.
  auto server_side =
      conn->Run("count_prepared", "SELECT count(*) FROM pg_prepared_statements WHERE name = $1",
                PgParams().Add("add_one"));
  ASSERT_TRUE(server_side.ok()) << server_side.status().ToString();
  EXPECT_EQ(server_side->Int64(0, 0).value(), 1);
  // Another connection prepares its own.
  auto other = Connect();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->Run("add_one", "SELECT $1::bigint + 1", PgParams().Add(int64_t{1})).ok());
  EXPECT_EQ(other->prepares(), 1);
}

TEST_F(PgConnectionTest, ParametersRoundTrip) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  const int64_t lo = std::numeric_limits<int64_t>::min();
  const int64_t hi = std::numeric_limits<int64_t>::max();
  const double tiny = 5e-324;  // the smallest denormal
  const double big = std::numeric_limits<double>::max();
  const double third = 1.0 / 3.0;
  const std::string text = "é ü 日本語 🚀 'quote' \"dq\" back\\slash; DROP TABLE x; --";
  auto r = conn->Run("round_trip",
                     "SELECT $1::bigint, $2::bigint, $3::float8, $4::float8, $5::float8, "
                     "$6::float8, $7::text, $8::bigint, $9::text, $10::float8",
                     PgParams()
                         .Add(lo)
                         .Add(hi)
                         .Add(tiny)
                         .Add(big)
                         .Add(third)
                         .Add(-0.1)
                         .Add(text)
                         .Add(std::optional<int64_t>())
                         .Add(std::optional<std::string>())
                         .Add(std::optional<double>(2.5)));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->Int64(0, 0).value(), lo);
  EXPECT_EQ(r->Int64(0, 1).value(), hi);
  EXPECT_EQ(r->Double(0, 2).value(), tiny);
  EXPECT_EQ(r->Double(0, 3).value(), big);
  EXPECT_EQ(r->Double(0, 4).value(), third);
  EXPECT_EQ(r->Double(0, 5).value(), -0.1);
  EXPECT_EQ(r->Text(0, 6), text);
  EXPECT_TRUE(r->IsNull(0, 7));
  EXPECT_EQ(r->OptionalInt64(0, 7).value(), std::nullopt);
  EXPECT_EQ(r->OptionalText(0, 8), std::nullopt);
  EXPECT_EQ(r->Double(0, 9).value(), 2.5);
  // Reading a NULL or a text as a number is an error naming the column, not a zero.
  EXPECT_FALSE(r->Int64(0, 7).ok());
  auto words = r->Int64(0, 6);
  ASSERT_FALSE(words.ok());
  EXPECT_NE(words.status().message().find("text"), std::string::npos) << words.status().message();
}

// Filter values go as one text[]: each must come back as sent, whatever characters the array
// literal syntax gives a meaning to.
TEST_F(PgConnectionTest, TextArraysRoundTripEveryValue) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  const std::vector<std::string> values = {
      "plain", "with,comma", "{braces}", "quote\"d", "back\\slash", "NULL", "", " spaced "};
  auto r = conn->Run("unnest", "SELECT v FROM unnest($1::text[]) WITH ORDINALITY AS t(v, n) ORDER BY n",
                     PgParams().AddTextArray(values));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->rows(), static_cast<int>(values.size()));
  for (int i = 0; i < r->rows(); ++i) {
    EXPECT_FALSE(r->IsNull(i, 0)) << values[i];
    EXPECT_EQ(r->Text(i, 0), values[i]);
  }
  auto empty = conn->Run("cardinality", "SELECT cardinality($1::text[])",
                         PgParams().AddTextArray({}));
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(empty->Int64(0, 0).value(), 0);
}

TEST_F(PgConnectionTest, ServerSpecialDoublesAreRead) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  auto r = conn->Run("specials", "SELECT 'NaN'::float8, 'Infinity'::float8, '-Infinity'::float8",
                     PgParams());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(std::isnan(r->Double(0, 0).value()));
  EXPECT_EQ(r->Double(0, 1).value(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(r->Double(0, 2).value(), -std::numeric_limits<double>::infinity());
}

TEST_F(PgConnectionTest, TransactionCommitsOrRollsBackWhenAbandoned) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  std::string t = FreshTable(*conn, "k bigint PRIMARY KEY");
  const std::string insert = "INSERT INTO " + t + " VALUES ($1)";
  {
    auto tx = PgTransaction::Begin(*conn);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(conn->Run("ins", insert, PgParams().Add(int64_t{1})).ok());
    EXPECT_TRUE(conn->InTransaction());
  }  // abandoned: rolled back
  EXPECT_FALSE(conn->InTransaction());
  {
    auto tx = PgTransaction::Begin(*conn, "SERIALIZABLE");
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(conn->Run("ins", insert, PgParams().Add(int64_t{2})).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto r = conn->Run("keys", "SELECT string_agg(k::text, ',') FROM " + t, PgParams());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->Text(0, 0), "2");
}

TEST_F(PgConnectionTest, CommitOfAFailedTransactionIsAnError) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  std::string t = FreshTable(*conn, "k bigint PRIMARY KEY");
  ASSERT_TRUE(conn->Begin().ok());
  ASSERT_TRUE(conn->Exec("INSERT INTO " + t + " VALUES (1)").ok());
  EXPECT_FALSE(conn->Exec("INSERT INTO " + t + " VALUES (1)").ok());
  // PostgreSQL answers this COMMIT with ROLLBACK, not an error: it must not read as stored.
  Status commit = conn->Commit();
  EXPECT_FALSE(commit.ok());
  EXPECT_NE(commit.message().find("rolled back"), std::string::npos) << commit.message();
  EXPECT_FALSE(conn->InTransaction());
}

TEST_F(PgConnectionTest, AffectedCountsRows) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  std::string t = FreshTable(*conn, "k bigint");
  ASSERT_TRUE(conn->Exec("INSERT INTO " + t + " SELECT generate_series(1, 3)").ok());
  auto r = conn->Run("upd", "UPDATE " + t + " SET k = k + $1", PgParams().Add(int64_t{10}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->affected(), 3);
}

}  // namespace
}  // namespace emm::storage::postgres
