// The schema in PostgreSQL's SQL, as the same numbered steps as SQLite's (storage/sqlite/
// migrations.cc), applied by the shared runner (storage/migration_runner.h) under an advisory lock
// so that replicas starting together migrate once.
#pragma once

#include <span>

#include "storage/migration_runner.h"

namespace emm::storage::postgres {

class PgConnection;

// Versions 1..N, the same numbers as SQLite's, so both backends report the same schema version.
std::span<const MigrationStep> PgMigrations();

// The advisory lock key every migrator takes (pg_advisory_lock): any fixed number of our own.
inline constexpr int64_t kMigrationLockKey = 0x656d6d5f6d6967;  // "emm_mig"

// Applies the missing steps on `conn` (the store's first connection, before any other use),
// holding the session advisory lock for the whole run: a second migrator waits, then finds the
// steps applied and applies none. A database newer than this binary, or the Node.js original's,
// is refused untouched (kFailedPrecondition). `database` names it in messages.
Result<MigrationOutcome> MigratePostgres(PgConnection& conn, const std::string& database);

}  // namespace emm::storage::postgres
