// Opening a SQLite store: every migration applied once and in order, an older schema upgraded in
// place with its data, and the databases it must refuse (the Node.js service's, a newer schema).
#include "storage/sqlite/migrations.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "storage/sqlite/sqlite_event_store.h"
#include "storage/store_fixture.h"

namespace emm::storage {
namespace {

// The versions of the migrations from `first` on; they must be numbered 1, 2, 3, ... in order.
std::vector<int> VersionsFrom(int first) {
  std::vector<int> out;
  int expected = 1;
  for (const auto& m : sqlite::Migrations()) {
    EXPECT_EQ(m.version, expected++) << m.name;
    if (m.version >= first) out.push_back(m.version);
  }
  return out;
}
const int kLatest = static_cast<int>(sqlite::Migrations().size());

TEST_F(SqliteEventStoreTest, OpenCreatesParentDirectoriesAndAppliesEveryMigration) {
  ASSERT_FALSE(std::filesystem::exists(dir_.path() / "data"));
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(std::filesystem::exists(path_));
  EXPECT_EQ(store->applied_migrations(), VersionsFrom(1));
  EXPECT_EQ(store->schema_version(), kLatest);
}

TEST_F(SqliteEventStoreTest, ReopenAppliesNoMigration) {
  OpenStore().reset();
  auto again = OpenStore();
  ASSERT_NE(again, nullptr);
  EXPECT_TRUE(again->applied_migrations().empty());
  EXPECT_EQ(again->schema_version(), kLatest);
}


// A database written by the first release (schema 1) is upgraded in place, its data kept.
TEST_F(SqliteEventStoreTest, ASchemaOneDatabaseIsUpgradedInPlace) {
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  std::string v1 = std::string(sqlite::Migrations()[0].sql) +
                   "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
                   "NULL, applied_at INTEGER NOT NULL);"
                   "INSERT INTO schema_migrations VALUES (1, 'events and metric state', 0);"
                   "INSERT INTO deployments (id, project_id, environment, first_commit_at, "
                   "deploy_start_at, deployed_at, status, created_at) "
                   "VALUES ('kept', 'p1', 'e', 1, 2, 3, 'deployed', 1);"
                   "INSERT INTO incidents (id, project_id, environment, deployment_id, started_at, "
                   "restored_at, created_at) VALUES ('a', 'p1', 'e', 'kept', 4, 20, 4), "
                   "('b', 'p1', 'e', 'kept', 5, 10, 5), ('c', 'p1', 'e', 'kept', 6, NULL, 6);";
  ExecRaw(path_, v1.c_str());
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->applied_migrations(), VersionsFrom(2));
  auto kept = store->GetDeployment("kept");
  ASSERT_TRUE(kept.ok());
  ASSERT_TRUE(kept->has_value());
  EXPECT_EQ((*kept)->kind, domain::DeploymentKind::kPlanned);
  EXPECT_EQ((*kept)->commit_sha, "");
  // The failure facts are filled in from the incidents already stored.
  EXPECT_TRUE((*kept)->failed);
  EXPECT_EQ((*kept)->recovered_at, 10);
  auto marks = store->ListExportMarks();
  ASSERT_TRUE(marks.ok()) << marks.status().ToString();
  EXPECT_TRUE(marks->empty());
}

TEST_F(SqliteEventStoreTest, RefusesANodeJsDatabase) {
  std::string node_db = dir_.File("node.db");
  ExecRaw(node_db, "CREATE TABLE db_migrations (id INTEGER PRIMARY KEY, name TEXT)");
  SqliteOptions o;
  o.path = node_db;
  auto r = SqliteEventStore::Open(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("db_migrations"), std::string::npos);
}

TEST_F(SqliteEventStoreTest, AcceptsDbMigrationsNextToSchemaMigrations) {
  OpenStore().reset();
  ExecRaw(path_, "CREATE TABLE db_migrations (id INTEGER PRIMARY KEY)");
  auto store = OpenStore();
  EXPECT_NE(store, nullptr);
}

TEST_F(SqliteEventStoreTest, RefusesANewerSchema) {
  OpenStore().reset();
  ExecRaw(path_, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'x', 0)");
  SqliteOptions o;
  o.path = path_;
  auto r = SqliteEventStore::Open(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace emm::storage
