#include "storage/postgres/pg_export_leader.h"

#include "common/log.h"

namespace emm::storage::postgres {

PgExportLeader::PgExportLeader(PgExportLeaderOptions options) : options_(std::move(options)) {}

PgExportLeader::~PgExportLeader() {
  if (leader_) log::Info("export leadership released", {{"replica", options_.replica_id}});
}

void PgExportLeader::Drop(const Status& why) {
  if (leader_) {
    log::Warn("export leadership lost",
              {{"replica", options_.replica_id}, {"error", why.ToString()}});
  } else if (!failing_) {
    log::Warn("export leadership: cannot reach the database; not exporting",
              {{"replica", options_.replica_id}, {"error", why.ToString()}});
  }
  failing_ = true;
  leader_ = false;
  conn_.reset();
}

bool PgExportLeader::IsLeader() {
  if (conn_ && conn_->Broken()) Drop(Status::Unavailable("the connection was closed"));
  if (!conn_) {
    auto conn = PgConnection::Open(options_.url, "DATABASE_URL");
    if (!conn.ok()) {
      Drop(conn.status());
      return false;
    }
    conn_ = std::move(*conn);
  }
  if (leader_) {
    // The lock is held while the session lives: a round trip shows it does.
    auto alive = conn_->Run("emm_export_leader_alive", "SELECT 1", PgParams());
    if (!alive.ok()) Drop(alive.status());
    return leader_;
  }
  auto taken = conn_->Run("emm_export_leader_try", "SELECT pg_try_advisory_lock($1)",
                          PgParams().Add(kExportLeaderLockKey));
  if (!taken.ok()) {
    Drop(taken.status());
    return false;
  }
  failing_ = false;
  if (taken->Text(0, 0) == "t") {
    leader_ = true;
    log::Info("export leadership taken", {{"replica", options_.replica_id}});
  }
  return leader_;
}

}  // namespace emm::storage::postgres
