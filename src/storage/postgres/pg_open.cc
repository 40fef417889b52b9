#include "storage/postgres/pg_open.h"

namespace emm::storage::postgres {

// STUB (issue 14): PgEventStore is being written on its own branch (pg_event_store.*); the lead
// wires this function to it at merge. Until then DATABASE_URL migrates the database and stops
// here with this message (exit 1), never half-serving.
Result<std::unique_ptr<EventStore>> OpenPostgresStore(const PgStoreOptions&) {
  return Status::Unimplemented(
      "the PostgreSQL event store is not built into this binary yet (issue 14): the database was "
      "migrated; serve with SQLITE_DB until it lands");
}

}  // namespace emm::storage::postgres
