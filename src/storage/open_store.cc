#include "storage/open_store.h"

#include "storage/postgres/pg_connection.h"
#include "storage/postgres/pg_migrations.h"

namespace emm::storage {
namespace {

// One connection of its own, closed after the run: the store's pool starts on a current schema.
Result<MigrationOutcome> MigratePostgresDatabase(const postgres::PgStoreOptions& o) {
  auto conn = postgres::PgConnection::Open(o.url, "DATABASE_URL");
  if (!conn.ok()) return conn.status();
  // Messages name the database without the URL, whose password must stay out of them.
  return postgres::MigratePostgres(**conn, "the PostgreSQL database");
}

}  // namespace

Result<OpenedStore> OpenEventStore(const StoreChoice& choice) {
  OpenedStore out;
  if (choice.backend == Backend::kSqlite) {
    auto store = SqliteEventStore::Open(choice.sqlite);  // migrates as it opens
    if (!store.ok()) return store.status();
    out.migrations = {(*store)->applied_migrations(), (*store)->schema_version()};
    out.store = std::move(*store);
    return out;
  }
  auto migrated = MigratePostgresDatabase(choice.postgres);
  if (!migrated.ok()) return migrated.status();
  auto store = postgres::OpenPostgresStore(choice.postgres);
  if (!store.ok()) return store.status();
  out.migrations = std::move(*migrated);
  out.store = std::move(*store);
  return out;
}

Result<MigrationOutcome> MigrateEventStore(const StoreChoice& choice) {
  if (choice.backend == Backend::kPostgres) return MigratePostgresDatabase(choice.postgres);
  auto opened = OpenEventStore(choice);
  if (!opened.ok()) return opened.status();
  return std::move(opened->migrations);
}

}  // namespace emm::storage
