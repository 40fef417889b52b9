// The export leader among replicas on one PostgreSQL database: the process holding the session
// advisory lock kExportLeaderLockKey on a connection of its own (never the pool's, whose sessions
// are shared by requests). The lock lives as long as that session: when the leader exits, dies or
// loses its connection, the server releases it and the next replica to try takes it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "storage/export_leadership.h"
#include "storage/postgres/pg_connection.h"

namespace emm::storage::postgres {

// Any fixed number of our own, distinct from kMigrationLockKey and the writers' lock.
inline constexpr int64_t kExportLeaderLockKey = 0x656d6d5f6578706c;  // "emm_expl"

struct PgExportLeaderOptions {
  std::string url;         // DATABASE_URL
  std::string replica_id;  // names this process in the "taken"/"lost" log lines
};

class PgExportLeader final : public ExportLeadership {
 public:
  // Connects on the first IsLeader(), not here: a server down at start-up is "not leader" then.
  explicit PgExportLeader(PgExportLeaderOptions options);
  ~PgExportLeader() override;  // closing the connection releases the lock

  // The leader checks its session is alive (one round trip); any other process tries
  // pg_try_advisory_lock, which never waits. A broken connection is "not leader" (logged as lost
  // if it led), dropped, and opened again on the next call.
  bool IsLeader() override;

 private:
  void Drop(const Status& why);

  PgExportLeaderOptions options_;
  std::unique_ptr<PgConnection> conn_;
  bool leader_ = false;
  bool failing_ = false;  // the last call could not reach the server: warn once, not each time
};

}  // namespace emm::storage::postgres
