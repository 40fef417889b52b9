// Which backend holds the events, and opening it: the one function the command line (serve,
// migrate, rebuild-metrics) calls, so every command works on either backend.
#pragma once

#include <memory>

#include "common/status.h"
#include "storage/event_store.h"
#include "storage/migration_runner.h"
#include "storage/postgres/pg_open.h"
#include "storage/sqlite/sqlite_event_store.h"

namespace emm::storage {

enum class Backend { kSqlite, kPostgres };

struct StoreChoice {
  Backend backend = Backend::kSqlite;
  SqliteOptions sqlite;               // kSqlite
  postgres::PgStoreOptions postgres;  // kPostgres
};

struct OpenedStore {
  std::unique_ptr<EventStore> store;
  MigrationOutcome migrations;  // what opening applied, and the schema version after
};

// Migrates the database (PostgreSQL: under the migration advisory lock, so replicas starting
// together apply each step once), then opens the store.
Result<OpenedStore> OpenEventStore(const StoreChoice& choice);

// Migrates only: `em-metrics migrate` (PostgreSQL: no pool is opened).
Result<MigrationOutcome> MigrateEventStore(const StoreChoice& choice);

}  // namespace emm::storage
