// storage::OpenEventStore / MigrateEventStore choosing PostgreSQL: the schema is migrated on a
// real server (once, however often it runs), and a bad or unreachable DATABASE_URL says so.
#include <gtest/gtest.h>

#include "storage/open_store.h"
#include "storage/postgres/pg_fixture.h"
#include "storage/postgres/pg_migrations.h"
#include "storage/temp_dir.h"

namespace emm::storage {
namespace {

StoreChoice Postgres(std::string url) {
  StoreChoice c;
  c.backend = Backend::kPostgres;
  c.postgres.url = std::move(url);
  return c;
}

class PgOpenStoreTest : public postgres::testing::PgFixture {};

TEST_F(PgOpenStoreTest, MigrateAppliesEveryStepOnce) {
  const StoreChoice choice = Postgres(FreshDatabase());
  auto first = MigrateEventStore(choice);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->applied.size(), postgres::PgMigrations().size());
  EXPECT_EQ(first->schema_version, postgres::PgMigrations().back().version);
  auto again = MigrateEventStore(choice);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->applied.empty());
  EXPECT_EQ(again->schema_version, first->schema_version);
}

TEST_F(PgOpenStoreTest, OpeningMigratesFirst) {
  const StoreChoice choice = Postgres(FreshDatabase());
  (void)OpenEventStore(choice);  // the store itself: PgEventStore (issue 14)
  auto after = MigrateEventStore(choice);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_TRUE(after->applied.empty());
}

TEST(OpenStoreTest, ABadOrUnreachableDatabaseUrlSaysSo) {
  auto bad = OpenEventStore(Postgres("postgres://app:pw@db/emm?no_such_parameter=1"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  ASSERT_FALSE(bad.status().fields().empty());
  EXPECT_EQ(bad.status().fields().front().field, "DATABASE_URL");
  // Port 1 on the loopback: nothing listens there.
  auto down = MigrateEventStore(Postgres("postgres://app@127.0.0.1:1/emm?connect_timeout=2"));
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable) << down.status().ToString();
}

TEST(OpenStoreTest, SqliteOpensAndReportsItsMigrations) {
  testing::TempDir dir;
  StoreChoice c;
  c.sqlite.path = dir.File("em.db");
  c.sqlite.full_sync = false;
  auto opened = OpenEventStore(c);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  ASSERT_NE(opened->store, nullptr);
  EXPECT_FALSE(opened->migrations.applied.empty());
  EXPECT_EQ(opened->migrations.schema_version, opened->migrations.applied.back());
  opened->store.reset();
  auto again = MigrateEventStore(c);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->applied.empty());
}

}  // namespace
}  // namespace emm::storage
