// PostgreSQL's schema through the shared runner, each test on a database of its own: every step
// applied once, the same tables, columns and indexes as a freshly migrated SQLite file, concurrent
// migrators, and the refusal of a newer schema.
#include "storage/postgres/pg_migrations.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <map>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "storage/postgres/pg_fixture.h"
#include "storage/sqlite/migrations.h"
#include "storage/sqlite/sqlite_event_store.h"
#include "storage/temp_dir.h"

namespace emm::storage::postgres {
namespace {

using Schema = std::map<std::string, std::set<std::string>>;  // table -> its columns

class PgMigrationsTest : public testing::PgFixture {
 protected:
  static std::unique_ptr<PgConnection> Open(const std::string& url) {
    auto conn = PgConnection::Open(url);
    EXPECT_TRUE(conn.ok()) << conn.status().ToString();
    return conn.ok() ? std::move(conn).value() : nullptr;
  }

  static std::vector<std::string> Column0(PgConnection& conn, const std::string& sql) {
    std::vector<std::string> out;
    auto r = conn.Run("q" + std::to_string(std::hash<std::string>{}(sql)), sql, PgParams());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (r.ok()) {
      for (int i = 0; i < r->rows(); ++i) out.emplace_back(r->Text(i, 0));
    }
    return out;
  }
};

const int kLatest = static_cast<int>(sqlite::Migrations().size());

std::vector<int> AllVersions() {
  std::vector<int> v;
  for (int i = 1; i <= kLatest; ++i) v.push_back(i);
  return v;
}

// The schema of a SQLite file freshly migrated by the SQLite store: tables (with their columns)
// and the indexes we create (not SQLite's automatic ones).
void ReadSqliteSchema(Schema& tables, std::set<std::string>& indexes) {
  storage::testing::TempDir dir;
  SqliteOptions o;
  o.path = dir.File("schema.db");
  o.full_sync = false;
  ASSERT_TRUE(SqliteEventStore::Open(o).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(o.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  auto each = [&](const std::string& sql, auto on_row) {
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    while (sqlite3_step(st) == SQLITE_ROW) on_row(st);
    sqlite3_finalize(st);
  };
  auto text = [](sqlite3_stmt* st, int col) {
    return std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, col)));
  };
  std::vector<std::string> names;
  each("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
       [&](sqlite3_stmt* st) { names.push_back(text(st, 0)); });
  for (const auto& t : names) {
    each("SELECT name FROM pragma_table_info('" + t + "')",
         [&](sqlite3_stmt* st) { tables[t].insert(text(st, 0)); });
  }
  each("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
       [&](sqlite3_stmt* st) { indexes.insert(text(st, 0)); });
  sqlite3_close(db);
}

TEST_F(PgMigrationsTest, StepsAreNumberedLikeSqlites) {
  ASSERT_EQ(PgMigrations().size(), sqlite::Migrations().size());
  for (size_t i = 0; i < PgMigrations().size(); ++i) {
    EXPECT_EQ(PgMigrations()[i].version, sqlite::Migrations()[i].version);
    EXPECT_STREQ(PgMigrations()[i].name, sqlite::Migrations()[i].name);
  }
}

TEST_F(PgMigrationsTest, AnEmptyDatabaseGetsSqlitesTablesColumnsAndIndexes) {
  auto conn = Open(FreshDatabase());
  ASSERT_NE(conn, nullptr);
  auto out = MigratePostgres(*conn, "test");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->applied, AllVersions());
  EXPECT_EQ(out->schema_version, kLatest);

  Schema sqlite_tables;
  std::set<std::string> sqlite_indexes;
  ReadSqliteSchema(sqlite_tables, sqlite_indexes);
  ASSERT_FALSE(sqlite_tables.empty());

