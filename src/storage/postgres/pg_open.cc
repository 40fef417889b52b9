#include "storage/postgres/pg_open.h"

#include "storage/postgres/pg_event_store.h"

namespace emm::storage::postgres {

Result<std::unique_ptr<EventStore>> OpenPostgresStore(const PgStoreOptions& options) {
  auto store = PgEventStore::Open(options);
  if (!store.ok()) return store.status();
  return std::unique_ptr<EventStore>(std::move(store).value());
}

}  // namespace emm::storage::postgres
