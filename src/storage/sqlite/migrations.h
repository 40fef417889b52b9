// The schema, as numbered migrations in SQLite's SQL, and the SQLite side of the shared runner
// (storage/migration_runner.h). A migration is never edited once released: add one.
#pragma once

#include <span>
#include <string>

#include "storage/migration_runner.h"

namespace emm::storage {
class SqliteConnection;
}

namespace emm::storage::sqlite {

using Migration = MigrationStep;

std::span<const Migration> Migrations();

// Applies the missing migrations on `writer` (the store's writer connection, before any other
// use); `path` names the file in error messages.
Result<MigrationOutcome> Migrate(SqliteConnection& writer, const std::string& path);

}  // namespace emm::storage::sqlite
