// Opening the PostgreSQL EventStore: what storage/open_store.cc calls when DATABASE_URL is set.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "common/status.h"
#include "storage/event_store.h"

namespace emm::storage::postgres {

struct PgStoreOptions {
  std::string url;       // DATABASE_URL: postgres://user:password@host:port/db?sslmode=...
  size_t pool_size = 8;  // DATABASE_POOL_SIZE: connections this process opens at most
  // How long a request waits for a free connection before it is answered 503 (kUnavailable).
  std::chrono::milliseconds acquire_timeout{5000};
};

// REQUIRES: the database is migrated (OpenEventStore runs MigratePostgres first, under its
// advisory lock). A server that cannot be reached is kUnavailable, a bad URL kInvalidArgument
// naming DATABASE_URL.
Result<std::unique_ptr<EventStore>> OpenPostgresStore(const PgStoreOptions& options);

}  // namespace emm::storage::postgres