  Schema pg_tables;
  auto r = conn->Run("columns",
                     "SELECT table_name, column_name FROM information_schema.columns "
                     "WHERE table_schema = current_schema()",
                     PgParams());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (int i = 0; i < r->rows(); ++i) {
    pg_tables[std::string(r->Text(i, 0))].insert(std::string(r->Text(i, 1)));
  }
  // The only columns SQLite has no counterpart of: PostgreSQL's stand-ins for SQLite's implicit
  // rowid where the store reads rows in the order stored (a table without a key of its own).
  const std::vector<std::pair<std::string, std::string>> rowid_stand_ins = {
      {"pull_request_reviews", "seq"},
      {"ticket_status_changes", "seq"},
      {"ticket_estimation_changes", "seq"},
  };
  for (const auto& [table, column] : rowid_stand_ins) {
    EXPECT_EQ(pg_tables[table].erase(column), 1u) << table << "." << column;
  }
  EXPECT_EQ(pg_tables, sqlite_tables);

  // Constraint indexes (primary keys, UNIQUE) are SQLite's automatic ones: not compared by name.
  auto pg_index_names = Column0(
      *conn,
      "SELECT i.indexname FROM pg_indexes i WHERE i.schemaname = current_schema() AND NOT EXISTS "
      "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)");
  EXPECT_EQ(std::set<std::string>(pg_index_names.begin(), pg_index_names.end()), sqlite_indexes);
}

TEST_F(PgMigrationsTest, MigratingAgainAppliesNothing) {
  std::string url = FreshDatabase();
  auto conn = Open(url);
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(MigratePostgres(*conn, "test").ok());
  auto again = Open(url);
  ASSERT_NE(again, nullptr);
  auto out = MigratePostgres(*again, "test");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(out->applied.empty());
  EXPECT_EQ(out->schema_version, kLatest);
  EXPECT_EQ(Column0(*again, "SELECT count(*) FROM schema_migrations"),
            std::vector<std::string>{std::to_string(kLatest)});
}

TEST_F(PgMigrationsTest, ConcurrentMigratorsApplyEachStepOnce) {
  std::string url = FreshDatabase();
  auto a = Open(url);
  auto b = Open(url);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  Result<MigrationOutcome> out_a = Status::Internal("not run");
  Result<MigrationOutcome> out_b = Status::Internal("not run");
  std::thread ta([&] { out_a = MigratePostgres(*a, "a"); });
  std::thread tb([&] { out_b = MigratePostgres(*b, "b"); });
  ta.join();
  tb.join();
  ASSERT_TRUE(out_a.ok()) << out_a.status().ToString();
  ASSERT_TRUE(out_b.ok()) << out_b.status().ToString();
  // One of them applied every step, the other none.
  std::vector<int> applied = out_a->applied;
  applied.insert(applied.end(), out_b->applied.begin(), out_b->applied.end());
  EXPECT_EQ(applied, AllVersions());
  EXPECT_TRUE(out_a->applied.empty() || out_b->applied.empty());
  EXPECT_EQ(Column0(*a, "SELECT count(*) FROM schema_migrations"),
            std::vector<std::string>{std::to_string(kLatest)});
}

TEST_F(PgMigrationsTest, ANewerSchemaIsRefusedUntouched) {
  std::string url = FreshDatabase();
  auto conn = Open(url);
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(MigratePostgres(*conn, "test").ok());
  ASSERT_TRUE(conn->Exec("INSERT INTO schema_migrations VALUES (" + std::to_string(kLatest + 1) +
                         ", 'from the future', 0)")
                  .ok());
  auto out = MigratePostgres(*conn, "test");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(out.status().message().find("newer than this em-metrics"), std::string::npos)
      << out.status().message();
  // The lock was released: another connection migrates (and is refused) without waiting forever.
  auto other = Open(url);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(MigratePostgres(*other, "test").status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(PgMigrationsTest, TheNodeJsOriginalsDatabaseIsRefused) {
  auto conn = Open(FreshDatabase());
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->Exec("CREATE TABLE db_migrations (id INTEGER)").ok());
  auto out = MigratePostgres(*conn, "test");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(out.status().message().find("DATABASE_URL"), std::string::npos)
      << out.status().message();
  EXPECT_TRUE(Column0(*conn, "SELECT to_regclass('schema_migrations')::text") ==
              std::vector<std::string>{""});
}

}  // namespace
}  // namespace emm::storage::postgres
